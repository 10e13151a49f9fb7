"""A consumer's request for help (a referral) and the offers it makes to agents, one at a time (by default).

    referral: new → offered ⇄ waiting → accepted            | withdrawn | expired
    offer:    pending → accepted | rejected | lapsed | withdrawn;  accepted → handed back | not called

The database holds the invariants: at most one pending offer per referral (per place, when the experiment
HOD_OFFERS_AT_ONCE offers it to several agents at once) and one accepted offer, one offer per (referral, agent),
and no offer accepted after its window closed.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from agents.models import Agent
from hod.reference.models import Language, State
from hod.tokens import sign


def new_reference() -> str:
    """A short reference a consumer can read out on the phone: 8 characters, no 0/O or 1/I/L."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Referral(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OFFERED = "offered", "Offered to an agent"
        WAITING = "waiting", "Waiting for an available agent"
        ACCEPTED = "accepted", "Accepted"
        WITHDRAWN = "withdrawn", "Withdrawn by the consumer"
        EXPIRED = "expired", "Expired: nobody accepted"
        CLOSED = "closed", "Closed by an administrator (spam or a duplicate)"

    OPEN = (Status.NEW, Status.OFFERED, Status.WAITING)

    reference = models.CharField(max_length=8, unique=True, default=new_reference)
    # The consumer's private status link carries a token derived from the id and this version
    # (`status_token`); bumping the version voids the old link. Nothing stored opens it.
    link_version = models.PositiveSmallIntegerField(default=1)
    status_link_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the status link was last sent again (at most once an hour)"
    )
    # Links made before tokens were derived: only their hash, to open them until the request closes.
    status_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.NEW)

    # The consumer: their name, phone and e-mail reach only the agent who accepts.
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    phone = PhoneNumberField(region="US")
    email = models.EmailField(blank=True)
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    message_language = models.CharField(max_length=2, default="en", help_text="Language of the consumer's messages")
    consented_at = models.DateTimeField(
        null=True, blank=True, help_text="When the consumer agreed to be contacted by phone and text"
    )
    zip_code = models.CharField("ZIP code", max_length=5)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Disposition(models.TextChoices):
        CONTACTED = "contacted", _("Contacted")
        ENROLLED = "enrolled", _("Enrolled")
        COULD_NOT_REACH = "could_not_reach", _("Could not reach")
        NOT_INTERESTED = "not_interested", _("Not interested")
        OTHER = "other", _("Other")

    disposition = models.CharField(max_length=15, choices=Disposition.choices, blank=True)
    disposition_note = models.CharField(max_length=500, blank=True)
    disposition_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="Closed as expired if nobody has accepted by then")
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the consumer's contact details were erased (referrals.erasure)"
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("view_service_dashboard", "Can view the service dashboard"),
            ("view_coverage", "Can view coverage by state and language"),
            ("view_responsiveness", "Can view agents' responsiveness"),
            ("close_referral", "Can close a request as spam or a duplicate"),
            ("offer_referral_again", "Can offer a request again now"),
            ("send_status_link", "Can send a consumer's status link again"),
            ("give_referral_to_agent", "Can give a request to a chosen agent"),
            ("export_referrals", "Can export referrals and offers as CSV"),
            ("erase_consumer_data", "Can erase a consumer's contact details (a deletion request)"),
        ]
        indexes = [
            # Reporting: a period's requests, read from the index alone (the dashboard's counts, percentiles and
            # outcomes), and those erased in a period.
            # (Key columns rather than INCLUDE, which SQLite lacks and warns about.)
            models.Index(
                fields=["created_at", "status", "state", "language", "accepted_at", "disposition", "id"],
                name="referral_created_covering",
            ),
            models.Index(fields=["erased_at"], name="referral_erased", condition=Q(erased_at__isnull=False)),
            # Coverage: the requests that expired in a period, for want of an agent.
            models.Index(fields=["closed_at"], name="referral_expired", condition=Q(status="expired")),
            # The sweep's questions: which open referrals are past their time, which wait for an agent.
            models.Index(
                fields=["expires_at"], name="referral_open", condition=Q(status__in=["new", "offered", "waiting"])
            ),
            models.Index(
                fields=["state", "language", "created_at"],
                name="referral_waiting",
                condition=Q(status__in=["new", "offered", "waiting"]),
            ),
            # Erasure's question: which closed referrals still hold contact details, oldest first.
            models.Index(fields=["closed_at", "id"], name="referral_to_erase", condition=Q(erased_at__isnull=True)),
        ]
        constraints = [
            # One open request per phone: a second submission (a double tap included) shows the first.
            models.UniqueConstraint(
                fields=["phone"],
                name="one_open_request_per_phone",
                condition=Q(status__in=["new", "offered", "waiting"]),
            ),
            # An erased request is never offered again (a hand-back must not send agents an empty request).
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True) | ~Q(status__in=["new", "offered", "waiting"]),
                name="erased_stays_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def can_be_withdrawn(self) -> bool:
        """Open, or accepted (the agent is told not to call)."""
        return self.is_open or self.status == self.Status.ACCEPTED

    @property
    def status_token(self) -> str:
        """The secret of the consumer's private status link (hod.tokens)."""
        return sign("status", self.pk, self.link_version)


