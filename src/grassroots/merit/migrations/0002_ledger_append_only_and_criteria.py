"""The member points ledger is append-only in the database itself (like the audit log and the volunteer
points ledger): PostgreSQL refuses UPDATE and DELETE of merit_memberpointsentry by trigger; SQLite
refuses UPDATE (test teardown on SQLite empties tables with DELETE). Also seeds the default star
criteria (editable afterwards by holders of standards.change)."""

from decimal import Decimal

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION grassroots_merit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'member points ledger is append-only (' || TG_OP || ' refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER merit_memberpointsentry_append_only
  BEFORE UPDATE OR DELETE ON merit_memberpointsentry
  FOR EACH ROW EXECUTE FUNCTION grassroots_merit_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS merit_memberpointsentry_append_only ON merit_memberpointsentry;
DROP FUNCTION IF EXISTS grassroots_merit_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER IF NOT EXISTS merit_memberpointsentry_no_update BEFORE UPDATE ON merit_memberpointsentry
BEGIN SELECT RAISE(ABORT, 'member points ledger is append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS merit_memberpointsentry_no_update;"

# stars, min health score, min life rate (%), min average member points, min evaluation grade, note
DEFAULT_CRITERIA = [
    (1, None, None, None, "", "已建立并正常运转的党支部"),
    (2, 60, 50, None, "", "体检无红灯，组织生活基本正常"),
    (3, 70, 70, Decimal("10"), "", "组织生活较规范，党员积极参与"),
    (4, 80, 85, Decimal("20"), "良好", "组织生活规范，党员作用发挥好"),
    (5, 90, 95, Decimal("30"), "优秀", "各项工作突出，可作示范"),
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(PG_UP if vendor == "postgresql" else SQLITE_UP)
    StarCriterion = apps.get_model("merit", "StarCriterion")
    for stars, health, life, points, grade, note in DEFAULT_CRITERIA:
        StarCriterion.objects.get_or_create(
            stars=stars,
            defaults={
                "min_health_score": health,
                "min_life_rate": life,
                "min_avg_points": points,
                "min_eval_grade": grade,
                "note": note,
            },
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(PG_DOWN if vendor == "postgresql" else SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("merit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
