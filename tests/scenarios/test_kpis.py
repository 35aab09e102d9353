"""KPIs written as a planner reads them: units, signs and the better/worse verdict."""

import pytest

from apps.scenarios.documents import Interval
from apps.scenarios.kpis import kpi_cell, kpi_difference_text, kpi_text


@pytest.mark.parametrize(
    ("kpi", "value", "text", "difference"),
    [
        ("network.otif", 0.9137, "91.4%", "+91.4 pts"),
        ("dc.NE.labour_utilisation", -0.012, "−1.2%", "−1.2 pts"),
        ("network.cost_per_order_usd", 17.58, "$17.58", "+$17.58"),
        ("network.total_cost_usd", 85123.4, "$85,123", "+$85,123"),
        ("network.mean_hours_in_system", 10.25, "10.2 h", "+10.2 h"),
        ("network.satisfaction_index", 4.4591, "4.46", "+4.46"),
        ("network.complaints", -0.333, "−0.3", "−0.3"),
    ],
)
def test_each_kpi_is_written_in_its_unit(kpi, value, text, difference):
    assert kpi_text(kpi, value) == text
    assert kpi_difference_text(kpi, value) == difference


def test_a_difference_is_judged_only_when_its_interval_excludes_zero():
    value = Interval(0.9, 0.89, 0.91, 2)

    def verdict(kpi: str, low: float, high: float) -> str:
        return kpi_cell(kpi, value, Interval((low + high) / 2, low, high, 2))["verdict"]

    assert verdict("network.otif", 0.01, 0.03) == "better"
    assert verdict("network.cost_per_order_usd", 0.01, 0.03) == "worse"
    assert verdict("network.utilisation_gap", -0.3, -0.2) == "better"
    assert verdict("network.otif", -0.01, 0.03) == ""
    cell = kpi_cell("network.otif", value)
    assert cell["value"] == {"mean": "90.0%", "low": "89.0%", "high": "91.0%"}
    assert cell["diff"] is None and cell["label"] == "OTIF"
