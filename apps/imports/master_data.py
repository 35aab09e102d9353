"""Master data from a history: a reviewable proposal (origins, regions, SKUs, customers, the
carrier, lanes) and the write that applies it to apps.network, idempotently by code."""

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from apps.imports.errors import Problem
from apps.imports.history import History

UNCATEGORISED = "uncategorised"
# ABC classes by share of units: the SKUs making the first 80% of units are A, the next 15% B.
VELOCITY_A_SHARE, VELOCITY_B_SHARE = 0.80, 0.95
WEIGHT_UNIT_KG = {"g": 0.001, "kg": 1.0, "lb": 0.45359237}
MIN_TRANSIT_HOURS = 0.5  # Lane.transit_hours_median's floor


@dataclass(frozen=True)
class OriginRow:
    code: str
    name: str
    region: str  # where it stands: the state (region code) most of its sellers are in
    latitude: float
    longitude: float
    orders: int
    members: tuple[str, ...]  # the grouped values (states) it stands for


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    latitude: float
    longitude: float
    home_dc: str  # the origin that shipped most of its orders
    orders: int


@dataclass(frozen=True)
class SkuRow:
    code: str
    name: str
    family: str
    weight_kg: float
    weight_from: str  # "file", "family median", "overall median" or "none"
    cube_m3: float
    unit_price: float
    units: int
    velocity_class: str


@dataclass(frozen=True)
class CustomerRow:
    code: str
    name: str
    region: str
    promised_hours: int


@dataclass(frozen=True)
class LaneRow:
    code: str
    origin: str
    region: str
    shipments: int
    transit_hours_median: float
    transit_hours_spread: float
    cost_per_shipment: float


@dataclass(frozen=True)
class CarrierRow:
    code: str
    name: str


@dataclass(frozen=True)
class Proposal:
    """What the history says the network is, to be reviewed before master_data_apply."""

    origins: list[OriginRow]
    regions: list[RegionRow]
    skus: list[SkuRow]
    customers: list[CustomerRow]
    carrier: CarrierRow
    lanes: list[LaneRow]
    origin_note: str
    # How gaps were filled (median weights…) and what the files do not hold.
    notes: list[str] = field(default_factory=list)
    # Why it cannot be applied as it stands (e.g. a region missing from the region table).
    problems: list[Problem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "origins": len(self.origins),
            "regions": len(self.regions),
            "skus": len(self.skus),
            "customers": len(self.customers),
            "carriers": 1,
            "lanes": len(self.lanes),
        }


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _column(history: History, role: str, field_name: str) -> list[str] | None:
    column = history.mapping.column(role, field_name)
    if column is None or role not in history.tables:
        return None
    return history.tables[role].frame[column].tolist()


def _key_values(history: History, role: str, key: str, value: str) -> dict[str, str]:
    keys, values = _column(history, role, key), _column(history, role, value)
    if keys is None or values is None:
        return {}
    found: dict[str, str] = {}
    for k, v in zip(keys, values, strict=True):
        found.setdefault(k, v)
    return found


def _velocity(units: dict[str, int]) -> dict[str, str]:
    total = sum(units.values()) or 1
    classes, running = {}, 0
    for sku, count in sorted(units.items(), key=lambda item: (-item[1], item[0])):
        share_before = running / total
        classes[sku] = (
            "A" if share_before < VELOCITY_A_SHARE else "B" if share_before < VELOCITY_B_SHARE
            else "C"
        )  # fmt: skip
        running += count
    return classes


