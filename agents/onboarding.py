"""Registration and the Terms of Use: what happens when an agent signs up and accepts."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agents import messaging
from agents.eligibility import current_terms
from agents.invitations import use_invitation
from agents.models import Agent, Invitation, TermsAcceptance, TermsDocument
from hod.reference.lookups import ZipCode
from notifications.channels import Channel, ContactMethod
from notifications.sending import send


def set_zip_code(agent: Agent, place: ZipCode) -> list[str]:
    """The ZIP code places the agent (distance to consumers) and sets their time zone (hours).
    Returns the fields it set, for `save(update_fields=…)`."""
    fields = ["zip_code", "latitude", "longitude", "time_zone"]
    if place.time_zone != agent.time_zone:
        agent.schedule_due_at = timezone.now()  # the hours now fall at other moments
        fields.append("schedule_due_at")
    agent.zip_code = place.code
    agent.latitude, agent.longitude, agent.time_zone = place.latitude, place.longitude, place.time_zone
    return fields


def register(
    invitation: Invitation,
    *,
    username: str,
    password: str,
    cell_phone,
    contact_method: str,
    place: ZipCode,
    now: datetime | None = None,
) -> Agent:
    """Sign Up: the account, the profile, the Help On Demand Terms of Use the page agrees to, the
    link used up; then, after commit, the test text (when texts were chosen) and the e-mail
    confirming access with the log-in link."""
    now = now or timezone.now()
    agent = invitation.agent
    with transaction.atomic():
        use_invitation(invitation, now)
        user = get_user_model().objects.create_user(
            username=username,
            email=agent.email,
            password=password,
            first_name=agent.first_name,
            last_name=agent.last_name,
        )
        agent.user = user
        agent.cell_phone = cell_phone
        agent.contact_method = contact_method
        set_zip_code(agent, place)
        agent.registered_at = now
        agent.save()
        accept_terms(agent, [t for t in current_terms() if t.kind == TermsDocument.Kind.HELP_ON_DEMAND], now)
        if Channel.SMS in ContactMethod(contact_method).channels:
            send(
                messaging.recipient(agent, messaging.TEXT_ONLY),
                "registration_test_text",
                {"first_name": agent.first_name},
            )
        send(
            messaging.recipient(agent, messaging.EMAIL_ONLY),
            "registration_confirmed",
            {
                "first_name": agent.first_name,
                "username": username,
                "link": messaging.absolute_url("agents:login", agent.portal_language),
            },
        )
    return agent


def pending_terms(agent: Agent) -> list[TermsDocument]:
    """The current Terms of Use versions the agent has not accepted."""
    accepted = set(agent.terms_acceptances.values_list("terms_id", flat=True))
    return [terms for terms in current_terms() if terms.pk not in accepted]


def accept_terms(agent: Agent, terms: list[TermsDocument], now: datetime | None = None) -> None:
    now = now or timezone.now()
    TermsAcceptance.objects.bulk_create(
        [TermsAcceptance(agent=agent, terms=document, accepted_at=now, accepted_by=agent.user) for document in terms],
        ignore_conflicts=True,
    )
