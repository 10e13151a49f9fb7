"""Offers hold a place (`slot`) among the referral's HOD_OFFERS_AT_ONCE, and the database allows one pending offer
per place instead of one per referral: with the default of one place, the same invariant as before."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("referrals", "0018_daily_figures")]

    operations = [
        migrations.AddField(model_name="offer", name="slot", field=models.PositiveSmallIntegerField(default=0)),
        migrations.AddConstraint(
            model_name="offer",
            constraint=models.UniqueConstraint(
                condition=models.Q(status="pending"), fields=("referral", "slot"), name="one_pending_offer_per_slot"
            ),
        ),
        migrations.RemoveConstraint(model_name="offer", name="one_pending_offer"),
        migrations.AddConstraint(
            model_name="offer",
            constraint=models.CheckConstraint(condition=models.Q(slot__lt=3), name="offer_slot_in_range"),
        ),
    ]
