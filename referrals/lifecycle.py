"""Every change of a referral or an offer is one function here: atomic, checked by the database,
its messages sent only after commit. Views, tasks and the sweep call these and stay thin.

Concurrency: every change to a referral or its offers first locks the referral's row (always in that
order, so two changes never wait on each other in a circle; a new referral, which no other process can see
before it commits, needs none); its next offer is chosen under that
lock (one offer at a time, or one per place with the experiment HOD_OFFERS_AT_ONCE: the first accept
withdraws the others under the same lock, so a second accept finds its offer withdrawn); the chosen
agent's row is locked while their capacity is re-checked (no agent over capacity); and every answer
to an offer is a conditional UPDATE on a pending offer (first one wins). An answer or a lapse then
writes its agent's row (their lapses in a row, agents.pauses) before the next agent is chosen; should
two sweeps ever cross over two agents' rows, PostgreSQL ends one of them, and the sweep lapses that
offer again without offering it on (its waiting part offers it).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from agents.availability import record_offer
from agents.eligibility import eligible_agents, eligible_among
from agents.models import Agent
from agents.pauses import record_answer, record_lapse
from hod.reference.lookups import ZipCode
from hod.tokens import hash_token, unsign
from matching.nearest import next_agent
from matching.responsiveness import record_outcome
from notifications.secrets import SecretGone
from notifications.sending import sent_together
from referrals import messages
from referrals.models import MAX_OFFERS_AT_ONCE, Event, Offer, Referral
from referrals.outlook import outlook_for

logger = logging.getLogger(__name__)


MAX_CHOICES = 5  # agents found at capacity by a concurrent offer before giving up until the next sweep
TAKEN = Offer.TAKEN_BY_ANOTHER  # why the other offers end, with HOD_OFFERS_AT_ONCE above 1


class OfferClosed(Exception):
    """An answer to an offer that is no longer open, with the reason: `lapsed`, `answered`, `withdrawn`, `taken`
    (another agent offered it at the same time accepted first)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotYourReferral(Exception):
    """An agent acting on a referral another agent accepted (or nobody did)."""


class AlreadyRequested(Exception):
    """The phone number has an open request already; `referral` is that request."""

    def __init__(self, referral: Referral) -> None:
        super().__init__(referral.reference)
        self.referral = referral


@dataclass(frozen=True)
class Consumer:
    first_name: str
    last_name: str
    phone: object
    email: str
    language: str
    message_language: str
    place: ZipCode


def _event(referral: Referral, kind: str, at: datetime, offer: Offer | None = None, detail: str = "") -> None:
    Event.objects.create(referral=referral, offer=offer, kind=kind, at=at, detail=detail[:255])


def create_referral(consumer: Consumer, now: datetime | None = None) -> Referral:
    """Record the request and offer it at once to the closest eligible agent (or let it wait), then
    send the consumer a confirmation with their private status link.

    A phone number with an open request already gets AlreadyRequested (the database decides, so two
    submissions at once make one request).
    """
    now = now or timezone.now()
    referral = None
    try:
        with sent_together():  # one transaction; the agent's offer and the consumer's confirmation in one hand-off
            # The first write: a phone number with an open request ends the whole transaction here, before
            # anything else is written (so it needs no savepoint of its own).
            referral = Referral.objects.create(
                consented_at=now,
                first_name=consumer.first_name,
                last_name=consumer.last_name,
                phone=consumer.phone,
                email=consumer.email,
                language_id=consumer.language,
                message_language=consumer.message_language,
                zip_code=consumer.place.code,
                city=consumer.place.city,
                state=consumer.place.state,
                latitude=consumer.place.latitude,
                longitude=consumer.place.longitude,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.HOD_REFERRAL_EXPIRY_SECONDS),
            )
            _event(referral, Event.Kind.CREATED, now)
            # No other process can see the new row before commit, so it needs no lock, and it holds no offers.
            offered = _fill_places(referral, set(), now)
            messages.tell_consumer_received(referral, "now" if offered else outlook_for(referral, now).kind)
    except IntegrityError:
        existing = open_referral_for_phone(consumer.phone) if referral is None else None
        if existing is None:
            raise
        raise AlreadyRequested(existing) from None
    logger.info("referral %s created", referral.pk)
    return referral


def referral_for_token(token: str) -> Referral | None:
    """The referral a private status link opens (None for a link voided by a newer version)."""
    referrals = Referral.objects.select_related("language")
    signed = unsign("status", token)
    if signed is None:
        return referrals.filter(status_token_hash=hash_token(token)).first()  # a link from before
    if len(signed) != 2 or not all(part.isdigit() for part in signed):
        return None
    return referrals.filter(pk=signed[0], link_version=signed[1]).first()


