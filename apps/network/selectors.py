"""Reads of the network master data, each in a fixed number of queries."""

from collections.abc import Iterable
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


@dataclass(frozen=True)
class MapPlace:
    code: str
    name: str
    latitude: float
    longitude: float
    note: str  # the hover line under the name


@dataclass(frozen=True)
class MapPlaces:
    dcs: tuple[MapPlace, ...]
    cross_docks: tuple[MapPlace, ...]
    regions: tuple[MapPlace, ...]
    home_dcs: dict[str, str]  # region code → the DC that serves it by default

    def by_code(self) -> dict[str, MapPlace]:
        return {place.code: place for place in (*self.dcs, *self.cross_docks, *self.regions)}


def map_place_list() -> MapPlaces:
    """Where the DCs, cross-docks and regions stand, for the maps: three queries."""
    regions = Region.objects.select_related("home_dc").annotate(customer_count=Count("customers"))
    return map_places_of(DistributionCenter.objects.all(), CrossDock.objects.all(), regions)


def map_places_of(
    dcs: Iterable[DistributionCenter], cross_docks: Iterable[CrossDock], regions: Iterable[Region]
) -> MapPlaces:
    """The places of master data already read (regions with home_dc and customer_count)."""
    regions = list(regions)
    return MapPlaces(
        dcs=tuple(
            MapPlace(dc.code, dc.name, dc.latitude, dc.longitude,
                     f"{dc.pick_stations} pick stations, {dc.dock_doors} dock doors")
            for dc in dcs
        ),
        cross_docks=tuple(
            MapPlace(xd.code, xd.name, xd.latitude, xd.longitude,
                     f"median dwell {xd.dwell_hours_median:g} h")
            for xd in cross_docks
        ),
        regions=tuple(
            MapPlace(region.code, region.name, region.latitude, region.longitude,
                     f"served by {region.home_dc.code}, {region.customer_count} customers")
            for region in regions
        ),
        home_dcs={region.code: region.home_dc.code for region in regions},
    )  # fmt: skip
