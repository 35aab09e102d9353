"""Comparisons: create from a spec, freeze and submit, run replications, aggregate."""

import logging
import math
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Func, JSONField, Max, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from apps.calibration.evidence import evidence_warnings
from apps.calibration.selectors import current_parameters
from apps.calibration.snapshot import network_snapshot
from apps.live.selectors import watermark
from apps.scenarios.backtest import backtest_execute
from apps.scenarios.models import Backtest, Comparison, ReplicationRun, Scenario
from apps.scenarios.progress import comparison_progress
from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import plan_scenario
from apps.simulation.model import run_replication
from apps.simulation.parameters import ModelParameters
from apps.simulation.results import ReplicationResult
from apps.simulation.serialization import from_jsonable, intervention_from_jsonable, to_jsonable
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.statistics import KPI_DIRECTION, Kpi

log = logging.getLogger(__name__)

BASELINE = "Baseline"
# The question a planner brings is usually one of balance (a hot DC and a cool one), so the
# gap between the busiest and the idlest DC weighs as much as cost and service.
DEFAULT_WEIGHTS: dict[Kpi, float] = {
    Kpi.COST_PER_ORDER_USD: 1.0,
    Kpi.OTIF: 1.0,
    Kpi.UTILISATION_GAP: 1.0,
    Kpi.SATISFACTION_INDEX: 0.5,
}
SPEC_FIELDS = {
    "name",
    "note",
    "horizon_days",
    "replications",
    "warmup_hours",
    "seed",
    "weights",
    "scenarios",
}
SCENARIO_FIELDS = {"name", "note", "interventions"}


