"""Who may open a reporting page: staff, logged in to admin, with the page's own permission (403 otherwise)."""

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

DASHBOARD = "referrals.view_service_dashboard"
COVERAGE = "referrals.view_coverage"
RESPONSIVENESS = "referrals.view_responsiveness"
EXPORT = "referrals.export_referrals"
PAGES = [  # the reporting pages' menu: permission, URL name, title
    (DASHBOARD, "reporting:dashboard", "Service dashboard"),
    (COVERAGE, "reporting:coverage", "Coverage"),
    (RESPONSIVENESS, "reporting:responsiveness", "Agents' responsiveness"),
    (EXPORT, "reporting:export", "Export"),
]


def reporting_page(permission: str) -> Callable:
    """Admin's log-in for anyone not logged in as staff; 403 for staff without `permission`."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(permission):
                raise PermissionDenied(f"needs the permission {permission}")
            return view(request, *args, **kwargs)

        return admin.site.admin_view(checked)

    return decorate


def menu(user) -> list[tuple[str, str]]:
    """The reporting pages this user may open: (URL name, title)."""
    return [(name, title) for permission, name, title in PAGES if user.has_perm(permission)]
