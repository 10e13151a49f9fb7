# Written by hand: the coverage page's index (see bench/README.md, `ops.py`)

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0013_reporting_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='referral',
            index=models.Index(condition=models.Q(('status', 'expired')), fields=['closed_at'], name='referral_expired'),
        ),
    ]
