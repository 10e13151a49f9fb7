"""The agents' portal as an installable app (a Progressive Web App): its manifest and its service worker.

The service worker is served from the site's root so that its scope covers the portal in both
languages (/agents/ and /es/agents/); it shows Web Push messages and opens the offer when tapped.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# The USWDS palette: primary (the icons' blue) for the browser's bar, white behind the splash screen.
THEME_COLOR = "#005ea2"
BACKGROUND_COLOR = "#ffffff"


def _icon(path: str, size: int, purpose: str) -> dict:
    return {"src": static(path), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}


def app_manifest() -> dict:
    """The web app manifest in the active language: the app opens on the portal's home page."""
    return {
        "id": "/agents/",
        "name": "Help On Demand",
        "short_name": "Help On Demand",
        "description": _("Referrals for agents and brokers: get notified, accept in time, call the consumer."),
        "lang": get_language(),
        "dir": "ltr",
        "start_url": reverse("agents:home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["business", "productivity"],
        "icons": [
            _icon("img/icon-192.png", 192, "any"),
            _icon("img/icon-512.png", 512, "any"),
            _icon("img/icon-maskable-512.png", 512, "maskable"),  # drawn within the safe zone, full-bleed blue
        ],
    }


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse(app_manifest(), content_type="application/manifest+json", json_dumps_params={"indent": 2})


@require_GET
@cache_control(no_cache=True)  # browsers look for a new version on every visit anyway; never a stale one
def service_worker(request: HttpRequest) -> HttpResponse:
    script = render_to_string(
        "pwa/service_worker.js",
        {
            "icon": static("img/icon-192.png"),
            "badge": static("img/badge-96.png"),
            "home": reverse("agents:home"),
        },
    )
    return HttpResponse(script, content_type="text/javascript; charset=utf-8")
