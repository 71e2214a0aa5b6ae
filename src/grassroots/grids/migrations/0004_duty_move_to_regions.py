from django.db import migrations


def move(apps, schema_editor):
    """Grid-level rows keep their grid (region = the grid's region); a city, district, street or
    community row moves to the grid's ancestor of that level. Several grids of one community had
    the same street or district cadre: the copies merge into one row per (region, level, cadre)."""
    Duty = apps.get_model("grids", "Duty")
    Region = apps.get_model("regions", "Region")
    seen: set[tuple] = set()
    ancestors: dict[tuple, int | None] = {}
    for duty in Duty.objects.select_related("grid__region").order_by("id").iterator():
        grid_region = duty.grid.region
        if duty.level == "grid":
            duty.region_id = grid_region.id
            duty.save(update_fields=["region"])
            continue
        key = (grid_region.path, duty.level)
        if key not in ancestors:
            step = len(grid_region.path) // max(grid_region.depth, 1)
            prefixes = [grid_region.path[:i] for i in range(step, len(grid_region.path) + 1, step)]
            found = (
                Region.objects.filter(path__in=prefixes, level=duty.level)
                .values_list("id", flat=True)
                .first()
            )
            ancestors[key] = found
        region_id = ancestors[key]
        if region_id is None:
            # No ancestor of that level (a community-level duty on a street grid): keep the grid.
            if Duty.objects.filter(grid_id=duty.grid_id, level="grid").exclude(pk=duty.pk).exists():
                duty.delete()
                continue
            duty.level, duty.region_id = "grid", grid_region.id
            duty.save(update_fields=["level", "region"])
            continue
        ident = (region_id, duty.level, duty.cadre_name)
        if ident in seen:
            duty.delete()
            continue
        seen.add(ident)
        duty.region_id, duty.grid_id = region_id, None
        duty.save(update_fields=["region", "grid"])


class Migration(migrations.Migration):
    dependencies = [("grids", "0003_duty_region")]

    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
