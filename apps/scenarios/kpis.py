"""The KPIs a planner reads: their labels, the headline set, and how each is written."""

from apps.scenarios.documents import Interval
from apps.scenarios.messages import field_sentence
from apps.simulation.statistics import KPI_DIRECTION, SHARE_FIELDS

HEADLINE_KPIS = (
    "network.otif",
    "network.cost_per_order_usd",
    "network.utilisation_gap",
    "network.satisfaction_index",
    "network.orders_lost",
    "network.stockouts",
    "network.complaints",
)

# The headline figures whose interval must be narrow enough to act on (statistics'
# MAX_HALF_WIDTH_*): not the counts of lost orders, stock-outs and complaints, often a handful
# or none, where an interval's width against its mean says nothing about the comparison.
PRECISION_KPIS = (
    "network.otif",
    "network.cost_per_order_usd",
    "network.utilisation_gap",
    "network.satisfaction_index",
)

KPI_LABELS = {
    "network.otif": "OTIF",
    "network.fill_rate": "Fill rate",
    "network.satisfaction_index": "Satisfaction (1–5)",
    "network.total_cost_usd": "Total cost",
    "network.cost_per_order_usd": "Cost per order",
    "network.complaints": "Complaints",
    "network.orders_lost": "Orders lost",
    "network.stockouts": "Stock-outs (SKUs × DCs)",
    "network.lost_sales_usd": "Lost sales",
    "network.mean_hours_in_system": "Hours in system",
    "network.utilisation_gap": "Utilisation gap (busiest − idlest DC)",
}


def weight_problem(field: str, reason: str) -> str:
    """A KPI weight's error named by the KPI's label: "OTIF: 'lots' is not a number."."""
    return field_sentence(KPI_LABELS.get(field.removeprefix("weights."), "Weights"), reason)


_SHARES = SHARE_FIELDS  # one list: statistics bounds their intervals to [0, 1]
# What a replication's figure is, in words, by its field (the KPI's last part, or for a
# DC, a region or a lane the part after its code); one not here is its field's words.
_FIELD_WORDS = {
    "orders_in_dcs": "orders in DCs",
    "throughput_orders_per_hour": "throughput",
    "throughput_lines_per_hour": "throughput",
    "mean_orders_in_system": "mean orders in system",
    "cost_by_component_usd": "cost",
    "cost_per_order_by_component_usd": "cost per order",
    "end_backlog_orders": "backlog at the end",
    "cycle_time_hours_mean": "mean cycle time",
    "cycle_time_hours_p95": "95th-percentile cycle time",
    "pick_wait_hours_mean": "mean wait for a picker",
    "clocked_hours": "hours clocked",
    "overtime_hours": "overtime",
    "new_sku_lines": "lines of SKUs new to it",
    "new_sku_error_rate": "error rate on SKUs new to it",
    "known_sku_error_rate": "error rate on known SKUs",
    "new_sku_time_factor_mean": "pick time on new SKUs (× a known SKU's)",
    "new_skus_picked": "SKUs new to it picked",
    "orders_lost": "orders lost",
    "stockouts": "stock-outs (SKUs)",
    "kg": "weight",
    "transit_hours_mean": "mean transit time",
    "transit_hours_p95": "95th-percentile transit time",
    "delivery_hours_mean": "mean delivery time",
    "on_time_rate": "on-time rate",
}
_UNITS = {"share": "%", "usd": "USD", "hours": "h", "kg": "kg"}
_PLACES = {"dc": "{code}", "region": "Region {code}", "lane": "Lane {code}"}


def _field(kpi: str) -> str:
    """The figure's own name: "otif" of "network.otif", "labour_utilisation" of
    "dc.NE.labour_utilisation", "cost_by_component_usd" of "network.cost_by_component_usd.x"."""
    parts = kpi.split(".")
    if parts[0] in _PLACES and len(parts) == 3:
        return parts[2]
    return parts[1] if len(parts) > 1 else kpi


def _kind(kpi: str) -> str:
    name = _field(kpi)
    if name in _SHARES:
        return "share"
    if name.endswith("_usd"):
        return "usd"
    if name.endswith("_per_hour"):
        return "rate"
    if "hours" in name:
        return "hours"
    if name == "kg":
        return "kg"
    if name == "satisfaction_index":
        return "index"
    return "count"