def status_link_secret(referral_id: str) -> dict[str, str]:
    """The status link, rebuilt when a message carrying it is sent (notifications.secrets)."""
    referral = Referral.objects.filter(pk=referral_id).only("pk", "link_version").first()
    if referral is None:
        raise SecretGone(f"referral {referral_id} is gone")
    return {"link": referral.status_token}


RESEND_AFTER = timedelta(hours=1)


def resend_status_link(referral: Referral, now: datetime | None = None) -> bool:
    """Someone asked again with the phone number of an open request: send the same link again to the
    contacts on the request, at most once an hour, and never a new one (the public form must not
    void anyone's link). Returns whether it was sent."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Q(status_link_sent_at__isnull=True) | Q(status_link_sent_at__lte=now - RESEND_AFTER)
        if not Referral.objects.filter(due, pk=referral.pk).update(status_link_sent_at=now):
            return False
        messages.send_status_link_again(referral)
    logger.info("status link of referral %s sent again", referral.pk)
    return True


def open_referral_for_phone(phone) -> Referral | None:
    """An open request from this phone number, if there is one (a second submission shows it)."""
    return Referral.objects.filter(phone=phone, status__in=Referral.OPEN).order_by("-created_at").first()


def agents_at_capacity(now: datetime) -> QuerySet:
    """Ids of agents holding HOD_MAX_PENDING_OFFERS pending offers still in their window (accepted
    referrals do not count, nor offers past their window that the sweep has not lapsed yet)."""
    pending = Offer.objects.filter(status=Offer.Status.PENDING, expires_at__gt=now).order_by()
    if settings.HOD_MAX_PENDING_OFFERS == 1:
        return pending.values("agent_id")
    return (
        pending.values("agent_id")
        .annotate(held=Count("pk"))
        .filter(held__gte=settings.HOD_MAX_PENDING_OFFERS)
        .values("agent_id")
    )


def agents_to_leave_out(referral: Referral, now: datetime, also: set[int] | None = None) -> QuerySet:
    """Ids of agents already offered this referral, agents at capacity, and `also`: a union of
    small index lookups, never a pass over the agents."""
    offered = Offer.objects.filter(referral=referral).order_by().values("agent_id")
    leave_out = offered.union(agents_at_capacity(now))
    if also:
        leave_out = leave_out.union(Agent.objects.filter(pk__in=also).order_by().values("pk"))
    return leave_out


def offer_next(referral: Referral, now: datetime | None = None, skip_locked: bool = False) -> Offer | None:
    """Offer the referral to the next agent, if it is open and holds no pending offer; else wait. With the
    experiment HOD_OFFERS_AT_ONCE (N above 1), to the next agents until N offers are pending, while agents
    remain. Returns the (first) offer made, or None.

    Locks the referral row, so two callers never both make an offer for it; with `skip_locked`
    (the sweep), a referral another process holds is left to that process.
    """
    now = now or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update(skip_locked=skip_locked).filter(pk=referral.pk).first()
        if referral is None or not referral.is_open:
            return None
        held = set(referral.offers.filter(status=Offer.Status.PENDING).values_list("slot", flat=True))
        return _fill_places(referral, held, now)


def _fill_places(referral: Referral, held: set[int], now: datetime) -> Offer | None:
    """offer_next's work once the referral is known to be open and its pending offers' places `held` are known
    (the caller holds the referral's lock, or the referral is not committed yet)."""
    places = max(settings.HOD_OFFERS_AT_ONCE - len(held), 0)  # (the setting may have been lowered since)
    free = [slot for slot in range(MAX_OFFERS_AT_ONCE) if slot not in held][:places]
    if not free:
        return None
    if referral.expires_at <= now:
        if not held:  # an offer still pending may yet be accepted
            expire_referral(referral, now)
        return None
    first = None
    for slot in free:
        offer = _offer_to_the_next_agent(referral, slot, now)
        if offer is None:
            break
        first = first or offer
    if first is None and not held and referral.status != Referral.Status.WAITING:
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.WAITING)
        referral.status = Referral.Status.WAITING
        _event(referral, Event.Kind.WAITING, now)
    return first


def _offer_to_the_next_agent(referral: Referral, slot: int, now: datetime) -> Offer | None:
    """The closest eligible agent under capacity who was not offered the referral yet, offered it (the caller holds
    the referral's lock, or the referral is not committed yet); None when nobody is left."""
    busy: set[int] = set()
    for _attempt in range(MAX_CHOICES):
        match = next_agent(
            referral.state,
            referral.language_id,
            referral.latitude,
            referral.longitude,
            exclude=agents_to_leave_out(referral, now, busy),
            now=now,
        )
        if match is None:
            return None
        # Locked, with the account the offer message goes to (its row is not locked).
        agent = Agent.objects.select_related("user").select_for_update(of=("self",)).get(pk=match.agent_id)
        held = agent.offers.filter(status=Offer.Status.PENDING, expires_at__gt=now).count()
        if held >= settings.HOD_MAX_PENDING_OFFERS:
            busy.add(agent.pk)  # a concurrent offer took this agent's capacity a moment ago
            continue
        return offer_to(referral, agent, match.miles, now, slot=slot)
    return None