MAX_OFFERS_AT_ONCE = 3  # the largest HOD_OFFERS_AT_ONCE (hod/settings.py)


class Offer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        LAPSED = "lapsed", _("Lapsed (no answer in time)")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        HANDED_BACK = "handed_back", _("Handed back after accepting")
        # After accepting, the agent recorded no contact and the consumer said nobody called: not a hand-back.
        NOT_CALLED = "not_called", _("The consumer said nobody called")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="offers", db_index=False)  # offer_agent
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.PENDING)
    distance_miles = models.FloatField()
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="The end of the window to accept or reject")
    responded_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=255, blank=True, help_text="Why it was rejected or handed back")
    handed_back_at = models.DateTimeField(
        null=True, blank=True, help_text="When the accepted referral left the agent: handed back, or nobody called"
    )
    # Which of the referral's HOD_OFFERS_AT_ONCE places the offer holds (0 when agents are offered one at a time):
    # the database allows one pending offer per place, so never more pending offers than places.
    slot = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["offered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "agent"], name="one_offer_per_agent"),
            models.UniqueConstraint(
                fields=["referral", "slot"], condition=Q(status="pending"), name="one_pending_offer_per_slot"
            ),
            models.CheckConstraint(condition=Q(slot__lt=MAX_OFFERS_AT_ONCE), name="offer_slot_in_range"),
            models.UniqueConstraint(fields=["referral"], condition=Q(status="accepted"), name="one_accepted_offer"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(responded_at__lte=F("expires_at")),
                name="accepted_within_window",
            ),
        ]
        indexes = [
            # Reporting: a period's offers, read from the index alone (by answer, and by agent).
            models.Index(fields=["offered_at", "status", "agent", "responded_at", "id"], name="offer_offered_covering"),
            # An agent's offers in a period (responsiveness), and any lookup by agent; and each agent's last answer
            # (their lapses in a row are the offers that lapsed after it).
            models.Index(fields=["agent", "offered_at"], name="offer_agent"),
            models.Index(
                fields=["agent", "offered_at"],
                name="offer_answered",
                condition=Q(status__in=["accepted", "rejected", "handed_back", "not_called"]),
            ),
            models.Index(fields=["expires_at"], name="offer_pending", condition=Q(status="pending")),
            models.Index(fields=["agent"], name="offer_pending_agent", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} of {self.referral_id} to agent {self.agent_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_accepted(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    # Why an offer was withdrawn when the referral was offered to several agents at once (HOD_OFFERS_AT_ONCE)
    # and another of them accepted first.
    TAKEN_BY_ANOTHER = "another agent accepted the referral first"

    @property
    def is_taken_by_another(self) -> bool:
        return self.is_withdrawn and self.reject_reason == self.TAKEN_BY_ANOTHER

    @property
    def is_handed_back(self) -> bool:
        return self.status == self.Status.HANDED_BACK

    @property
    def is_not_called(self) -> bool:
        return self.status == self.Status.NOT_CALLED


class Event(models.Model):
    """Every transition of a referral or its offers, with its time: the referral's timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", "Request received"
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        LAPSED = "lapsed", "Lapsed"
        WAITING = "waiting", "Waiting: no agent available"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"
        OUTCOME = "outcome", "Outcome recorded"
        OFFER_WITHDRAWN = "offer_withdrawn", "Offer taken back from its agent"
        HANDED_BACK = "handed_back", "Handed back by the agent who accepted"
        NOT_CALLED = "not_called", "The consumer said nobody called"
        CLOSED = "closed", "Closed by an administrator"
        LINK_SENT = "link_sent", "Status link sent again by an administrator"
        ERASED = "erased", "Contact details erased"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M:%S}"


class SentElsewhere(models.Model):
    """Consumers sent to another Marketplace's help (their state is not served here): an anonymous count
    by state and day (the state's own date), since that page saves nothing else."""

    state = models.CharField(max_length=2)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "consumers sent to another Marketplace"
        verbose_name_plural = "consumers sent to another Marketplace"
        constraints = [models.UniqueConstraint(fields=["state", "day"], name="one_count_per_state_and_day")]

    def __str__(self) -> str:
        return f"{self.count} from {self.state} on {self.day}"


class IntakePause(models.Model):
    """Intake paused by an administrator, everywhere (no state) or in one state: the Get Contacted page shows
    the message instead of the form and refuses requests. Requests already made still go to agents. An ended
    pause stays, as the record of who paused and resumed intake, and when (referrals.intake changes them)."""

    DEFAULT_MESSAGE_EN = (
        "Help On Demand is not taking new requests for now. Please try again later, or get free help another way below."
    )
    DEFAULT_MESSAGE_ES = (
        "Por ahora, Help On Demand no acepta solicitudes nuevas. Vuelva a intentarlo más tarde o reciba ayuda "
        "gratuita de otra manera, como se indica abajo."
    )

    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Empty: everywhere."
    )
    message_en = models.TextField(
        "message in English",
        max_length=1000,
        default=DEFAULT_MESSAGE_EN,
        help_text="Shown at /get-contacted/ instead of the form. The other ways to get free help (the Marketplace "
        f"Call Center, local help, HealthCare.gov) follow it. Suggested: “{DEFAULT_MESSAGE_EN}”",
    )
    message_es = models.TextField(
        "message in Spanish",
        max_length=1000,
        default=DEFAULT_MESSAGE_ES,
        help_text=f"Shown at /es/get-contacted/, in formal Spanish (usted). Suggested: “{DEFAULT_MESSAGE_ES}”",
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="paused by"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="resumed by",
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            # At most one active pause everywhere and one per state (no state counts as one scope of its own).
            models.UniqueConstraint(
                Coalesce("state", models.Value("")),
                condition=Q(ended_at__isnull=True),
                name="one_active_pause_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")), name="pause_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"intake paused {self.where} from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def where(self) -> str:
        return f"in {self.state_id}" if self.state_id else "everywhere"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def message(self, language: str) -> str:
        """The message in the page's language (English for any language but Spanish)."""
        return self.message_es if language.startswith("es") else self.message_en


class DailyFigures(models.Model):
    """A settled day's figures for the service dashboard, or an aligned block of such days', in one viewer's
    time zone, kept once counted so that a week or a season is read from a few rows instead of counted from a
    million (referrals.reporting.daily makes and refreshes them). Counts only: no consumer or agent is named."""

    zone = models.CharField(max_length=40)
    day = models.DateField(help_text="The first day")
    days = models.PositiveSmallIntegerField(default=1, help_text="1, or a block of 4, 16 or 64 days")
    window_seconds = models.PositiveIntegerField(help_text="HOD_OFFER_WINDOW_SECONDS when computed")
    data = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "daily figures"
        constraints = [
            models.UniqueConstraint(fields=["zone", "day", "days"], name="one_figures_row_per_zone_and_block")
        ]

    def __str__(self) -> str:
        return f"figures of {self.days} days from {self.day} ({self.zone})"
