"""No double booking on PostgreSQL: an exclusion constraint over [start, end) per room for live bookings.

SQLite has no exclusion constraints; there the booking service checks and inserts inside one IMMEDIATE
(serialised) transaction. The operations are no-ops on other databases.
"""

from django.db import migrations

CONSTRAINT = "venues_booking_no_overlap"


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE venues_booking ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(room_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (state IN ('pending', 'confirmed', 'checked_in'))"
    )


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE venues_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("venues", "0001_initial")]

    operations = [migrations.RunPython(_forward, _backward)]