def offer_to(referral: Referral, agent: Agent, miles: float, now: datetime, detail: str = "", slot: int = 0) -> Offer:
    """Make the offer (the caller chose the agent, and holds the referral's lock or the referral is not committed
    yet): the agent is told at once."""
    offer = Offer.objects.create(
        referral=referral,
        agent=agent,
        slot=slot,
        distance_miles=miles,
        offered_at=now,
        expires_at=now + timedelta(seconds=settings.HOD_OFFER_WINDOW_SECONDS),
    )
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.OFFERED)
    referral.status = Referral.Status.OFFERED
    _event(referral, Event.Kind.OFFERED, now, offer, detail or f"to agent {agent.pk}, {miles:.1f} miles")
    record_offer(agent.pk, now)
    messages.tell_agent_of_offer(offer)
    logger.info("referral %s offered to agent %s", referral.pk, agent.pk)
    return offer


def _lock_referral_of(offer_id: int) -> None:
    """Take the referral's lock before touching one of its offers (see the module's note)."""
    list(Referral.objects.select_for_update(of=("self",)).filter(offers=offer_id).values_list("pk"))


def _close_pending_offer(offer_id: int, agent: Agent | None, to: str, now: datetime, reason: str = "") -> Offer:
    """Move a pending offer on, first one wins; OfferClosed says why when it is no longer pending."""
    still_open = Q(status=Offer.Status.PENDING)
    if to in (Offer.Status.ACCEPTED, Offer.Status.REJECTED):
        still_open &= Q(expires_at__gt=now)  # answers count only inside the window
    offers = Offer.objects.filter(still_open, pk=offer_id)
    if agent is not None:
        offers = offers.filter(agent=agent)
    if offers.update(status=to, responded_at=now, reject_reason=reason[:255]) != 1:
        current = Offer.objects.filter(pk=offer_id).values_list("status", "expires_at", "reject_reason").first()
        if current is None:
            raise OfferClosed("unknown")
        status, expires_at, reason = current
        if status in (Offer.Status.LAPSED, Offer.Status.PENDING) or expires_at <= now:
            raise OfferClosed("lapsed")
        if status == Offer.Status.WITHDRAWN:
            raise OfferClosed("taken" if reason == TAKEN else "withdrawn")
        raise OfferClosed("answered")
    return Offer.objects.select_related("referral", "agent").get(pk=offer_id)


def accept_offer(offer_id: int, agent: Agent, now: datetime | None = None) -> Offer:
    """The agent accepts within the window; refused (OfferClosed) after it, or if another answer came first.

    An agent who can no longer take referrals for the consumer's state and language (an account
    deactivated, a license lapsed since the offer) is refused too, and the referral moves on at once:
    the consumer's details go only to an agent who may have them.
    """
    now = now or timezone.now()
    if not _may_still_accept(offer_id, agent, now):
        withdraw_offer(offer_id, "the agent can no longer take referrals for this consumer", now)
        raise OfferClosed("not_eligible")
    with transaction.atomic():
        _lock_referral_of(offer_id)
        offer = _close_pending_offer(offer_id, agent, Offer.Status.ACCEPTED, now)
        record_answer(agent.pk)
        record_outcome(agent.pk, answered=True)
        Referral.objects.filter(pk=offer.referral_id).update(
            status=Referral.Status.ACCEPTED, accepted_at=now, closed_at=now
        )
        _event(offer.referral, Event.Kind.ACCEPTED, now, offer, f"by agent {agent.pk}")
        _withdraw_the_other_offers(offer, now)
        messages.tell_consumer_agent_accepted(offer)
    logger.info("offer %s accepted", offer_id)
    return offer


