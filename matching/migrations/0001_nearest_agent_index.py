"""PostgreSQL only: the extensions and the index that let one query walk agents in distance order."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

INDEX = (
    "CREATE INDEX IF NOT EXISTS agent_location_available ON agents_agent "
    "USING gist (ll_to_earth(latitude, longitude)) "
    "WHERE taking_referrals AND latitude IS NOT NULL AND longitude IS NOT NULL"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS agent_location_available")


class Migration(migrations.Migration):
    dependencies = [("agents", "0003_invitations")]

    operations = [
        CreateExtension("cube"),
        CreateExtension("earthdistance"),
        migrations.RunPython(create_index, drop_index),
    ]
