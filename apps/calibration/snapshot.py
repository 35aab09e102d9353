"""The network as the simulation starts from it: master data and the live state at a moment.

Orders already on the floor are not carried over; a run that needs them warmed up starts
with a warm-up period instead.
"""

from datetime import datetime

from apps.live.models import StockDay, StockLevel
from apps.live.stock_history import stock_levels_at
from apps.network.models import CrossDock, DistributionCenter, Lane, Region, Sku
from apps.simulation.snapshot import (
    CrossDockInfo,
    DcInfo,
    LaneInfo,
    NetworkSnapshot,
    RegionInfo,
    SkuInfo,
    StockPosition,
)


def hour_of_week(moment: datetime) -> float:
    return moment.weekday() * 24 + moment.hour + moment.minute / 60


def _stock_now() -> list[tuple[str, str, int, int]]:
    return list(
        StockLevel.objects.order_by("dc", "sku").values_list("sku", "dc", "on_hand", "on_order")
    )


def _stock_then(at: datetime) -> list[tuple[str, str, int, int]]:
    levels = stock_levels_at(at=at)
    return [
        (sku, dc, level["on_hand"], level["on_order"])
        for (sku, dc), level in sorted(levels.items(), key=lambda item: (item[0][1], item[0][0]))
    ]


def network_snapshot(*, at: datetime, as_it_was: bool = False) -> NetworkSnapshot:
    """The snapshot at `at`, the watermark; with as_it_was, at an earlier moment: the stock
    levels read back from the log to `at` and the SKUs each DC had picked before `at`'s day.
    Master data (DCs, lanes, SKUs) is today's either way: it keeps no history."""
    return NetworkSnapshot(
        start_hour_of_week=hour_of_week(at),
        dcs=_dcs(at, as_it_was=as_it_was),
        skus=tuple(
            SkuInfo(
                s.code,
                s.family,
                float(s.weight_kg),
                float(s.unit_cost_usd),
                float(s.unit_price_usd),
            )
            for s in Sku.objects.order_by("code")
        ),
        regions=tuple(
            RegionInfo(code, home)
            for code, home in Region.objects.order_by("code").values_list("code", "home_dc__code")
        ),
        lanes=_lanes(),
        cross_docks=tuple(
            CrossDockInfo(
                x.code,
                x.region.code,
                x.dwell_hours_median,
                float(x.fee_usd_per_shipment),
                dwell_median_uncertainty=x.dwell_median_uncertainty,
                fee_usd_uncertainty=float(x.fee_usd_uncertainty),
            )
            for x in CrossDock.objects.select_related("region").order_by("code")
        ),
        stock=tuple(
            StockPosition(sku, dc, max(0, on_hand), max(0, on_order))
            for sku, dc, on_hand, on_order in (_stock_then(at) if as_it_was else _stock_now())
            if on_hand > 0 or on_order > 0
        ),
    )


def _dcs(at: datetime, *, as_it_was: bool) -> tuple[DcInfo, ...]:
    picked: dict[str, set[str]] = {}
    days = StockDay.objects.filter(units_picked__gt=0)
    if as_it_was:
        days = days.filter(day__lt=at.date())
    for sku, dc in days.values_list("sku", "dc").distinct():
        picked.setdefault(dc, set()).add(sku)
    return tuple(
        DcInfo(
            code=dc.code,
            region=dc.region.code,
            pick_stations=dc.pick_stations,
            dock_doors=dc.dock_doors,
            # The SKUs a DC has picked are the ones it knows; () means all, before any pick.
            handled_skus=tuple(sorted(picked.get(dc.code, ()))),
        )
        for dc in DistributionCenter.objects.select_related("region").order_by("code")
    )


def _lanes() -> tuple[LaneInfo, ...]:
    return tuple(
        LaneInfo(
            code=lane.code,
            origin=lane.origin_dc.code if lane.origin_dc_id else lane.origin_cross_dock.code,
            destination=lane.destination.code,
            carrier=lane.carrier.code,
            mode=lane.mode,
            transit_hours_median=lane.transit_hours_median,
            transit_hours_sigma=lane.transit_hours_spread,
            cost_usd_per_shipment=float(lane.cost_usd_per_shipment),
            cost_usd_per_kg=float(lane.cost_usd_per_kg),
            transit_median_uncertainty=lane.transit_median_uncertainty,
        )
        for lane in Lane.objects.select_related(
            "origin_dc", "origin_cross_dock", "destination", "carrier"
        ).order_by("code")
    )