class ScenarioInputError(ValueError):
    """A comparison spec names something unknown or holds an impossible value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _interventions(raw, where: str) -> list:
    if not isinstance(raw, list):
        raise ScenarioInputError(f"{where}.interventions", "must be a list")
    parsed = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ScenarioInputError(f"{where}.interventions[{i}]", "must be an object")
        try:
            parsed.append(intervention_from_jsonable(item, i))
        except SimulationInputError as error:
            raise ScenarioInputError(f"{where}.{error.field}", error.reason) from None
    return parsed


# Weights are relative: one KPI at 1000 times another already ranks on that KPI alone, and
# an infinite weight would turn every score into NaN.
MAX_WEIGHT = 1000.0


def weights_checked(raw) -> dict[Kpi, float]:
    if raw is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(raw, dict) or not raw:
        raise ScenarioInputError("weights", "must map KPIs to weights")
    for kpi, weight in raw.items():
        if kpi not in KPI_DIRECTION:
            raise ScenarioInputError(
                f"weights.{kpi}", f"not a rankable KPI; one of {', '.join(sorted(KPI_DIRECTION))}"
            )
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise ScenarioInputError(f"weights.{kpi}", "must be a number ≥ 0")
        if not math.isfinite(weight) or weight > MAX_WEIGHT:
            raise ScenarioInputError(f"weights.{kpi}", f"must be at most {MAX_WEIGHT:g}")
    if not any(w > 0 for w in raw.values()):
        raise ScenarioInputError("weights", "give at least one KPI a positive weight")
    return {Kpi(kpi): float(w) for kpi, w in raw.items()}


def weights_from_form(values) -> dict[Kpi, float]:
    """KPI weights typed into a form (text per KPI; blank means 0), checked; the KPIs
    weighted 0 are left out, as they count for nothing."""
    raw: dict[Kpi, float] = {}
    for kpi in KPI_DIRECTION:
        value = (values.get(kpi) or "").strip()
        if not value:
            continue
        try:
            raw[kpi] = float(value)
        except ValueError:
            raise ScenarioInputError(f"weights.{kpi}", f"{value!r} is not a number") from None
    return {kpi: weight for kpi, weight in weights_checked(raw).items() if weight > 0}


def baseline_add(comparison: Comparison) -> Scenario:
    return Scenario.objects.create(
        comparison=comparison,
        position=0,
        name=BASELINE,
        is_baseline=True,
        note="No intervention: the operation as it is.",
    )


@transaction.atomic
def comparison_create(*, spec: dict, user=None) -> Comparison:
    """A draft comparison from a spec; the baseline (no intervention) is always added first."""
    if not isinstance(spec, dict):
        raise ScenarioInputError("spec", "must be a JSON object")
    unknown = sorted(set(spec) - SPEC_FIELDS)
    if unknown:
        raise ScenarioInputError(unknown[0], "is not a known field")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioInputError("name", "is required")
    scenarios = spec.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        raise ScenarioInputError("scenarios", "needs at least one scenario besides the baseline")
    seen = {BASELINE.lower()}
    checked = []
    for i, item in enumerate(scenarios):
        where = f"scenarios[{i}]"
        if not isinstance(item, dict):
            raise ScenarioInputError(where, "must be an object")
        extra = sorted(set(item) - SCENARIO_FIELDS)
        if extra:
            raise ScenarioInputError(f"{where}.{extra[0]}", "is not a known field")
        label = item.get("name")
        if not isinstance(label, str) or not label.strip():
            raise ScenarioInputError(f"{where}.name", "is required")
        if label.strip().lower() in seen:
            raise ScenarioInputError(
                f"{where}.name", f"{label!r} is used twice (or is the baseline)"
            )
        seen.add(label.strip().lower())
        _interventions(item.get("interventions", []), where)
        checked.append(item)
    comparison = Comparison(
        name=name.strip()[:120],
        note=str(spec.get("note", "")),
        created_by=user,
        weights=weights_checked(spec.get("weights")),
        **{
            k: spec[k]
            for k in ("horizon_days", "replications", "warmup_hours", "seed")
            if k in spec
        },
    )
    try:
        comparison.full_clean(
            exclude=["created_by", "snapshot", "parameters", "versions", "weights"]
        )
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ScenarioInputError(field, messages[0]) from None
    comparison.save()
    baseline_add(comparison)
    for i, item in enumerate(checked, start=1):
        Scenario.objects.create(
            comparison=comparison,
            position=i,
            name=item["name"].strip()[:80],
            note=str(item.get("note", "")),
            interventions=item.get("interventions", []),
        )
    return comparison


@dataclass(frozen=True)
class NetworkNow:
    """The live state and the calibrated parameters at a moment: what a run starts from."""

    at: datetime
    snapshot: NetworkSnapshot
    parameters: ModelParameters
    versions: dict[str, int]
    evidence_warnings: list[str]


def network_now() -> NetworkNow:
    at = watermark() or timezone.now()
    parameters, versions = current_parameters()
    return NetworkNow(
        at=at,
        snapshot=network_snapshot(at=at),
        parameters=parameters,
        versions={name: v.number for name, v in versions.items() if v is not None},
        evidence_warnings=evidence_warnings(versions),
    )


def _simulable(snapshot: NetworkSnapshot, parameters: ModelParameters) -> None:
    """Refuse, in words, a network the simulation cannot run: one whose DCs do no work it
    models (a marketplace's seller regions, as in the Olist history, have no shifts or
    pick and pack standards), or whose calibrated parameters do not fit it."""
    crewed = [dc.dc for dc in parameters.labour.dcs if dc.shifts and dc.pick_lines_per_hour > 0]
    if parameters.labour.dcs and not crewed:
        raise ScenarioInputError(
            "network",
            "no DC has shifts and pick and pack standards in the master data or the event "
            "log (a history of sellers shipping their own goods, such as Olist's, has none); "
            "the simulation models the work in DCs, so it cannot run scenarios on this network",
        )
    try:
        parameters.validate(snapshot)
    except SimulationInputError as error:
        raise ScenarioInputError(f"parameters.{error.field}", error.reason) from None


def comparison_freeze(comparison: Comparison) -> None:
    """Fix the snapshot and the calibrated parameters the runs start from; validate every
    scenario's interventions against them."""
    now = network_now()
    snapshot, parameters = now.snapshot, now.parameters
    _simulable(snapshot, parameters)
    for scenario in comparison.scenarios.all():
        where = f"scenarios[{scenario.position - 1}]" if not scenario.is_baseline else BASELINE
        try:
            plan_scenario(snapshot, parameters, _interventions(scenario.interventions, where))
        except SimulationInputError as error:
            raise ScenarioInputError(f"{where}.{error.field}", error.reason) from None
    comparison.snapshot = to_jsonable(snapshot)
    comparison.parameters = to_jsonable(parameters)
    comparison.versions = now.versions
    comparison.evidence_warnings = now.evidence_warnings
    comparison.as_of = now.at


