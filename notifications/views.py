import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from notifications import status
from notifications.channels import Channel
from notifications.devices import (
    refresh_subscription,
    register_device,
    register_subscription,
    remove_device,
    subscription_from,
)
from notifications.models import Device
from notifications.twilio_signatures import twilio_signature_is_valid
from notifications.vapid import web_push_is_on

logger = logging.getLogger(__name__)

TWILIO_DELIVERED = {"delivered"}
TWILIO_UNDELIVERED = {"undelivered", "failed"}


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not twilio_signature_is_valid(request):
        logger.warning("Twilio status callback with a bad signature refused")
        return HttpResponse("bad signature", status=403, content_type="text/plain")
    sid, message_status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
    if message_status in TWILIO_DELIVERED:
        status.record_delivered(Channel.SMS, sid)
    elif message_status in TWILIO_UNDELIVERED:
        status.record_undelivered(
            Channel.SMS, sid, f"Twilio {message_status} (error {request.POST.get('ErrorCode', '?')})"
        )
    return HttpResponse(status=204)


def _json_error(message: str, status_code: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status_code)


@require_http_methods(["POST", "DELETE"])
def devices(request: HttpRequest) -> JsonResponse:
    """Register or remove a device for app notifications: a native app's FCM token (POST {"token",
    "platform"}, DELETE {"token"}) or a browser's Web Push subscription (POST {"subscription":
    PushSubscription.toJSON()}, with "refresh": true to only refresh one already registered; DELETE
    {"endpoint"}). An agent may have several of each."""
    if not request.user.is_authenticated:
        return _json_error("log in first", 401)
    try:
        payload = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _json_error("the body must be JSON", 400)
    if not isinstance(payload, dict):
        return _json_error("the body must be a JSON object", 400)
    if "subscription" in payload or "endpoint" in payload:
        return _web_push_subscription(request, payload)
    token = payload.get("token")
    if not isinstance(token, str) or not token.strip() or len(token) > Device._meta.get_field("token").max_length:
        return _json_error("token must be the device's FCM registration token", 400)
    token = token.strip()
    if request.method == "DELETE":
        if not remove_device(request.user, token):
            return _json_error("no such device on this account", 404)
        return JsonResponse({}, status=200)
    platform = payload.get("platform")
    if platform not in Device.Platform.values:
        return _json_error(f"platform must be one of {', '.join(Device.Platform.values)}", 400)
    device, created = register_device(request.user, token, platform)
    return JsonResponse(
        {"token": device.token, "platform": device.platform, "last_seen_at": device.last_seen_at.isoformat()},
        status=201 if created else 200,
    )


def _web_push_subscription(request: HttpRequest, payload: dict) -> JsonResponse:
    if request.method == "DELETE":
        endpoint = payload.get("endpoint")
        if not isinstance(endpoint, str) or not remove_device(request.user, endpoint):
            return _json_error("no such subscription on this account", 404)
        return JsonResponse({}, status=200)
    if not web_push_is_on():
        return _json_error("Web Push is off on this site (no VAPID keys)", 409)
    subscription = subscription_from(payload.get("subscription"))
    if subscription is None:
        return _json_error('subscription must be {"endpoint": "https://…", "keys": {"p256dh": …, "auth": …}}', 400)
    if payload.get("refresh") is True:  # the portal checking in: never adds one the agent removed
        if not refresh_subscription(request.user, subscription):
            return _json_error("no such subscription on this account", 404)
        return JsonResponse({"endpoint": subscription.endpoint}, status=200)
    device, created = register_subscription(request.user, subscription, request.headers.get("User-Agent", ""))
    return JsonResponse(
        {"endpoint": device.token, "name": device.name, "last_seen_at": device.last_seen_at.isoformat()},
        status=201 if created else 200,
    )
