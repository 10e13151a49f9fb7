"""`/metrics`: the health facts and queue depths in Prometheus's text format, behind a bearer token.

Off (404) unless HOD_METRICS_TOKEN is set; scrape it with `authorization: {credentials: <token>}`.
Every figure is read from the database at scrape time, so any web process answers the same.
"""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from hod.alerts import current_alerts
from hod.health import broker_answers, sweep_health
from hod.monitoring.models import Heartbeat
from notifications import monitoring as messages
from referrals import monitoring as referrals


class HelpOnDemandCollector:
    """Collected on each scrape (a registry of its own per request, so nothing is kept between them)."""

    def collect(self):
        now = timezone.now()
        yield _gauge("hod_broker_up", "1 when the broker answers", broker_answers())
        sweep = sweep_health(now)
        yield _gauge(
            "hod_sweep_age_seconds",
            "Seconds since every part of the sweep last succeeded (-1: never)",
            -1 if sweep.age_seconds is None else sweep.age_seconds,
        )
        yield _gauge("hod_sweep_stale", "1 when the sweep is older than three intervals", sweep.stale)
        beats = list(Heartbeat.objects.all())
        for name, field, help_text in (
            ("hod_job_last_success_timestamp_seconds", "last_success_at", "When a periodic job last succeeded"),
            ("hod_job_last_failure_timestamp_seconds", "last_failure_at", "When a periodic job last failed"),
        ):
            family = GaugeMetricFamily(name, help_text, labels=["job"])
            for beat in beats:
                moment = getattr(beat, field)
                if moment is not None:
                    family.add_metric([beat.name], moment.timestamp())
            yield family
        skipped = GaugeMetricFamily("hod_job_skipped_rows", "Rows a job's last run skipped", labels=["job"])
        for beat in beats:
            skipped.add_metric([beat.name], beat.skipped)
        yield skipped

        yield _gauge(
            "hod_referrals_waiting", "Open referrals no agent holds an offer for", referrals.referrals_waiting()
        )
        yield _gauge("hod_offers_pending", "Offers waiting for their agent's answer", referrals.offers_pending())
        outcomes = GaugeMetricFamily("hod_offers", "Offers made, by outcome", labels=["outcome"])
        for outcome, count in referrals.offers_by_outcome().items():
            outcomes.add_metric([outcome], count)
        yield outcomes

        unsent = GaugeMetricFamily("hod_messages_unsent", "Messages queued or being sent", labels=["channel"])
        for channel, count in messages.unsent_by_channel().items():
            unsent.add_metric([channel], count)
        yield unsent
        late, _oldest = messages.waiting_too_long(now)
        yield _gauge("hod_messages_waiting_too_long", "Messages unsent more than 5 minutes after queueing", late)
        failing = GaugeMetricFamily(
            "hod_channel_failing_share", "Share of a channel's sends failing in the last 15 minutes", labels=["channel"]
        )
        for channel in messages.channel_health(now):
            failing.add_metric([channel.channel], channel.share)
        yield failing
        yield _gauge("hod_alerts", "Alerts shown on the admin's index now", len(current_alerts(now)))


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=float(value))


def _authorized(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), settings.HOD_METRICS_TOKEN.encode())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.HOD_METRICS_TOKEN:
        raise Http404("metrics are off: set HOD_METRICS_TOKEN")
    if not _authorized(request):
        response = HttpResponse("a bearer token is needed\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HelpOnDemandCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
