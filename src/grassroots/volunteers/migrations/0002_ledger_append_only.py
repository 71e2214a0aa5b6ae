"""The points ledger is append-only in the database itself (like the audit log): PostgreSQL refuses
UPDATE and DELETE of volunteers_pointentry by trigger; SQLite refuses UPDATE (test teardown on SQLite
empties tables with DELETE)."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION grassroots_points_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'points ledger is append-only (' || TG_OP || ' refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER volunteers_pointentry_append_only
  BEFORE UPDATE OR DELETE ON volunteers_pointentry
  FOR EACH ROW EXECUTE FUNCTION grassroots_points_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS volunteers_pointentry_append_only ON volunteers_pointentry;
DROP FUNCTION IF EXISTS grassroots_points_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS volunteers_pointentry_no_update BEFORE UPDATE ON volunteers_pointentry
BEGIN SELECT RAISE(ABORT, 'points ledger is append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS volunteers_pointentry_no_update;"


def forwards(apps, schema_editor):
    sql = PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    sql = PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
