from django.conf import settings
from django.db import models


class TermsDocument(models.Model):
    """A version of one of the two Terms of Use agents must accept. The newest published version of
    each kind is the current one; publishing a new version asks every agent to accept again."""

    class Kind(models.TextChoices):
        AGENTS_BROKERS = "agents_brokers", "Help On Demand Agents and Brokers Terms of Use"
        HELP_ON_DEMAND = "help_on_demand", "Help On Demand Terms of Use"

    kind = models.CharField(max_length=14, choices=Kind.choices)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    text = models.TextField()
    text_es = models.TextField("text in Spanish", blank=True)
    is_sample = models.BooleanField(default=False, help_text="A sample shipped with the project, not legal text")
    plan_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The plan year this version is for; empty: every plan year"
    )
    published_at = models.DateTimeField(null=True, blank=True, help_text="Empty: a draft agents do not see")

    class Meta:
        ordering = ["kind", "-published_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="one_terms_version")]
        verbose_name = "Terms of Use version"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class TermsAcceptance(models.Model):
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="terms_acceptances")
    terms = models.ForeignKey(TermsDocument, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField()
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "terms"], name="one_acceptance_per_version")]

    def __str__(self) -> str:
        return f"{self.agent_id} accepted {self.terms}"
