"""Decisions: a recommendation made from a finished comparison, and every step of its
workflow checked on the server (roles, four eyes, ownership, comments), audited, and
announced."""

import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from apps.decisions.announcements import announce_approval, announce_execution
from apps.decisions.audit import audit_write
from apps.decisions.models import AuditEntry, Decision
from apps.decisions.prediction import predicted_series
from apps.decisions.recommendation import (
    KeptStanding,
    Recommendation,
    RunnerUp,
    recommendation_json,
)
from apps.decisions.selectors import decision_participants
from apps.live.network_selectors import imbalance
from apps.live.selectors import dc_state_list, watermark
from apps.live.settled_days import event_time_text, tracking_start
from apps.scenarios.documents import ComparisonDocument, RankedScenario
from apps.scenarios.models import Comparison
from apps.scenarios.run_selectors import comparison_results
from apps.scenarios.selectors import comparison_document, scenario_rank
from apps.scenarios.specs import BASELINE, DEFAULT_WEIGHTS
from apps.scenarios.suggestions import imbalance_sentence
from apps.simulation.results import ReplicationResult
from apps.simulation.statistics import Kpi

log = logging.getLogger(__name__)

Status = Decision.Status
PENDING_GROUP = "decisions.pending"
RUNNERS_UP = 3


