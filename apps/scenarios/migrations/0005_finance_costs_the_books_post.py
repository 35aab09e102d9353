from django.db import migrations

# Finance parameters the twin no longer costs: no ledger account posts them (stock carrying,
# late and lost-order penalties; see apps.simulation.finance.COST_COMPONENTS).
DROPPED = (
    "inventory_carrying_rate_per_year",
    "late_penalty_usd_per_order",
    "lost_order_penalty_usd",
)


def drop_unposted_costs(apps, schema_editor):
    Comparison = apps.get_model("scenarios", "Comparison")
    for comparison in Comparison.objects.exclude(parameters=None):
        finance = (comparison.parameters or {}).get("finance") or {}
        if any(name in finance for name in DROPPED):
            comparison.parameters["finance"] = {
                k: v for k, v in finance.items() if k not in DROPPED
            }
            comparison.save(update_fields=["parameters"])


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0004_backtest")]

    operations = [migrations.RunPython(drop_unposted_costs, migrations.RunPython.noop)]
