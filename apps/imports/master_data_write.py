"""Applying a master-data proposal to apps.network: by code, so a second run updates rows in
place and never duplicates them."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from apps.imports.errors import ImportsError
from apps.imports.master_data import Proposal
from apps.network.models import Carrier, Customer, DistributionCenter, Lane, Region, Sku

# A region's home DC and a DC's region point at each other. Django creates foreign keys
# DEFERRABLE INITIALLY DEFERRED (PostgreSQL and SQLite), checked at commit: a new region is
# written pointing at no DC yet and linked to its home DC before the transaction ends.
UNLINKED = 0


@dataclass(frozen=True)
class AppliedCounts:
    created: dict[str, int]
    updated: dict[str, int]


def _upsert(model, rows: list, fields: list[str]) -> tuple[int, int]:
    """Insert or update rows by code; (created, updated)."""
    codes = [row.code for row in rows]
    existing = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["code"], update_fields=fields, batch_size=1000
    )
    return len(set(codes) - existing), len(existing)


def _regions_and_origins(proposal: Proposal, created: dict, updated: dict) -> dict[str, int]:
    """Write regions and origins; returns region code -> id."""
    region_rows = [
        Region(code=r.code, name=r.name, latitude=r.latitude, longitude=r.longitude,
               home_dc_id=UNLINKED)
        for r in proposal.regions
    ]  # fmt: skip
    existing_home = dict(
        Region.objects.filter(code__in=[r.code for r in region_rows]).values_list(
            "code", "home_dc_id"
        )
    )
    for row in region_rows:
        row.home_dc_id = existing_home.get(row.code, UNLINKED)
    created["regions"], updated["regions"] = _upsert(
        Region, region_rows, ["name", "latitude", "longitude"]
    )
    region_id = dict(Region.objects.filter(code__in=existing_home.keys() | {
        r.code for r in proposal.regions}).values_list("code", "id"))  # fmt: skip
    dcs = [
        DistributionCenter(
            code=o.code, name=o.name, region_id=region_id[o.region], latitude=o.latitude,
            longitude=o.longitude, pick_stations=0, dock_doors=0, storage_positions=0,
            wage_usd_per_hour=Decimal(0), standard_pick_lines_per_hour=0.0,
            standard_pack_orders_per_hour=0.0,
        )
        for o in proposal.origins
    ]  # fmt: skip
    # Only what the history says is updated: capacities a planner entered since are kept.
    created["origins"], updated["origins"] = _upsert(
        DistributionCenter, dcs, ["name", "region", "latitude", "longitude"]
    )
    dc_id = dict(
        DistributionCenter.objects.filter(code__in=[o.code for o in proposal.origins]).values_list(
            "code", "id"
        )
    )
    for region in proposal.regions:
        Region.objects.filter(code=region.code).update(home_dc_id=dc_id[region.home_dc])
    return region_id


def master_data_apply(proposal: Proposal) -> AppliedCounts:
    """Write the proposal into the network's master data in one transaction, by code.

    Raises ImportsError (with the proposal's problems) when it cannot be applied as it stands.
    """
    if proposal.problems:
        raise ImportsError(proposal.problems)
    created: dict[str, int] = {}
    updated: dict[str, int] = {}
    with transaction.atomic():
        region_id = _regions_and_origins(proposal, created, updated)
        carrier, made = Carrier.objects.update_or_create(
            code=proposal.carrier.code,
            defaults={"name": proposal.carrier.name},
            create_defaults={"name": proposal.carrier.name, "kind": Carrier.Kind.PARCEL},
        )
        created["carriers"], updated["carriers"] = int(made), int(not made)
        created["skus"], updated["skus"] = _upsert(
            Sku,
            [
                Sku(code=s.code, name=s.name, family=s.family, weight_kg=Decimal(str(s.weight_kg)),
                    cube_m3=Decimal(str(s.cube_m3)), unit_cost_usd=Decimal(0),
                    unit_price_usd=Decimal(str(s.unit_price)), velocity_class=s.velocity_class)
                for s in proposal.skus
            ],
            ["name", "family", "weight_kg", "cube_m3", "unit_price_usd", "velocity_class"],
        )  # fmt: skip
        created["customers"], updated["customers"] = _upsert(
            Customer,
            [
                Customer(code=c.code, name=c.name, region_id=region_id[c.region],
                         sla_tier=Customer.SlaTier.STANDARD, promised_hours=c.promised_hours)
                for c in proposal.customers
            ],
            ["name", "region", "promised_hours"],
        )  # fmt: skip
        dc_id = dict(DistributionCenter.objects.values_list("code", "id"))
        created["lanes"] = updated["lanes"] = 0
        for lane in proposal.lanes:
            _, made = Lane.objects.update_or_create(
                origin_dc_id=dc_id[lane.origin],
                destination_id=region_id[lane.region],
                carrier=carrier,
                defaults={
                    "code": lane.code,
                    "mode": Lane.Mode.GROUND,
                    "transit_hours_median": lane.transit_hours_median,
                    "transit_hours_spread": lane.transit_hours_spread,
                    "cost_usd_per_shipment": Decimal(str(lane.cost_per_shipment)),
                    "cost_usd_per_kg": Decimal(0),
                },
            )
            created["lanes"] += int(made)
            updated["lanes"] += int(not made)
    return AppliedCounts(created=created, updated=updated)
