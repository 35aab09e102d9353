"""What the demo enterprise really is: the figures calibration has to recover."""

import json
from dataclasses import asdict, dataclass, field

BACKORDER_PATIENCE_H = 96.0
EQUIPMENT_PER_DC = 4
EQUIPMENT_MTBF_H = 400.0
EQUIPMENT_MTTR_H = 5.0
SURVEY_RATE = 0.15
# Spread (log-normal sigma) of a cross-dock's dwell around its median: unloading, sorting
# and waiting for the outbound trailer vary with the load and the dock's shift.
CROSS_DOCK_DWELL_SIGMA = 0.3
# Real pickers run below the engineered standard, more so where the floor is stretched:
# the truth calibration has to find, different from the master data's standard.
PICK_RATE_VS_STANDARD = {"NE": 0.95, "SE": 0.97}


@dataclass
class DcTruth:
    pick_lines_per_hour: float
    pack_orders_per_hour: float
    pick_error_rate: float
    pick_time_cv: float
    pack_time_cv: float
    wage_usd_per_hour: float


@dataclass
class Truth:
    """What the world really is: written with --truth for calibration tests to recover."""

    seed: int
    start: str
    days: float
    orders_per_day: float
    region_share: dict[str, float]
    hour_profile: list[float]
    weekday_factor: float
    weekend_factor: float
    lines_per_order_pmf: list[float]
    quantity_pmf: list[float]
    dcs: dict[str, DcTruth]
    lane_transit_hours: dict[str, list[float]]  # lane -> [median, sigma]
    tender_rejection_rate: dict[str, float]
    pickup_hours: dict[str, list[float]]
    lead_time_hours_median: dict[str, float]
    lead_time_sigma: float
    # Packaging the ERP posts per order shipped (6200-handling-<DC>): a corrugated carton,
    # void fill and a shipping label per order, a poly bag and a pick label per line. Packaging
    # suppliers' list prices (e.g. Uline's catalogue: mid-size cartons about $0.80–1.50,
    # labels a few cents) put an order of four lines near $2.
    handling_usd_per_order: float = 1.35
    handling_usd_per_line: float = 0.22
    complaint_base: float = 0.004
    complaint_per_late_day: float = 0.12
    complaint_per_pick_error: float = 0.30
    changes: list[dict] = field(default_factory=list)  # kind, day and fields of each
    # Filled in after the run: what the truth produced.
    labour_utilisation: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


class Order:
    __slots__ = (
        "customer",
        "dc",
        "dock",
        "due",
        "errors",
        "id",
        "lane",
        "lines",
        "region",
        "weight",
    )

    def __init__(self, order_id, customer, region, dc, lines, due, weight):
        self.id, self.customer, self.region, self.dc = order_id, customer, region, dc
        self.lines, self.due, self.weight = lines, due, weight
        self.errors = 0
        # Set when the order is packed: the lane it leaves the DC on, and the cross-dock
        # it goes through (None: straight to the customer).
        self.lane = None
        self.dock: str | None = None


class Worker:
    __slots__ = (
        "busy_h",
        "clocked_h",
        "clocked_in_at",
        "id",
        "leaving",
        "role",
        "stopped_at",
        "working",
    )

    def __init__(self, worker_id: str, role: str) -> None:
        self.id, self.role = worker_id, role
        self.working = self.leaving = False
        self.clocked_in_at = self.stopped_at = 0.0
        self.busy_h = self.clocked_h = 0.0
