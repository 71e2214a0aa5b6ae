import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("grids", "0004_duty_move_to_regions")]

    operations = [
        migrations.AlterField(
            model_name="duty",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="duties",
                to="regions.region",
                verbose_name="包保区域",
            ),
        ),
        migrations.AddConstraint(
            model_name="duty",
            constraint=models.UniqueConstraint(
                condition=models.Q(grid__isnull=True),
                fields=("region", "level", "cadre_name"),
                name="duty_region_cadre_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="duty",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("level", "grid"), ("grid__isnull", False)),
                    models.Q(models.Q(("level", "grid"), _negated=True), ("grid__isnull", True)),
                    _connector="OR",
                ),
                name="duty_grid_iff_grid_level",
            ),
        ),
        migrations.AddIndex(
            model_name="duty",
            index=models.Index(fields=["region", "level"], name="grids_duty_region__14e838_idx"),
        ),
    ]
