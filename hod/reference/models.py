"""Data every app shares: states and their Marketplace type per plan year, languages, the plan year."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language


class State(models.Model):
    """One of the 50 states or the District of Columbia."""

    code = models.CharField(max_length=2, primary_key=True)
    name = models.CharField(max_length=60)
    name_es = models.CharField("name in Spanish", max_length=60)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        return self.name_es if get_language() == "es" else self.name


class MarketplaceType(models.TextChoices):
    FFM = "FFM", "FFM (federally facilitated)"
    SBM_FP = "SBM-FP", "SBM-FP (state-based, on the federal platform)"
    SBM = "SBM", "SBM (state-based, own platform)"


class StateMarketplace(models.Model):
    """Which kind of Marketplace a state has in a plan year, and where its consumers enroll.

    Help On Demand serves FFM and SBM-FP states; a consumer in an SBM state is sent to the
    Marketplace named here. Shipped from the CMS open enrollment report (see `note`); editable.
    """

    SERVED_TYPES = (MarketplaceType.FFM, MarketplaceType.SBM_FP)

    plan_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2014), MaxValueValidator(2100)])
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="marketplaces")
    type = models.CharField(max_length=6, choices=MarketplaceType.choices)
    marketplace_name = models.CharField(max_length=100)
    marketplace_url = models.URLField()
    note = models.CharField(max_length=255, blank=True, help_text="Where the row comes from, and what to verify.")

    class Meta:
        ordering = ["-plan_year", "state"]
        constraints = [
            models.UniqueConstraint(fields=["plan_year", "state"], name="one_marketplace_per_state_and_year"),
        ]
        verbose_name = "state Marketplace"

    def __str__(self) -> str:
        return f"{self.state_id} {self.plan_year}: {self.type}"

    @property
    def is_served(self) -> bool:
        """Whether Help On Demand makes referrals for consumers in this state and year."""
        return self.type in self.SERVED_TYPES


class Language(models.Model):
    """A language a consumer may ask for and an agent may speak (ISO 639-1 code)."""

    code = models.CharField("ISO 639-1 code", max_length=3, primary_key=True)
    name_en = models.CharField("English name", max_length=60)
    name_es = models.CharField("Spanish name", max_length=60)
    native_name = models.CharField("name in the language itself", max_length=60)
    position = models.PositiveSmallIntegerField(default=100, help_text="Lists show languages in this order.")

    class Meta:
        ordering = ["position", "name_en"]

    def __str__(self) -> str:
        return self.name_en

    @property
    def local_name(self) -> str:
        return self.name_es if get_language() == "es" else self.name_en

    @property
    def name_in_prose(self) -> str:
        """As a sentence says it: Spanish writes the names of languages in lower case ("en español")."""
        return self.name_es.lower() if get_language() == "es" else self.name_en


class PlanYearSetting(models.Model):
    """The administrators' choice of current plan year; one row. Empty: the default applies."""

    plan_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(2014), MaxValueValidator(2100)],
        help_text=(
            "Leave empty to follow HOD_PLAN_YEAR, or else the plan year whose open enrollment is current "
            "(next year from November 1)."
        ),
    )

    class Meta:
        verbose_name = "current plan year"
        verbose_name_plural = "current plan year"

    def __str__(self) -> str:
        return str(self.plan_year) if self.plan_year else "default"
