"""Who is asking: the client's address, behind as many trusted proxies as HOD_TRUSTED_PROXY_COUNT says.

Rate limits (django-ratelimit) and log-in throttling (django-axes) both key on it. With no trusted
proxy (the default) `X-Forwarded-For` is never believed: anyone can send one. Behind N proxies that
each append the address they received from, the client is the Nth address from the right; anything
further left was written by the client itself. The app must then be reachable only through them.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.HOD_TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not forwarded:
        return remote  # not through the proxies at all
    return forwarded[-trusted] if len(forwarded) >= trusted else forwarded[0]
