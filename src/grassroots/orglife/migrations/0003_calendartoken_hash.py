"""Calendar feed tokens are stored hashed: existing plain tokens are replaced by their SHA-256 (the URLs
already handed out keep working, since the feed looks tokens up by hash). The plain column goes in the
next migration (a separate transaction on PostgreSQL)."""

import hashlib

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    CalendarToken = apps.get_model("orglife", "CalendarToken")
    for row in CalendarToken.objects.only("pk", "token").iterator():
        CalendarToken.objects.filter(pk=row.pk).update(
            token_hash=hashlib.sha256(row.token.encode()).hexdigest()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orglife", "0002_branch_life"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendartoken",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="密钥摘要"),
        ),
        migrations.RunPython(hash_tokens, migrations.RunPython.noop),
    ]