def comparison_submit(comparison: Comparison, *, queue: str | None = None) -> None:
    """Freeze the inputs and fan the replications out to the workers."""
    from apps.scenarios.tasks import dispatch

    _start(comparison)

    def hand_out() -> None:
        try:
            dispatch(comparison.pk, queue=queue)
        except (KombuOperationalError, RedisError, OSError) as error:
            # The run is committed as running; beat's stalled-run check hands it out again
            # once the broker is back, so the planner's submit still succeeds.
            log.warning(
                "comparison %s submitted while the task queue is unavailable (%s): "
                "it starts when Redis is back",
                comparison.pk,
                error,
            )

    transaction.on_commit(hand_out)


def _start(comparison: Comparison) -> None:
    if comparison.status != Comparison.Status.DRAFT:
        raise ScenarioInputError(
            "status", f"only a draft can be submitted, not {comparison.status}"
        )
    comparison_freeze(comparison)
    comparison.status = Comparison.Status.RUNNING
    comparison.submitted_at = timezone.now()
    comparison.save()
    # Its back-test runs once the replications are in, with its own status: pending till then.
    Backtest.objects.get_or_create(comparison=comparison)


def comparison_cancel(comparison: Comparison, *, by=None) -> None:
    """Stop a run. Any planner may (a run left by someone away still holds the workers),
    so the comparison says who did."""
    note = f"Cancelled by {by.get_username()}." if by is not None else ""
    updated = Comparison.objects.filter(pk=comparison.pk, status=Comparison.Status.RUNNING).update(
        status=Comparison.Status.CANCELLED, finished_at=timezone.now(), error=note
    )
    if not updated:
        raise ScenarioInputError("status", "only a running comparison can be cancelled")
    comparison.refresh_from_db()
    progress_publish(comparison)


# A submitted comparison's inputs never change, and a worker process runs many of its
# replications in a row: each process reads them once (the engine takes them as frozen
# dataclasses and changes nothing in them), not once per replication.
_FROZEN_INPUTS: OrderedDict[tuple, tuple[NetworkSnapshot, ModelParameters]] = OrderedDict()
_FROZEN_INPUTS_KEPT = 4
_FROZEN_INPUTS_LOCK = threading.Lock()


def frozen_inputs(comparison: Comparison) -> tuple[NetworkSnapshot, ModelParameters]:
    """The snapshot and parameters frozen at submission, read once per process."""
    key = (comparison.pk, comparison.submitted_at, comparison.as_of)
    frozen = comparison.submitted_at is not None
    with _FROZEN_INPUTS_LOCK:
        if frozen and key in _FROZEN_INPUTS:
            _FROZEN_INPUTS.move_to_end(key)
            return _FROZEN_INPUTS[key]
    inputs = (
        from_jsonable(NetworkSnapshot, comparison.snapshot, "snapshot"),
        from_jsonable(ModelParameters, comparison.parameters, "parameters"),
    )
    if frozen:
        with _FROZEN_INPUTS_LOCK:
            _FROZEN_INPUTS[key] = inputs
            while len(_FROZEN_INPUTS) > _FROZEN_INPUTS_KEPT:
                _FROZEN_INPUTS.popitem(last=False)
    return inputs


