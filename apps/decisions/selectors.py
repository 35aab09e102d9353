"""Reads of decisions: the list, one decision with its audit trail and tracking, the audit
log with its filters."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.decisions.models import AuditEntry, Decision
from apps.decisions.recommendation import KeptStanding, Recommendation
from apps.decisions.tracking import TrackingReport, tracking_report
from apps.live.settled_days import overtime_by_dc, shift_hours
from apps.scenarios.documents import Interval
from apps.scenarios.kpis import KPI_LABELS, kpi_cell
from apps.scenarios.run_selectors import comparison_results
from apps.scenarios.selectors import scenario_rank
from apps.scenarios.specs import BASELINE, DEFAULT_WEIGHTS
from apps.simulation.statistics import KPI_DIRECTION, Kpi, rank_scenarios
from apps.sources.models import Event, Source

AUDIT_LOG_LIMIT = 500
# What the decision feed carries to the systems that carry decisions out.
FEED_TYPES = ("twin.decision_approved", "twin.decision_executed")


def decision_list(*, status: str = "") -> QuerySet[Decision]:
    decisions = Decision.objects.select_related("created_by", "proposed_by", "decided_by")
    return decisions.filter(status=status) if status else decisions


def decision_tracking(decision: Decision) -> TrackingReport | None:
    if decision.tracking_from is None:
        return None
    return tracking_report(
        predicted=decision.recommended.predicted,
        since=decision.tracking_from,
        shifts=shift_hours(),
        overtime=overtime_by_dc(list(decision.recommended.interventions)),
    )


_UTILISATION = re.compile(r"\b([A-Z]+) at (\d+)%")


def decision_context(recommendation: Recommendation) -> str:
    """The live context the recommendation was made in, then the comparison's note, unless
    the note only restates the same DCs' utilisation (a suggested rebalance's note does)."""
    context = recommendation.context
    note = recommendation.comparison_note
    figures = _UTILISATION.findall(note)
    if not note or (figures and figures == _UTILISATION.findall(context)):
        return context
    return f"{context} {note}"


@dataclass(frozen=True)
class WeightRow:
    label: str
    used: float  # the planner's: what the recommendation was ranked under
    default: float

    @property
    def changed(self) -> bool:
        return self.used != self.default


@dataclass(frozen=True)
class RankingWeights:
    """What an approver needs to judge a ranking: the weights the recommendation was ranked
    under beside the defaults, and the scenario's rank under each."""

    rows: tuple[WeightRow, ...]
    rank: int
    rank_under_defaults: int
    scenario_count: int

    @property
    def weights_are_defaults(self) -> bool:
        return not any(row.changed for row in self.rows)

    @property
    def rank_differs(self) -> bool:
        return self.rank != self.rank_under_defaults

    @property
    def text(self) -> str:
        """ "Ranked #1 under the planner's weights, #3 under the default weights."."""
        of = f" of {self.scenario_count}"
        if self.weights_are_defaults:
            return f"Ranked #{self.rank}{of} under the default weights, which the planner kept."
        if self.rank_differs:
            return (
                f"Ranked #{self.rank}{of} under the planner's weights, "
                f"#{self.rank_under_defaults} under the default weights."
            )
        return f"Ranked #{self.rank}{of} under the planner's weights and the default weights alike."


def decision_ranking_weights(decision: Decision) -> RankingWeights:
    """The recommendation's weights and its rank under them and under the defaults, as kept
    when it was made; for one made before the rank under the defaults was kept, the
    comparison's stored replications re-ranked under today's defaults."""
    recommendation = decision.recommended
    used = recommendation.weights
    defaults = recommendation.default_weights or DEFAULT_WEIGHTS
    rank_under_defaults = recommendation.rank_under_defaults
    count = recommendation.scenario_count
    if rank_under_defaults is None or count is None:
        results = comparison_results(decision.comparison, hourly=False)
        name = recommendation.scenario
        rank_under_defaults = scenario_rank(results, weights=defaults, name=name)
        count = len(results)
    rows = tuple(
        WeightRow(KPI_LABELS.get(kpi, kpi), used.get(kpi, 0.0), defaults.get(kpi, 0.0))
        for kpi in KPI_DIRECTION
        if used.get(kpi) or defaults.get(kpi)
    )
    return RankingWeights(rows, recommendation.rank, rank_under_defaults, count)


# What an approver must not miss when a change does worse than doing nothing.
BASELINE_WATCHED = {
    Kpi.OTIF: "OTIF",
    Kpi.COST_PER_ORDER_USD: "cost per order",
    Kpi.ORDERS_LOST: "orders lost",
}


@dataclass(frozen=True)
class BaselineStanding:
    """Doing nothing as one of the alternatives: its rank and score under the planner's
    weights, and whether the recommended scenario is any better than it."""

    rank: int
    score: float
    scenario_rank: int
    # The paired score test of "not distinguishable from #1", against the baseline.
    indistinguishable: bool
    worse_on: tuple[str, ...]  # watched KPIs whose difference's interval is all worse

    @property
    def warnings(self) -> list[str]:
        said = []
        if self.indistinguishable:
            said.append(
                "Not distinguishable from the baseline (do nothing): under the planner's "
                "weights its score is not significantly different from the baseline's."
            )
        elif self.rank < self.scenario_rank:
            said.append("The baseline (do nothing) scores higher under the planner's weights.")
        if self.worse_on:
            said.append(
                f"Worse than the baseline on {_listed(self.worse_on)} "
                "(the difference's 95% interval excludes zero)."
            )
        return said


