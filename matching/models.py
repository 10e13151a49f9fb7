from django.db import models

from agents.models import Agent, License

# What the candidate table mirrors, and where: the function `matching_refresh_candidates` and the
# statement-level triggers that call it are in migrations/0002_candidates.py (migrations stay
# frozen: a change to them is a new migration that replaces the function). A write to any of these
# fields refreshes the agent's candidate rows; tests check that each field still exists under the
# name the triggers use, and that every column the eligibility rules read on the agent's row is
# either mirrored here or checked after the walk (`matching.nearest` asks the rules for the nearest few).
MIRRORED_FIELDS = {
    Agent: ("npn", "latitude", "longitude", "taking_referrals", "last_offered_at"),
    Agent.languages.through: ("agent", "language"),
    License: ("npn", "state", "active"),
}
CHECKED_AFTER_THE_WALK = {  # agent-row columns the rules read that the candidate table does not narrow by
    "display_option",
    "home_state",
    "registered_at",
    "cell_phone",
    "zip_code",
    "user",
}


class Candidate(models.Model):
    """Where an agent could be offered referrals: one row per state they hold an active license in
    and language they speak, at their location, with their switch and when they were last offered a referral.

    A derived table that only PostgreSQL fills: triggers on the agents' tables keep it in step with
    every write, bulk imports included (migration 0002, mirroring MIRRORED_FIELDS), and a GiST index
    on (segment, location) over the available rows lets "who is nearest" walk only the agents who
    could take this referral.
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
        # A state and language's rows, switched on or off (matching.nearest.anyone_could_come).
        indexes = [models.Index(fields=["state", "language", "agent"], name="candidate_state_language")]

    def __str__(self) -> str:
        return f"agent {self.agent_id} in {self.state} ({self.language})"


class AnswerRecord(models.Model):
    """How an agent answered their last offers, for the responsiveness tie-break (HOD_RESPONSIVENESS_TIE_BREAK_MILES,
    an experiment that ships off): `recent_lapses` holds one bit per offer, newest lowest, set when the offer lapsed
    unanswered (matching.responsiveness keeps the last RECENT_OFFERS). Written by `referrals` through
    `matching.responsiveness.record_outcome` whenever an offer is answered or lapses; withdrawn offers leave no mark."""

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, primary_key=True, related_name="+")
    recent_lapses = models.PositiveIntegerField(default=0, help_text="One bit per recent offer: 1 = it lapsed")

    def __str__(self) -> str:
        return f"agent {self.agent_id}: {self.recent_lapses:b}"