def kpi_label(kpi: str) -> str:
    """A KPI in words, without its unit: "OTIF", "NE labour utilisation", "Cost: labour"."""
    if kpi in KPI_LABELS:
        return KPI_LABELS[kpi]
    parts = kpi.split(".")
    field = _field(kpi)
    words = _FIELD_WORDS.get(field, field.replace("_", " "))
    if parts[0] in _PLACES and len(parts) == 3:
        return f"{_PLACES[parts[0]].format(code=parts[1])} {words}"
    if len(parts) == 3:
        return f"{words.capitalize()}: {parts[2]}"
    return words[0].upper() + words[1:]


def kpi_unit(kpi: str) -> str:
    """The unit a KPI is exported in: "%" for shares (as percentages), "% points" for the
    utilisation gap, "USD", "h", "kg", "lines/h"; "" for counts and the satisfaction index
    (whose label gives its scale)."""
    kind = _kind(kpi)
    if _field(kpi) == "utilisation_gap":
        return "% points"  # one utilisation less another
    if kind == "rate":
        return _field(kpi).removeprefix("throughput_").removesuffix("_per_hour") + "/h"
    return _UNITS.get(kind, "")


def kpi_column(kpi: str) -> str:
    """A KPI as a spreadsheet's column or row heading: "OTIF (%)", "Total cost (USD)"."""
    label, unit = kpi_label(kpi), kpi_unit(kpi)
    if not unit:
        return label
    if label.endswith(")"):  # "Utilisation gap (busiest − idlest DC; % points)"
        return f"{label[:-1]}; {unit})"
    return f"{label} ({unit})"


def kpi_export_value(kpi: str, value: float | None) -> float | None:
    """A KPI's value (or a difference) in its exported unit: shares as percentages."""
    if value is None:
        return None
    # Rounded to shed float noise (91.40000000000001) that a spreadsheet would show.
    return round(100 * value, 6) if _kind(kpi) == "share" else value


def _magnitude(kind: str, value: float, *, difference: bool) -> str:
    value = abs(value)
    if kind == "share":
        return f"{100 * value:.1f} pts" if difference else f"{100 * value:.1f}%"
    if kind == "usd":
        return f"${value:,.0f}" if value >= 1000 else f"${value:,.2f}"
    if kind == "hours":
        return f"{value:.1f} h"
    if kind == "index":
        return f"{value:.2f}"
    return f"{value:,.1f}"


def kpi_text(kpi: str, value: float) -> str:
    """A KPI's value as a planner writes it: 91.4%, $17.58, $85,120, 10.2 h, 4.46, 31.3."""
    text = _magnitude(_kind(kpi), value, difference=False)
    return f"−{text}" if value < 0 else text


def moves_as_shown(shown: str) -> bool:
    """Whether a difference, as written, moves at all: one the replications show beyond doubt
    can still be too small for the digits shown ("+0.00 of 5", "−0.0 days") and would read
    as a finding of no change. Summaries and the ranking's verdicts both ask this."""
    return any(digit in shown for digit in "123456789")


def kpi_difference_text(kpi: str, value: float) -> str:
    """A difference, always signed with a true minus: +0.4 pts, −$0.29, +1.0."""
    return ("−" if value < 0 else "+") + _magnitude(_kind(kpi), value, difference=True)


def kpi_cell(kpi: str, value: Interval | None, difference: Interval | None = None) -> dict:
    """One KPI of one scenario, written out: its mean and 95% interval, its difference from
    the baseline and whether that difference is better or worse beyond doubt."""
    cell = {"kpi": kpi, "label": KPI_LABELS.get(kpi, kpi), "value": None, "diff": None}
    if value is not None:
        cell["value"] = {
            "mean": kpi_text(kpi, value.mean),
            "low": kpi_text(kpi, value.low),
            "high": kpi_text(kpi, value.high),
        }
    verdict = ""
    if difference is not None:
        cell["diff"] = {
            "mean": kpi_difference_text(kpi, difference.mean),
            "low": kpi_difference_text(kpi, difference.low),
            "high": kpi_difference_text(kpi, difference.high),
        }
        # Better or worse only if the interval excludes zero and the difference, as written,
        # moves at all: a green "+0.0 pts" would call no change a finding.
        if moves_as_shown(cell["diff"]["mean"]) and (difference.low > 0 or difference.high < 0):
            better = (difference.mean > 0) == (KPI_DIRECTION.get(kpi, 1) > 0)
            verdict = "better" if better else "worse"
    cell["verdict"] = verdict
    return cell
