from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "hod.reference"
    label = "reference"
    verbose_name = "Reference data"
