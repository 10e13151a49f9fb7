from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from phonenumber_field.modelfields import PhoneNumberField

from hod.reference.models import Language, State
from notifications.channels import RECOMMENDED_CONTACT_METHOD, ContactMethod


class User(AbstractUser):
    """Everyone who logs in: agents and brokers in the portal, staff in admin."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


npn_validator = RegexValidator(r"^\d{1,10}$", "An NPN is 1 to 10 digits.")


class ScheduleState(models.TextChoices):
    """Where the agent's standard hours and absences put them, as last applied to the switch."""

    NONE = "", "no hours set"
    IN_HOURS = "in_hours", "within standard hours"
    OUT_OF_HOURS = "out_of_hours", "outside standard hours"
    ABSENT = "absent", "on an extended absence"


class Agent(models.Model):
    """An agent or broker, as the MLMS describes them, and what they set up in Help On Demand.

    Name, e-mail, home state, languages and display option come from the MLMS import and are
    read-only here. No Social Security Number is ever stored.
    """

    class DisplayOption(models.IntegerChoices):
        ALL_STATES = 1, "1: all contact information, all licensed states"
        ALL_STATES_NO_ADDRESS = 2, "2: all but street address, all licensed states"
        HOME_STATE_ONLY = 3, "3: all contact information, home state only"
        DOES_NOT_PARTICIPATE = 4, "4: not displayed; does not participate"

    npn = models.CharField("NPN", max_length=10, unique=True, validators=[npn_validator])
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    home_state = models.CharField(max_length=2, blank=True, help_text="Two-letter code, from the MLMS")
    languages = models.ManyToManyField(Language, blank=True, related_name="agents")
    display_option = models.PositiveSmallIntegerField(
        choices=DisplayOption.choices, null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    in_mlms = models.BooleanField("in the latest MLMS import", default=True)
    mlms_import = models.ForeignKey("ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # Help On Demand account and profile (rule 7)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="agent"
    )
    cell_phone = PhoneNumberField(blank=True, region="US")
    callback_phone = PhoneNumberField(
        "call-back number",
        blank=True,
        default="",
        db_default="",  # bulk loads (bench, sim) that name no such column still work
        region="US",
        help_text="The number consumers are given when the agent accepts (the cell phone when empty)",
    )
    contact_method = models.CharField(
        "Preferred Contact Method", max_length=14, choices=ContactMethod.choices, default=RECOMMENDED_CONTACT_METHOD
    )
    zip_code = models.CharField("ZIP code", max_length=5, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    time_zone = models.CharField(max_length=40, blank=True, help_text="From the ZIP code")
    portal_language = models.CharField(max_length=2, choices=settings.LANGUAGES, default="en")
    registered_at = models.DateTimeField(null=True, blank=True, help_text="When the registration page was completed")
    deselected_states = models.ManyToManyField(
        State, through="StateDeselection", blank=True, related_name="+", help_text="State Preferences switched off"
    )

    # Availability (rule 8): the switch itself, and where hours and absences last put it
    taking_referrals = models.BooleanField(default=False)
    taking_referrals_changed_at = models.DateTimeField(null=True, blank=True)
    schedule_state = models.CharField(max_length=12, choices=ScheduleState.choices, blank=True, default="")
    schedule_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep next looks at the hours and absences: their next boundary"
    )
    # Offers that lapse unanswered switch the agent off (agents.pauses): how many lapsed in a row since they
    # last answered one (or were switched off for it), and when they were switched off, until they are on again.
    lapses_in_a_row = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        help_text="Offers that lapsed since the agent last accepted or rejected one, or was switched off",
    )
    paused_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When offers that went unanswered switched the agent off; empty once they are on again",
    )

    # For matching's tie-break: who has waited longest since their last offer
    last_offered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["taking_referrals"], name="agent_taking", condition=Q(taking_referrals=True)),
            models.Index(fields=["last_name", "first_name"], name="agent_name"),
            models.Index(
                fields=["schedule_due_at"], name="agent_schedule_due", condition=Q(schedule_due_at__isnull=False)
            ),
        ]
        constraints = [
            # A text reply is matched to its agent by the number: a number two agents share would
            # silently stop both from answering by text.
            models.UniqueConstraint(
                fields=["cell_phone"],
                name="one_registered_agent_per_cell_phone",
                condition=Q(registered_at__isnull=False) & ~Q(cell_phone=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} (NPN {self.npn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def number_for_consumers(self):
        """What a consumer is given when this agent accepts: the call-back number, else the cell phone."""
        return self.callback_phone or self.cell_phone

    # The MLMS display option (rule 4): 1 and 2 every licensed state, 3 the home state only, 4 none.
    EVERYWHERE_OPTIONS = (DisplayOption.ALL_STATES, DisplayOption.ALL_STATES_NO_ADDRESS)

    @property
    def participates(self) -> bool:
        """Takes part in Help On Demand at all (display option 1, 2 or 3)."""
        return self.participates_everywhere or self.home_state_only

    @property
    def participates_everywhere(self) -> bool:
        return self.display_option in self.EVERYWHERE_OPTIONS

    @property
    def home_state_only(self) -> bool:
        return self.display_option == self.DisplayOption.HOME_STATE_ONLY


class StateDeselection(models.Model):
    """A state the agent switched off in State Preferences. Stored as the exception, so that a state
    the agent becomes licensed in later is on by default, as the seed says."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE)
    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="+")
    deselected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "state"], name="one_deselection_per_state")]

    def __str__(self) -> str:
        return f"{self.state_id} off for agent {self.agent_id}"
