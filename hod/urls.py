from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from agents.urls import urlpatterns as agent_portal
from hod import pwa
from hod.health import database_healthz, healthz, livez
from hod.metrics import metrics
from hod.views import favicon, home, privacy, terms_of_use
from referrals.urls import agent_home, consumer_patterns, twilio_inbound

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/database", database_healthz, name="database_healthz"),
    path("livez", livez, name="livez"),
    path("metrics", metrics, name="metrics"),
    path("favicon.ico", favicon),
    path("sw.js", pwa.service_worker, name="service_worker"),  # at the root: its scope is the whole portal
    path("admin/service/", include("referrals.reporting.urls")),
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    twilio_inbound,
    # E-mail providers' delivery reports; answered only with ANYMAIL_WEBHOOK_SECRET (notifications.email_webhooks).
    path("anymail/", include("notifications.email_webhooks")),
]

# Pages for consumers and agents: English at /…, Spanish at /es/….
urlpatterns += i18n_patterns(
    path("", home, name="home"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("privacy/", privacy, name="privacy"),
    path("terms/", terms_of_use, name="terms_of_use"),
    *consumer_patterns,
    path("agents/offers/", include("referrals.urls")),
    path("agents/", include(([agent_home, *agent_portal], "agents"))),
    prefix_default_language=False,
)

handler400 = "hod.views.bad_request"
handler403 = "hod.views.permission_denied"
handler404 = "hod.views.page_not_found"
handler500 = "hod.views.server_error"
