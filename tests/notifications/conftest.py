import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import messaging

from notifications.channels import ContactMethod
from notifications.models import Device
from notifications.sending import Recipient
from notifications.vapid import new_key_pair
from tests.factories import UserFactory
from tests.notifications.push_service import PushService
from tests.stand_ins import StandIn, serve

TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "twilio-auth-token-for-tests"
MESSAGING_SERVICE = "MG" + "2" * 32


@pytest.fixture
def stand_in():
    stand_in = StandIn()
    server = serve(stand_in)
    yield stand_in
    server.shutdown()
    server.server_close()


@pytest.fixture
def twilio(settings, stand_in) -> StandIn:
    """Texts go through the twilio library to a stand-in that answers like Twilio's Messages API."""
    counter = iter(range(1, 1000))

    def created(request):
        form = request.form
        sid = f"SM{next(counter):032d}"
        return 201, {"sid": sid, "status": "accepted", "to": form["To"], "body": form["Body"], "num_segments": "1"}

    stand_in.defaults["/Messages.json"] = created
    settings.HOD_SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = TWILIO_SID
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE
    settings.TWILIO_API_URL = stand_in.url
    return stand_in


@pytest.fixture(scope="session")
def service_account_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def fcm(settings, stand_in, monkeypatch, service_account_key) -> StandIn:
    """App notifications go through firebase-admin to a stand-in for Google's token and FCM endpoints."""
    counter = iter(range(1, 1000))
    stand_in.defaults["/token"] = lambda request: (
        200,
        {"access_token": "ya29.stand-in", "expires_in": 3600, "token_type": "Bearer"},
    )
    stand_in.defaults["/messages:send"] = lambda request: (
        200,
        {"name": f"projects/hod-test/messages/{next(counter)}"},
    )
    monkeypatch.setattr(messaging._MessagingService, "FCM_URL", stand_in.url + "/v1/projects/{0}/messages:send")
    settings.HOD_PUSH_BACKEND = "fcm"
    settings.FCM_CREDENTIALS = json.dumps(
        {
            "type": "service_account",
            "project_id": "hod-test",
            "private_key_id": "stand-in",
            "private_key": service_account_key,
            "client_email": "hod@hod-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": stand_in.url + "/token",
            "stand_in": stand_in.url,  # a new app for each stand-in, so each test reads the patched endpoint
        }
    )
    return stand_in


@pytest.fixture
def push_service(settings, stand_in) -> PushService:
    """Web Push goes through pywebpush to a stand-in push service that checks our VAPID signature and
    decrypts each message as the browser would."""
    private, public = new_key_pair()
    settings.HOD_VAPID_PRIVATE_KEY = private
    settings.HOD_VAPID_PUBLIC_KEY = public
    settings.HOD_VAPID_SUBJECT = "mailto:ops@helpondemand.example"
    settings.HOD_WEB_PUSH_ANY_ENDPOINT = True  # the stand-in listens on 127.0.0.1 over http
    return PushService(stand_in, public)


def fcm_error(status: int, grpc_status: str, fcm_code: str | None = None) -> dict:
    details = [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}]
    return {
        "error": {
            "code": status,
            "message": f"{grpc_status} from the stand-in",
            "status": grpc_status,
            "details": details if fcm_code else [],
        }
    }


@pytest.fixture
def agent(db):
    """Ana, an agent with a phone and one registered device."""
    from django.utils import timezone

    user = UserFactory(username="ana", email="ana@agents.example")
    Device.objects.create(user=user, token="ana-phone-token", platform="android", last_seen_at=timezone.now())
    return user


def recipient_for(user, method: ContactMethod = ContactMethod.EMAIL_TEXT_APP, language: str = "en") -> Recipient:
    return Recipient(user=user, email=user.email, phone="+13135550142", language=language, channels=method.channels)
