"""How far a sub-model's settled predictions are off, per figure and subject: the pooled error
and bias a drift check judges and the models page shows."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from apps.calibration.metrics import METRICS

SIGNIFICANCE = 3.0


@dataclass(frozen=True)
class GroupError:
    metric: str
    subject: str
    count: int
    mape: float  # weighted: Σ w·|p − a| / Σ w·|a|
    bias: float  # Σ w·(p − a) / Σ w·|a|
    onset: datetime | None  # start of the trailing run of predictions past the threshold
    standard_error: float  # of the bias
    evidence: float  # Σ weight

    def drifted(self, threshold: float, min_predictions: int) -> bool:
        """Past the threshold, on enough predictions, and further than noise would carry it
        (three standard errors): an hour or two of few, scattered figures is not a drift."""
        return (
            self.count >= min_predictions
            and self.evidence >= METRICS[self.metric].min_evidence
            and abs(self.bias) > threshold
            and abs(self.bias) > SIGNIFICANCE * self.standard_error
        )

    @property
    def label(self) -> str:
        return METRICS[self.metric].label

    @property
    def mape_pct(self) -> str:
        return f"{self.mape:.1%}"

    @property
    def bias_pct(self) -> str:
        return f"{self.bias:+.1%}"


def group_errors(predictions, threshold: float | None = None) -> list[GroupError]:
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for p in predictions:
        if p.actual is not None and p.actual != 0:
            groups[(p.metric, p.subject)].append(p)
    errors = []
    for (metric, subject), items in sorted(groups.items()):
        items.sort(key=lambda p: p.period_end)
        scale = sum(p.weight * abs(p.actual) for p in items)
        onset = None
        if threshold is not None:
            for p in reversed(items):
                if abs(p.predicted - p.actual) / abs(p.actual) <= threshold:
                    break
                onset = p.period_start
        errors.append(
            GroupError(
                metric,
                subject,
                len(items),
                sum(p.weight * abs(p.predicted - p.actual) for p in items) / scale,
                sum(p.weight * (p.predicted - p.actual) for p in items) / scale,
                onset,
                _standard_error(items, scale),
                sum(p.weight for p in items),
            )
        )
    return errors


def _standard_error(items, scale: float) -> float:
    """Standard error of the pooled bias, from how much the items' own errors scatter."""
    if len(items) < 2:
        return float("inf")
    shares = [p.weight * abs(p.actual) / scale for p in items]
    errors = [(p.predicted - p.actual) / abs(p.actual) for p in items]
    mean = sum(s * e for s, e in zip(shares, errors, strict=True))
    spread = sum(s * s * (e - mean) ** 2 for s, e in zip(shares, errors, strict=True))
    return (spread * len(items) / (len(items) - 1)) ** 0.5
