"""What the CMS files say, keyed by NPN: imported in full snapshots, never deleted.

A row missing from the newest import of its kind (and plan year) is marked inactive and kept.
"""

from django.db import models
from django.db.models.functions import Lower


class ImportRun(models.Model):
    class Kind(models.TextChoices):
        REGISTRATION_LIST = "registration_list", "FFM Registration Completion List"
        LICENSES = "licenses", "Licenses (NIPR)"
        MLMS = "mlms", "MLMS profiles and training"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Nothing imported"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    source = models.TextField(blank=True, help_text="The uploaded file, kept until the import has run")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.WAITING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    report = models.TextField(blank=True)
    created_by = models.ForeignKey("agents.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "import"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.WAITING, self.Status.RUNNING)


class MarketplaceRegistration(models.Model):
    """A row of the FFM Registration Completion List for one plan year."""

    npn = models.CharField("NPN", max_length=10, db_index=True)
    plan_year = models.PositiveSmallIntegerField()
    individual_registration_completion_date = models.DateField(null=True, blank=True)
    individual_marketplace_end_date = models.DateField(null=True, blank=True)
    shop_registration_completion_date = models.DateField(null=True, blank=True)
    shop_end_date = models.DateField(null=True, blank=True)
    npn_valid_current_plan_year_only = models.CharField(max_length=5, blank=True)
    active = models.BooleanField("in the latest list", default=True)
    last_import = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["npn", "plan_year"], name="one_registration_per_year")]

    def __str__(self) -> str:
        return f"NPN {self.npn} plan year {self.plan_year}"


class TrainingCompletion(models.Model):
    """Help On Demand training in the MLMS for one plan year (from the MLMS export)."""

    npn = models.CharField("NPN", max_length=10, db_index=True)
    plan_year = models.PositiveSmallIntegerField()
    completed_on = models.DateField(null=True, blank=True)
    active = models.BooleanField("in the latest export", default=True)
    last_import = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["npn", "plan_year"], name="one_training_per_year")]

    def __str__(self) -> str:
        return f"NPN {self.npn} training {self.plan_year}"


class License(models.Model):
    """A state license (NIPR), with its lines of authority."""

    npn = models.CharField("NPN", max_length=10)
    state = models.CharField(max_length=2)
    license_number = models.CharField(max_length=40)
    status = models.CharField(max_length=40)
    expiration_date = models.DateField(null=True, blank=True)
    resident = models.BooleanField(default=False)
    active = models.BooleanField("in the latest import", default=True)
    last_import = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["npn", "state", "license_number"], name="one_license_per_number"),
        ]
        indexes = [models.Index(fields=["npn", "state"], name="license_npn_state")]

    def __str__(self) -> str:
        return f"{self.state} license {self.license_number} (NPN {self.npn})"


class LineOfAuthority(models.Model):
    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="lines_of_authority")
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=40)
    active = models.BooleanField("in the latest import", default=True)
    last_import = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["license", "name"], name="one_line_per_name")]
        verbose_name_plural = "lines of authority"

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class HealthLineOfAuthority(models.Model):
    """A line-of-authority name that counts as health-related (matched without regard to case)."""

    name = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="health_line_name_unique")]
        ordering = ["name"]
        verbose_name = "health-related line-of-authority name"

    def __str__(self) -> str:
        return self.name
