from django.db import migrations

# Finance parameters the twin no longer costs: no ledger account posts them (stock carrying,
# late and lost-order penalties; see apps.simulation.finance.COST_COMPONENTS).
DROPPED = (
    "inventory_carrying_rate_per_year",
    "late_penalty_usd_per_order",
    "lost_order_penalty_usd",
)


def drop_unposted_costs(apps, schema_editor):
    ModelVersion = apps.get_model("calibration", "ModelVersion")
    for version in ModelVersion.objects.filter(sub_model="finance"):
        params = version.parameters
        if any(name in params for name in DROPPED):
            version.parameters = {k: v for k, v in params.items() if k not in DROPPED}
            version.save(update_fields=["parameters"])


class Migration(migrations.Migration):
    dependencies = [("calibration", "0004_promise_report_state")]

    operations = [migrations.RunPython(drop_unposted_costs, migrations.RunPython.noop)]
