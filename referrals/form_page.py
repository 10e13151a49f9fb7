"""An empty form page kept rendered, with only its CSRF token made per request.

Rendering the Get Contacted page (its template, the form and its list of languages) was about half of the CPU of
a GET, yet the empty form is the same for every consumer of one language at one address: only the CSRF token
differs. So each web process keeps the page it rendered, per template, active language and path, with a marker
in place of the token, and puts `get_token(request)` there for each request; as with `{% csrf_token %}`, that
makes CsrfViewMiddleware set the cookie. The result is byte for byte what `render()` gives (the tests compare).

A fresh render is done instead whenever the page could differ for this request: a query string (the language
links carry it), messages waiting for the request (the page would show them), or DEBUG (templates reload).
Everything else the page shows comes from settings, the translations and the languages table: a deploy restarts
the processes, a change of settings (in tests) or of a language clears this process's copy, and the other
processes render again after 10 seconds, so a language changed in admin shows everywhere as soon as the
languages' own cache lets it. Django's local-memory cache, a handful of entries, keeps the pages.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

from hod.reference.models import Language

# Never a CSRF token (those are 64 letters and digits) and left alone by HTML escaping.
CSRF_MARKER = "hod-csrf-token-goes-here"

_pages = LocMemCache("hod-form-pages", {"TIMEOUT": 10, "OPTIONS": {"MAX_ENTRIES": 8}})


def empty_form_page(request: HttpRequest, template_name: str, make_form: Callable[[], Form]) -> HttpResponse:
    """`render(request, template_name, {"form": make_form()})` for a GET, from this process's copy when it can."""
    # len(), as the template's {% if messages %} asks: no message is marked shown, the cookie stays as it was.
    if settings.DEBUG or request.META.get("QUERY_STRING") or len(get_messages(request)):
        return render(request, template_name, {"form": make_form()})
    key = f"{template_name}:{get_language()}:{request.path}"
    page = _pages.get(key)
    if page is None:
        page = render_to_string(template_name, {"form": make_form(), "csrf_token": CSRF_MARKER}, request)
        _pages.set(key, page)
    return HttpResponse(page.replace(CSRF_MARKER, get_token(request)))


@receiver(setting_changed)
@receiver(post_save, sender=Language)
@receiver(post_delete, sender=Language)
def forget_pages(**kwargs) -> None:
    _pages.clear()
