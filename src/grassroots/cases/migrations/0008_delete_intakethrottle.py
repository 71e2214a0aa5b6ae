"""The resident report form's hourly limits are counted in the cache now (core.ratelimit); the table
that held one row per anonymous submission goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_reporter_phone_hash"),
    ]

    operations = [
        migrations.DeleteModel(name="IntakeThrottle"),
    ]
