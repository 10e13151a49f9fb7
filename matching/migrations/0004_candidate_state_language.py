"""The candidate rows of a state and language, switched on or off (matching.nearest.anyone_could_come).

On PostgreSQL the index is built CONCURRENTLY, so that the triggers' writes to the candidate table (every offer
updates its agent's row) do not wait while it builds on a large pool.
"""

from django.db import migrations, models

INDEX = models.Index(fields=["state", "language", "agent"], name="candidate_state_language")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS candidate_state_language "
            "ON matching_candidate (state, language, agent_id)"
        )
    else:
        schema_editor.add_index(apps.get_model("matching", "Candidate"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS candidate_state_language")
    else:
        schema_editor.remove_index(apps.get_model("matching", "Candidate"), INDEX)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("matching", "0003_answer_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="candidate", index=INDEX)],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
