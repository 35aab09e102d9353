"""Reads of calibrated versions, settings, predictions and recalibrations."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max

from apps.calibration.charts import error_chart, no_chart_text
from apps.calibration.evidence import Evidence, evidence_of
from apps.calibration.metrics import METRICS
from apps.calibration.models import (
    ModelSettings,
    ModelVersion,
    Prediction,
    Recalibration,
    Round,
    RoundPart,
    SubModel,
)
from apps.calibration.prediction_errors import group_errors
from apps.calibration.priors import master_data_parameters
from apps.simulation.customer import CustomerParams
from apps.simulation.demand import DemandParams
from apps.simulation.finance import FinanceParams
from apps.simulation.labour import LabourParams
from apps.simulation.logistics import LogisticsParams
from apps.simulation.parameters import ModelParameters
from apps.simulation.serialization import from_jsonable
from apps.simulation.supply import SupplyParams

CHART_SPAN = timedelta(days=7)

PARAMETER_CLASSES = {
    "demand": DemandParams,
    "supply": SupplyParams,
    "logistics": LogisticsParams,
    "labour": LabourParams,
    "finance": FinanceParams,
    "customer": CustomerParams,
}

# threshold %, window hours, settled predictions needed: set so that a model whose truth
# has not changed stays below its threshold (measured on 14 emulated days; see the README).
DEFAULT_SETTINGS = {
    "demand": (20.0, 72, 24),
    "supply": (35.0, 7 * 24, 3),
    "logistics": (15.0, 72, 2),
    "labour": (10.0, 12, 3),
    "finance": (10.0, 72, 2),
    "customer": (60.0, 72, 2),
}


def model_settings_get(sub_model: str) -> ModelSettings:
    threshold, hours, needed = DEFAULT_SETTINGS[sub_model]
    row, _ = ModelSettings.objects.get_or_create(
        sub_model=sub_model,
        defaults={"threshold_pct": threshold, "window_hours": hours, "min_predictions": needed},
    )
    return row


def current_version(sub_model: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(sub_model=sub_model).order_by("-number").first()


def current_versions() -> dict[str, ModelVersion | None]:
    latest: dict[str, ModelVersion | None] = dict.fromkeys(SubModel.values)
    for version in ModelVersion.objects.order_by("sub_model", "-number"):
        if latest.get(version.sub_model) is None:
            latest[version.sub_model] = version
    return latest


def version_parameters(version: ModelVersion):
    return from_jsonable(
        PARAMETER_CLASSES[version.sub_model], version.parameters, version.sub_model
    )


def current_parameters() -> tuple[ModelParameters, dict[str, ModelVersion | None]]:
    """The parameters of every sub-model's current version (the prior where none exists)."""
    versions = current_versions()
    priors = None
    parts = {}
    for name, version in versions.items():
        if version is not None:
            parts[name] = version_parameters(version)
        else:
            priors = priors or master_data_parameters()
            parts[name] = getattr(priors, name)
    return ModelParameters(**parts), versions


@dataclass(frozen=True)
class VersionsThen:
    """The parameters a back-test of the span from `end` runs on, and which versions they are."""

    parameters: ModelParameters
    versions: dict[str, int]  # sub-model → version number (absent: master-data prior)
    # Sub-models with no version fitted before `end`: they run on a later one, which saw
    # part of the span it is tested on.
    in_sample: tuple[str, ...]


def parameters_fitted_before(*, end: datetime, ceiling: dict[str, int]) -> VersionsThen:
    """Per sub-model, its newest version fitted on data up to `end` (event time) and no newer
    than `ceiling`'s number: the versions "of that time". Where none was fitted before, the
    ceiling's own version stands in, and is named in-sample."""
    chosen: dict[str, ModelVersion] = {}
    in_sample = []
    # A sub-model absent from `ceiling` ran on its master-data prior: so does its back-test.
    for name in (n for n in SubModel.values if n in ceiling):
        versions = ModelVersion.objects.filter(sub_model=name, number__lte=ceiling[name])
        version = versions.filter(window_end__lte=end).order_by("-number").first()
        if version is None:
            version = versions.filter(number=ceiling[name]).first()
            in_sample.append(name)
        if version is not None:
            chosen[name] = version
    priors = None if len(chosen) == len(SubModel.values) else master_data_parameters()
    parts = {
        name: version_parameters(chosen[name]) if name in chosen else getattr(priors, name)
        for name in SubModel.values
    }
    return VersionsThen(
        ModelParameters(**parts),
        {name: version.number for name, version in chosen.items()},
        tuple(in_sample),
    )


# ---- the Models page ---------------------------------------------------------------------
def goodness_text(name: str, value: float | None) -> str:
    """A fit's goodness as a person reads it: a MAPE (stored as a fraction) as a percentage,
    a KS distance or a Brier score as the number it is."""
    if value is None:
        return "n/a"
    if name.endswith("MAPE"):
        return f"{value:.1%}"
    return f"{value:.4g}"


