from django.db import models
from django.db.models import Q


class Invitation(models.Model):
    """A single-use link inviting an agent to register. Its token is derived from its id (hod.tokens), never stored."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="invitations")
    # Links made before tokens were derived: only their hash, to open them until they expire.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True, help_text="Replaced by a newer invitation")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agent"], name="invitation_open", condition=Q(used_at=None, voided_at=None))]

    def __str__(self) -> str:
        return f"invitation {self.pk} for agent {self.agent_id}"
