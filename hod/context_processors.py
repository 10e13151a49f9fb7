from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info


def language_switch(request: HttpRequest) -> dict:
    """Links to this same page in the other languages, for pages that exist in every language."""
    current = get_language()
    path = request.get_full_path()
    links = []
    for code, _name in settings.LANGUAGES:
        if code == current:
            continue
        url = translate_url(path, code)
        if url != path:
            links.append(
                {
                    "code": code,
                    "name": get_language_info(code)["name_local"].capitalize(),
                    "url": url,
                    # From the configured address, not the request's Host header (which may be anything).
                    "absolute_url": settings.HOD_BASE_URL + url,
                }
            )
    return {"language_links": links}


def offer_window(request: HttpRequest) -> dict:
    """How long an agent has to answer an offer, in whole minutes, for every page that says so."""
    from referrals.messages import offer_window_minutes

    return {"offer_window_minutes": offer_window_minutes()}
