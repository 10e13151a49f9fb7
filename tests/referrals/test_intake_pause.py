"""Administrators pause intake everywhere or in one state: the Get Contacted page shows their message (in the
page's language) with the other ways to get help instead of the form, posts are refused and nothing is saved;
pausing and resuming need their permissions, are logged, and stand at the top of the admin's index."""

import datetime as dt

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from hod.reference.models import State
from notifications.models import Notification
from referrals.intake import EVERYWHERE, AlreadyPaused, pause_for, pause_intake, resume_intake
from referrals.models import IntakePause, Referral
from tests.factories import UserFactory
from tests.referrals.test_get_contacted import form

pytestmark = pytest.mark.django_db

MESSAGES = {
    "en": "We are moving to a new system.\nPlease call the Marketplace until Monday.",
    "es": "Estamos cambiando de sistema.\nLlame al Mercado hasta el lunes.",
}
ADMIN = "/admin/referrals/intakepause/"
DALLAS = "75201"  # Texas: its own pause, or none


def staff_with(*codenames: str):
    user = UserFactory(username="-".join(codenames) or "staff", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="referrals", codename__in=codenames))
    return user


@pytest.fixture
def operator():
    return staff_with("view_intakepause", "add_intakepause", "change_intakepause")


@pytest.fixture
def florida():
    return State.objects.get(code="FL")


def paused_everywhere(by) -> IntakePause:
    return pause_intake(EVERYWHERE, MESSAGES, by)


# The consumer's side


def test_while_paused_everywhere_the_page_shows_the_message_and_other_help_instead_of_the_form(client, operator):
    paused_everywhere(operator)

    english = client.get("/get-contacted/")
    spanish = client.get("/es/get-contacted/")

    assert english.status_code == spanish.status_code == 200
    page = english.content.decode()
    assert "We are not taking new requests right now" in page
    assert "<p>We are moving to a new system.<br>Please call the Marketplace until Monday.</p>" in page
    assert "1-800-318-2596" in page and "localhelp.healthcare.gov" in page and "https://www.healthcare.gov/" in page
    assert "<form" not in page.split("</header>")[-1] and "Ask for help" not in page
    page = spanish.content.decode()
    assert 'lang="es"' in page and "En este momento no aceptamos solicitudes nuevas" in page
    assert "Estamos cambiando de sistema.<br>Llame al Mercado hasta el lunes." in page
    assert "cuidadodesalud.gov/es/" in page and "We are moving" not in page and "Pedir ayuda" not in page


@pytest.mark.parametrize(
    ("prefix", "said"),
    [("", "We are moving to a new system."), ("/es", "Estamos cambiando de sistema.")],
)
def test_a_post_while_paused_everywhere_is_refused_and_nothing_is_saved(client, pool, operator, prefix, said):
    paused_everywhere(operator)

    valid = client.post(f"{prefix}/get-contacted/", form())
    with_mistakes = client.post(f"{prefix}/get-contacted/", form(phone="12"))  # a page opened before the pause

    for response in (valid, with_mistakes):
        assert response.status_code == 200
        assert said in response.content.decode()
    assert "We have not saved anything you typed." in client.post("/get-contacted/", form()).content.decode()
    assert not Referral.objects.exists() and not Notification.objects.exists()


def test_a_state_pause_refuses_that_state_once_the_zip_code_says_so_and_others_still_ask(client, operator, florida):
    pause_intake(florida, MESSAGES, operator)

    assert "Ask for help" in client.get("/get-contacted/").content.decode()  # the state is not known yet
    miami = client.post("/get-contacted/", form())
    miami_es = client.post("/es/get-contacted/", form())
    dallas = client.post("/get-contacted/", form(zip_code=DALLAS))

    page = miami.content.decode()
    assert miami.status_code == 200 and "We are not taking new requests from Florida right now" in page
    assert "We are moving to a new system." in page and "I typed the wrong ZIP code" in page
    assert "En este momento no aceptamos solicitudes nuevas de Florida" in miami_es.content.decode()
    assert dallas.status_code == 302
    assert list(Referral.objects.values_list("state", flat=True)) == ["TX"]


