"""`seed_demo` gives `make run` something to log in with, and running it again changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from hod.management.commands.seed_demo import DEMO_ADMIN_PASSWORD, DEMO_ADMIN_USERNAME


@pytest.mark.django_db
def test_the_demo_administrator_can_open_admin(client, capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    assert get_user_model().objects.filter(username=DEMO_ADMIN_USERNAME).count() == 1
    assert f"{DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}" in capsys.readouterr().out
    assert client.login(username=DEMO_ADMIN_USERNAME, password=DEMO_ADMIN_PASSWORD)
    assert client.get("/admin/").status_code == 200
