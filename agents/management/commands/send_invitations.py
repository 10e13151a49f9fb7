from django.core.management.base import BaseCommand

from agents.invitations import send_invitations


class Command(BaseCommand):
    help = "E-mail an invitation to every invitable agent who has no account and no open invitation."

    def handle(self, *args, **options) -> None:
        sent = send_invitations()
        self.stdout.write(f"{sent} invitation(s) sent")
