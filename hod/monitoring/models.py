"""What the periodic jobs last did: the facts behind /healthz, `check_health`, the admin's alerts and /metrics."""

from django.db import models


class Heartbeat(models.Model):
    """One periodic job or one step of it (`sweep.lapses`, …): its last success and its last failure."""

    name = models.CharField(max_length=64, primary_key=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="The last failure's error, or the rows the last run skipped")
    last_duration_seconds = models.FloatField(null=True, blank=True)
    skipped = models.PositiveIntegerField(default=0, help_text="Rows the last successful run could not handle")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def failing(self) -> bool:
        """The last run failed (a success since then clears it)."""
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )
