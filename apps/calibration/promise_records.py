"""What the delivery-promise model (promises.py) takes and gives: its settings, the orders
it reads and the predictions it makes, and the grid of levels it predicts."""

from dataclasses import dataclass
from datetime import datetime

DAY_S = 86400.0
# The grid of quantile levels predicted for every order: the interval's ends, the median and
# the candidate promise levels (0.80 … 0.99).
INTERVAL = (0.10, 0.90)
PROMISE_LEVELS = tuple(round(0.80 + 0.01 * i, 2) for i in range(20))
LEVELS = (INTERVAL[0], 0.5, INTERVAL[1], *PROMISE_LEVELS)
# The "density" promise rule's candidates: the most days one more percentage point of the
# order's own distribution may cost (see _promise_indices), from strict to generous.
DENSITY_DAYS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.7, 2.0, 2.5, 3.0, 5.0)


@dataclass(frozen=True)
class PromiseSettings:
    """The model's knobs, stated on the report page.

    Chosen on the Olist sample without its judged orders (the last 30% of the delivered):
    from what was known when that period began, on the orders bought at least 30 days before
    it (the last 30% of those delivered, 2017-12-23 to 2018-03-15), by a rule set before
    looking: first the half-life and shrinkage with the lowest median MAE (of 14/21/30/45
    days × 10/20/40 orders), then the window and aim with the shortest mean promise whose
    late share was no higher than the company's on the same orders (of 20/30/45/60 days ×
    1–5%). tests/bench/bench_promises.py repeats that choice and prints it."""

    half_life_days: float = 45.0
    lane_prior_n: float = 10.0  # k: a lane with k effective orders gets half its own weight
    origin_prior_n: float = 10.0
    weekday_prior_n: float = 30.0
    # The promise's share of late orders aimed at on the last month's orders: below the 5%
    # it should hold, as a margin for the month to come.
    late_target: float = 0.04
    judge_window_days: float = 30.0  # recent orders judged when choosing the quantile
    # "level": one quantile level for every order; "density": each order's own level, where
    # one more percentage point of it costs more than a number of days (DENSITY_DAYS).
    promise_rule: str = "level"
    default_level: float = 0.90  # before enough recent orders are known ("level")
    default_density_days: float = 1.0  # … ("density")
    min_judged: int = 50
    local_tz: str = "America/Sao_Paulo"  # refits happen at the business's local midnight

    def __post_init__(self) -> None:
        if self.promise_rule not in ("level", "density"):
            raise ValueError(f"promise_rule: {self.promise_rule!r} is not 'level' or 'density'")
        if self.default_level not in PROMISE_LEVELS:
            raise ValueError(f"default_level: {self.default_level} is not one of {PROMISE_LEVELS}")
        if self.default_density_days not in DENSITY_DAYS:
            raise ValueError(
                f"default_density_days: {self.default_density_days} is not one of {DENSITY_DAYS}"
            )


@dataclass(frozen=True)
class OrderRecord:
    """One order as the promise model sees it (from the event log, or built in a test)."""

    order_id: str
    purchased_at: datetime
    origin: str
    region: str
    promised_at: datetime | None = None  # the company's own promise, to compare with
    handed_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class OrderPrediction:
    order_id: str
    purchased_at: datetime
    fitted_before: datetime  # only deliveries before this instant were used
    median_at: datetime
    low_at: datetime  # the interval's ends, INTERVAL levels
    high_at: datetime
    promise_at: datetime
    promise_level: float
    lane_weight: float  # share of the lane's own history in the mixture (0 = none)
    trained_on: int  # deliveries known at the fit
    quantile_days: tuple[float, ...] = ()  # purchase → delivery days at each of LEVELS

    @property
    def median_days(self) -> float:
        return (self.median_at - self.purchased_at).total_seconds() / DAY_S

    @property
    def promise_days(self) -> float:
        return (self.promise_at - self.purchased_at).total_seconds() / DAY_S
