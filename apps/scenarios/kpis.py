"""The KPIs a planner reads: their labels, the headline set, and how each is written."""

from apps.scenarios.messages import field_sentence
from apps.simulation.statistics import KPI_DIRECTION

HEADLINE_KPIS = (
    "network.otif",
    "network.cost_per_order_usd",
    "network.utilisation_gap",
    "network.satisfaction_index",
    "network.orders_lost",
    "network.complaints",
)

KPI_LABELS = {
    "network.otif": "OTIF",
    "network.fill_rate": "Fill rate",
    "network.satisfaction_index": "Satisfaction (1–5)",
    "network.total_cost_usd": "Total cost",
    "network.cost_per_order_usd": "Cost per order",
    "network.complaints": "Complaints",
    "network.orders_lost": "Orders lost",
    "network.lost_sales_usd": "Lost sales",
    "network.mean_hours_in_system": "Hours in system",
    "network.utilisation_gap": "Utilisation gap (busiest − idlest DC)",
}


def weight_problem(field: str, reason: str) -> str:
    """A KPI weight's error named by the KPI's label: "OTIF: 'lots' is not a number."."""
    return field_sentence(KPI_LABELS.get(field.removeprefix("weights."), "Weights"), reason)


_SHARES = ("otif", "fill_rate", "utilisation_gap", "labour_utilisation", "pick_accuracy")


def _kind(kpi: str) -> str:
    name = kpi.rsplit(".", 1)[-1]
    if name in _SHARES:
        return "share"
    if name.endswith("_usd"):
        return "usd"
    if "hours" in name:
        return "hours"
    if name == "satisfaction_index":
        return "index"
    return "count"


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


def kpi_difference_text(kpi: str, value: float) -> str:
    """A difference, always signed with a true minus: +0.4 pts, −$0.29, +1.0."""
    return ("−" if value < 0 else "+") + _magnitude(_kind(kpi), value, difference=True)


def kpi_cell(kpi: str, value: dict | None, difference: dict | None = None) -> dict:
    """One KPI of one scenario, written out: its mean and 95% interval, its difference from
    the baseline and whether that difference is better or worse beyond doubt."""
    cell = {"kpi": kpi, "label": KPI_LABELS.get(kpi, kpi), "value": None, "diff": None}
    if value is not None:
        cell["value"] = {
            "mean": kpi_text(kpi, value["mean"]),
            "low": kpi_text(kpi, value["low"]),
            "high": kpi_text(kpi, value["high"]),
        }
    verdict = ""
    if difference is not None:
        cell["diff"] = {
            "mean": kpi_difference_text(kpi, difference["mean"]),
            "low": kpi_difference_text(kpi, difference["low"]),
            "high": kpi_difference_text(kpi, difference["high"]),
        }
        if difference["low"] > 0 or difference["high"] < 0:
            better = (difference["mean"] > 0) == (KPI_DIRECTION.get(kpi, 1) > 0)
            verdict = "better" if better else "worse"
    cell["verdict"] = verdict
    return cell
