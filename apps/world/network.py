"""The demo enterprise's own layout, as plain data read from the demo network's fixture.

The world is built apart from the twin: it reads the same file the twin's `load_demo`
loads, but never the twin's tables, so a planner editing the twin's master data changes
what the twin believes, not what the world is.
"""

import importlib.util
import json
from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path
from types import ModuleType

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
NETWORK_FILE = FIXTURES_DIR / "demo_network.json"
SIZING_FILE = FIXTURES_DIR / "build_demo_network.py"
SOURCES = ("erp", "wms", "tms", "crm", "iot")


@dataclass(frozen=True)
class Shift:
    name: str
    starts_at: time
    hours: float
    weekdays: str  # "1111100": Monday to Sunday
    pickers: int
    packers: int
    loaders: int


@dataclass(frozen=True)
class Dc:
    code: str
    region: str
    wage_usd_per_hour: float
    overtime_premium: float
    standard_pick_lines_per_hour: float
    standard_pack_orders_per_hour: float
    shifts: tuple[Shift, ...]


@dataclass(frozen=True)
class CrossDock:
    code: str
    region: str
    dwell_hours_median: float
    fee_usd_per_shipment: float


@dataclass(frozen=True)
class Lane:
    code: str
    origin: str  # a DC's or a cross-dock's code
    from_cross_dock: bool
    destination: str  # a region's code
    carrier: str
    mode: str  # "ground" or "expedited"
    transit_hours_median: float
    transit_hours_spread: float
    cost_usd_per_shipment: float
    cost_usd_per_kg: float


@dataclass(frozen=True)
class Sku:
    code: str
    family: str
    weight_kg: float
    velocity_class: str


@dataclass(frozen=True)
class Network:
    dcs: dict[str, Dc]
    home: dict[str, str]  # region -> home DC
    customers: dict[str, list[tuple[str, float]]]  # region -> (customer, promised hours)
    skus: list[Sku]
    lanes: list[Lane]
    cross_docks: dict[str, CrossDock]
    carriers: list[str]


@cache
def demo_sizing() -> ModuleType:
    """The builder script as a module: the planned demand the world's truth is sized from."""
    spec = importlib.util.spec_from_file_location("build_demo_network", SIZING_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def demo_network() -> Network:
    rows: dict[str, dict[int, dict]] = {}
    for row in json.loads(NETWORK_FILE.read_text()):
        rows.setdefault(row["model"].split(".")[1], {})[row["pk"]] = row["fields"]
    regions = {pk: f["code"] for pk, f in rows["region"].items()}
    dc_codes = {pk: f["code"] for pk, f in rows["distributioncenter"].items()}
    dock_codes = {pk: f["code"] for pk, f in rows["crossdock"].items()}
    carriers = {pk: f["code"] for pk, f in rows["carrier"].items()}
    shifts = _shifts_by_dc(rows, dc_codes)
    dcs = {
        f["code"]: Dc(
            code=f["code"],
            region=regions[f["region"]],
            wage_usd_per_hour=float(f["wage_usd_per_hour"]),
            overtime_premium=float(f["overtime_premium"]),
            standard_pick_lines_per_hour=float(f["standard_pick_lines_per_hour"]),
            standard_pack_orders_per_hour=float(f["standard_pack_orders_per_hour"]),
            shifts=tuple(shifts[f["code"]]),
        )
        for _, f in sorted(rows["distributioncenter"].items(), key=lambda r: r[1]["code"])
    }
    customers: dict[str, list[tuple[str, float]]] = {}
    for f in sorted(rows["customer"].values(), key=lambda f: f["code"]):
        region = regions[f["region"]]
        customers.setdefault(region, []).append((f["code"], float(f["promised_hours"])))
    return Network(
        dcs=dcs,
        home={f["code"]: dc_codes[f["home_dc"]] for f in rows["region"].values()},
        customers=customers,
        skus=[
            Sku(f["code"], f["family"], float(f["weight_kg"]), f["velocity_class"])
            for f in sorted(rows["sku"].values(), key=lambda f: f["code"])
        ],
        lanes=_lanes(rows, regions, dc_codes, dock_codes, carriers),
        cross_docks={
            f["code"]: CrossDock(
                code=f["code"],
                region=regions[f["region"]],
                dwell_hours_median=float(f["dwell_hours_median"]),
                fee_usd_per_shipment=float(f["fee_usd_per_shipment"]),
            )
            for f in rows["crossdock"].values()
        },
        carriers=sorted(carriers.values()),
    )


def _shifts_by_dc(
    rows: dict[str, dict[int, dict]], dc_codes: dict[int, str]
) -> dict[str, list[Shift]]:
    shifts: dict[str, list[Shift]] = {code: [] for code in dc_codes.values()}
    for _, f in sorted(rows["shift"].items()):
        shifts[dc_codes[f["dc"]]].append(
            Shift(
                name=f["name"],
                starts_at=time.fromisoformat(f["starts_at"]),
                hours=float(f["hours"]),
                weekdays=f["weekdays"],
                pickers=f["pickers"],
                packers=f["packers"],
                loaders=f["loaders"],
            )
        )
    return shifts


def _lanes(
    rows: dict[str, dict[int, dict]],
    regions: dict[int, str],
    dc_codes: dict[int, str],
    dock_codes: dict[int, str],
    carriers: dict[int, str],
) -> list[Lane]:
    return [
        Lane(
            code=f["code"],
            origin=dc_codes[f["origin_dc"]]
            if f["origin_dc"]
            else dock_codes[f["origin_cross_dock"]],
            from_cross_dock=not f["origin_dc"],
            destination=regions[f["destination"]],
            carrier=carriers[f["carrier"]],
            mode=f["mode"],
            transit_hours_median=float(f["transit_hours_median"]),
            transit_hours_spread=float(f["transit_hours_spread"]),
            cost_usd_per_shipment=float(f["cost_usd_per_shipment"]),
            cost_usd_per_kg=float(f["cost_usd_per_kg"]),
        )
        for _, f in sorted(rows["lane"].items())
    ]
