from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Role",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={
                "permissions": [
                    ("view_twin", "See the live twin, scenarios, decisions, models and network"),
                    ("plan", "Build and run scenarios, manage sources and model thresholds"),
                    ("approve", "Approve or reject recommended decisions"),
                ],
                "managed": False,
                "default_permissions": (),
            },
        ),
    ]
