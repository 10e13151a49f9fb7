"""Exporting a period's referrals and offers as CSV: streamed, behind its permission, contact details only
with theirs (and logged), formulas defused."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from referrals.lifecycle import create_referral
from referrals.models import Referral
from referrals.reporting.export import safe
from tests.factories import UserFactory
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db


def staff(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def rows_of(response) -> list[list[str]]:
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def requests(pool):
    return [create_referral(consumer()), create_referral(consumer(first_name="=HYPERLINK(1)", phone="+13055550124"))]


def test_export_needs_its_permission(client, requests):
    client.force_login(staff())
    assert client.get("/admin/service/export/").status_code == 403
    assert client.get("/admin/service/export/referrals.csv").status_code == 403


def test_referrals_without_contact_details_unless_permitted(client, requests):
    client.force_login(staff("export_referrals"))

    header, *rows = rows_of(client.get("/admin/service/export/referrals.csv", {"period": "today", "zone": "UTC"}))

    assert header[:3] == ["reference", "created at (UTC)", "state"] and "phone" not in header
    assert sorted(row[0] for row in rows) == sorted(referral.reference for referral in requests)
    assert not any("María" in cell or "3055550123" in cell for row in rows for cell in row)


def test_with_the_contact_permission_the_export_has_them_is_logged_and_formulas_are_defused(client, requests, caplog):
    user = staff("export_referrals", "view_consumer_contact")
    client.force_login(user)

    with caplog.at_level("INFO", logger="notifications.masking"):
        header, *rows = rows_of(client.get("/admin/service/export/referrals.csv", {"period": "today"}))

    assert header[-5:] == ["first name", "last name", "phone", "e-mail", "agent's note"]
    names = {row[header.index("first name")] for row in rows}
    assert names == {"María", "'=HYPERLINK(1)"}
    assert {row[header.index("phone")] for row in rows} == {"(305) 555-0123", "(305) 555-0124"}
    assert f"consumer contact details shown: user={user.pk} export=" in caplog.text


def test_offers_name_the_agent_and_the_answer(client, requests, pool):
    client.force_login(staff("export_referrals"))

    header, *rows = rows_of(client.get("/admin/service/export/offers.csv"))

    assert header[:3] == ["referral", "state", "agent NPN"]
    assert {row[2] for row in rows} == {pool["hialeah"].npn, pool["hollywood"].npn} or len(rows) == 2
    assert all(row[5] == "pending" for row in rows)


def test_yesterdays_export_leaves_out_today(client, requests):
    client.force_login(staff("export_referrals"))
    yesterday = (timezone.now() - timezone.timedelta(days=1)).date().isoformat()  # in UTC
    period = {"period": "custom", "start": yesterday, "end": yesterday, "zone": "UTC"}

    _header, *rows = rows_of(client.get("/admin/service/export/referrals.csv", period))

    assert rows == [] and Referral.objects.count() == 2


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_defused(value):
    assert safe(value) == "'" + value
    assert safe("plain") == "plain" and safe(None) == ""
