"""Sending: one row per channel, sent by a worker after commit, once, in the recipient's language."""

import pytest
from django.core import mail
from django.db import transaction

from notifications import tasks
from notifications.channels import Channel, ContactMethod
from notifications.delivery import deliver
from notifications.models import Notification, Status
from notifications.sending import Recipient, send, send_test_message
from notifications.tasks import deliver_notification
from notifications.transports import development
from tests.notifications.conftest import recipient_for


def deliver_all(rows) -> None:
    for row in rows:
        deliver(row.pk)


@pytest.mark.parametrize(
    ("method", "channels"),
    [
        (ContactMethod.EMAIL_TEXT_APP, {"email", "sms", "push"}),
        (ContactMethod.EMAIL_TEXT, {"email", "sms"}),
        (ContactMethod.EMAIL_APP, {"email", "push"}),
        (ContactMethod.EMAIL_ONLY, {"email"}),
    ],
)
def test_each_contact_method_sends_on_exactly_its_channels(agent, method, channels, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        rows = send_test_message(recipient_for(agent, method))

    assert {row.channel for row in rows} == channels
    assert len(callbacks) == 1  # handed to the worker only once the transaction commits
    deliver_all(rows)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@agents.example"]
    assert {message["channel"] for message in development.outbox} == channels - {"email"}
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db
def test_a_consumer_gets_email_and_text_by_what_they_gave():
    both = Recipient(email="maria@example.com", phone="+13055550100", channels=frozenset({"email", "sms"}))
    phone_only = Recipient(phone="+13055550101", channels=frozenset({"email", "sms"}))

    assert {row.channel for row in send(both, "test_message")} == {"email", "sms"}
    assert {row.channel for row in send(phone_only, "test_message")} == {"sms"}


def test_a_spanish_recipient_gets_spanish_text(agent):
    rows = {row.channel: row for row in send_test_message(recipient_for(agent, language="es"))}
    deliver_all(rows.values())

    assert mail.outbox[0].subject == "Mensaje de prueba de Help On Demand"
    assert "Este es un mensaje de prueba de Help On Demand." in mail.outbox[0].body
    html, mimetype = mail.outbox[0].alternatives[0]
    assert mimetype == "text/html" and '<html lang="es">' in html
    assert rows["sms"].language == "es"
    assert rows["sms"].body.startswith("Help On Demand: este es un mensaje de texto de prueba.")
    assert rows["push"].subject == "Notificación de prueba de Help On Demand"


def test_the_email_has_a_plain_text_and_an_html_part_with_the_cms_note(agent):
    deliver_all(send(recipient_for(agent, ContactMethod.EMAIL_ONLY), "test_message"))

    email = mail.outbox[0]
    assert "This is a test message from Help On Demand." in email.body
    html, _ = email.alternatives[0]
    assert "not provided by CMS or the Marketplace" in html
    assert email.extra_headers["Message-ID"] == Notification.objects.get().provider_message_id


def test_a_redelivered_task_sends_once(agent):
    (row,) = send(recipient_for(agent, ContactMethod.EMAIL_ONLY), "test_message")

    deliver_notification(row.pk)
    deliver_notification(row.pk)  # the broker hands the same task over again

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)


def test_a_permanent_failure_on_one_channel_does_not_stop_the_others(agent):
    rows = send_test_message(recipient_for(agent))
    agent.devices.all().delete()  # no device left to take the app notification

    deliver_all(rows)

    statuses = dict(Notification.objects.values_list("channel", "status"))
    assert statuses == {Channel.EMAIL: Status.SENT, Channel.SMS: Status.SENT, Channel.PUSH: Status.FAILED}
    assert Notification.objects.get(channel=Channel.PUSH).last_error == "no registered device"
    assert len(mail.outbox) == 1


def test_the_worker_sends_after_commit_and_a_rollback_sends_nothing(worker, wait_until):
    from tests.factories import UserFactory

    user = UserFactory(username="bea", email="bea@agents.example")
    with pytest.raises(RuntimeError), transaction.atomic():
        send(recipient_for(user, ContactMethod.EMAIL_TEXT), "test_message")
        raise RuntimeError("the referral could not be saved")
    with transaction.atomic():
        send(recipient_for(user, ContactMethod.EMAIL_TEXT), "test_message")

    wait_until(lambda: set(Notification.objects.values_list("status", flat=True)) == {Status.SENT})
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1
    assert [message["to"] for message in development.outbox] == ["+13135550142"]


def test_messages_sent_together_reach_the_worker_in_one_hand_off_and_a_rollback_sends_none(
    worker, wait_until, monkeypatch
):
    from notifications import sending
    from tests.factories import UserFactory

    user = UserFactory(username="bea", email="bea@agents.example")
    consumer = Recipient(email="maria@example.com", phone="+13055550100", channels=frozenset({"email", "sms"}))
    handed = []
    monkeypatch.setattr(sending, "hand_off", lambda ids: handed.append(ids) or tasks.hand_off(ids))
    with pytest.raises(RuntimeError), sending.sent_together():
        send(recipient_for(user, ContactMethod.EMAIL_TEXT), "test_message")
        raise RuntimeError("the referral could not be saved")
    with sending.sent_together():
        send(recipient_for(user, ContactMethod.EMAIL_TEXT), "test_message")
        with sending.sent_together():  # one inside another joins its hand-off
            send(consumer, "test_message")

    wait_until(lambda: set(Notification.objects.values_list("status", flat=True)) == {Status.SENT})
    assert [len(ids) for ids in handed] == [4]  # both people's messages, one hand-off, after commit
    assert Notification.objects.count() == 4
    assert sorted(message.to[0] for message in mail.outbox) == ["bea@agents.example", "maria@example.com"]


def test_an_unknown_kind_of_message_is_a_programming_error(agent):
    with pytest.raises(ValueError, match="unknown kind of message 'nonsense'"):
        send(recipient_for(agent), "nonsense")


def test_the_file_backend_writes_one_file_per_message(agent, settings, tmp_path):
    settings.HOD_SMS_BACKEND = "file"
    settings.HOD_PUSH_BACKEND = "file"
    settings.HOD_MESSAGE_FILE_PATH = str(tmp_path)

    deliver_all(send_test_message(recipient_for(agent)))

    files = sorted(path.name.split("-")[0] for path in tmp_path.iterdir())
    assert files == ["push", "sms"]
    assert not list(tmp_path.glob("*.tmp"))
