from django.conf import settings
from django.core.management.base import BaseCommand

from referrals.erasure import run_erasure


class Command(BaseCommand):
    help = (
        "Erase consumers' contact details from requests closed more than HOD_RETENTION_DAYS ago (beat does this "
        "daily). Exits 1 when it failed."
    )

    def handle(self, *args, **options) -> None:
        tally = run_erasure()
        self.stdout.write(
            f"{tally.done} referral(s) erased: closed more than {settings.HOD_RETENTION_DAYS} day(s) ago"
            + (f"; {len(tally.skipped)} skipped:\n{tally.skipped_detail()}" if tally.skipped else "")
        )
