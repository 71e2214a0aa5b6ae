from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orglife", "0003_calendartoken_hash"),
    ]

    operations = [
        migrations.RemoveField(model_name="calendartoken", name="token"),
        migrations.AlterField(
            model_name="calendartoken",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True, verbose_name="密钥摘要"),
        ),
    ]
