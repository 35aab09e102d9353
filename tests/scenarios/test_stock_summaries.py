"""The summary names the orders lost for want of stock and the stock-outs behind them, and
where, when the replications show them; the comparison's headline carries both."""

from apps.scenarios.kpis import HEADLINE_KPIS, kpi_label
from apps.scenarios.summaries import stock_shortfall, trade_off_summary
from apps.simulation.statistics import KPI_DIRECTION, ScenarioStatistics, Summary


def clear(mean: float) -> Summary:
    return Summary(mean, 0.01, mean - 0.001, mean + 0.001, 10)


def unclear(mean: float) -> Summary:
    return Summary(mean, 1.0, min(mean, 0) - 1, max(mean, 0) + 1, 10)  # straddles zero


def test_it_names_the_orders_lost_for_want_of_stock_and_the_dcs_that_ran_out():
    stats = ScenarioStatistics(
        name="30% NE→SE, no stock",
        kpis={
            "dc.SE.labour_utilisation": clear(0.71),
            "dc.SE.stockouts": clear(84),
            "dc.W.stockouts": clear(2),
        },
        differences={
            "dc.SE.labour_utilisation": clear(0.09),
            "network.orders_lost": clear(1191.4),
            "dc.SE.orders_lost": clear(1191.4),
            "dc.NE.orders_lost": clear(0.0),  # its interval holds zero
            "network.stockouts": clear(83.6),
            "dc.SE.stockouts": clear(84.1),
            "dc.W.stockouts": unclear(0.4),
        },
    )
    assert trade_off_summary(stats, dcs=["NE", "SE", "W"], regions=[]) == (
        "SE utilisation 62→71%; +1,191 orders lost waiting for stock, at SE; "
        "+84 stock-outs (SE out of 84 SKUs)"
    )


def test_fewer_losses_are_said_too_and_doubtful_ones_are_not():
    better = ScenarioStatistics(
        name="With stock",
        kpis={"dc.SE.stockouts": clear(3)},
        differences={
            "network.orders_lost": clear(-640.0),
            "dc.SE.orders_lost": clear(-640.0),
            "network.stockouts": clear(-81.0),
            "dc.SE.stockouts": clear(-81.0),
        },
    )
    assert stock_shortfall(better, dcs=["SE"]) == [
        "−640 orders lost waiting for stock, at SE",
        "−81 stock-outs (SE out of 3 SKUs)",
    ]
    doubtful = ScenarioStatistics(
        name="Nudge",
        kpis={},
        differences={"network.orders_lost": unclear(3.0), "network.stockouts": clear(0.2)},
    )
    assert stock_shortfall(doubtful, dcs=["SE"]) == []


def test_the_comparison_headline_reports_orders_lost_and_stock_outs():
    assert {"network.orders_lost", "network.stockouts"} <= set(HEADLINE_KPIS)
    assert KPI_DIRECTION["network.stockouts"] < 0  # fewer is better: green when it falls
    assert kpi_label("network.stockouts") == "Stock-outs (SKUs × DCs)"
    assert kpi_label("dc.SE.stockouts") == "SE stock-outs (SKUs)"
    assert kpi_label("dc.SE.orders_lost") == "SE orders lost"