def reject_offer(offer_id: int, agent: Agent, reason: str = "", now: datetime | None = None) -> Offer:
    """The agent rejects; the next-closest eligible agent is offered the referral at once."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_referral_of(offer_id)
        offer = _close_pending_offer(offer_id, agent, Offer.Status.REJECTED, now, reason)
        record_answer(agent.pk)
        record_outcome(agent.pk, answered=True)
        _event(offer.referral, Event.Kind.REJECTED, now, offer, reason)
        offer_next(offer.referral, now)
    logger.info("offer %s rejected", offer_id)
    return offer


def lapse_offer(offer_id: int, now: datetime | None = None, then_offer: bool = True) -> bool:
    """A pending offer whose window has closed lapses, and the referral goes to the next agent (with
    `then_offer` False it waits for the sweep's next look instead). The agent is told; the lapse that makes
    too many in a row switches them off, and they are told that instead (agents.pauses)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_referral_of(offer_id)
        lapsed = Offer.objects.filter(pk=offer_id, status=Offer.Status.PENDING, expires_at__lte=now).update(
            status=Offer.Status.LAPSED, responded_at=now
        )
        if not lapsed:
            return False  # answered, or another sweep lapsed it first
        offer = Offer.objects.select_related("referral").get(pk=offer_id)
        _event(offer.referral, Event.Kind.LAPSED, now, offer)
        record_outcome(offer.agent_id, answered=False)
        if record_lapse(offer.agent_id, now):
            messages.tell_agent_paused(offer)
        else:
            messages.tell_agent_offer_lapsed(offer)
        if then_offer:
            offer_next(offer.referral, now)
    return True


def _withdraw_the_other_offers(accepted: Offer, now: datetime) -> None:
    """The referral was offered to several agents at once (HOD_OFFERS_AT_ONCE) and one accepted: the others' offers
    end (not a lapse for them), and they are told it went to someone else."""
    others = list(
        Offer.objects.filter(referral_id=accepted.referral_id, status=Offer.Status.PENDING).select_related(
            "agent", "referral"
        )
    )
    if not others:
        return
    Offer.objects.filter(pk__in=[other.pk for other in others], status=Offer.Status.PENDING).update(
        status=Offer.Status.WITHDRAWN, responded_at=now, reject_reason=TAKEN
    )
    for other in others:
        _event(accepted.referral, Event.Kind.OFFER_WITHDRAWN, now, other, TAKEN)
        messages.tell_agent_offer_taken(other)


def _may_still_accept(offer_id: int, agent: Agent, now: datetime) -> bool:
    referral = Referral.objects.filter(offers=offer_id).values_list("state", "language_id").first()
    if referral is None:
        return True  # the answer below says why not
    if connection.vendor == "postgresql":  # the rules as a prepared statement, planned once per connection
        return agent.pk in eligible_among([agent.pk], *referral, now, require_available=False)
    return eligible_agents(*referral, now, require_available=False).filter(pk=agent.pk).exists()


def withdraw_offer(offer_id: int, reason: str, now: datetime | None = None) -> bool:
    """Take a pending offer back from its agent (their account was deactivated, they may no longer take
    it) and offer the referral to the next agent at once. A withdrawal does not count as a lapse."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_referral_of(offer_id)
        if not Offer.objects.filter(pk=offer_id, status=Offer.Status.PENDING).update(
            status=Offer.Status.WITHDRAWN, responded_at=now, reject_reason=reason[:255]
        ):
            return False
        offer = Offer.objects.select_related("referral").get(pk=offer_id)
        _event(offer.referral, Event.Kind.OFFER_WITHDRAWN, now, offer, reason)
        offer_next(offer.referral, now)
    logger.info("offer %s withdrawn: %s", offer_id, reason)
    return True


def withdraw_offers_of(agent_ids: list[int], reason: str, now: datetime | None = None) -> int:
    pending = Offer.objects.filter(agent__in=agent_ids, status=Offer.Status.PENDING).values_list("pk", flat=True)
    return sum(withdraw_offer(offer_id, reason, now) for offer_id in list(pending))


def withdraw_referral(referral: Referral, now: datetime | None = None) -> bool:
    """The consumer withdraws a request: an open one (a pending offer is withdrawn with it), or one an agent
    accepted (the agent is told not to call)."""
    now = now or timezone.now()
    with transaction.atomic():
        withdrawable = [*Referral.OPEN, Referral.Status.ACCEPTED]
        if not Referral.objects.filter(pk=referral.pk, status__in=withdrawable).update(
            status=Referral.Status.WITHDRAWN, closed_at=now
        ):
            return False
        Offer.objects.filter(referral=referral, status=Offer.Status.PENDING).update(
            status=Offer.Status.WITHDRAWN, responded_at=now
        )
        _event(referral, Event.Kind.WITHDRAWN, now)
        accepted = Offer.objects.filter(referral=referral, status=Offer.Status.ACCEPTED).select_related("agent").first()
        if accepted is not None:
            messages.tell_agent_referral_withdrawn(accepted)
    return True


def expire_referral(referral: Referral, now: datetime) -> None:
    """Close an open referral nobody accepted in time, and tell the consumer."""
    if Referral.objects.filter(pk=referral.pk, status__in=Referral.OPEN).update(
        status=Referral.Status.EXPIRED, closed_at=now
    ):
        _event(referral, Event.Kind.EXPIRED, now)
        messages.tell_consumer_expired(referral)
