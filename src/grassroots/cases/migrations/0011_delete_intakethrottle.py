"""The resident report form's hourly limits are counted in the cache now (core.ratelimit); the table
that held one row per anonymous submission goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_follow_once"),
    ]

    operations = [
        migrations.DeleteModel(name="IntakeThrottle"),
    ]
