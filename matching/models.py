from django.db import models

from agents.models import Agent


class Candidate(models.Model):
    """Where an agent could be offered referrals: one row per state they hold an active license in
    and language they speak, at their location, with their switch and when they were last offered a referral.

    A derived table that only PostgreSQL fills: triggers on the agents' tables keep it in step with
    every write, bulk imports included (migration 0002), and a GiST index on (segment, location)
    over the available rows lets "who is nearest" walk only the agents who could take this referral.
    The eligibility rules are still checked on the agents' own tables; this only narrows the search.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+", db_index=False)
    state = models.CharField(max_length=2)
    language = models.CharField(max_length=3)
    segment = models.IntegerField(help_text="hashtext(state || '/' || language): the index's first key")
    latitude = models.FloatField()
    longitude = models.FloatField()
    available = models.BooleanField(help_text="The agent's taking-referrals switch")
    last_offered_at = models.DateTimeField(null=True, help_text="For ties: who has waited longest")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "state", "language"], name="one_candidate_row")]

    def __str__(self) -> str:
        return f"agent {self.agent_id} in {self.state} ({self.language})"
