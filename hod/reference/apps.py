from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "hod.reference"
    label = "reference"
    verbose_name = "Reference data"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from hod.reference.lookups import forget_reference_data
        from hod.reference.models import Language, PlanYearSetting, State, StateMarketplace

        for model in (Language, PlanYearSetting, State, StateMarketplace):
            for signal in (post_save, post_delete):
                signal.connect(forget_reference_data, sender=model, dispatch_uid=f"reference.forget.{model.__name__}")
