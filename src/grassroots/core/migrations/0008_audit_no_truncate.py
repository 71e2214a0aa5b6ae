"""PostgreSQL: refuse TRUNCATE on the audit table too (a statement-level trigger; the row-level trigger
of 0002 only sees UPDATE and DELETE). Archiving exports records and never removes them; a DBA who must
empty the table disables the trigger explicitly, as the table owner (docs/DEPLOY.md, database roles).

SQLite has no TRUNCATE; nothing to do there.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION grassroots_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'audit log is append-only (' || TG_OP || ' refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_no_truncate
  BEFORE TRUNCATE ON core_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION grassroots_audit_append_only();
"""
PG_DOWN = "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;"


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_export_job_purpose")]
    operations = [migrations.RunPython(up, down)]
