"""The Get Contacted form from each process's rendered copy: the same bytes as a fresh render, a token of its own
for every consumer, and a fresh render whenever the page could differ."""

import re
from unittest import mock

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.utils import translation

from hod import cached
from hod.reference.models import Language
from referrals.forms import GetContactedForm

pytestmark = pytest.mark.django_db

PAGES = {"en": "/get-contacted/", "es": "/es/get-contacted/"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def token_in(response) -> str:
    (token,) = TOKEN.findall(response.content.decode())
    return token


def shared_cache_emptied() -> None:
    """Intake pauses and languages are also kept a few seconds in the process (hod.cached): forgotten, each GET
    asks the database what it asks when they have just expired, so the counts below do not depend on them."""
    cached.forget_everything()


def same_tokens_every_time():
    """CSRF secrets and masks that do not change, so two renders of one page can be compared byte for byte."""
    return mock.patch("django.middleware.csrf._get_new_csrf_string", return_value="k" * 32)


def test_the_kept_pages_are_byte_for_byte_fresh_renders_in_each_language(client, django_assert_num_queries):
    with same_tokens_every_time():
        for path in PAGES.values():
            client.get(path)
        for language, path in PAGES.items():
            shared_cache_emptied()
            with django_assert_num_queries(1):  # whether intake is paused; the page itself came from the copy
                response = client.get(path)
            with translation.override(language):
                fresh = render(response.wsgi_request, "referrals/get_contacted.html", {"form": GetContactedForm()})

            assert response.content == fresh.content
            assert f'<html lang="{language}">' in response.content.decode() and token_in(response)


def test_every_get_carries_its_own_token_and_each_one_is_accepted(db):
    maria, jose = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    marias_token, joses_token = token_in(maria.get("/get-contacted/")), token_in(jose.get("/get-contacted/"))
    marias_second_token = token_in(maria.get("/get-contacted/"))

    assert len({marias_token, joses_token, marias_second_token}) == 3
    assert maria.cookies["csrftoken"].value != jose.cookies["csrftoken"].value
    # Accepted: the form comes back with its errors (a refused token is a 403).
    for consumer, token in ((maria, marias_token), (jose, joses_token), (maria, marias_second_token)):
        assert consumer.post("/get-contacted/", {"csrfmiddlewaretoken": token}).status_code == 200
    assert maria.post("/get-contacted/", {"csrfmiddlewaretoken": joses_token}).status_code == 403


def test_a_kept_page_answers_with_the_headers_of_a_fresh_one(client):
    client.get("/es/get-contacted/")
    kept = client.get("/es/get-contacted/")
    fresh = Client().get("/es/get-contacted/?from=flyer")  # a query string: rendered afresh

    assert set(kept.headers) == set(fresh.headers)
    for header in ("Content-Type", "Cache-Control", "Vary", "Content-Language", "X-Frame-Options"):
        assert kept.headers.get(header) == fresh.headers.get(header), header
    assert "Cookie" in kept["Vary"] and "no-store" in kept["Cache-Control"]
    assert kept.cookies["csrftoken"].value


def test_a_query_string_is_rendered_afresh_into_the_language_links(client, django_assert_num_queries):
    client.get("/get-contacted/")
    shared_cache_emptied()
    with django_assert_num_queries(2):  # the pause, then the form's languages
        page = client.get("/get-contacted/?from=flyer").content.decode()

    assert 'href="/es/get-contacted/?from=flyer"' in page


def test_a_message_waiting_for_the_consumer_is_shown_not_skipped(client):
    client.get("/get-contacted/")
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Your request was withdrawn.")])

    page = client.get("/get-contacted/").content.decode()

    assert "Your request was withdrawn." in page
    assert "Your request was withdrawn." not in client.get("/get-contacted/").content.decode()  # shown once


def test_in_development_every_get_is_rendered_afresh(client, settings, django_assert_num_queries):
    settings.DEBUG = True
    client.get("/get-contacted/")
    shared_cache_emptied()
    with django_assert_num_queries(2):
        client.get("/get-contacted/")


def test_a_language_added_or_a_setting_changed_shows_at_the_next_get(client, settings):
    client.get("/get-contacted/")
    Language.objects.create(code="yo", name_en="Yoruba", name_es="yoruba", native_name="Yorùbá")
    assert "Yoruba (Yorùbá)" in client.get("/get-contacted/").content.decode()

    settings.HOD_OFFER_WINDOW_SECONDS = 7 * 60
    assert "They have 7 minutes to accept" in client.get("/get-contacted/").content.decode()