def _skus(history: History, notes: list[str]) -> list[SkuRow]:
    units: Counter[str] = Counter()
    for order in history.orders:
        units.update(order.lines)
    spec = history.mapping.files.get("products")
    to_kg = WEIGHT_UNIT_KG[spec.weight_unit] if spec else 1.0
    family_of = _key_values(history, "products", "sku", "family")
    weight_of = _key_values(history, "products", "sku", "weight")
    translated = _key_values(history, "families", "family", "family_name")
    dims = [_key_values(history, "products", "sku", f) for f in
            ("length_cm", "height_cm", "width_cm")]  # fmt: skip
    family = {}
    for sku in units:
        raw = family_of.get(sku, "")
        family[sku] = (translated.get(raw) or raw or UNCATEGORISED)[:40]
    weight = {sku: _number(weight_of.get(sku, "")) for sku in units}
    weight = {sku: w * to_kg for sku, w in weight.items() if w is not None and w > 0}
    by_family: dict[str, list[float]] = defaultdict(list)
    for sku, kg in weight.items():
        by_family[family[sku]].append(kg)
    family_median = {name: statistics.median(values) for name, values in by_family.items()}
    overall = _median(list(weight.values()))
    filled = Counter()
    velocity = _velocity(units)
    rows = []
    for sku in sorted(units):
        if sku in weight:
            kg, source = weight[sku], "file"
        elif family[sku] in family_median:
            kg, source = family_median[family[sku]], "family median"
        elif overall is not None:
            kg, source = overall, "overall median"
        else:
            kg, source = 0.0, "none"
        filled[source] += 1
        sides = [_number(d.get(sku, "")) for d in dims]
        cube = math.prod(sides) / 1e6 if all(s is not None for s in sides) else 0.0
        prices = history.sku_prices.get(sku, [])
        rows.append(
            SkuRow(sku, f"{family[sku]} {sku}"[:120], family[sku], round(kg, 3), source,
                   round(cube, 4), round(_median(prices) or 0.0, 2), units[sku], velocity[sku])
        )  # fmt: skip
    if filled["family median"] or filled["overall median"]:
        notes.append(
            f"{filled['family median']} SKU(s) without a weight take their family's median "
            f"weight and {filled['overall median']} the median of all SKUs."
        )
    if filled["none"]:
        notes.append(f"{filled['none']} SKU(s) have no weight in the files: 0 kg.")
    return rows


def _transit(history: History) -> dict[tuple[str, str], list[float]]:
    """Observed hours from carrier hand-off to delivery, per (origin, region)."""
    region_of = _key_values(history, "customers", "customer", "region")
    found: dict[tuple[str, str], list[float]] = defaultdict(list)
    for order in history.orders:
        region = region_of.get(order.customer)
        if not order.origin or not region:
            continue
        found.setdefault((order.origin, region), [])
        if order.handed_at is not None and order.delivered_at is not None:
            hours = (order.delivered_at - order.handed_at).total_seconds() / 3600
            if hours > 0 and order.handed_at >= order.purchased_at:
                found[(order.origin, region)].append(hours)
    return found


def _lanes(history: History, carrier: str, notes: list[str]) -> list[LaneRow]:
    region_of = _key_values(history, "customers", "customer", "region")
    freight: dict[tuple[str, str], list[float]] = defaultdict(list)
    shipments: Counter[tuple[str, str]] = Counter()
    for order in history.orders:
        region = region_of.get(order.customer)
        if order.origin and region:
            shipments[(order.origin, region)] += 1
            freight[(order.origin, region)].append(order.freight)
    transit = _transit(history)
    # A lane with no delivery observed yet takes what all lanes show.
    every = [hours for observed in transit.values() for hours in observed]
    rows, unobserved = [], 0
    for (origin, region), hours in sorted(transit.items()):
        unobserved += not hours
        hours = hours or every
        median = max(MIN_TRANSIT_HOURS, _median(hours) or MIN_TRANSIT_HOURS)
        logs = [math.log(max(h, MIN_TRANSIT_HOURS)) for h in hours]
        spread = statistics.stdev(logs) if len(logs) > 1 else 0.0
        rows.append(
            LaneRow(f"{origin}-{region}-{carrier}"[:32], origin, region,
                    shipments[(origin, region)],
                    round(median, 2), round(spread, 3),
                    round(_median(freight[(origin, region)]) or 0.0, 2))
        )  # fmt: skip
    if unobserved:
        notes.append(
            f"{unobserved} lane(s) with no delivery in the history take the transit time of "
            "all lanes together (median and spread)."
        )
    return rows


