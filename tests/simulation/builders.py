"""Simulation inputs (a hand-built one-DC queue for validation, the demo network as
production builds it) and hand-built results with chosen KPIs."""

from dataclasses import fields

from apps.simulation.customer import CustomerParams
from apps.simulation.demand import HOURS_PER_WEEK, DemandParams
from apps.simulation.finance import FinanceParams
from apps.simulation.labour import DcLabour, LabourParams, ShiftPlan
from apps.simulation.logistics import CarrierPickups, LogisticsParams
from apps.simulation.parameters import ModelParameters
from apps.simulation.results import DcKpis, NetworkKpis, ReplicationResult
from apps.simulation.snapshot import (
    DcInfo,
    LaneInfo,
    NetworkSnapshot,
    RegionInfo,
    SkuInfo,
    StockPosition,
)
from apps.simulation.supply import SupplyParams

PLENTY = 10**9


def single_queue(
    *, orders_per_hour: float, pickers: int, picks_per_hour: float = 1.0
) -> tuple[NetworkSnapshot, ModelParameters]:
    """One DC, one region, one-line orders, exponential picks by c pickers around the clock:
    an M/M/c queue in front of picking, with near-instant packing."""
    snapshot = NetworkSnapshot(
        start_hour_of_week=0.0,
        dcs=(DcInfo(code="D1", region="R1", pick_stations=pickers, dock_doors=4),),
        skus=(SkuInfo("S1", "F1", 1.0, 10.0, 15.0),),
        regions=(RegionInfo("R1", "D1"),),
        lanes=(LaneInfo("D1-R1", "D1", "R1", "C1", "ground", 10.0, 0.2, 50.0, 0.1),),
        stock=(StockPosition("S1", "D1", PLENTY),),
    )
    parameters = ModelParameters(
        demand=DemandParams(
            orders_per_hour={"R1": (orders_per_hour,) * HOURS_PER_WEEK},
            lines_per_order_pmf=(0.0, 1.0),
            sku_weights={"S1": 1.0},
            quantity_pmf=(0.0, 1.0),
            tier_mix={"standard": 1.0},
        ),
        supply=SupplyParams(policies=(), lead_time_hours_median={}),
        logistics=LogisticsParams(
            pickups=(CarrierPickups("C1", tuple(float(h) for h in range(24)), 10_000),)
        ),
        labour=LabourParams(
            dcs=(
                DcLabour(
                    dc="D1",
                    shifts=(ShiftPlan("All day", 0.0, 24.0, "1111111", pickers, 1),),
                    pick_lines_per_hour=picks_per_hour,
                    pack_orders_per_hour=1e6,
                    pick_error_rate=0.0,
                    pick_time_cv=1.0,
                    pack_time_cv=1.0,
                ),
            )
        ),
        finance=FinanceParams(wage_usd_per_hour={"D1": 20.0}),
        customer=CustomerParams(sla_hours_by_tier={"standard": 10_000.0}),
    )
    return snapshot, parameters


def erlang_c_wait(*, arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    offered = arrival_rate / service_rate
    rho = offered / servers
    term, below = 1.0, 0.0
    for k in range(servers):
        below += term
        term *= offered / (k + 1)
    waiting = term / (1 - rho)
    probability_wait = waiting / (below + waiting)
    return probability_wait / (servers * service_rate - arrival_rate)


_DEMO: list[tuple[NetworkSnapshot, ModelParameters]] = []


def demo_network_keep(built: tuple[NetworkSnapshot, ModelParameters]) -> None:
    """Keep the session's demo input: the `demo_engine_input` fixture builds it once."""
    _DEMO[:] = [built]


def demo_network() -> tuple[NetworkSnapshot, ModelParameters]:
    """The demo distributor as production reads it from fixtures/demo_network.json, its live
    state and its first calibration (tests/simulation/demo_input.py), built once a session.

    tests/conftest.py builds it before any module that imports this function runs; a caller
    elsewhere requests the `demo_engine_input` fixture."""
    if not _DEMO:
        raise RuntimeError(
            "demo_network() is built by the session fixture demo_engine_input: request it "
            "(tests/conftest.py does so for every module that imports demo_network)"
        )
    return _DEMO[0]


def _zeros(cls, **given):
    return cls(**{f.name: given.get(f.name, 0) for f in fields(cls)})


def constructed_result(
    replication: int, *, otif: float, cost_usd: float, utilisation: dict[str, float]
) -> ReplicationResult:
    """A replication's result with the KPIs given and zeros elsewhere: a ranking's known case."""
    return ReplicationResult(
        replication=replication,
        seed=1,
        horizon_hours=48.0,
        warmup_hours=24.0,
        events=0,
        dcs=tuple(_zeros(DcKpis, dc=dc, labour_utilisation=u) for dc, u in utilisation.items()),
        lanes=(),
        regions=(),
        network=_zeros(
            NetworkKpis,
            otif=otif,
            orders_delivered=100,
            total_cost_usd=cost_usd,
            cost_per_order_usd=cost_usd / 100,
            cost_by_component_usd={},
            cost_per_order_by_component_usd={},
        ),
        hourly=(),
    )
