from django.db import migrations, models


def backfill(apps, schema_editor):
    """Hash the phones of existing reports so residents find them after signing in with that phone."""
    from grassroots.core.crypto import lookup_hash

    Case = apps.get_model("cases", "Case")
    rows = Case.objects.exclude(reporter_phone="").filter(reporter_phone_hash="").only("pk", "reporter_phone")
    batch = []
    for case in rows.iterator(chunk_size=2000):
        case.reporter_phone_hash = lookup_hash(case.reporter_phone)
        batch.append(case)
        if len(batch) >= 2000:
            Case.objects.bulk_update(batch, ["reporter_phone_hash"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["reporter_phone_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_case_public_text_moderation"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="reporter_phone_hash",
            field=models.CharField(blank=True, db_index=True, max_length=40),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