def _origins_and_regions(history: History, problems: list[Problem]) -> tuple[list, list]:
    mapping = history.mapping
    region_of = _key_values(history, "customers", "customer", "region")
    seller_region = _key_values(history, "origins", "origin", "region")
    # Where each origin stands: the state most of its orders' sellers are in.
    member_orders: dict[str, Counter[str]] = defaultdict(Counter)
    by_region: dict[str, Counter[str]] = defaultdict(Counter)
    value_column = _column(history, "lines", "origin")
    first_value = {}
    if value_column is not None:
        order_ids = _column(history, "lines", "order_id")
        for order_id, value in zip(order_ids, value_column, strict=True):
            first_value.setdefault(order_id, value)
    for order in history.orders:
        region = region_of.get(order.customer)
        if region:
            by_region[region][order.origin or ""] += 1
        if order.origin:
            value = first_value.get(order.order_id, "")
            member_orders[order.origin][seller_region.get(value, value) or region or ""] += 1
    origins = []
    for code in sorted(member_orders):
        located = member_orders[code].most_common(1)[0][0]
        info = mapping.regions.get(located)
        if info is None:
            problems.append(Problem(f"regions.{located}",
                                    f"origin {code} stands in {located!r}, which the mapping's "
                                    "region table does not list"))  # fmt: skip
            continue
        origins.append(
            OriginRow(code, mapping.origin_names.get(code, code)[:80], located, info.latitude,
                      info.longitude, sum(member_orders[code].values()),
                      tuple(sorted(m for m in member_orders[code] if m)))
        )  # fmt: skip
    regions = []
    needed = set(by_region) | {o.region for o in origins}
    for code in sorted(needed):
        info = mapping.regions.get(code)
        if info is None:
            reason = ("customers are in this region but the mapping's region table does not "
                      "list it (name, latitude, longitude)")  # fmt: skip
            problems.append(Problem(f"regions.{code}", reason))
            continue
        if len(code) > 16:
            problems.append(Problem(f"regions.{code}", "a region code has at most 16 characters"))
            continue
        shipped = Counter({k: v for k, v in by_region.get(code, Counter()).items() if k})
        home = (
            shipped.most_common(1)[0][0]
            if shipped
            else next((o.code for o in origins if o.region == code), "")
        )
        if not home:
            problems.append(Problem(f"regions.{code}", "no origin ships to it: no home DC"))
            continue
        regions.append(RegionRow(code, info.name, info.latitude, info.longitude, home,
                                 sum(by_region.get(code, Counter()).values())))  # fmt: skip
    return origins, regions


def _customers(history: History, problems: list[Problem]) -> list[CustomerRow]:
    if "customers" not in history.tables:
        problems.append(Problem("customers", "master data needs a customers file with regions"))
        return []
    region_of = _key_values(history, "customers", "customer", "region")
    city_of = _key_values(history, "customers", "customer", "city")
    promised: dict[str, list[float]] = defaultdict(list)
    for order in history.orders:
        hours = (order.promised_at - order.purchased_at).total_seconds() / 3600
        promised[order.customer].append(hours)
    rows = []
    for code in sorted(promised):
        region = region_of.get(code, "")
        city = city_of.get(code, "")
        name = f"{city.title()} ({region})" if city else f"Customer in {region}"
        # The contracted promise: the median promise its orders were given.
        rows.append(
            CustomerRow(code, name[:120], region, max(1, round(statistics.median(promised[code]))))
        )
    return rows


# The network's code columns (apps.network.models): longer codes cannot be stored.
SKU_CODE_MAX = CUSTOMER_CODE_MAX = 64


def _long_codes(skus: list[SkuRow], customers: list[CustomerRow]) -> list[Problem]:
    problems = []
    checks = (
        ("SKU", [s.code for s in skus], SKU_CODE_MAX),
        ("customer", [c.code for c in customers], CUSTOMER_CODE_MAX),
    )
    for kind, codes, limit in checks:
        long = [code for code in codes if len(code) > limit]
        if long:
            problems.append(Problem(kind, f"{len(long)} {kind} code(s) longer than {limit} "
                                          f"characters, e.g. {long[0][:80]!r}"))  # fmt: skip
    return problems


def proposal_build(history: History) -> Proposal:
    """Derive the network's master data from a history (read with history.history_read)."""
    notes: list[str] = []
    problems: list[Problem] = []
    mapping = history.mapping
    origins, regions = _origins_and_regions(history, problems)
    skus = _skus(history, notes)
    customers = _customers(history, problems)
    lanes = _lanes(history, mapping.carrier.code, notes)
    known_regions = {r.code for r in regions}
    known_origins = {o.code for o in origins}
    placed = [c for c in customers if c.region in known_regions]
    if len(placed) < len(customers):
        notes.append(
            f"{len(customers) - len(placed)} customer(s) have no region the proposal holds "
            "(an empty or unlisted region cell) and are left out: their orders will be "
            "rejected as naming an unknown customer."
        )
    customers = placed
    lanes = [
        lane for lane in lanes if lane.region in known_regions and lane.origin in known_origins
    ]
    problems.extend(_long_codes(skus, customers))
    notes.append(
        "The files hold no DC capacity, labour, stock or costs: origins get 0 pick stations, "
        "dock doors and storage positions and no wage; SKUs no unit cost; prices and freight "
        "are in the files' currency."
    )
    return Proposal(
        origins=origins,
        regions=regions,
        skus=skus,
        customers=customers,
        carrier=CarrierRow(mapping.carrier.code, mapping.carrier.name),
        lanes=lanes,
        origin_note=mapping.origin_note,
        notes=notes,
        problems=problems,
    )
