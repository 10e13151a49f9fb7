from django.apps import AppConfig


class HodConfig(AppConfig):
    name = "hod"
    verbose_name = "Help On Demand"

    def ready(self) -> None:
        from hod import checks, sessions  # noqa: F401 (registers the deploy checks and the log-in receiver)
