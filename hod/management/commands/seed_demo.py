"""Demo data for `make run`: safe to run again, it changes nothing the second time."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from agents.demo import seed_agents
from referrals.demo import seed_referrals

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "Demo-Admin-2027!"


class Command(BaseCommand):
    help = "Load demo data (an administrator and a pool of agents; each feature adds its own) and print the log-ins."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username=DEMO_ADMIN_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@helpondemand.example"},
        )
        if created:
            admin.set_password(DEMO_ADMIN_PASSWORD)
            admin.save(update_fields=["password"])
        agent_logins = seed_agents()
        referrals = seed_referrals()
        self.stdout.write("Demo log-ins:")
        self.stdout.write(f"  administrator  /admin/   {DEMO_ADMIN_USERNAME} / {DEMO_ADMIN_PASSWORD}")
        for line in agent_logins:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Demo referrals: {referrals}")
