"""The candidate table matching walks, and (on PostgreSQL) the triggers and index that keep it useful.

The triggers are statement-level with transition tables, so a bulk import refreshes the agents it
touched in one set-based statement, not row by row. Any write to an agent's location, switch, NPN or last offer,
to their languages, or to the licenses of their NPN refreshes that agent's rows.
"""

import django.db.models.deletion
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

REFRESH = """
CREATE FUNCTION matching_refresh_candidates(agent_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(agent_ids) = 0 THEN
        RETURN;
    END IF;
    -- Two writers refreshing one agent take turns, so the second sees the first's rows and changes.
    PERFORM 1 FROM agents_agent WHERE id = ANY (agent_ids) ORDER BY id FOR NO KEY UPDATE;
    -- Rows change in place where they can (a flip of the switch, a new last offer), and new rows go
    -- in ordered by segment and place, so that neighbours in the index are neighbours on disk.
    WITH fresh AS (
        SELECT DISTINCT agent.id AS agent_id, license.state, spoken.language_id AS language,
               hashtext(license.state || '/' || spoken.language_id) AS segment,
               agent.latitude, agent.longitude, agent.taking_referrals AS available, agent.last_offered_at
        FROM agents_agent agent
        JOIN agents_agent_languages spoken ON spoken.agent_id = agent.id
        JOIN agents_license license ON license.npn = agent.npn AND license.active
        WHERE agent.id = ANY (agent_ids) AND agent.latitude IS NOT NULL AND agent.longitude IS NOT NULL
    ), gone AS (
        DELETE FROM matching_candidate old
        WHERE old.agent_id = ANY (agent_ids) AND NOT EXISTS (
            SELECT 1 FROM fresh
            WHERE fresh.agent_id = old.agent_id AND fresh.state = old.state AND fresh.language = old.language
        )
    )
    INSERT INTO matching_candidate
        (agent_id, state, language, segment, latitude, longitude, available, last_offered_at)
    SELECT agent_id, state, language, segment, latitude, longitude, available, last_offered_at
    FROM fresh ORDER BY segment, latitude, longitude
    ON CONFLICT ON CONSTRAINT one_candidate_row DO UPDATE SET
        latitude = excluded.latitude, longitude = excluded.longitude,
        available = excluded.available, last_offered_at = excluded.last_offered_at
    WHERE (matching_candidate.latitude, matching_candidate.longitude, matching_candidate.available,
           matching_candidate.last_offered_at)
        IS DISTINCT FROM (excluded.latitude, excluded.longitude, excluded.available, excluded.last_offered_at);
END
$$;
"""

# Which agents a statement touched, per table and operation; each trigger passes them to the refresh.
TOUCHED = {
    ("agents_agent", "INSERT"): "SELECT id FROM new_rows",
    ("agents_agent", "UPDATE"): (
        "SELECT new_rows.id FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id "
        "WHERE (new_rows.npn, new_rows.latitude, new_rows.longitude, new_rows.taking_referrals, "
        "new_rows.last_offered_at) IS DISTINCT FROM (old_rows.npn, old_rows.latitude, old_rows.longitude, "
        "old_rows.taking_referrals, old_rows.last_offered_at)"
    ),
    ("agents_agent_languages", "INSERT"): "SELECT agent_id FROM new_rows",
    ("agents_agent_languages", "DELETE"): "SELECT agent_id FROM old_rows",
    ("agents_license", "INSERT"): "SELECT id FROM agents_agent WHERE npn IN (SELECT npn FROM new_rows)",
    ("agents_license", "UPDATE"): (
        "SELECT id FROM agents_agent WHERE npn IN ("
        "SELECT new_rows.npn FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id "
        "WHERE (new_rows.npn, new_rows.state, new_rows.active) IS DISTINCT FROM "
        "(old_rows.npn, old_rows.state, old_rows.active) "
        "UNION SELECT old_rows.npn FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id "
        "WHERE (new_rows.npn, new_rows.state, new_rows.active) IS DISTINCT FROM "
        "(old_rows.npn, old_rows.state, old_rows.active))"
    ),
    ("agents_license", "DELETE"): "SELECT id FROM agents_agent WHERE npn IN (SELECT npn FROM old_rows)",
}
TRANSITION = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}
TRANSITION["UPDATE"] = "OLD TABLE AS old_rows NEW TABLE AS new_rows"

INDEX = (
    "CREATE INDEX matching_candidate_nearest ON matching_candidate "
    "USING gist (segment, ll_to_earth(latitude, longitude)) WHERE available"
)


def _name(table: str, operation: str) -> str:
    return f"matching_{table.removeprefix('agents_')}_{operation.lower()}"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE matching_candidate SET (fillfactor = 70)")  # room to change in place
    schema_editor.execute(REFRESH)
    for (table, operation), touched in TOUCHED.items():
        name = _name(table, operation)
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM matching_refresh_candidates(ARRAY({touched})); RETURN NULL; END $$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {operation} ON {table} REFERENCING {TRANSITION[operation]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    schema_editor.execute("SELECT matching_refresh_candidates(ARRAY(SELECT id FROM agents_agent))")
    schema_editor.execute(INDEX)
    # Matching walked the agents' own table before; the candidate index replaces that one.
    schema_editor.execute("DROP INDEX IF EXISTS agent_location_available")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, operation in TOUCHED:
        name = _name(table, operation)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    schema_editor.execute("DROP FUNCTION IF EXISTS matching_refresh_candidates(bigint[])")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS agent_location_available ON agents_agent "
        "USING gist (ll_to_earth(latitude, longitude)) "
        "WHERE taking_referrals AND latitude IS NOT NULL AND longitude IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0003_invitations"),
        ("matching", "0001_nearest_agent_index"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.CreateModel(
            name="Candidate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("state", models.CharField(max_length=2)),
                ("language", models.CharField(max_length=3)),
                (
                    "segment",
                    models.IntegerField(help_text="hashtext(state || '/' || language): the index's first key"),
                ),
                ("latitude", models.FloatField()),
                ("longitude", models.FloatField()),
                ("available", models.BooleanField(help_text="The agent's taking-referrals switch")),
                (
                    "last_offered_at",
                    models.DateTimeField(help_text="For ties: who has waited longest", null=True),
                ),
                (
                    "agent",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="agents.agent",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("agent", "state", "language"), name="one_candidate_row")
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
