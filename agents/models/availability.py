from django.db import models
from django.db.models import F, Q


class WeeklyHours(models.Model):
    """A stretch of the agent's standard weekly hours, in the agent's own time zone. One that ends before it
    starts runs past midnight into the next day; a day may have several (a split shift)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts_at"]
        constraints = [models.CheckConstraint(condition=~Q(ends_at=F("starts_at")), name="hours_not_empty")]
        verbose_name_plural = "weekly hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Absence(models.Model):
    """An extended absence: from the first day to the last, inclusive, in the agent's time zone."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="absences")
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="absence_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.first_day} to {self.last_day}"
