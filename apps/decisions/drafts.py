"""A draft recommendation as its owner's work: edited and proposed by its owner only,
cloned by any planner, taken over by another planner as an explicit, audited step."""

from django.db import transaction

from apps.decisions.audit import audit_write
from apps.decisions.models import AuditEntry, Decision
from apps.decisions.services import (
    DecisionInputError,
    DecisionPermissionError,
    DecisionStateError,
    ownership_text,
)

Status = Decision.Status
DRAFT_STATUSES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})
TITLE_MAX = Decision._meta.get_field("title").max_length


def _planner_check(user, doing: str) -> None:
    if not user.has_perm("accounts.plan"):
        raise DecisionPermissionError(f"only a planner can {doing}")


def _draft_check(decision: Decision, doing: str) -> None:
    if decision.status not in DRAFT_STATUSES:
        raise DecisionStateError(
            f"the decision is {decision.get_status_display().lower()}: only a draft, or one "
            f"sent back for changes, can be {doing}"
        )


@transaction.atomic
def recommendation_edit(decision_id: int, *, actor, title: str, reason: str) -> Decision:
    """The owner rewords a draft's title and reason (as asked, when sent back for changes);
    its figures stay frozen as they were made. Audited: whoever edits takes part, and so
    may not approve it."""
    _planner_check(actor, "edit a recommendation")
    decision = Decision.objects.select_for_update().select_related("created_by").get(pk=decision_id)
    _draft_check(decision, "edited")
    if decision.created_by_id != actor.pk:
        raise DecisionPermissionError(ownership_text(decision))
    title, reason = title.strip(), reason.strip()
    if not title:
        raise DecisionInputError("title", "a recommendation needs a title")
    if len(title) > TITLE_MAX:
        raise DecisionInputError("title", f"must be at most {TITLE_MAX} characters")
    if decision.reason and not reason:
        raise DecisionInputError("reason", "this recommendation needs its reason: reword it")
    pairs = (("title", decision.title, title), ("reason", decision.reason, reason))
    changed = [label for label, old, new in pairs if old != new]
    if not changed:
        raise DecisionInputError("reason", "nothing changed")
    decision.title, decision.reason = title, reason
    decision.save(update_fields=["title", "reason"])
    audit_write(
        decision,
        actor=actor,
        step=AuditEntry.Step.EDIT,
        from_status=decision.status,
        comment=f"changed the {' and the '.join(changed)}",
    )
    return decision


@transaction.atomic
def recommendation_take_over(decision_id: int, *, actor) -> Decision:
    """Another planner makes the draft theirs, on the record; the previous owner can then
    only read and clone it. Taking over is taking part: the new owner may not approve it."""
    _planner_check(actor, "take over a recommendation")
    decision = Decision.objects.select_for_update().select_related("created_by").get(pk=decision_id)
    _draft_check(decision, "taken over")
    if decision.created_by_id == actor.pk:
        raise DecisionStateError("this draft recommendation is already yours")
    previous = decision.created_by.get_username()
    decision.created_by = actor
    decision.save(update_fields=["created_by"])
    audit_write(
        decision,
        actor=actor,
        step=AuditEntry.Step.TAKE_OVER,
        from_status=decision.status,
        comment=f"took the draft over from {previous}",
    )
    return decision


@transaction.atomic
def recommendation_clone(decision_id: int, *, actor) -> Decision:
    """A new draft of the same recommendation, figures as they were frozen, owned by the
    planner who cloned it."""
    _planner_check(actor, "clone a recommendation")
    source = Decision.objects.get(pk=decision_id)
    copy = Decision.objects.create(
        comparison_id=source.comparison_id,
        scenario_id=source.scenario_id,
        title=source.title,
        reason=source.reason,
        recommendation=source.recommendation,
        created_by=actor,
        cloned_from=source,
    )
    audit_write(
        copy,
        actor=actor,
        step=AuditEntry.Step.CREATE,
        from_status="",
        comment=f"cloned from #{source.pk}" + (f": {source.reason}" if source.reason else ""),
    )
    return copy
