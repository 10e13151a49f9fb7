"""Odd input gets a 4xx with a clear message, never a 500, and a consumer's request is refused at the field,
never lost: the causes fuzzing found."""

import base64

import pytest
from django.test import Client

from referrals.models import Referral
from tests.referrals.test_get_contacted import form

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    """A client that checks CSRF tokens and answers errors with pages, as a real server does."""
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def csrf_token(browser: Client, path: str) -> str:
    browser.get(path)
    return browser.cookies["csrftoken"].value


@pytest.mark.parametrize("charset", ["latin-1", "utf-16"])
def test_a_form_posted_in_another_charset_is_a_400_page_not_a_500(browser, charset):
    token = csrf_token(browser, "/get-contacted/")
    body = f"csrfmiddlewaretoken={token}&first_name=Mar%E9a".encode()

    response = browser.generic(
        "POST",
        "/get-contacted/",
        body,
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        headers={"Referer": "http://testserver/get-contacted/"},
    )

    assert response.status_code == 400
    assert "We could not read that" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_form_from_a_stale_page_says_how_to_send_it_again_in_spanish(browser):
    response = browser.post("/es/get-contacted/", form())

    assert response.status_code == 403
    assert "Vuelva atrás, vuelva a cargar la página" in response.content.decode()


def test_a_consumer_email_longer_than_the_database_keeps_is_refused_at_the_field(client, pool):
    long_email = "m" * 250 + "@example.com"  # 262 characters

    response = client.post("/get-contacted/", form(email=long_email))

    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_huge_username_on_log_in_is_refused_without_a_500(browser):
    token = csrf_token(browser, "/agents/login/")

    response = browser.post(
        "/agents/login/",
        {"csrfmiddlewaretoken": token, "username": "a" * 100_000, "password": "x"},
        headers={"Referer": "http://testserver/agents/login/"},
    )

    assert response.status_code == 200
    assert "The username or password is not right" in response.content.decode()


@pytest.mark.parametrize(
    "provider", ["postmark", "mailgun", "amazon_ses", "mandrill", "brevo", "mailjet", "postal", "resend", "sparkpost"]
)
def test_delivery_reports_for_a_provider_not_set_up_are_not_found(browser, settings, provider):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hod:webhook-secret"}

    response = browser.post(f"/anymail/{provider}/tracking/", "{}", content_type="application/json")

    assert response.status_code in (400, 403, 404)


def test_delivery_reports_are_off_without_a_webhook_secret(browser, settings):
    settings.ANYMAIL = {}

    assert browser.post("/anymail/postmark/tracking/", "{}", content_type="application/json").status_code == 404


def test_an_unknown_page_is_a_404_page_in_the_visitors_language(browser):
    response = browser.get("/es/no-such-page/")

    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()


def test_a_huge_username_on_the_admin_log_in_is_refused_without_a_500(browser):
    token = csrf_token(browser, "/admin/login/")

    response = browser.post(
        "/admin/login/",
        {"csrfmiddlewaretoken": token, "username": "a" * 100_000, "password": "x"},
        headers={"Referer": "http://testserver/admin/login/"},
    )

    assert response.status_code == 200


def test_a_host_the_site_does_not_serve_is_a_400(browser):
    assert browser.get("/es/get-contacted/", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(
    "provider, body",
    [("mailjet", '{"unexpected": true}'), ("postmark", "not json"), ("brevo", "[]"), ("sparkpost", "not json")],
)
def test_a_delivery_report_that_cannot_be_read_is_a_400_even_with_the_right_secret(browser, settings, provider, body):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hod:webhook-secret"}
    auth = "Basic " + base64.b64encode(b"hod:webhook-secret").decode()

    response = browser.post(
        f"/anymail/{provider}/tracking/", body, content_type="application/json", headers={"Authorization": auth}
    )

    assert response.status_code == 400
