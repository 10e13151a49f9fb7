from django.db import migrations

from agents.loaders import load_agents_reference_data


def load(apps, schema_editor):
    load_agents_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
