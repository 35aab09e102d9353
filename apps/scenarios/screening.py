"""Racing the machine-generated candidates of a comparison: once every candidate still in the
race has the first replications, one clearly worse than the current best gets no more.

Screen-then-select with common random numbers: at each look (after N0, N0 + 1, … replications
of every candidate still racing), each candidate's ranking score is paired by replication with
the best's, and a candidate whose paired difference is below zero by a one-sided t test at a
Bonferroni-adjusted level (ALPHA over every candidate at every possible look) stops. The
baseline never stops: every figure is read against it. Survivors run to the full count.

The score raced on is the ranking's (Σ weight × KPI scaled to [0, 1], 1 = best) on a scale
fixed at the first look: each KPI's range over every scenario's first N0 replications. The
ranking's own scale, each replication's best and worst scenario, moves as candidates stop:
with it, a candidate the full run ties with #1 was screened out at the sixth look as worse
than #1, once ten others had stopped (measured on the demo network's 16 candidates). On a
fixed scale two scenarios' paired difference does not depend on which others still run.
The statistics only: services.screening_look takes the looks, when a replication lands."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from apps.simulation.statistics import KPI_DIRECTION, Kpi, summarize

# The first look: fewer replications give a t test with one or two degrees of freedom, too
# few to say anything at the levels below.
N0 = 4
# The chance, over the whole race, that a candidate is screened out while in truth not worse
# than the best it was compared with.
ALPHA = 0.05


@dataclass(frozen=True)
class ScreenedOut:
    """Why a candidate got no more replications: after how many, compared with which best,
    the paired score difference (candidate − best) with its two-sided 95% interval, and the
    one-sided p-value against the level it had to beat."""

    after: int
    best: str
    mean: float
    low: float
    high: float
    p_value: float
    level: float


def t_upper_tail(t: float, degrees_of_freedom: int) -> float:
    """P(T > t) for Student's t with integer degrees of freedom, exactly (Abramowitz and
    Stegun 26.7.3 and 26.7.4: finite sums in the angle θ = atan(t / √ν))."""
    if t < 0:
        return 1.0 - t_upper_tail(-t, degrees_of_freedom)
    nu = degrees_of_freedom
    theta = math.atan(t / math.sqrt(nu))
    sin, cos2 = math.sin(theta), math.cos(theta) ** 2
    if nu % 2:
        term = total = math.cos(theta) if nu > 1 else 0.0
        for k in range(3, nu - 1, 2):
            term *= cos2 * (k - 1) / k
            total += term
        inside = 2 / math.pi * (theta + sin * total)
    else:
        term = total = 1.0
        for k in range(2, nu - 1, 2):
            term *= cos2 * (k - 1) / k
            total += term
        inside = sin * total
    return max(0.0, (1.0 - inside) / 2)


def scores_on_a_fixed_scale(
    kpis: dict[str, Sequence[dict[str, float]]],
    weights: dict[Kpi, float],
    *,
    scale_replications: int,
) -> dict[str, tuple[float, ...]]:
    """Each scenario's score per replication (its `kpis` in replication order): Σ weight ×
    KPI scaled to [0, 1] by the range every scenario's first `scale_replications` span."""
    total = sum(weights.values())
    ranges = {}
    for kpi in weights:
        seen = [run[kpi] for runs in kpis.values() for run in runs[:scale_replications]]
        ranges[kpi] = (min(seen), max(seen))

    def score(run: dict[str, float]) -> float:
        value = 0.0
        for kpi, weight in weights.items():
            lo, hi = ranges[kpi]
            scaled = 0.5 if hi == lo else (run[kpi] - lo) / (hi - lo)
            value += weight * (scaled if KPI_DIRECTION[kpi] > 0 else 1.0 - scaled) / total
        return value

    return {name: tuple(score(run) for run in runs) for name, runs in kpis.items()}


def screen(
    scores: dict[str, Sequence[float]], *, protected: str, level: float
) -> dict[str, ScreenedOut]:
    """The candidates whose score, paired by replication with the best one's, is below it at
    the one-sided `level`; `protected` (the baseline) and the best never are."""
    best = max(sorted(scores), key=lambda name: sum(scores[name]))
    out = {}
    for name, ours in scores.items():
        if name in (best, protected):
            continue
        n = len(ours)
        difference = summarize([a - b for a, b in zip(ours, scores[best], strict=True)])
        if n < 2 or difference.mean >= 0:
            continue
        if difference.std == 0:
            p_value = 0.0  # worse in every replication by the same amount
        else:
            p_value = t_upper_tail(-difference.mean / (difference.std / math.sqrt(n)), n - 1)
        if p_value < level:
            out[name] = ScreenedOut(
                after=n,
                best=best,
                mean=difference.mean,
                low=difference.ci95_low,
                high=difference.ci95_high,
                p_value=p_value,
                level=level,
            )
    return out


def screening_level(*, scenarios: int, replications: int) -> float:
    """Bonferroni: ALPHA shared by every candidate but the best at every look there can be."""
    looks = max(1, replications - N0)
    return ALPHA / (max(1, scenarios - 1) * looks)
