"""A scenario's trade-offs against the baseline in plain language, generated from the paired
differences: only what the replications show beyond doubt (95% interval excluding zero)."""

from apps.simulation.statistics import ScenarioStatistics, Summary


def _signed(value: float, pattern: str, *, unit: str = "") -> str:
    """+1.2 or −$1.20: a true minus sign, the unit after it, as a planner would write it."""
    return f"{'+' if value >= 0 else '−'}{unit}{format(abs(value), pattern)}"


def trade_off_summary(stats: ScenarioStatistics, *, dcs: list[str], regions: list[str]) -> str:
    def clear(kpi: str) -> Summary | None:
        difference = stats.differences.get(kpi)
        return difference if difference is not None and difference.excludes_zero() else None

    parts = []
    for dc in dcs:
        key = f"dc.{dc}.labour_utilisation"
        if difference := clear(key):
            after = stats.kpis[key].mean
            before = after - difference.mean
            parts.append(f"{dc} utilisation {100 * before:.0f}→{100 * after:.0f}%")
    for dc in dcs:
        if difference := clear(f"dc.{dc}.pick_accuracy"):
            text = f"{dc} pick accuracy {_signed(100 * difference.mean, '.1f')} pts"
            new_lines = clear(f"dc.{dc}.new_sku_lines")
            if new_lines and new_lines.mean > 0:
                error_rate = stats.kpis[f"dc.{dc}.new_sku_error_rate"].mean
                new_skus = stats.kpis.get(f"dc.{dc}.new_skus_picked")
                skus = f"{new_skus.mean:.0f} SKUs" if new_skus and new_skus.mean >= 1 else "SKUs"
                text += (
                    f" while it learns {skus} new to it ({new_lines.mean:.0f} more lines of them, "
                    f"{error_rate:.1%} picked wrong)"
                )
            parts.append(text)
    for region in regions:
        if difference := clear(f"region.{region}.delivery_hours_mean"):
            parts.append(f"delivery to {region} {_signed(difference.mean / 24, '.1f')} days")
    if difference := clear("network.cost_per_order_usd"):
        parts.append(f"cost per order {_signed(difference.mean, '.2f', unit='$')}")
    if difference := clear("network.otif"):
        parts.append(f"OTIF {_signed(100 * difference.mean, '.1f')} pts")
    if difference := clear("network.satisfaction_index"):
        parts.append(f"satisfaction {_signed(difference.mean, '.2f')} (of 5)")
    if difference := clear("network.orders_lost"):
        parts.append(f"{_signed(difference.mean, '.0f')} orders lost")
    if not parts:
        n = next(iter(stats.differences.values())).n if stats.differences else 0
        return f"No clear difference from the baseline on any figure over {n} replications."
    return "; ".join(parts)
