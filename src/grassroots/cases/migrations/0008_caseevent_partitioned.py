"""The case event table becomes a monthly range-partitioned table on PostgreSQL (cases.partitions);
a no-op on SQLite. Django's model state does not change: `id` stays the model's primary key."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from grassroots.cases.partitions import convert

    convert(schema_editor.connection, partitioned=True)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from grassroots.cases.partitions import convert

    convert(schema_editor.connection, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_case_reporter_phone_hash")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
