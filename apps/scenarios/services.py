"""Comparisons written: created from a spec, frozen, started, cancelled, each replication's
result stored, finished."""

import os
import socket
import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.scenarios import screening
from apps.scenarios.backtest import backtest_execute
from apps.scenarios.models import Backtest, Comparison, ReplicationRun, Scenario
from apps.scenarios.progress import progress_publish
from apps.scenarios.run_selectors import (
    NetworkNow,
    comparison_results,
    finished_results_forget,
    frozen_inputs,
    frozen_inputs_forget,
    network_now,
    racing_through,
    replications_missing,
)
from apps.scenarios.selectors import scenarios_effects_forget
from apps.scenarios.specs import (
    BASELINE,
    SPEC_FIELDS,
    ScenarioInputError,
    interventions_read,
    scenarios_checked,
    weights_checked,
)
from apps.simulation.errors import SimulationInputError
from apps.simulation.interventions import plan_scenario
from apps.simulation.model import run_replication
from apps.simulation.parameters import ModelParameters
from apps.simulation.serialization import to_jsonable
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.statistics import Kpi


def baseline_add(comparison: Comparison) -> Scenario:
    return Scenario.objects.create(
        comparison=comparison,
        position=0,
        name=BASELINE,
        is_baseline=True,
        note="No intervention: the operation as it is.",
    )


