from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0016_reporting_indexes_for_sqlite"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyFigures",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("zone", models.CharField(max_length=40)),
                ("day", models.DateField(help_text="The first day")),
                (
                    "days",
                    models.PositiveSmallIntegerField(default=1, help_text="1, or a block of 4, 16 or 64 days"),
                ),
                ("window_seconds", models.PositiveIntegerField(help_text="HOD_OFFER_WINDOW_SECONDS when computed")),
                ("data", models.JSONField()),
                ("computed_at", models.DateTimeField()),
            ],
            options={
                "verbose_name_plural": "daily figures",
                "constraints": [
                    models.UniqueConstraint(fields=("zone", "day", "days"), name="one_figures_row_per_zone_and_block")
                ],
            },
        ),
    ]
