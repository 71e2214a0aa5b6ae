"""Deputies recorded at a level where their body does not exist (a street has no people's congress, party
congress or CPPCC committee) move to the nearest valid level (the district). Each moved row gets an audit
record saying so, and the migration prints how many rows it moved."""

from django.db import migrations

VALID = {"npc": ("city", "district"), "party_congress": ("city", "district"), "cppcc": ("city", "district")}
LABELS = {"city": "市", "district": "区(县、旗)", "street": "街道(镇)"}


def move_levels(apps, schema_editor):
    Deputy = apps.get_model("people", "Deputy")
    AuditEvent = apps.get_model("core", "AuditEvent")
    moved = 0
    for kind, allowed in VALID.items():
        for d in Deputy.objects.filter(kind=kind).exclude(level__in=allowed).select_related("region"):
            old = d.level
            d.level = "district"
            d.save(update_fields=["level"])
            AuditEvent.objects.create(
                actor_name="系统迁移",
                source="migration",
                action="update",
                model="people.deputy",
                object_id=str(d.pk),
                object_repr=d.name[:200],
                region_path=d.region.path if d.region_id else "",
                changes={"level": [old, "district"]},
                purpose=f"{LABELS.get(old, old)}没有相应的代表大会或委员会，层级改为区(县、旗)",
            )
            moved += 1
    if moved:
        print(f"\n  两代表一委员：{moved} 人的层级设在街道，已改为区(县、旗)级")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_careers_studios"), ("core", "0008_audit_no_truncate")]

    operations = [migrations.RunPython(move_levels, migrations.RunPython.noop)]
