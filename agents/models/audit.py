from django.conf import settings
from django.db import models


class AgentChange(models.Model):
    """One change to an agent made in Help On Demand: who made it, what, when (as referrals keep `Event`s).

    `by` is the person who made it (the agent, or an administrator); empty when Help On Demand made it
    itself. The sweep's flips at the boundaries of the agent's own hours and absences are not rows:
    they follow from the hours and absences, whose changes are. Details name fields, never their values.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", "Registered"
        TERMS_ACCEPTED = "terms_accepted", "Accepted the Terms of Use"
        PROFILE = "profile", "Profile changed"
        STATE_PREFERENCES = "state_preferences", "State Preferences changed"
        SWITCHED_ON = "switched_on", "Started taking referrals"
        SWITCHED_OFF = "switched_off", "Stopped taking referrals"
        PAUSED = "paused", "Switched off by Help On Demand: offers went unanswered"
        HOURS = "hours", "Standard hours changed"
        ABSENCE_ADDED = "absence_added", "Absence added"
        ABSENCE_REMOVED = "absence_removed", "Absence removed"
        PASSKEY_ADDED = "passkey_added", "Passkey added"
        PASSKEY_RENAMED = "passkey_renamed", "Passkey renamed"
        PASSKEY_REMOVED = "passkey_removed", "Passkey removed"

    # No index of its own: the history index below starts with the agent (fewer indexes, faster sweeps).
    agent = models.ForeignKey("Agent", on_delete=models.CASCADE, related_name="changes", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["agent", "-at"], name="agent_change_history")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M:%S}"


class AgentNotice(models.Model):
    """Something an agent was told once and must not be told again (a new Terms version to accept, a plan
    year whose registration or training is missing): the notice's kind and what it was about."""

    agent = models.ForeignKey("Agent", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=30)
    about = models.CharField(max_length=60, help_text="What the notice was about: a Terms version, a plan year")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "kind", "about"], name="one_notice_per_subject")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.about}) to agent {self.agent_id}"