def replication_execute(scenario_id: int, replication: int, *, worker: str = "") -> bool:
    """Run one replication unless it already ran (a retry or a redelivery); True if it ran.
    `worker` names the process that ran it (this host and process when not given)."""
    # The frozen inputs' JSON (a snapshot holds every open order) is fetched only by a
    # process that has not read them yet (frozen_inputs keeps them).
    scenario = (
        Scenario.objects.select_related("comparison")
        .defer("comparison__snapshot", "comparison__parameters")
        .get(pk=scenario_id)
    )
    comparison = scenario.comparison
    if comparison.status != Comparison.Status.RUNNING:
        return False
    if ReplicationRun.objects.filter(scenario=scenario, replication=replication).exists():
        return False
    snapshot, parameters = frozen_inputs(comparison)
    started = time.perf_counter()
    result = run_replication(
        snapshot,
        parameters,
        _interventions(scenario.interventions, scenario.name),
        replication=replication,
        seed=comparison.seed,
        horizon_hours=comparison.horizon_days * 24,
        warmup_hours=comparison.warmup_hours,
    )
    try:
        ReplicationRun.objects.create(
            scenario=scenario,
            replication=replication,
            result=to_jsonable(result),
            seconds=time.perf_counter() - started,
            worker=worker or f"{socket.gethostname()} pid {os.getpid()}",
        )
    except IntegrityError:
        return False  # another worker finished the same replication first
    progress_publish(comparison)
    return True


def comparison_finish(comparison_id: int) -> Comparison:
    comparison = Comparison.objects.get(pk=comparison_id)
    if comparison.status != Comparison.Status.RUNNING:
        return comparison
    done = ReplicationRun.objects.filter(scenario__comparison=comparison).count()
    total = comparison.total_runs
    status = Comparison.Status.DONE if done == total else Comparison.Status.FAILED
    Comparison.objects.filter(pk=comparison.pk, status=Comparison.Status.RUNNING).update(
        status=status,
        finished_at=timezone.now(),
        error="" if done == total else f"{total - done} of {total} replications did not finish",
    )
    comparison.refresh_from_db()
    progress_publish(comparison)
    return comparison


def comparison_run_here(comparison: Comparison) -> Comparison:
    """Freeze and run every replication in this process (the command line's way)."""
    _start(comparison)
    for scenario in comparison.scenarios.all():
        for replication in range(comparison.replications):
            replication_execute(scenario.pk, replication)
    comparison = comparison_finish(comparison.pk)
    backtest_execute(comparison.pk)
    return comparison


def replications_missing(comparison: Comparison) -> list[tuple[int, int]]:
    """(scenario id, replication) of every replication without a result yet."""
    done = set(
        ReplicationRun.objects.filter(scenario__comparison=comparison).values_list(
            "scenario_id", "replication"
        )
    )
    return [
        (scenario.pk, replication)
        for scenario in comparison.scenarios.all()
        for replication in range(comparison.replications)
        if (scenario.pk, replication) not in done
    ]


def comparisons_stalled(*, after_s: float) -> list[Comparison]:
    """Running comparisons submitted, and without a finished replication, for `after_s`:
    their tasks were lost, since a live one finishes a replication in seconds."""
    cutoff = timezone.now() - timedelta(seconds=after_s)
    return list(
        Comparison.objects.filter(status=Comparison.Status.RUNNING, submitted_at__lte=cutoff)
        .annotate(last_run=Max("scenarios__runs__finished_at"))
        .filter(Q(last_run__isnull=True) | Q(last_run__lte=cutoff))
    )


def comparison_group(pk: int) -> str:
    return f"comparison.{pk}"


