"""A scenario's trade-offs against the baseline in plain language, generated from the paired
differences: only what the replications show beyond doubt (95% interval excluding zero)."""

from apps.scenarios.kpis import kpi_difference_text
from apps.scenarios.kpis import moves_as_shown as _moves
from apps.simulation.statistics import ScenarioStatistics, Summary


def _signed(value: float, pattern: str) -> str:
    """+0.6 or −3, with a true minus sign: for the figures said in other units than the
    KPI's own (days of delivery, whole orders)."""
    return f"{'+' if value >= 0 else '−'}{format(abs(value), pattern)}"


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
            if f"{100 * before:.0f}" != f"{100 * after:.0f}":
                parts.append(f"{dc} utilisation {100 * before:.0f}→{100 * after:.0f}%")
    for dc in dcs:
        kpi = f"dc.{dc}.pick_accuracy"
        if (difference := clear(kpi)) and _moves(kpi_difference_text(kpi, difference.mean)):
            text = f"{dc} pick accuracy {kpi_difference_text(kpi, difference.mean)}"
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
        difference = clear(f"region.{region}.delivery_hours_mean")
        if difference and _moves(days := _signed(difference.mean / 24, ".1f")):
            parts.append(f"delivery to {region} {days} days")
    for kpi, label, after in (
        ("network.cost_per_order_usd", "cost per order", ""),
        ("network.otif", "OTIF", ""),
        ("network.satisfaction_index", "satisfaction", " (of 5)"),
    ):
        difference = clear(kpi)
        if difference and _moves(shown := kpi_difference_text(kpi, difference.mean)):
            parts.append(f"{label} {shown}{after}")
    parts.extend(stock_shortfall(stats, dcs=dcs))
    if not parts:
        n = next(iter(stats.differences.values())).n if stats.differences else 0
        return f"No clear difference from the baseline on any figure over {n} replications."
    return "; ".join(parts)


def stock_shortfall(stats: ScenarioStatistics, *, dcs: list[str]) -> list[str]:
    """Orders lost for want of stock and the stock-outs behind them, each where it happened,
    when the replications show them beyond doubt: "+560 orders lost waiting for stock, at
    SE", "+72 stock-outs (SE out of 79 SKUs)". A rebalance that moves orders without their
    stock shows here first."""

    def clear(kpi: str) -> Summary | None:
        difference = stats.differences.get(kpi)
        return difference if difference is not None and difference.excludes_zero() else None

    def where(field: str, total: Summary) -> list[str]:
        """The DCs whose own difference is clear, shown and of the network's sign."""
        return [
            dc
            for dc in dcs
            if (d := clear(f"dc.{dc}.{field}"))
            and _moves(_signed(d.mean, ".0f"))
            and (d.mean > 0) == (total.mean > 0)
        ]

    parts = []
    lost = clear("network.orders_lost")
    if lost and _moves(shown := _signed(lost.mean, ",.0f")):
        at = where("orders_lost", lost)
        parts.append(
            f"{shown} orders lost waiting for stock" + (f", at {', '.join(at)}" if at else "")
        )
    stockouts = clear("network.stockouts")
    if stockouts and _moves(shown := _signed(stockouts.mean, ",.0f")):
        short = [
            f"{dc} out of {stats.kpis[f'dc.{dc}.stockouts'].mean:,.0f} SKUs"
            for dc in where("stockouts", stockouts)
            if f"dc.{dc}.stockouts" in stats.kpis
        ]
        parts.append(f"{shown} stock-outs" + (f" ({'; '.join(short)})" if short else ""))
    return parts
