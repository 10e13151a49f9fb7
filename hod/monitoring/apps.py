from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "hod.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
