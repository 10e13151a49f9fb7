"""The reporting pages in admin: the service dashboard (its "right now" part refreshes itself with htmx),
coverage by state and language, and agents' responsiveness. They arrange what `service`, `outcomes`,
`coverage` and `responsiveness` compute."""

from zoneinfo import ZoneInfo

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from agents.models import Agent
from hod.reference.models import Language, State
from notifications.masking import log_contact_view, may_see_consumer_contact
from referrals.reporting import access, periods
from referrals.reporting.coverage import Coverage, taking_referrals_by_state
from referrals.reporting.coverage import cell as cell_of
from referrals.reporting.coverage import coverage as coverage_of
from referrals.reporting.export import KINDS, csv_lines
from referrals.reporting.responsiveness import SORTS
from referrals.reporting.responsiveness import responsiveness as responsiveness_of
from referrals.reporting.service import figures, right_now

REFRESH_SECONDS = 15


def _page(request: HttpRequest, template: str, title: str, **context) -> HttpResponse:
    period, errors = periods.period_from(request.GET)
    context = {
        **admin.site.each_context(request),
        "title": title,
        "menu": access.menu(request.user),
        "period": period,
        "period_errors": errors,
        "period_kinds": periods.KINDS,
        "zones": periods.ZONES,
        "query": request.GET.urlencode(),
        **context,
    }
    return render(request, template, context)


@never_cache
@access.reporting_page(access.DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    live = {"now": right_now(now), "at": now, "taking": taking_referrals_by_state(now)}
    if request.htmx:  # the "right now" part refreshing itself
        return render(request, "admin/reporting/_now.html", live)
    period, _errors = periods.period_from(request.GET, now)
    found = figures(period, now)
    languages = dict(Language.objects.values_list("code", "name_en"))
    charts = {
        "by_day": {
            "labels": [f"{day:%b %d}" for day in found.by_day],
            "series": {
                "Accepted": [tally.accepted for tally in found.by_day.values()],
                "Withdrawn": [tally.withdrawn for tally in found.by_day.values()],
                "Expired": [tally.expired for tally in found.by_day.values()],
                "Still open": [tally.still_open for tally in found.by_day.values()],
            },
        },
        "by_hour": {
            "labels": [f"{hour:02d}:00" for hour in range(24)],
            "series": {
                "Requests": [tally.requests for tally in found.by_hour],
                "Accepted": [tally.accepted for tally in found.by_hour],
            },
        },
    }
    return _page(
        request,
        "admin/reporting/dashboard.html",
        "Service dashboard",
        **live,
        refresh=REFRESH_SECONDS,
        figures=found,
        by_language=[(languages.get(code, code), tally) for code, tally in found.by_language.items()],
        funnel=found.funnel,
        funnel_by_state=found.funnel_by_state,
        charts=charts,
    )


@never_cache
@access.reporting_page(access.RESPONSIVENESS)
def responsiveness(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "lapsed"
    period, _errors = periods.period_from(request.GET)
    agent = None
    if (request.GET.get("agent") or "").isdigit():
        agent = Agent.objects.filter(pk=int(request.GET["agent"])).first()
    found = responsiveness_of(period, sort=sort, agent_id=agent.pk if agent else None)
    return _page(
        request,
        "admin/reporting/responsiveness.html",
        f"Responsiveness of {agent.full_name}" if agent else "Agents' responsiveness",
        found=found,
        sort=sort,
        agent=agent,
        sorts=[(key, key.replace("_", " ")) for key in SORTS],
        reasons=found.reasons.most_common(10),
    )


def _map_data(found: Coverage) -> dict:
    """Each state's totals for the map, with the name the atlas knows it by and whether the table has its row."""
    in_table = {row.code for row in found.rows}
    return {
        row.code: {
            "name": row.name,
            "served": row.served,
            "in_table": row.code in in_table,
            "eligible": row.total.eligible,
            "on": row.total.on,
            "waiting": row.total.waiting,
            "expired": row.total.expired,
        }
        for row in found.states
    }


@never_cache
@access.reporting_page(access.COVERAGE)
def coverage(request: HttpRequest) -> HttpResponse:
    """States × languages: agents eligible and on, referrals waiting and expired, as a map and a table."""
    now = timezone.now()
    period, _errors = periods.period_from(request.GET, now)
    found = coverage_of(period, now)
    return _page(request, "admin/reporting/coverage.html", "Coverage", found=found, at=now, map_data=_map_data(found))


@never_cache
@access.reporting_page(access.COVERAGE)
def coverage_cell(request: HttpRequest, state: str, language: str) -> HttpResponse:
    """One state and language: the referrals waiting (no contact details) and the agents who could switch on."""
    state = get_object_or_404(State, code=state.upper())
    language = get_object_or_404(Language, code=language)
    now = timezone.now()
    period, _errors = periods.period_from(request.GET, now)
    return _page(
        request,
        "admin/reporting/coverage_cell.html",
        f"Coverage: {state.name}, {language.name_en}",
        state=state,
        language=language,
        cell=cell_of(state.code, language.code, now, period),
        at=now,
    )


@never_cache
@access.reporting_page(access.EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    """The period to export, and the two files."""
    return _page(
        request,
        "admin/reporting/export.html",
        "Export",
        with_contacts=may_see_consumer_contact(request.user),
    )


@never_cache
@access.reporting_page(access.EXPORT)
def export_csv(request: HttpRequest, kind: str) -> HttpResponse:
    """A period's referrals or offers, streamed; consumers' contact details only with the permission, logged."""
    if kind not in KINDS:
        raise Http404("No such export")
    period, _errors = periods.period_from(request.GET)
    with_contacts = kind == "referrals" and may_see_consumer_contact(request.user)
    if with_contacts:
        log_contact_view(request.user, "export", f"{period.start:%Y-%m-%d}..{period.end:%Y-%m-%d}")
    name = f"help-on-demand-{kind}-{period.start.astimezone(ZoneInfo(period.zone)):%Y-%m-%d}.csv"
    response = StreamingHttpResponse(csv_lines(kind, period, with_contacts), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
