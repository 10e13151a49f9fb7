from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils import translation

from agents.eligibility import current_terms
from agents.models import TermsDocument
from hod.reference.lookups import other_help_links


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


# Error pages (handler400/403/404/500 in hod.urls). Unlike Django's own, they never run the CSRF
# check, which reads the request's body: a body that cannot be read (a form declaring another
# charset, say) raised again inside the error page, and the visitor got a bare 500.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", {"help": other_help_links()}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", {"help": other_help_links()}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", {"help": other_help_links()}, status=404)


def privacy(request: HttpRequest) -> HttpResponse:
    """What is kept about consumers, who sees it, for how long, and how to have it deleted sooner."""
    context = {"retention_days": settings.HOD_RETENTION_DAYS, "privacy_email": settings.HOD_PRIVACY_EMAIL}
    return render(request, "privacy.html", context)


def terms_of_use(request: HttpRequest) -> HttpResponse:
    """The current Help On Demand Terms of Use, for anyone (the footer links it, as the seeds show)."""
    current = [terms for terms in current_terms() if terms.kind == TermsDocument.Kind.HELP_ON_DEMAND]
    return render(request, "terms_of_use.html", {"terms": current[0] if current else None})


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's own page in the visitor's language (from the address: nothing else is trusted now), with
    no context processors and no database; should even that fail, a plain page in both languages."""
    language = "es" if request.path.startswith("/es/") else "en"
    try:
        with translation.override(language):
            return HttpResponseServerError(loader.get_template("errors/500.html").render({"help": other_help_links()}))
    except Exception:
        return HttpResponseServerError(loader.get_template("errors/500_plain.html").render())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that is too old (or with cookies off): say how to send it again."""
    return render(request, "errors/403_csrf.html", status=403)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon (Django's admin): the site's own."""
    return redirect(static("img/favicon.svg"), permanent=True)
