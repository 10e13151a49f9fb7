import sys

from django.core.management.base import BaseCommand

from referrals.sweep import sweep_once


class Command(BaseCommand):
    help = (
        "One sweep: apply hours and absences, lapse due offers and re-offer, offer waiting referrals, expire old ones. "
        "Exits 1 when a part of it failed (the other parts still ran)."
    )

    def handle(self, *args, **options) -> None:
        report = sweep_once()
        if not report.ok:
            self.stderr.write(str(report))
            sys.exit(1)
        self.stdout.write(str(report))
