from django.core.management.base import BaseCommand

from referrals.sweep import sweep_once


class Command(BaseCommand):
    help = (
        "One sweep: apply hours and absences, lapse due offers and re-offer, offer waiting referrals, expire old ones."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(str(sweep_once()))
