"""Admin shows each referral's timeline; consumers' contact details only with the permission, on record."""

import pytest
from django.contrib.auth.models import Permission

from referrals.lifecycle import create_referral, reject_offer
from referrals.models import Offer
from tests.factories import UserFactory
from tests.referrals.conftest import consumer

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(pool):
    referral = create_referral(consumer())
    reject_offer(Offer.objects.get(referral=referral, status="pending").pk, pool["hialeah"], "busy")
    return referral


def staff_with(*codenames: str):
    user = UserFactory(username="-".join(codenames) or "staff", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_the_referral_page_shows_its_timeline_and_offers(client, referral):
    client.force_login(staff_with("view_referral"))

    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()

    for step in ("Request received", "Offered", "Rejected"):
        assert step in page
    assert "busy" in page and "hialeah" in page


def test_without_the_permission_the_consumer_is_masked(client, referral):
    client.force_login(staff_with("view_referral"))

    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    listing = client.get("/admin/referrals/referral/").content.decode()

    for secret in ("María", "Pérez", "3055550123", "maria@example.com"):
        assert secret not in page and secret not in listing
    assert "•••••••0123" in page


def test_with_the_permission_the_consumer_is_shown_and_the_view_logged(client, referral, caplog):
    viewer = staff_with("view_referral", "view_consumer_contact")
    client.force_login(viewer)

    with caplog.at_level("INFO", logger="notifications.masking"):
        page = client.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()

    assert "María" in page and "maria@example.com" in page
    assert f"consumer contact details shown: user={viewer.pk} referral={referral.pk}" in caplog.text


def test_referrals_are_filtered_by_state_language_and_status(admin_client, referral):
    response = admin_client.get("/admin/referrals/referral/?state=FL&language__code__exact=es&status=offered")

    assert response.context["cl"].result_count == 1
    assert admin_client.get("/admin/referrals/referral/?status=waiting").context["cl"].result_count == 0


def test_the_outcome_and_the_agents_note_and_the_timeline_names_agents(client, pool):
    from referrals.after_accepting import record_disposition
    from referrals.lifecycle import accept_offer

    referral = create_referral(consumer())
    offer = Offer.objects.get(referral=referral, status="pending")
    accept_offer(offer.pk, offer.agent)
    record_disposition(offer, offer.agent, "enrolled", "María chose a silver plan")
    url = f"/admin/referrals/referral/{referral.pk}/change/"

    client.force_login(staff_with("view_referral"))
    page = client.get(url).content.decode()
    assert "Enrolled (recorded" in page and "silver plan" not in page
    assert "<td>Outcome recorded</td><td>hialeah Agent (NPN" in page  # the event names its agent

    client.force_login(staff_with("view_referral", "view_consumer_contact"))
    assert "María chose a silver plan" in client.get(url).content.decode()


def test_the_agents_page_links_to_their_responsiveness(admin_client, pool):
    page = admin_client.get(f"/admin/agents/agent/{pool['hialeah'].pk}/change/").content.decode()

    assert f"/admin/service/responsiveness/?agent={pool['hialeah'].pk}&amp;period=season" in page