def progress_message(comparison: Comparison) -> dict:
    progress = comparison_progress(comparison)
    return {
        "type": "progress",
        "status": comparison.status,
        **progress.as_json(),
        "error": comparison.error,
    }


def progress_publish(comparison: Comparison) -> None:
    """Tell the comparison's open pages how far it got (best effort: the page also asks
    for the figures when it connects)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "progress.message", "message": progress_message(comparison)}
    try:
        async_to_sync(layer.group_send)(comparison_group(comparison.pk), message)
    except (OSError, RedisError):
        log.warning(
            "progress of comparison %s not pushed: channel layer unreachable", comparison.pk
        )


# A finished comparison's replications never change: keep the last few reads, so that its
# page, each re-weighting and its exports do not parse them again.
_FINISHED_RESULTS: OrderedDict[tuple, dict[str, list[ReplicationResult]]] = OrderedDict()
_FINISHED_RESULTS_KEPT = 8
_FINISHED_RESULTS_LOCK = threading.Lock()


class _WithoutHourly(Func):
    """A stored result without its hourly points, cut in the database: they are nine tenths
    of a 14-day result's JSON (about 1,300 points a replication), and the ranking, the
    statistics and every chart but the hourly lines read none of them."""

    template = "(%(expressions)s - 'hourly')"  # PostgreSQL: jsonb minus a key
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="json_remove(%(expressions)s, '$.hourly')", **extra
        )


def comparison_results(
    comparison: Comparison, *, hourly: bool = True, scenarios: Collection[str] | None = None
) -> dict[str, list[ReplicationResult]]:
    """Every replication's result by scenario name, in the comparison's order: of the
    `scenarios` named (all by default), and without their hourly points (`hourly` = ()) when
    `hourly` is False, which is what ranking them needs and five times quicker to read."""
    wanted = None if scenarios is None else tuple(sorted(set(scenarios)))
    if comparison.status != Comparison.Status.DONE or comparison.finished_at is None:
        return _results_read(comparison, hourly=hourly, scenarios=wanted)
    keys = [(comparison.pk, comparison.finished_at, hourly, wanted)]
    if not hourly:
        keys.append((comparison.pk, comparison.finished_at, True, wanted))
    if wanted is not None:  # a read of them all holds any few
        keys += [(comparison.pk, comparison.finished_at, h, None) for h in {hourly, True}]
    with _FINISHED_RESULTS_LOCK:
        for key in keys:
            if key in _FINISHED_RESULTS:
                _FINISHED_RESULTS.move_to_end(key)
                found = _FINISHED_RESULTS[key]
                return found if key[3] == wanted else {n: found[n] for n in found if n in wanted}
    results = _results_read(comparison, hourly=hourly, scenarios=wanted)
    with _FINISHED_RESULTS_LOCK:
        _FINISHED_RESULTS[keys[0]] = results
        while len(_FINISHED_RESULTS) > _FINISHED_RESULTS_KEPT:
            _FINISHED_RESULTS.popitem(last=False)
    return results


def finished_results_forget() -> None:
    """Drop the finished comparisons' results kept in this process (a benchmark's cold run)."""
    with _FINISHED_RESULTS_LOCK:
        _FINISHED_RESULTS.clear()


def _results_read(
    comparison: Comparison, *, hourly: bool, scenarios: tuple[str, ...] | None
) -> dict[str, list[ReplicationResult]]:
    runs = ReplicationRun.objects.filter(scenario__comparison=comparison)
    if scenarios is not None:
        runs = runs.filter(scenario__name__in=scenarios)
    stored = runs.order_by("scenario__position", "replication").values_list(
        "scenario__name", "result" if hourly else _WithoutHourly("result")
    )
    results: dict[str, list[ReplicationResult]] = {}
    for name, result in stored:
        if not hourly:
            result["hourly"] = []
        results.setdefault(name, []).append(from_jsonable(ReplicationResult, result, "result"))
    return results