@transaction.atomic
def comparison_create(*, spec: dict, user=None, screening: bool = False) -> Comparison:
    """A draft comparison from a spec; the baseline (no intervention) is always added first.
    `screening` races its scenarios (screening.py): only for candidates the twin built."""
    if not isinstance(spec, dict):
        raise ScenarioInputError("spec", "must be a JSON object")
    unknown = sorted(set(spec) - SPEC_FIELDS)
    if unknown:
        raise ScenarioInputError(unknown[0], "is not a known field")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioInputError("name", "is required")
    checked = scenarios_checked(spec.get("scenarios"))
    comparison = Comparison(
        name=name.strip()[:120],
        note=str(spec.get("note", "")),
        created_by=user,
        screening=screening,
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


def comparison_freeze(comparison: Comparison, *, now: NetworkNow | None = None) -> None:
    """Fix the snapshot and the calibrated parameters the runs start from (`now`, read
    afresh unless given); validate every scenario's interventions against them."""
    now = now or network_now()
    snapshot, parameters = now.snapshot, now.parameters
    _simulable(snapshot, parameters)
    for scenario in comparison.scenarios.all():
        where = f"scenarios[{scenario.position - 1}]" if not scenario.is_baseline else BASELINE
        try:
            plan_scenario(snapshot, parameters, interventions_read(scenario.interventions, where))
        except SimulationInputError as error:
            raise ScenarioInputError(f"{where}.{error.field}", error.reason) from None
    comparison.snapshot = to_jsonable(snapshot)
    comparison.parameters = to_jsonable(parameters)
    comparison.versions = now.versions
    comparison.evidence_warnings = now.evidence_warnings
    comparison.as_of = now.at


def comparison_start(comparison: Comparison, *, now: NetworkNow | None = None) -> None:
    """Freeze a draft's inputs (`now`, read afresh unless given) and mark it running (its
    replications are handed out by submission.comparison_submit, or run here by
    comparison_run_here)."""
    if comparison.status != Comparison.Status.DRAFT:
        raise ScenarioInputError(
            "status", f"only a draft can be submitted, not {comparison.status}"
        )
    comparison_freeze(comparison, now=now)
    comparison.status = Comparison.Status.RUNNING
    comparison.submitted_at = timezone.now()
    comparison.save()
    # What this process kept of its inputs and their effects is keyed by the submission
    # time just written; the entries of an earlier freeze are dropped here, beside it.
    frozen_inputs_forget(comparison.pk)
    scenarios_effects_forget(comparison.pk)
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


def replication_execute(scenario_id: int, replication: int, *, worker: str = "") -> bool:
    """Run one replication unless it already ran (a retry or a redelivery); True if it ran.
    `worker` names the process that ran it (this host and process when not given)."""
    # One round trip: the scenario, its comparison and whether this replication already ran.
    # The frozen inputs' JSON (a snapshot holds every open order) is fetched only by a
    # process that has not read them yet (frozen_inputs keeps them).
    scenario = (
        Scenario.objects.select_related("comparison")
        .defer("comparison__snapshot", "comparison__parameters")
        .annotate(
            ran=Exists(
                ReplicationRun.objects.filter(scenario=OuterRef("pk"), replication=replication)
            )
        )
        .get(pk=scenario_id)
    )
    comparison = scenario.comparison
    if comparison.status != Comparison.Status.RUNNING or scenario.ran:
        return False
    if scenario.screened_out is not None:
        return False  # the racing dropped it: its remaining replications are not run
    snapshot, parameters = frozen_inputs(comparison)
    started = time.perf_counter()
    result = run_replication(
        snapshot,
        parameters,
        interventions_read(scenario.interventions, scenario.name),
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
    if comparison.screening:
        screening_look(comparison.pk)
    progress_publish(comparison)
    return True


def comparison_finish(comparison_id: int) -> Comparison:
    comparison = Comparison.objects.get(pk=comparison_id)
    if comparison.status != Comparison.Status.RUNNING:
        return comparison
    # A scenario the racing screened out is not missing its remaining replications.
    missing = len(replications_missing(comparison))
    status = Comparison.Status.FAILED if missing else Comparison.Status.DONE
    Comparison.objects.filter(pk=comparison.pk, status=Comparison.Status.RUNNING).update(
        status=status,
        finished_at=timezone.now(),
        error=f"{missing} of {comparison.total_runs} replications did not finish"
        if missing
        else "",
    )
    comparison.refresh_from_db()
    finished_results_forget(comparison.pk)
    progress_publish(comparison)
    return comparison


def comparison_run_here(comparison: Comparison) -> Comparison:
    """Freeze and run every replication in this process (the command line's way), in the
    workers' order: replication by replication."""
    comparison_start(comparison)
    for scenario_id, replication in replications_missing(comparison):
        replication_execute(scenario_id, replication)
    comparison = comparison_finish(comparison.pk)
    backtest_execute(comparison.pk)
    return comparison


def screening_look(comparison_id: int) -> list[str]:
    """After a replication landed: if every scenario still racing now has more replications
    than at the last look (and at least N0, and fewer than all), screen them (screening.py
    says how); the names screened out. Race-free: the comparison's row is locked, and the
    look's count is claimed by a conditional update, so two workers never look at the same
    count (SQLite, which locks no row, included)."""
    with transaction.atomic():
        comparison = (
            Comparison.objects.select_for_update()
            .only("id", "status", "screening", "screened_through", "replications", "weights")
            .get(pk=comparison_id)
        )
        if not comparison.screening or comparison.status != Comparison.Status.RUNNING:
            return []
        scenarios = list(comparison.scenarios.only("id", "name", "screened_out"))
        racing = {s.pk: s.name for s in scenarios if s.screened_out is None}
        n = racing_through(racing, comparison.replications)
        if n < screening.N0 or n >= comparison.replications or n <= comparison.screened_through:
            return []
        claimed = Comparison.objects.filter(pk=comparison_id, screened_through__lt=n).update(
            screened_through=n
        )
        if not claimed:
            return []
        # Every scenario's, the screened ones' too: their first N0 fix the scale.
        names = [s.name for s in scenarios]
        results = comparison_results(comparison, hourly=False, scenarios=names)
        weights = {Kpi(kpi): w for kpi, w in comparison.weights.items()}
        scores = screening.scores_on_a_fixed_scale(
            {name: [r.kpis() for r in runs if r.replication < n] for name, runs in results.items()},
            weights,
            scale_replications=screening.N0,
        )
        scores = {name: scores[name] for name in racing.values()}
        level = screening.screening_level(
            scenarios=len(scenarios), replications=comparison.replications
        )
        out = screening.screen(scores, protected=BASELINE, level=level)
        for name, verdict in out.items():
            Scenario.objects.filter(comparison_id=comparison_id, name=name).update(
                screened_out=to_jsonable(verdict)
            )
    return sorted(out)
