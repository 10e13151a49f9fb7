"""Demo referrals for `seed_demo`, one in each state of the lifecycle, made through the real functions, and a few
weeks of history before them (`referrals.demo_history`) for the reporting pages."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from hod.reference.lookups import lookup_zip
from referrals.demo_history import seed_history
from referrals.lifecycle import Consumer, accept_offer, create_referral, reject_offer, withdraw_referral
from referrals.models import Offer, Referral
from referrals.sweep import sweep_once


def _consumer(first: str, last: str, zip_code: str, language: str, number: str) -> Consumer:
    return Consumer(
        first_name=first,
        last_name=last,
        phone=PhoneNumber.from_string(f"+1305555{number}"),
        email=f"{first.lower()}@example.com",
        language=language,
        message_language="es" if language == "es" else "en",
        place=lookup_zip(zip_code),
    )


def _pending(referral: Referral) -> Offer | None:
    return referral.offers.filter(status=Offer.Status.PENDING).select_related("agent").first()


def seed_referrals() -> str:
    if Referral.objects.exists():
        return f"{Referral.objects.count()} referrals already there"
    now = timezone.now()
    # Times follow the offer window (15 minutes unless HOD_OFFER_WINDOW_SECONDS says otherwise).
    window = timedelta(seconds=settings.HOD_OFFER_WINDOW_SECONDS)
    accepted = create_referral(_consumer("Lucía", "Gómez", "33125", "es", "0101"), now - timedelta(hours=2))
    if offer := _pending(accepted):
        accept_offer(offer.pk, offer.agent, now - timedelta(hours=2) + window / 5)
    rejected = create_referral(_consumer("Tom", "Baker", "77002", "en", "0102"), now - window / 3)
    if offer := _pending(rejected):
        reject_offer(offer.pk, offer.agent, "Already with a client", now - window * 4 / 15)
    expiry = timedelta(seconds=settings.HOD_REFERRAL_EXPIRY_SECONDS)
    create_referral(_consumer("Min-jun", "Lee", "85004", "ko", "0105"), now - expiry - timedelta(hours=2))
    sweep_once(now - timedelta(minutes=30))  # the old request expires: nobody accepted in time
    create_referral(_consumer("Mai", "Pham", "85004", "en", "0103"), now - window * 4 / 3)
    sweep_once(now - window * 4 / 15)  # its first offer lapsed; the next agent holds it now
    withdrawn = create_referral(_consumer("Ahmed", "Saleh", "48201", "ar", "0104"), now - timedelta(hours=1))
    withdraw_referral(withdrawn, now - timedelta(minutes=50))
    create_referral(_consumer("Grace", "Park", "33130", "ko", "0106"), now - timedelta(minutes=10))  # waits
    create_referral(_consumer("Rosa", "Díaz", "33130", "es", "0107"), now)  # offered, window open
    live = Referral.objects.count()
    history = seed_history(now)  # the past, for the reporting pages
    return (
        f"{live} referrals: offered, accepted, rejected and re-offered, lapsed and re-offered, "
        f"withdrawn, waiting, expired; {history}"
    )
