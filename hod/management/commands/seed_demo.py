"""Demo data for `make run`: safe to run again, it changes nothing the second time.

It makes an administrator: with a password of its own, generated on the first run, kept in the
embedded mode's folder (var/, never committed) so that later runs can print it again. Outside the
embedded mode it refuses to run without --force: demo log-ins do not belong in a real database.
"""

import secrets
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection

from agents.demo import seed_agents
from referrals.demo import seed_referrals

DEMO_ADMIN_USERNAME = "admin"


def admin_password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-admin-password"


class Command(BaseCommand):
    help = "Load demo data (an administrator and a pool of agents; each feature adds its own) and print the log-ins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="run on a database other than the embedded SQLite")

    def handle(self, *args, force: bool = False, **options) -> None:
        if connection.vendor != "sqlite" and not force:
            self.stderr.write(
                "seed_demo makes log-ins whose passwords are printed: it runs only in the embedded mode (SQLite). "
                "Add --force to load demo data into this database anyway."
            )
            sys.exit(2)
        password = self._administrator()
        agent_logins = seed_agents()
        referrals = seed_referrals()
        self.stdout.write("Demo log-ins:")
        self.stdout.write(f"  administrator  /admin/   {DEMO_ADMIN_USERNAME} / {password}")
        for line in agent_logins:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Demo referrals: {referrals}")

    def _administrator(self) -> str:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username=DEMO_ADMIN_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@helpondemand.example"},
        )
        saved = admin_password_file()
        if created or not saved.exists():
            password = secrets.token_urlsafe(12)
            admin.set_password(password)
            admin.save(update_fields=["password"])
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(password)
            saved.chmod(0o600)
        return saved.read_text().strip()
