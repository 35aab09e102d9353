"""The tracking verdict: how many figures outside their 95% intervals a right model may
still show, and the plain words a planner reads once enough days have settled."""

from fractions import Fraction
from math import comb

# Fewer settled days than this and the figures say too little to judge the prediction.
MIN_SETTLED_DAYS = 3
# A 95% interval misses one in twenty times even when the model is right.
MISS_RATE = Fraction(1, 20)
# Judge the prediction wrong only when a right model would show that many misses less than
# 5% of the time.
SIGNIFICANCE = Fraction(1, 20)


def outside_allowance(checks: int) -> int:
    """The most figures of `checks` outside their 95% intervals that still fit a right
    model: the smallest k with P(X > k) < 5% for X ~ Binomial(checks, 5%). Exact fractions,
    so the boundary (e.g. one check: P(X > 0) is exactly 5%, not below it) is decided
    right."""
    if checks < 0:
        raise ValueError(f"checks: must not be negative, got {checks}")
    keep = 1 - MISS_RATE
    tail = Fraction(1)  # P(X > -1)
    for k in range(checks + 1):
        tail -= comb(checks, k) * MISS_RATE**k * keep ** (checks - k)
        if tail < SIGNIFICANCE:
            return k
    return checks


def days_to_judge(horizon_days: int) -> int:
    """Settled days before a verdict: MIN_SETTLED_DAYS, or the whole prediction when it
    covers fewer days (it predicts nothing past its horizon to wait for)."""
    return max(1, min(MIN_SETTLED_DAYS, horizon_days))


def verdict_text(*, settled_days: int, needed_days: int, outside: list[str], judged: int) -> str:
    """The plain-words verdict: too early before `needed_days` have settled, then whether
    the number of figures outside their intervals fits a right model. `outside` names each
    miss."""
    if settled_days < needed_days:
        days = "days" if needed_days != 1 else "day"
        return f"Too early to judge: {settled_days} of {needed_days} {days} settled."
    if judged == 0:
        return "Too early to judge: no figure since tracking started could be compared yet."
    allowed = outside_allowance(judged)
    missed = len(outside)
    figures = f"{missed} of {judged} figure{'s' if judged != 1 else ''}"
    named = f" ({'; '.join(outside)})" if outside else ""
    if missed <= allowed:
        return (
            f"The prediction holds so far: {figures} outside the 95% interval{named}; "
            f"a right model misses up to {allowed} of {judged} by chance."
        )
    return (
        f"The prediction does not hold: {figures} outside the 95% interval{named}, "
        f"more than the {allowed} of {judged} a right model would miss by chance."
    )
