from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents and brokers"

    def ready(self) -> None:
        from agents.accounts import password_reset_secret, username_secret
        from agents.availability import hours_or_absence_saved
        from agents.invitations import invitation_secret
        from agents.models import Absence, WeeklyHours
        from notifications import secrets

        secrets.register("invitation", invitation_secret)
        secrets.register("password_reset", password_reset_secret)
        secrets.register("username", username_secret)

        for model in (WeeklyHours, Absence):
            for signal in (post_save, post_delete):
                signal.connect(hours_or_absence_saved, sender=model, dispatch_uid=f"agents.schedule.{model.__name__}")
