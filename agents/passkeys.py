"""Passkeys: an agent adds them on their profile and logs in with them (WebAuthn, checked by py_webauthn).

The relying party is `HOD_BASE_URL`: its host is the RP ID and its origin the only one accepted. Each
ceremony's challenge waits in the session and is used once, within CHALLENGE_SECONDS. Passkeys are
discoverable and verify the user (fingerprint, face or the device's PIN), so a log-in needs no username.

A log-in goes through Django's `authenticate()` to `PasskeyBackend`, behind django-axes' backend: a
locked-out account is refused before its passkey is looked at, and a refused assertion is a failed
log-in that counts towards the cool-off, exactly as a wrong password does.

Every change to an agent's passkeys (add, rename, remove) is one function here with its audit row. A
log-in only moves the signature counter and the last-used time, with a first-wins conditional UPDATE:
a counter that does not move forward means a copied key, and the log-in is refused.
"""

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from agents import audit
from agents.models import Agent, Passkey

CHALLENGE_SECONDS = 300
TIMEOUT_MS = CHALLENGE_SECONDS * 1000
MAX_PASSKEYS = 20  # per agent: plenty for every phone and computer they use
NAME_LENGTH = Passkey._meta.get_field("name").max_length
ADDING = "passkey_adding"  # session keys of the two ceremonies' challenges
LOGGING_IN = "passkey_logging_in"


class PasskeyRefused(Exception):
    """A passkey ceremony that did not succeed; `reason` is for the person, `code` for programs."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code)
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str
    name: str = "Help On Demand"


def relying_party() -> RelyingParty:
    """Help On Demand as WebAuthn knows it, from HOD_BASE_URL (read at call time: tests move it)."""
    address = urlsplit(settings.HOD_BASE_URL)
    return RelyingParty(id=address.hostname or "", origin=f"{address.scheme}://{address.netloc}")


def user_handle(agent: Agent) -> bytes:
    """The account's WebAuthn user id: stable (so a device replaces its own passkey for the account rather
    than piling up copies), meaningless to anyone else, and derived rather than stored."""
    return salted_hmac("agents.passkeys.user_handle", str(agent.pk), algorithm="sha256").digest()


def _keep_challenge(session, key: str, challenge: bytes) -> None:
    session[key] = {"challenge": bytes_to_base64url(challenge), "until": time.time() + CHALLENGE_SECONDS}


def _take_challenge(session, key: str) -> bytes:
    """The ceremony's challenge, once: a second use, or one past its time, is refused."""
    kept = session.pop(key, None)
    if not isinstance(kept, dict) or kept.get("until", 0) < time.time():
        raise PasskeyRefused("expired", _("The passkey request expired. Please try again."))
    return base64url_to_bytes(kept["challenge"])


def clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise PasskeyRefused("name", _("Give the passkey a name, such as the phone or computer it is on."))
    if len(name) > NAME_LENGTH:
        raise PasskeyRefused(
            "name", _("A passkey's name can have at most %(count)d characters.") % {"count": NAME_LENGTH}
        )
    return name


# Adding, renaming and removing ---------------------------------------------------------------------


def registration_options(agent: Agent, session) -> str:
    """The options the browser's `navigator.credentials.create()` takes, as JSON; the challenge waits in
    the session. The agent's existing passkeys are excluded, so a device never holds two for the account."""
    party = relying_party()
    options = generate_registration_options(
        rp_id=party.id,
        rp_name=party.name,
        user_name=agent.user.get_username(),
        user_id=user_handle(agent),
        user_display_name=f"{agent.first_name} {agent.last_name}".strip() or agent.user.get_username(),
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(credential_id))
            for credential_id in agent.passkeys.values_list("credential_id", flat=True)
        ],
    )
    _keep_challenge(session, ADDING, options.challenge)
    return options_to_json(options)


def add_passkey(agent: Agent, name: str, credential, session, by=None) -> Passkey:
    """Check the browser's answer to `registration_options` and keep the new passkey's public key."""
    name = clean_name(name)
    challenge = _take_challenge(session, ADDING)
    party = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential if isinstance(credential, dict) else {},
            expected_challenge=challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise PasskeyRefused("invalid", _("The passkey could not be checked, so it was not added.")) from error
    now = timezone.now()
    try:
        with transaction.atomic():
            # The agent's row is locked so that two passkeys added at once still respect the limit.
            Agent.objects.select_for_update().filter(pk=agent.pk).first()
            if agent.passkeys.count() >= MAX_PASSKEYS:
                raise PasskeyRefused(
                    "too_many",
                    _("You have %(count)d passkeys, the most allowed. Remove one first.") % {"count": MAX_PASSKEYS},
                )
            passkey = Passkey.objects.create(
                agent=agent,
                name=name,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                created_at=now,
            )
            audit.record(agent.pk, audit.Kind.PASSKEY_ADDED, now, by, f"passkey {passkey.pk}")
    except IntegrityError as error:
        raise PasskeyRefused("duplicate", _("This passkey is already registered.")) from error
    return passkey


