"""The live documents: what a push costs in queries, and the reads merged to keep it low."""

import pytest

from apps.live.documents import dc_document, network_document
from apps.live.network_selectors import lane_state_list, network_kpis
from apps.live.projector import project_pending
from apps.live.selectors import dc_reading, dc_state_list, unstaffed_dc_codes
from apps.network.models import DistributionCenter, Shift
from tests.live.stream import clock, happened, ingest, pick

pytestmark = pytest.mark.django_db


def delta(changed: set[str], counted) -> dict:
    """A network delta as the publisher builds it, the slow parts read beforehand: counted
    by `counted` (django_assert_num_queries) for seven queries."""
    lanes, kpis = lane_state_list(), network_kpis()
    with counted(7):
        return network_document(dcs=changed, lanes=lanes, kpis=kpis, include_lanes=False)


def test_a_network_delta_costs_seven_queries_however_much_has_happened(
    demo_network, django_assert_num_queries
):
    ingest(happened("wms.order_released", 0, order_id="SO-D1", dc="NE"))
    project_pending()
    small = delta({"NE"}, django_assert_num_queries)
    ingest(
        *[clock(f"P{n}", "picker", "in", 1, dc=dc) for n, dc in enumerate(["NE", "SE", "MW"])],
        *[pick(5 + n, 60.0, dc=dc) for n, dc in enumerate(["NE", "SE", "MW", "W"] * 5)],
        *[happened("wms.order_released", 30 + n, order_id=f"SO-D{n + 2}", dc=dc)
          for n, dc in enumerate(["NE", "SE", "MW", "W"] * 3)],
        happened("wms.equipment_status", 40, dc="SE", equipment_id="FL-3", status="down"),
    )  # fmt: skip
    project_pending()
    large = delta({"NE", "SE", "MW", "W"}, django_assert_num_queries)
    assert [card["backlog_orders"] for card in small["dcs"]] == [1]
    assert [card["backlog_orders"] for card in large["dcs"]] == [3, 4, 3, 3]
    assert sum(card["workers_on_shift"].get("picker", 0) for card in large["dcs"]) == 3


def test_only_a_dc_without_shifts_and_without_a_pick_standard_is_unstaffed(demo_network):
    # NE: no shifts and no pick standard (unstaffed); SE: shifts, no standard; MW: a
    # standard, no shifts. Only both missing make a DC unstaffed.
    Shift.objects.filter(dc__code__in=["NE", "MW"]).delete()
    DistributionCenter.objects.filter(code__in=["NE", "SE"]).update(standard_pick_lines_per_hour=0)
    assert unstaffed_dc_codes() == {"NE"}
    assert dc_reading().unstaffed == {"NE"}
    assert dc_reading(dcs={"SE", "MW"}).unstaffed == set()
    ingest(happened("wms.order_released", 0, order_id="SO-U1", dc="MW"))
    project_pending()
    assert dc_reading().unstaffed == {"NE"}
    assert dc_reading().states == dc_state_list()


def test_a_dc_document_costs_eleven_queries_however_much_has_happened(
    demo_network, django_assert_num_queries
):
    ingest(happened("wms.order_released", 0, order_id="SO-E1", dc="NE"))
    project_pending()
    with django_assert_num_queries(11):
        small = dc_document(dc="NE")
    ingest(
        *[clock(f"P{n}", "picker", "in", 1) for n in range(3)],
        *[pick(5 + n, 60.0) for n in range(10)],
        *[happened("wms.order_released", 60 * n, order_id=f"SO-E{n + 2}", dc="NE")
          for n in range(30)],
        *[happened("wms.shipped", 60 * n + 30, order_id=f"SO-E{n + 2}", dc="NE")
          for n in range(0, 30, 3)],
    )  # fmt: skip
    project_pending()
    with django_assert_num_queries(11):
        large = dc_document(dc="NE")
    assert small["dc"]["backlog_orders"] == 1
    assert large["dc"]["backlog_orders"] == 21
    # The backlog at each hour's end, wound back from now: the last hour's is today's.
    backlog = large["charts"]["backlog"]["data"][0]["y"]
    assert backlog[-1] == 21 and backlog[-2] <= 21