def _listed(labels: tuple[str, ...]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def decision_baseline_standing(decision: Decision) -> BaselineStanding:
    """Where the baseline stands, as kept when the recommendation was made; for one made
    before that was kept, the comparison's stored replications ranked under its weights."""
    recommendation = decision.recommended
    kept = recommendation.baseline_standing
    if kept is None:
        ranking = rank_scenarios(
            comparison_results(decision.comparison, hourly=False),
            {Kpi(kpi): weight for kpi, weight in recommendation.weights.items()},
            baseline=BASELINE,
        )
        row = next(r for r in ranking.scenarios if r.name == BASELINE)
        kept = KeptStanding(
            rank=row.rank,
            score=Interval.of(row.score),
            indistinguishable=ranking.indistinguishable(recommendation.scenario, BASELINE),
        )
    worse_on = tuple(
        words
        for kpi, words in BASELINE_WATCHED.items()
        if (difference := recommendation.vs_baseline.get(kpi))
        and kpi_cell(kpi, None, difference)["verdict"] == "worse"
    )
    return BaselineStanding(
        kept.rank, kept.score.mean, recommendation.rank, kept.indistinguishable, worse_on
    )


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    decision: int | None = None
    to_status: str = ""
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log(filters: AuditFilters) -> list[AuditEntry]:
    entries = AuditEntry.objects.select_related("decision").order_by("-at", "-id")
    if filters.actor:
        entries = entries.filter(actor_name__iexact=filters.actor)
    if filters.decision:
        entries = entries.filter(decision_id=filters.decision)
    if filters.to_status:
        entries = entries.filter(to_status=filters.to_status)
    if filters.since:
        entries = entries.filter(at__gte=_day_start(filters.since))
    # The last day the calendar has bounds nothing (and has no day after it).
    if filters.until and filters.until < date.max:
        entries = entries.filter(at__lt=_day_start(filters.until) + timedelta(days=1))
    return list(entries[:AUDIT_LOG_LIMIT])


def decision_maker_name(decision: Decision) -> str:
    """Who made the recommendation: the actor of its first audit entry. created_by is its
    owner, which a take-over changes."""
    made = [entry for entry in decision.audit.all() if _part_word(entry) == "made"]
    return made[0].actor_name if made else decision.created_by.get_username()


def _part_word(entry: AuditEntry) -> str:
    """How an audit entry's actor took part in making the recommendation ("" for a step
    that judges or follows it). Entries from before steps were named say it by their
    from → to."""
    Step = AuditEntry.Step
    step = entry.step
    if step == Step.CREATE or (not step and not entry.from_status):
        return "made"
    if step == Step.EDIT:
        return "edited"
    if step == Step.PROPOSE or (not step and entry.to_status == Decision.Status.PROPOSED):
        again = entry.from_status == Decision.Status.CHANGES_REQUESTED
        return "re-proposed" if again else "proposed"
    if step == Step.TAKE_OVER:
        return "took over"
    return ""


def decision_participants(decision: Decision) -> dict[int, tuple[str, ...]]:
    """Everyone who made, edited, proposed, re-proposed or took over the recommendation,
    each with how, in order, read from the decision's own audit trail (so a re-proposal by
    someone else does not wipe out the first author), and its created_by and proposed_by."""
    parts: dict[int, list[str]] = {}

    def took_part(user_id: int | None, word: str) -> None:
        if user_id is not None and word not in parts.setdefault(user_id, []):
            parts[user_id].append(word)

    for entry in decision.audit.all():
        if word := _part_word(entry):
            took_part(entry.actor_id, word)
    if decision.created_by_id not in parts:
        took_part(decision.created_by_id, "made")
    if decision.proposed_by_id is not None and decision.proposed_by_id not in parts:
        took_part(decision.proposed_by_id, "proposed")
    # A clone is its source's work too: cloning must not launder an author into an approver.
    if decision.cloned_from_id is not None:
        for user_id in decision_participants(decision.cloned_from):
            took_part(user_id, "wrote the original of")
    return {user_id: tuple(words) for user_id, words in parts.items()}


@dataclass(frozen=True)
class FeedPage:
    events: list[Event]
    next_cursor: int
    has_more: bool


def decision_feed(*, after: int, limit: int) -> FeedPage:
    """The twin's decision events logged after the cursor `after` (an Event id), oldest
    first: ids follow commit order, so a reader that resumes from the last id it saw misses
    none. Only the twin's own events: no source may post a twin.* type, and this makes sure."""
    rows = list(
        Event.objects.filter(source=Source.TWIN, type__in=FEED_TYPES, id__gt=after).order_by("id")[
            : limit + 1
        ]
    )
    events = rows[:limit]
    return FeedPage(
        events=events,
        next_cursor=events[-1].id if events else after,
        has_more=len(rows) > limit,
    )
