from django.apps import AppConfig


class HodConfig(AppConfig):
    name = "hod"
    verbose_name = "Help On Demand"
