from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


# Error pages (handler400/403/404/500 in hod.urls). Unlike Django's own, they never run the CSRF
# check, which reads the request's body: a body that cannot be read (a form declaring another
# charset, say) raised again inside the error page, and the visitor got a bare 500.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """No context processors, no database: whatever failed must not fail this page too."""
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that is too old (or with cookies off): say how to send it again."""
    return render(request, "errors/403_csrf.html", status=403)