class DecisionInputError(ValueError):
    """A recommendation or a step names something impossible (which field, why)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class DecisionPermissionError(PermissionError):
    """The user's role, four eyes, or the draft's ownership does not allow this step."""


class DecisionStateError(ValueError):
    """The step does not apply to the decision as it now stands (e.g. already decided)."""


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    from_statuses: frozenset[str]
    to_status: str
    permission: str
    # Nobody who made, edited, proposed, re-proposed or took over the recommendation (by its
    # audit trail, not only its last proposer) takes this step.
    four_eyes: bool = False
    owner_only: bool = False  # a draft recommendation is its owner's to put forward
    comment_required: bool = False


ACTIONS = {
    action.name: action
    for action in (
        Action(
            "propose",
            "Propose for approval",
            frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}),
            Status.PROPOSED,
            "accounts.plan",
            owner_only=True,
        ),
        Action(
            "approve",
            "Approve",
            frozenset({Status.PROPOSED}),
            Status.APPROVED,
            "accounts.approve",
            four_eyes=True,
        ),
        Action(
            "reject",
            "Reject",
            frozenset({Status.PROPOSED}),
            Status.REJECTED,
            "accounts.approve",
            four_eyes=True,
            comment_required=True,
        ),
        Action(
            "request_changes",
            "Ask for changes",
            frozenset({Status.PROPOSED}),
            Status.CHANGES_REQUESTED,
            "accounts.approve",
            four_eyes=True,
            comment_required=True,
        ),
        Action(
            "execute",
            "Mark as executed",
            frozenset({Status.APPROVED}),
            Status.EXECUTED,
            "accounts.plan",
        ),
        Action("close", "Close", frozenset({Status.TRACKING}), Status.CLOSED, "accounts.plan"),
    )
}


Participants = dict[int, tuple[str, ...]]


def _listed(words: tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def four_eyes_text(words: tuple[str, ...]) -> str:
    """Why this user may not decide: "You made and proposed this recommendation; …"."""
    return (
        f"You {_listed(words)} this recommendation; another approver must decide "
        "(four eyes: nobody decides on a recommendation they took part in)."
    )


def ownership_text(decision: Decision) -> str:
    owner = decision.created_by.get_username()
    return (
        f"This draft recommendation belongs to {owner}: only {owner} can edit or propose it. "
        "Clone it to make your own, or take it over."
    )


def action_check(decision: Decision, user, action: Action, *, participants: Participants) -> None:
    """Raise unless this user may take this step now; `participants` is
    decision_participants(decision), read once for all the steps a page weighs."""
    if not user.has_perm(action.permission):
        role = "an approver" if action.permission == "accounts.approve" else "a planner"
        raise DecisionPermissionError(f"only {role} can {action.label.lower()}")
    if action.four_eyes and user.pk in participants:
        raise DecisionPermissionError(four_eyes_text(participants[user.pk]))
    if decision.status not in action.from_statuses:
        raise DecisionStateError(
            f"the decision is {decision.get_status_display().lower()}: "
            f"{action.label.lower()} no longer applies"
        )
    if action.owner_only and decision.created_by_id != user.pk:
        raise DecisionPermissionError(ownership_text(decision))


def actions_open(decision: Decision, user) -> list[Action]:
    """The steps this user may take now: the page offers these, the server checks again."""
    participants = decision_participants(decision)
    allowed = []
    for action in ACTIONS.values():
        try:
            action_check(decision, user, action, participants=participants)
        except (DecisionPermissionError, DecisionStateError):
            continue
        allowed.append(action)
    return allowed


def four_eyes_note(decision: Decision, user) -> str:
    """What the page says in place of the approver's buttons when four eyes withholds them
    ("" when it does not)."""
    if decision.status != Status.PROPOSED:
        return ""
    words = decision_participants(decision).get(user.pk)
    return four_eyes_text(words) if words else ""


def _context_now() -> str:
    gap = imbalance(dc_state_list())
    if gap is None:
        return "No DC utilisation measured over the last 24 hours."
    return imbalance_sentence(gap)


def _reason_check(name: str, top: str, baseline_first: bool, reason: str) -> None:
    """A recommendation against the ranking needs a stated reason."""
    if reason:
        return
    if name == BASELINE and not baseline_first:
        raise DecisionInputError(
            "reason", f"say why you recommend changing nothing over the top-ranked {top!r}"
        )
    if name != BASELINE and baseline_first:
        # The ranking says "change nothing": acting against it needs a stated reason.
        raise DecisionInputError(
            "reason", "the baseline ranks first: say why you recommend a change at all"
        )
    if name not in (BASELINE, top):
        raise DecisionInputError(
            "reason", f"say why you recommend {name!r} over the top-ranked {top!r}"
        )


def _recommended(
    comparison: Comparison,
    document: ComparisonDocument,
    results: dict[str, list[ReplicationResult]],
    *,
    chosen: RankedScenario,
    described: tuple[str, ...],
    summary: str,
) -> Recommendation:
    """The figures a recommendation of `chosen` freezes, as the ranking has them now."""
    ranking = document.ranking
    name = chosen.name
    scenario = comparison.scenarios.get(name=name)
    candidates = [row for row in ranking.scenarios if row.name != BASELINE]
    # The approver judges the ranking too: keep where the scenario stands under the default
    # weights beside its rank under the planner's, so a rank owed to re-weighting shows.
    defaults = dict(DEFAULT_WEIGHTS)
    baseline = ranking.scenario(BASELINE)
    return Recommendation(
        scenario=name,
        rank=chosen.rank,
        score=chosen.score,
        interventions=tuple(scenario.interventions),
        described=described,
        kpis=chosen.kpis,
        vs_baseline=chosen.vs_baseline,
        summary=summary,
        runners_up=tuple(
            RunnerUp(r.name, r.rank, r.score, r.summary) for r in candidates if r.name != name
        )[:RUNNERS_UP],
        baseline=baseline.kpis,
        # Doing nothing is an alternative too: where it stands under the same weights.
        baseline_standing=KeptStanding(
            rank=baseline.rank,
            score=baseline.score,
            indistinguishable=name in ranking.tied_with_baseline,
        ),
        versions=comparison.versions,
        # Frozen with the rest: the approver weighs results on thin fits knowing it.
        evidence_warnings=tuple(comparison.evidence_warnings),
        weights=document.weights,
        default_weights=defaults,
        rank_under_defaults=scenario_rank(results, weights=defaults, name=name),
        scenario_count=len(ranking.scenarios),
        as_of=document.as_of.isoformat() if document.as_of else None,
        context=_context_now(),
        comparison_note=comparison.note,
        predicted=predicted_series(
            results[name],
            comparison.warmup_hours,
            start_hour_of_week=(comparison.snapshot or {}).get("start_hour_of_week"),
        ),
    )


@transaction.atomic
def recommendation_create(
    *,
    comparison: Comparison,
    user,
    scenario_name: str = "",
    reason: str = "",
    weights: dict[Kpi, float] | None = None,
) -> Decision:
    """A draft recommendation of one scenario of a finished comparison (the top-ranked
    unless another is named, with a reason), its figures frozen as they are now. Ranked
    under `weights` (the planner's re-weighting on the page) or the comparison's own."""
    if comparison.status != Comparison.Status.DONE:
        raise DecisionInputError("comparison", "only a finished comparison can be recommended")
    if not user.has_perm("accounts.plan"):
        raise DecisionPermissionError("only a planner can make a recommendation")
    results = comparison_results(comparison)
    document = comparison_document(comparison, weights=weights, results=results)
    ranking = document.ranking
    candidates = [row for row in ranking.scenarios if row.name != BASELINE]
    top = candidates[0]
    name = scenario_name.strip() or top.name
    chosen = ranking.scenario(name)
    if chosen is None:
        raise DecisionInputError("scenario", f"{name!r} is not a scenario of this comparison")
    reason = reason.strip()
    _reason_check(chosen.name, top.name, ranking.baseline_first, reason)
    change_nothing = chosen.name == BASELINE
    described = document.scenario(name).described
    summary = chosen.summary
    if change_nothing:
        # Doing nothing is a decision too: recommended, approved and tracked like any other.
        described = ("Change nothing: keep the operation as it is.",)
        summary = "Change nothing." + (
            " The baseline ranks first." if ranking.baseline_first else ""
        )
    recommended = _recommended(
        comparison, document, results, chosen=chosen, described=described, summary=summary
    )
    decision = Decision.objects.create(
        comparison=comparison,
        scenario=comparison.scenarios.get(name=name),
        title=f"{'Change nothing' if change_nothing else name} ({comparison.name})"[:160],
        reason=reason,
        created_by=user,
        recommendation=recommendation_json(recommended),
    )
    audit_write(decision, actor=user, step=AuditEntry.Step.CREATE, from_status="", comment=reason)
    return decision


def decision_act(decision_id: int, *, actor, action: str, comment: str = "") -> Decision:
    """Take one step of the workflow. The row lock makes concurrent steps on one decision
    take turns: of an approve and a reject sent at once, the second finds it decided."""
    if action not in ACTIONS:
        raise DecisionInputError("action", f"unknown step {action!r}")
    step = ACTIONS[action]
    comment = comment.strip()
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision_id)
        action_check(decision, actor, step, participants=decision_participants(decision))
        if step.comment_required and not comment:
            raise DecisionInputError("comment", f"say why: {step.label.lower()} needs a comment")
        before = decision.status
        decision.status = step.to_status
        now = timezone.now()
        if step.name == "propose":
            decision.proposed_by = actor
        elif step.four_eyes:
            decision.decided_by, decision.decided_at = actor, now
            decision.decision_comment = comment
        elif step.name == "execute":
            decision.executed_at = now
            # Tracked from the next operating day in event time: the twin's clock, not ours.
            decision.tracking_from = tracking_start(watermark() or now)
        decision.save()
        audit_write(decision, actor=actor, step=step.name, from_status=before, comment=comment)
        if step.name == "approve":
            announce_approval(decision)
        if step.name == "execute":
            announce_execution(decision, actor)
            # Tracking starts with execution: the twin takes that step itself.
            decision.status = Status.TRACKING
            decision.save(update_fields=["status"])
            audit_write(
                decision,
                actor=None,
                step=AuditEntry.Step.TRACK,
                from_status=Status.EXECUTED,
                comment=f"tracking from {event_time_text(decision.tracking_from)} (event time)",
            )
        transaction.on_commit(pending_publish)
    return decision


def pending_count() -> int:
    return Decision.objects.filter(status=Status.PROPOSED).count()


def pending_publish() -> None:
    """Tell approvers' open pages how many recommendations wait for them (best effort: a
    page also reads the count when it loads and when its socket connects)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "pending.message", "message": {"type": "pending", "count": pending_count()}}
    try:
        async_to_sync(layer.group_send)(PENDING_GROUP, message)
    except (OSError, RedisError):
        log.warning("pending decisions not pushed: channel layer unreachable")