def rename_passkey(agent: Agent, passkey_id: int, name: str, by=None) -> bool:
    """False when the agent has no such passkey."""
    name = clean_name(name)
    now = timezone.now()
    with transaction.atomic():
        if not Passkey.objects.filter(pk=passkey_id, agent=agent).update(name=name):
            return False
        audit.record(agent.pk, audit.Kind.PASSKEY_RENAMED, now, by, f"passkey {passkey_id}")
    return True


def remove_passkey(agent: Agent, passkey_id: int, by=None) -> bool:
    """False when the agent has no such passkey. The password, and any other passkey, still work."""
    now = timezone.now()
    with transaction.atomic():
        removed, _by_model = Passkey.objects.filter(pk=passkey_id, agent=agent).delete()
        if not removed:
            return False
        audit.record(agent.pk, audit.Kind.PASSKEY_REMOVED, now, by, f"passkey {passkey_id}")
    return True


# Logging in -----------------------------------------------------------------------------------------


def authentication_options(session) -> str:
    """The options for `navigator.credentials.get()`, as JSON: no credentials listed (the device offers
    the passkeys it holds for this site), so nobody learns from them who has an account."""
    options = generate_authentication_options(
        rp_id=relying_party().id, timeout=TIMEOUT_MS, user_verification=UserVerificationRequirement.REQUIRED
    )
    _keep_challenge(session, LOGGING_IN, options.challenge)
    return options_to_json(options)


@dataclass
class PasskeyAttempt:
    """One log-in with a passkey: what the browser sent, the challenge it answers, the passkey it names.
    `refused` says why it failed, for the page (authenticate() only answers None)."""

    credential: dict
    challenge: bytes | None
    passkey: Passkey | None
    refused: PasskeyRefused | None = field(default=None)

    @property
    def username(self) -> str:
        """Whose log-in this is, for the throttle: the passkey's account, or nobody's."""
        user = self.passkey.agent.user if self.passkey else None
        return user.get_username() if user else ""


def start_attempt(credential, session) -> PasskeyAttempt:
    """Take the session's challenge (used once, whatever happens next) and find the passkey named."""
    credential = credential if isinstance(credential, dict) else {}
    try:
        challenge = _take_challenge(session, LOGGING_IN)
    except PasskeyRefused:
        challenge = None
    credential_id = credential.get("id")
    passkey = None
    if isinstance(credential_id, str) and 0 < len(credential_id) <= 1400:
        passkey = Passkey.objects.select_related("agent__user").filter(credential_id=credential_id).first()
    return PasskeyAttempt(credential=credential, challenge=challenge, passkey=passkey)


def verify_attempt(attempt: PasskeyAttempt):
    """The account the passkey opens, or PasskeyRefused with the reason."""
    if attempt.challenge is None:
        raise PasskeyRefused("expired", _("The passkey request expired. Please try again."))
    passkey = attempt.passkey
    user = passkey.agent.user if passkey else None
    if user is None or not user.is_active:
        raise PasskeyRefused(
            "unknown",
            _(
                "This passkey is not registered with Help On Demand. Log in with your username and password, "
                "then add a passkey on your profile."
            ),
        )
    party = relying_party()
    try:
        verified = verify_authentication_response(
            credential=attempt.credential,
            expected_challenge=attempt.challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise PasskeyRefused("invalid", _("The passkey could not be checked. Please try again.")) from error
    used = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count)
    if not used.update(sign_count=verified.new_sign_count, last_used_at=timezone.now()):
        # Another log-in with the same counter got there first: a copy of the key, or a replay.
        raise PasskeyRefused("invalid", _("The passkey could not be checked. Please try again."))
    return user


class PasskeyBackend(BaseBackend):
    """Django's side of a passkey log-in; listed after django-axes' backend, which refuses locked-out
    accounts first. Password log-ins never reach it (its only credential is `passkey_attempt`)."""

    def authenticate(self, request, *, passkey_attempt: PasskeyAttempt, **_credentials):
        try:
            user = verify_attempt(passkey_attempt)
        except PasskeyRefused as refused:
            passkey_attempt.refused = refused
            return None
        return user

    def get_user(self, user_id):
        return ModelBackend().get_user(user_id)
