"""Anymail's e-mail delivery reports (`/anymail/<provider>/tracking/`), answered only when they can be believed.

Without ANYMAIL_WEBHOOK_SECRET no report is believed, so every such address is "not found"; an
address for a provider this installation is not set up for (a missing signing key, a library not
installed) is "not found" too, and a report that cannot be read is a 400, never a server error.
"""

import logging
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError, AnymailImproperlyInstalled
from django.conf import settings
from django.http import Http404, HttpResponseBadRequest
from django.urls import URLPattern

logger = logging.getLogger(__name__)


def _only_when_set_up(view):
    @wraps(view)  # keeps anymail's csrf_exempt
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            raise Http404("e-mail delivery reports are off: ANYMAIL_WEBHOOK_SECRET is not set")
        try:
            return view(request, *args, **kwargs)
        except (AnymailConfigurationError, AnymailImproperlyInstalled) as error:
            logger.warning("e-mail delivery report to %s refused, this provider is not set up: %s", request.path, error)
            raise Http404("this e-mail provider is not set up here") from None
        except (ValueError, KeyError, TypeError, AttributeError) as error:  # anymail's parsers trust the body
            logger.warning("e-mail delivery report to %s refused, it cannot be read: %r", request.path, error)
            return HttpResponseBadRequest("this delivery report cannot be read", content_type="text/plain")

    return guarded


urlpatterns = [
    URLPattern(pattern.pattern, _only_when_set_up(pattern.callback), pattern.default_args, pattern.name)
    for pattern in anymail_urls.urlpatterns
    if pattern.name.endswith("tracking_webhook")
]