def test_a_state_with_its_own_marketplace_is_still_sent_there(client, operator):
    pause_intake(State.objects.get(code="CA"), MESSAGES, operator)

    page = client.post("/get-contacted/", form(zip_code="90012")).content.decode()  # Los Angeles

    assert "Covered California" in page and "We are moving" not in page


def test_the_state_pause_is_said_where_both_apply_and_the_one_everywhere_after_it_ends(operator, florida):
    everywhere = paused_everywhere(operator)
    in_florida = pause_intake(florida, {"en": "Florida only.", "es": "Solo Florida."}, operator)

    assert pause_for("FL") == in_florida and pause_for("TX") == everywhere and pause_for(None) == everywhere
    resume_intake(in_florida, operator)
    assert pause_for("FL") == everywhere
    resume_intake(everywhere, operator)
    assert pause_for("FL") is None and pause_for(None) is None


def test_a_pause_applies_from_its_start_to_its_end(operator):
    start = timezone.now()
    pause = pause_intake(EVERYWHERE, MESSAGES, operator, now=start)
    resume_intake(pause, operator, now=start + dt.timedelta(hours=2))

    assert pause_for(None, start - dt.timedelta(seconds=1)) is None
    assert pause_for(None, start + dt.timedelta(hours=1)) == pause
    assert pause_for(None, start + dt.timedelta(hours=2)) is None


def test_resuming_brings_the_form_back(client, operator):
    pause = paused_everywhere(operator)
    resume_intake(pause, operator)

    assert "Ask for help" in client.get("/get-contacted/").content.decode()


def test_the_page_asks_the_database_once_more_at_most(client, operator, django_assert_num_queries):
    with django_assert_num_queries(2):  # the pause, then the form's languages
        client.get("/get-contacted/")
    paused_everywhere(operator)
    with django_assert_num_queries(1):
        client.get("/get-contacted/")


# The rules the database keeps


def test_one_active_pause_per_scope_and_the_first_resume_wins(operator, florida):
    everywhere = paused_everywhere(operator)
    pause_intake(florida, MESSAGES, operator)

    with pytest.raises(AlreadyPaused) as already:
        paused_everywhere(operator)
    assert already.value.pause == everywhere
    with pytest.raises(IntegrityError), transaction.atomic():
        IntakePause.objects.create(state=florida, started_at=timezone.now(), started_by=operator)
    assert resume_intake(everywhere, operator) is True
    assert resume_intake(everywhere, operator) is False  # another administrator got there first
    assert LogEntry.objects.filter(action_flag=CHANGE).count() == 1
    paused_everywhere(operator)  # a new pause once the old one ended


def test_a_pause_needs_a_message_in_both_languages(operator):
    with pytest.raises(ValueError, match="missing: es"):
        pause_intake(EVERYWHERE, {"en": "Paused.", "es": "  "}, operator)
    assert not IntakePause.objects.exists()


def test_pausing_and_resuming_are_logged_for_admin_and_in_the_log(operator, florida, caplog):
    with caplog.at_level("INFO", logger="referrals.intake"):
        pause = pause_intake(florida, MESSAGES, operator)
        resume_intake(pause, operator)

    entries = LogEntry.objects.filter(object_id=str(pause.pk), user=operator).order_by("action_time", "pk")
    assert [(entry.action_flag, entry.change_message) for entry in entries] == [
        (ADDITION, "Paused intake in FL."),
        (CHANGE, "Resumed intake in FL."),
    ]
    assert f"intake paused in FL by user {operator.pk} (pause {pause.pk})" in caplog.text
    assert f"intake resumed in FL by user {operator.pk} (pause {pause.pk})" in caplog.text


# The administrators' side


