from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def account_saved(sender, instance, **kwargs) -> None:
    """A deactivated account answers no more offers: the ones it holds go to the next agents at once."""
    if instance.is_active:
        return
    from agents.models import Agent
    from referrals.lifecycle import withdraw_offers_of

    agent_ids = list(Agent.objects.filter(user=instance).values_list("pk", flat=True))
    if agent_ids:
        transaction.on_commit(lambda: withdraw_offers_of(agent_ids, "the agent's account was deactivated"))


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from agents.availability import agents_became_available
        from notifications import secrets
        from referrals.lifecycle import status_link_secret
        from referrals.tasks import offer_waiting

        secrets.register("status_link", status_link_secret)
        post_save.connect(account_saved, sender=get_user_model(), dispatch_uid="referrals.account_saved")
        from referrals.intake import forget_pauses
        from referrals.models import IntakePause

        for signal in (post_save, post_delete):  # a pause saved in admin or a test: asked again at the next look
            signal.connect(forget_pauses, sender=IntakePause, dispatch_uid=f"referrals.forget_pauses.{signal}")

        def offer_waiting_referrals_now(sender, agent_ids, **kwargs) -> None:
            offer_waiting.delay()

        agents_became_available.connect(offer_waiting_referrals_now, dispatch_uid="referrals.offer_waiting", weak=False)
