# Indexes for the analytics queries on Case (rankings by dispatch period, resolved trend).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_external_number")]

    operations = [
        migrations.AddIndex(
            model_name="case", index=models.Index(fields=["dispatched_at"], name="case_dispatched")
        ),
        migrations.AddIndex(
            model_name="case", index=models.Index(fields=["resolved_at"], name="case_resolved")
        ),
    ]