@dataclass(frozen=True)
class SubModelView:
    name: str
    label: str
    version: ModelVersion | None
    settings: ModelSettings
    age_hours: float | None  # event time since the version's window ended
    errors: list  # (GroupError, over threshold?) of the checked figures, current version
    over: bool
    chart: dict | None  # None: nothing settled to chart yet
    versions: list[tuple[int, str]]
    # Its part in the latest calibration and the latest delta rounds it took part in.
    last_calibration: RoundPart | None = None
    last_delta: RoundPart | None = None
    evidence: "Evidence | None" = None

    @property
    def status(self) -> tuple[str, str]:
        """(what the pill says, its class): green only for a fit on evidence enough."""
        if self.failures:
            return "failed", "pill-bad"
        if self.version is None:
            return "not calibrated", ""
        if self.evidence is not None and not self.evidence.sufficient:
            return "insufficient data", ""
        if self.over:
            return "over threshold", "pill-bad"
        if not self.errors:
            return "calibrated, not yet checked", "pill-ok"
        return "within threshold", "pill-ok"

    @property
    def goodness(self) -> str:
        return goodness_text(self.version.goodness_name, self.version.goodness_value)

    @property
    def no_chart_text(self) -> str:
        return no_chart_text(self.name)

    @property
    def chart_id(self) -> str:
        return f"chart-{self.name}"

    @property
    def round_parts(self) -> list[RoundPart]:
        return [p for p in (self.last_calibration, self.last_delta) if p is not None]

    @property
    def failures(self) -> list[RoundPart]:
        return [p for p in self.round_parts if p.failed]


def latest_round_parts() -> dict[tuple[str, str], RoundPart]:
    """(sub-model, round kind) → that sub-model's part in the latest such round."""
    latest = (
        RoundPart.objects.values("sub_model", "round__kind")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return {
        (part.sub_model, part.round.kind): part
        for part in RoundPart.objects.filter(id__in=list(latest)).select_related("round")
    }


def model_overview(*, at: datetime | None) -> list[SubModelView]:

    versions = current_versions()
    parts = latest_round_parts()
    views = []
    for name, label in SubModel.choices:
        version = versions[name]
        settings_row = model_settings_get(name)
        errors, history = _settled(name, version, settings_row, at)
        threshold = settings_row.threshold_pct / 100
        over = [e for e in errors if e.drifted(threshold, settings_row.min_predictions)]
        views.append(
            SubModelView(
                name=name,
                label=label,
                version=version,
                settings=settings_row,
                age_hours=(at - version.window_end).total_seconds() / 3600
                if version is not None and at is not None
                else None,
                errors=[(e, e in over) for e in errors],
                over=bool(over),
                chart=error_chart(
                    label,
                    history,
                    settings_row,
                    Recalibration.objects.filter(sub_model=name, at__gt=at - CHART_SPAN)
                    if at
                    else [],
                ),
                versions=list(
                    ModelVersion.objects.filter(sub_model=name)
                    .order_by("-number")
                    .values_list("number", "reason")
                ),
                last_calibration=parts.get((name, Round.Kind.CALIBRATION)),
                last_delta=parts.get((name, Round.Kind.DELTA)),
                evidence=evidence_of(name, version),
            )
        )
    return views


def _settled(name: str, version, settings_row, at: datetime | None) -> tuple[list, list]:
    """A sub-model's checked figures: the current version's errors over the drift window,
    and every version's settled predictions over the chart's span."""

    if version is None or at is None:
        return [], []
    checked = [m.name for m in METRICS.values() if m.sub_model == name and m.checked]
    window = timedelta(hours=settings_row.window_hours)
    errors = group_errors(
        Prediction.objects.filter(
            version=version,
            metric__in=checked,
            settled=True,
            period_end__gt=at - window,
            period_end__lte=at,
        )
    )
    history = list(
        Prediction.objects.filter(
            sub_model=name,
            metric__in=checked,
            settled=True,
            period_end__gt=at - CHART_SPAN - window,
            period_end__lte=at,
        )
        .exclude(actual=None)
        .order_by("period_end")
    )
    return errors, history


def recalibration_list(*, limit: int = 50) -> list[Recalibration]:
    return list(
        Recalibration.objects.select_related("from_version", "to_version").order_by("-at")[:limit]
    )


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Parameters as {dotted path: leaf}; list items named by their DC, lane or carrier."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        if all(isinstance(v, int | float) for v in value):
            return {path: value}
        out = {}
        for i, item in enumerate(value):
            name = i
            if isinstance(item, dict):
                keys = [item[k] for k in ("sku", "dc", "lane", "carrier", "name") if k in item]
                name = "/".join(str(k) for k in keys) or i
            out.update(flatten(item, f"{path}[{name}]"))
        return out
    return {path: value}


def describe(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        if len(value) > 8:
            return f"{len(value)} values, total {sum(value):.4g}"
        return ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def version_diff(*, sub_model: str, a: int, b: int) -> list[tuple[str, str, str]]:
    """(parameter, value in version a, value in version b) for each parameter that differs."""
    older = ModelVersion.objects.get(sub_model=sub_model, number=a)
    newer = ModelVersion.objects.get(sub_model=sub_model, number=b)
    left, right = flatten(older.parameters), flatten(newer.parameters)
    return [
        (path, describe(left.get(path)), describe(right.get(path)))
        for path in sorted(set(left) | set(right))
        if left.get(path) != right.get(path)
    ]
