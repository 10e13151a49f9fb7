"""Acting on a referral in admin: close as spam or a duplicate, offer again now, send the status link again,
give to a chosen agent; each behind its own permission, with an Event and admin's log entry; nothing deleted."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from notifications.models import Notification
from referrals.lifecycle import create_referral
from referrals.models import Event, Offer, Referral
from tests.factories import UserFactory
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(pool):
    """María's request, offered to Hialeah."""
    return create_referral(consumer())


def staff(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=("view_referral", *codenames)))
    return user


def url(referral, slug: str) -> str:
    return f"/admin/referrals/referral/{referral.pk}/do/{slug}/"


@pytest.mark.parametrize(
    ("slug", "codename"),
    [
        ("close", "close_referral"),
        ("offer-again", "offer_referral_again"),
        ("send-link", "send_status_link"),
        ("give", "give_referral_to_agent"),
    ],
)
def test_each_action_needs_its_own_permission_and_shows_no_contact_detail(client, referral, slug, codename):
    client.force_login(staff())
    assert client.get(url(referral, slug)).status_code == 403
    assert client.post(url(referral, slug), {"reason": "spam"}).status_code == 403
    assert f"/do/{slug}/" not in client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()

    client.force_login(staff(codename))
    page = client.get(url(referral, slug)).content.decode()
    assert f"/do/{slug}/" in client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert "María" not in page and "3055550123" not in page and "maria@example.com" not in page


def test_closing_as_spam_withdraws_the_offer_and_tells_nobody(client, referral, pool):
    client.force_login(staff("close_referral"))
    before = Notification.objects.count()

    response = client.post(url(referral, "close"), {"reason": "spam"}, follow=True)

    assert "is closed; the consumer was not told" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED and referral.closed_at is not None
    assert Offer.objects.get(referral=referral).status == Offer.Status.WITHDRAWN
    assert Event.objects.filter(referral=referral, kind=Event.Kind.CLOSED, detail__startswith="as spam").exists()
    assert Notification.objects.count() == before
    assert LogEntry.objects.filter(object_id=str(referral.pk), change_message__startswith="Close as spam").exists()
    again = client.post(url(referral, "close"), {"reason": "spam"}, follow=True).content.decode()
    assert "Only an open request can be closed" in again


def test_offering_again_withdraws_without_a_lapse_and_goes_to_the_next_agent(client, referral, pool):
    client.force_login(staff("offer_referral_again"))

    client.post(url(referral, "offer-again"))

    first, second = Offer.objects.filter(referral=referral).order_by("pk")
    assert (first.agent, first.status) == (pool["hialeah"], Offer.Status.WITHDRAWN)
    assert (second.agent, second.status) == (pool["hollywood"], Offer.Status.PENDING)
    assert not Offer.objects.filter(agent=pool["hialeah"], status=Offer.Status.LAPSED).exists()


def test_sending_the_link_again_sends_the_same_link_whenever_asked(client, referral):
    client.force_login(staff("send_status_link"))
    first = Notification.objects.get(kind="request_received", channel="sms")

    client.post(url(referral, "send-link"))
    client.post(url(referral, "send-link"))  # staff are not held to the public form's hourly limit

    again = Notification.objects.filter(kind="status_link_again", channel="sms")
    assert again.count() == 2
    assert (again[0].secret_ref, again[0].secret_kind) == (first.secret_ref, first.secret_kind)  # the same link
    assert Event.objects.filter(referral=referral, kind=Event.Kind.LINK_SENT).count() == 2


def test_giving_to_an_agent_offers_only_eligible_agents_not_yet_offered(client, referral, pool):
    client.force_login(staff("give_referral_to_agent"))

    page = client.get(url(referral, "give")).content.decode()
    assert "orlando Agent" in page and "hollywood Agent" in page
    assert "hialeah Agent" not in page  # offered it already
    assert "english_only" not in page and "untrained" not in page  # fail a rule
    refused = client.post(url(referral, "give"), {"agent": pool["untrained"].pk}).content.decode()
    assert "Select a valid choice" in refused

    client.post(url(referral, "give"), {"agent": pool["orlando"].pk})

    assert Offer.objects.get(referral=referral, status="pending").agent == pool["orlando"]
    assert Offer.objects.get(referral=referral, agent=pool["hialeah"]).status == Offer.Status.WITHDRAWN
    assert Event.objects.filter(referral=referral, kind="offered", detail__contains="chosen by").exists()


def test_nothing_can_be_deleted(admin_client, referral):
    assert admin_client.get(f"/admin/referrals/referral/{referral.pk}/delete/").status_code == 403
    notification = Notification.objects.first()
    assert admin_client.get(f"/admin/notifications/notification/{notification.pk}/delete/").status_code == 403
    listing = admin_client.get("/admin/referrals/referral/").content.decode()
    assert "delete_selected" not in listing


def test_a_closed_request_tells_its_consumer_only_that_it_is_closed(client, referral):
    from referrals.operations import close_as

    close_as(referral.pk, "duplicate", UserFactory(is_staff=True))

    page = client.get(f"/get-contacted/status/{referral.status_token}/").content.decode()
    assert "This request is closed." in page and "Withdraw my request" not in page


def test_a_deletion_request_erases_this_and_the_consumers_other_requests(client, referral, pool):
    from referrals.lifecycle import withdraw_referral

    withdraw_referral(referral)
    second = create_referral(consumer())  # the same phone asks again
    client.force_login(staff())
    assert client.get(url(second, "erase")).status_code == 403
    client.force_login(staff("erase_consumer_data"))

    page = client.post(url(second, "erase"), follow=True).content.decode()

    assert "erased from 2 request(s)" in page
    for request in (referral, second):
        request.refresh_from_db()
        assert request.erased_at is not None and request.first_name == "" and request.status == "withdrawn"
    assert LogEntry.objects.filter(change_message__startswith="Erase the consumer").count() == 1
    assert "/do/erase/" not in client.get(f"/admin/referrals/referral/{second.pk}/change/").content.decode()
