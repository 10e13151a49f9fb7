"""Registration and the Terms of Use: what happens when an agent signs up and accepts."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agents import audit, messaging
from agents.eligibility import current_terms
from agents.invitations import use_invitation
from agents.models import Agent, Invitation, TermsAcceptance, TermsDocument
from agents.profile import set_zip_code
from hod.reference.lookups import ZipCode
from notifications.channels import Channel, ContactMethod
from notifications.secrets import Secret
from notifications.sending import send


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
        agent.registered_at = now
        placed = set_zip_code(agent, place)
        agent.save(update_fields=["user", "cell_phone", "contact_method", "registered_at", *placed])
        audit.record(agent.pk, audit.Kind.REGISTERED, now, user)
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
            secret=Secret("username", str(user.pk), {"username": username}),
        )
    return agent


def pending_terms(agent: Agent) -> list[TermsDocument]:
    """The current Terms of Use versions the agent has not accepted."""
    accepted = set(agent.terms_acceptances.values_list("terms_id", flat=True))
    return [terms for terms in current_terms() if terms.pk not in accepted]


def accept_terms(agent: Agent, terms: list[TermsDocument], now: datetime | None = None) -> None:
    """The agent accepts these versions of the Terms of Use (accepting one twice changes nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        TermsAcceptance.objects.bulk_create(
            [
                TermsAcceptance(agent=agent, terms=document, accepted_at=now, accepted_by=agent.user)
                for document in terms
            ],
            ignore_conflicts=True,
        )
        versions = ", ".join(f"{document.kind} {document.version}" for document in terms)
        audit.record(agent.pk, audit.Kind.TERMS_ACCEPTED, now, agent.user, versions)
