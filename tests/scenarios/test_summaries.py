"""The trade-off summary on a constructed case: what is clear is said in numbers, what is
not is left out."""

from apps.scenarios.summaries import trade_off_summary
from apps.simulation.statistics import ScenarioStatistics, Summary


def clear(mean: float) -> Summary:
    return Summary(mean, 0.01, mean - 0.001, mean + 0.001, 10)


def unclear(mean: float) -> Summary:
    return Summary(mean, 1.0, min(mean, 0) - 1, max(mean, 0) + 1, 10)  # straddles zero


def test_it_names_only_the_clear_differences_in_a_planners_words():
    stats = ScenarioStatistics(
        name="Shift 30%",
        kpis={
            "dc.NE.labour_utilisation": clear(0.78),
            "dc.SE.labour_utilisation": clear(0.79),
            "dc.SE.new_sku_error_rate": clear(0.041),
            "dc.SE.new_skus_picked": clear(38),
        },
        differences={
            "dc.NE.labour_utilisation": clear(-0.16),
            "dc.SE.labour_utilisation": clear(0.17),
            "dc.MW.labour_utilisation": unclear(0.01),
            "dc.SE.pick_accuracy": clear(-0.012),
            "dc.SE.new_sku_lines": clear(1240),
            "region.NEN.delivery_hours_mean": clear(14.4),
            "region.MAT.delivery_hours_mean": unclear(2.0),
            "network.cost_per_order_usd": clear(0.42),
            "network.otif": clear(-0.008),
            "network.satisfaction_index": unclear(-0.01),
        },
    )
    text = trade_off_summary(stats, dcs=["MW", "NE", "SE"], regions=["MAT", "NEN"])
    assert text == (
        "NE utilisation 94→78%; SE utilisation 62→79%; SE pick accuracy −1.2 pts while it "
        "learns 38 SKUs new to it (1240 more lines of them, 4.1% picked wrong); delivery to NEN "
        "+0.6 days; cost per order +$0.42; OTIF −0.8 pts"
    )


def test_it_says_so_when_nothing_is_clear():
    stats = ScenarioStatistics(
        name="Nudge",
        kpis={"network.otif": unclear(0.9)},
        differences={"network.otif": unclear(0.001), "network.cost_per_order_usd": unclear(0.1)},
    )
    assert trade_off_summary(stats, dcs=[], regions=[]) == (
        "No clear difference from the baseline on any figure over 10 replications."
    )


def test_a_clear_difference_too_small_for_its_digits_is_not_said_as_a_finding():
    stats = ScenarioStatistics(
        name="Nudge",
        kpis={"dc.NE.labour_utilisation": clear(0.780)},
        differences={
            "dc.NE.labour_utilisation": clear(0.001),  # 78→78%
            "network.satisfaction_index": clear(0.002),  # +0.00 of 5
            "region.NEN.delivery_hours_mean": clear(0.5),  # +0.0 days
            "network.orders_lost": clear(0.3),  # +0 orders
            "network.otif": clear(-0.008),
        },
    )
    assert trade_off_summary(stats, dcs=["NE"], regions=["NEN"]) == "OTIF −0.8 pts"
