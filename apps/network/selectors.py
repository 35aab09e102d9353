"""Reads of the network master data, each in a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch

from apps.network.models import (
    Carrier,
    CrossDock,
    Customer,
    DistributionCenter,
    Lane,
    Region,
    Shift,
    Sku,
)


@dataclass(frozen=True)
class NetworkOverview:
    dcs: list[DistributionCenter]
    cross_docks: list[CrossDock]
    regions: list[Region]
    carriers: list[Carrier]
    lanes: list[Lane]
    sku_count: int
    customer_count: int


def network_overview() -> NetworkOverview:
    dcs = list(
        DistributionCenter.objects.select_related("region").prefetch_related(
            Prefetch("shifts", queryset=Shift.objects.order_by("-weekdays", "starts_at")),
            Prefetch("served_regions", queryset=Region.objects.order_by("code")),
        )
    )
    regions = list(
        Region.objects.select_related("home_dc").annotate(customer_count=Count("customers"))
    )
    carriers = list(Carrier.objects.annotate(lane_count=Count("lanes")))
    lanes = list(
        Lane.objects.select_related(
            "origin_dc", "origin_cross_dock", "destination", "carrier"
        ).order_by("origin_dc__code", "origin_cross_dock__code", "destination__code", "mode")
    )
    return NetworkOverview(
        dcs=dcs,
        cross_docks=list(CrossDock.objects.all()),
        regions=regions,
        carriers=carriers,
        lanes=lanes,
        sku_count=Sku.objects.count(),
        customer_count=Customer.objects.count(),
    )


def network_counts() -> dict[str, int]:
    """How many of each kind of master data there are, keyed by a plural label."""
    return {
        "DCs": DistributionCenter.objects.count(),
        "cross-docks": CrossDock.objects.count(),
        "regions": Region.objects.count(),
        "SKUs": Sku.objects.count(),
        "customers": Customer.objects.count(),
        "carriers": Carrier.objects.count(),
        "lanes": Lane.objects.count(),
    }
