"""Each agent's recent answers, for the responsiveness tie-break (an experiment that ships off)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("matching", "0002_candidates"), ("agents", "0011_auto_pause")]

    operations = [
        migrations.CreateModel(
            name="AnswerRecord",
            fields=[
                (
                    "agent",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="agents.agent",
                    ),
                ),
                (
                    "recent_lapses",
                    models.PositiveIntegerField(default=0, help_text="One bit per recent offer: 1 = it lapsed"),
                ),
            ],
        ),
    ]
