"""Invitations: a unique, single-use link, valid for 48 hours, e-mailed to every invitable agent
who has no account yet. Returning users (who have an account) are never invited again."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from agents import messaging
from agents.eligibility import invitable_agents
from agents.models import Agent, Invitation
from hod.tokens import hash_token, sign, unsign
from notifications.secrets import Secret, SecretGone
from notifications.sending import send

logger = logging.getLogger(__name__)


class InvitationProblem(Exception):
    """Why a link cannot be used: `expired`, `used`, `replaced` or `unknown`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_invitations(now: datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(used_at=None, voided_at=None, expires_at__gt=now)


def invitation_token(invitation: Invitation) -> str:
    return sign("invitation", invitation.pk)


def invitation_secret(invitation_id: str) -> dict[str, str]:
    """The invitation e-mail's secret, rebuilt when it is sent (notifications.secrets)."""
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        raise SecretGone(f"invitation {invitation_id} is gone")
    return {"link": invitation_token(invitation)}


def invite(agent: Agent, now: datetime | None = None) -> str:
    """Void the agent's open invitations, create a new one, e-mail it after commit; returns the link."""
    now = now or timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(agent=agent, used_at=None, voided_at=None).update(voided_at=now)
        invitation = Invitation.objects.create(
            agent=agent, created_at=now, expires_at=now + timedelta(hours=settings.HOD_INVITATION_HOURS)
        )
        token = invitation_token(invitation)
        link = messaging.absolute_url("agents:register", agent.portal_language, token)
        send(
            messaging.recipient(agent, messaging.EMAIL_ONLY),
            "invitation",
            {"first_name": agent.first_name, "link": link, "hours": settings.HOD_INVITATION_HOURS},
            related=invitation,
            secret=Secret("invitation", str(invitation.pk), {"link": token}),
        )
    logger.info("invitation %s sent to agent %s", invitation.pk, agent.pk)
    return link


def agents_due_an_invitation(now: datetime) -> QuerySet[Agent]:
    """Invitable agents without an account and without an open invitation."""
    return (
        invitable_agents(now)
        .filter(user__isnull=True)
        .exclude(Exists(open_invitations(now).filter(agent=OuterRef("pk"))))
    )


def send_invitations(now: datetime | None = None) -> int:
    now = now or timezone.now()
    agents = list(agents_due_an_invitation(now))
    for agent in agents:
        invite(agent, now)
    return len(agents)


def invitation_for(token: str, now: datetime | None = None) -> Invitation:
    """The invitation a link's token opens, or InvitationProblem saying why it cannot be used."""
    now = now or timezone.now()
    invitations = Invitation.objects.select_related("agent")
    signed = unsign("invitation", token)
    if signed is not None:
        invitation = invitations.filter(pk=signed[0]).first()
    else:
        invitation = invitations.filter(token_hash=hash_token(token)).first()  # a link from before
    if invitation is None:
        raise InvitationProblem("unknown")
    if invitation.used_at or invitation.agent.user_id:
        raise InvitationProblem("used")
    if invitation.voided_at:
        raise InvitationProblem("replaced")
    if invitation.expires_at <= now:
        raise InvitationProblem("expired")
    return invitation


def use_invitation(invitation: Invitation, now: datetime) -> None:
    """Mark the link used; refused if another request used it first or it has just expired."""
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at=None, voided_at=None, expires_at__gt=now).update(
        used_at=now
    )
    if claimed != 1:
        raise InvitationProblem("used")
