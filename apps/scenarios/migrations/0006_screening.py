from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0005_finance_costs_the_books_post")]

    operations = [
        migrations.AddField(
            model_name="comparison",
            name="screening",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="comparison",
            name="screened_through",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="scenario",
            name="screened_out",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