def test_an_operator_pauses_in_admin_with_the_suggested_messages_and_resumes(client, operator):
    client.force_login(operator)
    add = client.get(f"{ADMIN}add/").content.decode()
    assert "Everywhere (every state)" in add and "Pause intake" in add
    assert IntakePause.DEFAULT_MESSAGE_EN in add and "Por ahora, Help On Demand no acepta" in add

    response = client.post(f"{ADMIN}add/", {"state": "", "message_en": "Back soon.", "message_es": "Volvemos pronto."})

    pause = IntakePause.objects.get()
    assert response.status_code == 302 and (pause.state, pause.started_by, pause.ended_at) == (None, operator, None)
    assert LogEntry.objects.filter(object_id=str(pause.pk)).count() == 1  # pause_intake's, not a second one
    page = client.get(response["Location"]).content.decode()
    assert "Intake is paused everywhere: the Get Contacted page shows your message." in page
    assert "Back soon." in client.get("/get-contacted/").content.decode()

    assert "Resume intake" in client.get(f"{ADMIN}{pause.pk}/change/").content.decode()
    assert "can ask for help again" in client.get(f"{ADMIN}{pause.pk}/resume/").content.decode()
    client.post(f"{ADMIN}{pause.pk}/resume/")

    pause.refresh_from_db()
    assert pause.ended_at and pause.ended_by == operator
    assert "Ask for help" in client.get("/get-contacted/").content.decode()


def test_pausing_a_scope_paused_already_is_refused_with_who_paused_it(client, operator, florida):
    pause_intake(florida, MESSAGES, operator)
    client.force_login(operator)

    page = client.post(f"{ADMIN}add/", {"state": "FL", "message_en": "x", "message_es": "y"}).content.decode()

    assert "Intake is already paused in FL (since" in page and f"by {operator.username})" in page
    assert IntakePause.objects.count() == 1


def test_the_list_shows_scope_status_and_who_and_resumes_the_selected(client, operator, florida):
    paused_everywhere(operator)
    pause_intake(florida, MESSAGES, operator)
    client.force_login(operator)

    listing = client.get(ADMIN).content.decode()
    assert "Everywhere" in listing and "In FL" in listing and listing.count('<td class="field-status">Active</td>') == 2
    assert operator.username in listing

    ids = [str(pk) for pk in IntakePause.objects.values_list("pk", flat=True)]
    page = client.post(ADMIN, {"action": "resume_selected", "_selected_action": ids}, follow=True).content.decode()

    assert "Intake resumed" in page and not IntakePause.objects.filter(ended_at__isnull=True).exists()
    assert client.get(f"{ADMIN}?active=no").context["cl"].result_count == 2


def test_staff_without_the_permissions_may_not_pause_or_resume(client, operator):
    pause = paused_everywhere(operator)
    viewer = staff_with("view_intakepause")
    client.force_login(viewer)

    assert client.get(ADMIN).status_code == 200
    assert "Resume intake" not in client.get(f"{ADMIN}{pause.pk}/change/").content.decode()
    assert client.get(f"{ADMIN}add/").status_code == 403
    assert client.post(f"{ADMIN}add/", {"state": "", "message_en": "x", "message_es": "y"}).status_code == 403
    assert client.post(f"{ADMIN}{pause.pk}/resume/").status_code == 403
    client.post(ADMIN, {"action": "resume_selected", "_selected_action": [pause.pk]})  # not an action they have
    client.force_login(staff_with())
    assert client.get(ADMIN).status_code == 403
    assert client.post(f"{ADMIN}{pause.pk}/resume/").status_code == 403

    pause.refresh_from_db()
    assert pause.is_active and IntakePause.objects.count() == 1


def test_nobody_deletes_a_pause(admin_client, operator):
    pause = paused_everywhere(operator)

    assert admin_client.get(f"{ADMIN}{pause.pk}/delete/").status_code == 403
    assert "delete_selected" not in admin_client.get(ADMIN).content.decode()


def test_the_admin_index_says_where_intake_is_paused_since_when_and_by_whom(admin_client, operator, florida):
    start = timezone.now().replace(microsecond=0)
    everywhere = pause_intake(EVERYWHERE, MESSAGES, operator, now=start)
    pause_intake(florida, MESSAGES, operator, now=start)

    page = admin_client.get("/admin/").content.decode()

    since = f"{timezone.localtime(start):%Y-%m-%d %H:%M} UTC by {operator.username}"
    assert f"Intake is paused everywhere since {since}: no consumer can ask for help." in page
    assert f"Intake is paused in FL since {since}: consumers in FL cannot ask for help." in page
    resume_intake(everywhere, operator)
    page = admin_client.get("/admin/").content.decode()
    assert "Intake is paused everywhere" not in page and "Intake is paused in FL" in page
