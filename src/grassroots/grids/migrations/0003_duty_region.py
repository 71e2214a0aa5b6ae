import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """五级包保 on the region tree, step 1: a duty gets a region; grid becomes grid-level only."""

    dependencies = [
        ("grids", "0002_patrols_household_visits"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="duty",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="duties",
                to="regions.region",
                verbose_name="包保区域",
            ),
        ),
        migrations.AlterField(
            model_name="duty",
            name="grid",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="duties",
                to="grids.grid",
                verbose_name="网格",
            ),
        ),
        migrations.AlterField(
            model_name="duty",
            name="level",
            field=models.CharField(
                choices=[
                    ("province", "省级包保"),
                    ("city", "市级包保"),
                    ("district", "区级包保"),
                    ("street", "街道包保"),
                    ("community", "社区包保"),
                    ("grid", "网格包保"),
                ],
                max_length=16,
                verbose_name="包保层级",
            ),
        ),
    ]
