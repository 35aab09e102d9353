"""Reads of what a run starts from and leaves: the live network now, the inputs a
comparison froze, its stored replication results, the replications missing or stalled.
The per-process caches of the parts that never change live here with their keys."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Func, JSONField, Max, Q
from django.utils import timezone

from apps.calibration.evidence import evidence_warnings
from apps.calibration.selectors import current_parameters
from apps.calibration.snapshot import network_snapshot
from apps.live.selectors import watermark
from apps.scenarios.models import Comparison, ReplicationRun
from apps.scenarios.process_cache import ProcessCache
from apps.simulation.parameters import ModelParameters
from apps.simulation.results import ReplicationResult
from apps.simulation.serialization import from_jsonable
from apps.simulation.snapshot import NetworkSnapshot


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


# A submitted comparison's inputs never change, and a worker process runs many of its
# replications in a row: each process reads them once (the engine takes them as frozen
# dataclasses and changes nothing in them), not once per replication.
_FROZEN_INPUTS: ProcessCache[tuple[NetworkSnapshot, ModelParameters]] = ProcessCache(kept=4)


def frozen_inputs(comparison: Comparison) -> tuple[NetworkSnapshot, ModelParameters]:
    """The snapshot and parameters frozen at submission, read once per process."""
    key = (comparison.pk, comparison.submitted_at, comparison.as_of)
    frozen = comparison.submitted_at is not None
    if frozen and (kept := _FROZEN_INPUTS.get(key)) is not None:
        return kept
    inputs = (
        from_jsonable(NetworkSnapshot, comparison.snapshot, "snapshot"),
        from_jsonable(ModelParameters, comparison.parameters, "parameters"),
    )
    if frozen:
        _FROZEN_INPUTS.put(key, inputs)
    return inputs


def frozen_inputs_forget(comparison_id: int) -> None:
    """Drop a comparison's inputs kept in this process: called where they are frozen."""
    _FROZEN_INPUTS.forget(comparison_id)


def replications_missing(comparison: Comparison) -> list[tuple[int, int]]:
    """(scenario id, replication) of every replication without a result yet, replication by
    replication (every scenario's first, then every second, ...): so the racing
    (screening.py) can look early, and no worker waits for another at a look. A scenario
    the racing screened out misses nothing."""
    done = set(
        ReplicationRun.objects.filter(scenario__comparison=comparison).values_list(
            "scenario_id", "replication"
        )
    )
    racing = [s.pk for s in comparison.scenarios.all() if s.screened_out is None]
    return [
        (scenario_id, replication)
        for replication in range(comparison.replications)
        for scenario_id in racing
        if (scenario_id, replication) not in done
    ]


def racing_through(racing: dict[int, str], replications: int) -> int:
    """How many replications, from the first, every racing scenario has."""
    done = defaultdict(set)
    for scenario_id, replication in ReplicationRun.objects.filter(
        scenario_id__in=racing
    ).values_list("scenario_id", "replication"):
        done[scenario_id].add(replication)
    n = 0
    while n < replications and all(n in done[pk] for pk in racing):
        n += 1
    return n


def comparisons_stalled(*, after_s: float) -> list[Comparison]:
    """Running comparisons submitted, and without a finished replication, for `after_s`:
    their tasks were lost, since a live one finishes a replication in seconds."""
    cutoff = timezone.now() - timedelta(seconds=after_s)
    return list(
        Comparison.objects.filter(status=Comparison.Status.RUNNING, submitted_at__lte=cutoff)
        .annotate(last_run=Max("scenarios__runs__finished_at"))
        .filter(Q(last_run__isnull=True) | Q(last_run__lte=cutoff))
    )


# A finished comparison's replications never change: keep the last few reads, so that its
# page, each re-weighting and its exports do not parse them again.
_FINISHED_RESULTS: ProcessCache[dict[str, list[ReplicationResult]]] = ProcessCache(kept=8)


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
    `scenarios` named (by default all the racing did not screen out: the ranked ones), and
    without their hourly points (`hourly` = ()) when `hourly` is False, which is what ranking
    them needs and five times quicker to read."""
    wanted = None if scenarios is None else tuple(sorted(set(scenarios)))
    if comparison.status != Comparison.Status.DONE or comparison.finished_at is None:
        return _results_read(comparison, hourly=hourly, scenarios=wanted)
    keys = [(comparison.pk, comparison.finished_at, hourly, wanted)]
    if not hourly:
        keys.append((comparison.pk, comparison.finished_at, True, wanted))
    if wanted is not None:  # a read of them all holds any few
        keys += [(comparison.pk, comparison.finished_at, h, None) for h in {hourly, True}]
    for key in keys:
        if (found := _FINISHED_RESULTS.get(key)) is not None:
            if key[3] == wanted:
                return found
            if set(wanted) <= set(found):  # a screened-out scenario is not in the ranked read
                return {n: found[n] for n in found if n in wanted}
    results = _results_read(comparison, hourly=hourly, scenarios=wanted)
    _FINISHED_RESULTS.put(keys[0], results)
    return results


def finished_results_forget(comparison_id: int | None = None) -> None:
    """Drop the finished results kept in this process: of one comparison (when it finishes,
    as its key holds the finish time this is tidiness, not correctness) or of all (a
    benchmark's cold run)."""
    _FINISHED_RESULTS.forget(comparison_id)


def _results_read(
    comparison: Comparison, *, hourly: bool, scenarios: tuple[str, ...] | None
) -> dict[str, list[ReplicationResult]]:
    runs = ReplicationRun.objects.filter(scenario__comparison=comparison)
    if scenarios is not None:
        runs = runs.filter(scenario__name__in=scenarios)
    else:
        runs = runs.filter(scenario__screened_out__isnull=True)
    stored = runs.order_by("scenario__position", "replication").values_list(
        "scenario__name", "result" if hourly else _WithoutHourly("result")
    )
    results: dict[str, list[ReplicationResult]] = {}
    for name, result in stored:
        if not hourly:
            result["hourly"] = []
        results.setdefault(name, []).append(from_jsonable(ReplicationResult, result, "result"))
    return results
