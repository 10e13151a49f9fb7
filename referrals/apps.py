from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from agents.availability import agents_became_available
        from referrals.tasks import offer_waiting

        def offer_waiting_referrals_now(sender, agent_ids, **kwargs) -> None:
            offer_waiting.delay()

        agents_became_available.connect(offer_waiting_referrals_now, dispatch_uid="referrals.offer_waiting", weak=False)
