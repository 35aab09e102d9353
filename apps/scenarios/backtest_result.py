"""A back-test's document: each figure's predicted band against what happened, and the
one-line verdict a planner reads before any what-if (backtest.py runs it)."""

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from apps.live.settled_days import project_zone
from apps.simulation.statistics import t95


@dataclass(frozen=True)
class FigureCheck:
    kpi: str
    label: str
    unit: str  # percent | usd | count
    predicted: float  # the replications' mean
    low: float  # the 95% prediction interval of one week's figure
    high: float
    actual: float | None

    @property
    def inside(self) -> bool | None:
        return None if self.actual is None else self.low <= self.actual <= self.high

    @property
    def miss(self) -> float | None:
        """How far the prediction is off, comparable across figures: points of a share (as
        a fraction), a fraction of the actual for money and counts."""
        if self.actual is None:
            return None
        if self.unit == "percent":
            return abs(self.actual - self.predicted)
        if self.actual == 0:
            return 0.0 if self.predicted == 0 else math.inf
        return abs(self.actual - self.predicted) / abs(self.actual)

    @property
    def gap_text(self) -> str:
        if self.actual is None:
            return "not measured"
        if self.unit == "percent":
            return _signed(f"{100 * (self.predicted - self.actual):+.1f} pts")
        if self.actual == 0:
            return "—"
        return _signed(f"{100 * (self.predicted - self.actual) / abs(self.actual):+.0f}%")

    @property
    def predicted_text(self) -> str:
        return value_text(self.predicted, self.unit)

    @property
    def band_text(self) -> str:
        return f"{value_text(self.low, self.unit)}–{value_text(self.high, self.unit)}"

    @property
    def actual_text(self) -> str:
        return "—" if self.actual is None else value_text(self.actual, self.unit)


def _signed(text: str) -> str:
    """A minus sign, not a hyphen, as the comparison's other differences are written."""
    return text.replace("-", "−", 1)


def value_text(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{100 * value:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    return f"${value:,.2f}"


def prediction_band(values: list[float], *, share: bool) -> tuple[float, float, float]:
    """(mean, low, high): where one more week's figure falls with 95% probability, by the
    replications. A prediction interval (√(1 + 1/n)), not the mean's confidence interval:
    the week that happened is one draw, not an average of many. Shares stay in [0, 1]."""
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    half = t95(n - 1) * std * math.sqrt(1 + 1 / n)
    low, high = mean - half, mean + half
    if share:
        low, high = max(0.0, low), min(1.0, high)
    return mean, low, high


@dataclass(frozen=True)
class BacktestResult:
    state_at: datetime
    measured_from: datetime
    measured_until: datetime
    replications: int
    versions: dict[str, int]
    in_sample: tuple[str, ...]
    figures: tuple[FigureCheck, ...]

    @property
    def measured(self) -> list[FigureCheck]:
        return [f for f in self.figures if f.actual is not None]

    @property
    def worst(self) -> FigureCheck | None:
        return max(self.measured, key=lambda f: f.miss, default=None)

    @property
    def span_text(self) -> str:
        zone = project_zone()
        first = self.measured_from.astimezone(zone)
        last = (self.measured_until - timedelta(microseconds=1)).astimezone(zone)
        return f"{first:%a} {first.day} {first:%b} – {last:%a} {last.day} {last:%b %Y}"

    @property
    def verdict(self) -> str:
        """One line, read before any what-if: within how much, and the worst gap."""
        measured = self.measured
        if not measured:
            return f"Nothing was measured over {self.span_text}: the back-test has no actuals."
        shares = [f for f in measured if f.unit == "percent"]
        others = [f for f in measured if f.unit != "percent"]
        within = []
        if shares:
            within.append(f"{100 * max(f.miss for f in shares):.1f} pts on utilisation and OTIF")
        if others:
            worst_share = max(f.miss for f in others)
            within.append(
                "beyond any bound on cost and orders"
                if math.isinf(worst_share)
                else f"{100 * worst_share:.0f}% on cost per order and orders"
            )
        worst = self.worst
        inside = sum(1 for f in measured if f.inside)
        text = (
            f"The model reproduces last week ({self.span_text}) within {' and '.join(within)}; "
            f"worst gap: {worst.label}, {worst.predicted_text} predicted against "
            f"{worst.actual_text} ({worst.gap_text}). {inside} of {len(measured)} figures "
            "fell inside their predicted 95% band."
        )
        if self.in_sample:
            text += (
                f" No version of {', '.join(self.in_sample)} was fitted before the week: "
                "those run on a later fit that saw it, so the test flatters them."
            )
        return text

    def as_json(self) -> dict:
        return {
            "state_at": self.state_at.isoformat(),
            "measured_from": self.measured_from.isoformat(),
            "measured_until": self.measured_until.isoformat(),
            "replications": self.replications,
            "versions": self.versions,
            "in_sample": list(self.in_sample),
            "figures": [asdict(f) for f in self.figures],
        }

    @classmethod
    def from_json(cls, data: dict) -> "BacktestResult":
        return cls(
            state_at=datetime.fromisoformat(data["state_at"]),
            measured_from=datetime.fromisoformat(data["measured_from"]),
            measured_until=datetime.fromisoformat(data["measured_until"]),
            replications=data["replications"],
            versions=data["versions"],
            in_sample=tuple(data["in_sample"]),
            figures=tuple(FigureCheck(**f) for f in data["figures"]),
        )
