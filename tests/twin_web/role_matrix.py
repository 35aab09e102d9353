"""Who may open and post what: the expected answer of every named URL, for each role,
written once per view. tests/twin_web/test_role_matrix.py walks the URLconf and fails on a
named URL missing here, so a new view cannot ship without saying who may use it.

The roles, in this order: anonymous, a viewer, the planner who owns the draft comparison and
the draft recommendation (planner A), an approver (who plans too, but owns nothing here),
and another planner. Entries marked OWNERSHIP follow issue 16's rule that a draft belongs
to its planner: others may read, clone or take it over (on the record), not change, submit,
discard or propose it; they hold only where drafts are owned (issue 16)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth.models import User

from apps.decisions.models import Decision
from apps.decisions.services import decision_act, recommendation_create
from apps.scenarios.drafts import draft_create, scenario_add
from apps.scenarios.models import Comparison, Scenario
from tests.scenarios.builders import known_comparison

ROLES = ("anonymous", "viewer", "owner", "approver", "other")

# What a request may get. LOGIN: a redirect to the sign-in page. DONE: the step was
# allowed; its answer may still be a form error or a conflict, for the bodies posted here
# are often empty (200, 302, 400, 409 or 422: never 403, never a 5xx).
LOGIN = "login"
DONE = "done"
DONE_STATUSES = frozenset({200, 302, 400, 409, 422})


def each(anonymous, viewer, owner, approver, other) -> dict[str, int | str]:
    return dict(zip(ROLES, (anonymous, viewer, owner, approver, other), strict=True))


READ = each(LOGIN, 200, 200, 200, 200)
PLANNERS_READ = each(LOGIN, 403, 200, 200, 200)
NOT_ALLOWED = each(LOGIN, 405, 405, 405, 405)  # the other method: GET of a POST-only view
PLANNERS_POST = each(LOGIN, 403, DONE, DONE, DONE)
APPROVERS_POST = each(LOGIN, 403, 403, DONE, 403)
# OWNERSHIP: only planner A changes, submits or discards their draft; the approver, who
# can plan, is as much a stranger to it as the other planner.
OWNER_POST = each(LOGIN, 403, DONE, 403, 403)
NOT_IN_SESSION = each(LOGIN, 403, 404, 404, 404)  # another session's import in progress
OWNER_READ = each(LOGIN, 403, 200, 403, 403)  # an editing form, for the owner only


class World:
    """The objects the URLs are built with, made when first asked for."""

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users

    @cached_property
    def dc_code(self) -> str:
        """A DC of the demo network, loaded for the pages that show one."""
        from apps.network.services import demo_network_load

        demo_network_load()
        return "NE"

    @cached_property
    def done(self) -> Comparison:
        """A finished comparison (Baseline, Cheaper, Rebalance), by nobody in particular."""
        return known_comparison()

    @cached_property
    def draft(self) -> Comparison:
        """Planner A's draft comparison, with one scenario besides the baseline."""
        draft = draft_create(user=self.users["owner"], name="A's draft")
        scenario_add(draft, name="Move stock")
        return draft

    @cached_property
    def draft_scenario(self) -> Scenario:
        return self.draft.scenarios.get(name="Move stock")

    @cached_property
    def import_run(self):
        """A finished history import, by nobody in particular."""
        from apps.imports.models import ImportRun

        return ImportRun.objects.create(mapping_name="Shop", mapping={}, status="succeeded")

    def decision(self, status: str) -> Decision:
        """A recommendation by planner A of the finished comparison's "Cheaper", taken to
        `status` (a second approver, not among the roles, decides it)."""
        owner, decider = self.users["owner"], self.users["decider"]
        decision = recommendation_create(comparison=self.done, user=owner, scenario_name="Cheaper")
        steps = {
            Decision.Status.DRAFT: [],
            Decision.Status.PROPOSED: [(owner, "propose")],
            Decision.Status.APPROVED: [(owner, "propose"), (decider, "approve")],
            Decision.Status.TRACKING: [
                (owner, "propose"),
                (decider, "approve"),
                (owner, "execute"),
            ],
        }[status]
        for actor, action in steps:
            decision = decision_act(decision.pk, actor=actor, action=action)
        assert decision.status == status, (decision.status, status)
        return decision


@dataclass(frozen=True)
class Entry:
    """One way to call a view: its URL arguments, the body posted, and each role's answer
    to a GET and to a POST."""

    get: dict[str, int | str]
    post: dict[str, int | str]
    kwargs: Callable[[World], dict] = lambda world: {}
    body: dict = field(default_factory=dict)
    label: str = ""  # tells several entries of one view apart


def page(get=READ, post=NOT_ALLOWED, kwargs=lambda world: {}) -> list[Entry]:
    return [Entry(get=get, post=post, kwargs=kwargs)]


def action(post, kwargs=lambda world: {}, body=None) -> list[Entry]:
    return [Entry(get=NOT_ALLOWED, post=post, kwargs=kwargs, body=body or {})]


def done(world: World) -> dict:
    return {"pk": world.done.pk}


def draft(world: World) -> dict:
    return {"pk": world.draft.pk}


def draft_scenario(world: World) -> dict:
    return {"pk": world.draft.pk, "scenario_pk": world.draft_scenario.pk}


def decision_in(status: str) -> Callable[[World], dict]:
    return lambda world: {"pk": world.decision(status).pk}


def no_draft(world: World) -> dict:
    return {"key": "not-this-session"}


def act(status: str, step: str, post: dict[str, int | str]) -> Entry:
    return Entry(
        get=NOT_ALLOWED,
        post=post,
        kwargs=decision_in(status),
        body={"action": step},
        label=f"{step} when {status}",
    )


MATRIX: dict[str, list[Entry]] = {
    # The project's own pages. Home sends each user to the first page they may open, and
    # answers a POST the same way (it changes nothing).
    "home": page(get=each(LOGIN, 302, 302, 302, 302), post=each(LOGIN, 302, 302, 302, 302)),
    # Signing in is open to all; an empty form is shown again with its errors.
    "login": page(get=each(200, 200, 200, 200, 200), post=each(200, 200, 200, 200, 200)),
    "logout": page(get=each(LOGIN, 405, 405, 405, 405), post=each(LOGIN, 302, 302, 302, 302)),
    "healthz": page(get=each(200, 200, 200, 200, 200), post=each(405, 405, 405, 405, 405)),
    # The live twin and the network: read-only pages that answer a POST like a GET (they
    # change nothing either way).
    "live:network": page(post=READ),
    "live:dc": page(post=READ, kwargs=lambda world: {"code": world.dc_code}),
    "network:overview": page(post=READ),
    # Calibration. The diff asked for without two versions is a form error, to anyone
    # who may read.
    "calibration:models": page(),
    "calibration:promises": page(),
    "calibration:diff": page(
        get=each(LOGIN, 422, 422, 422, 422), kwargs=lambda world: {"sub_model": "labour"}
    ),
    "calibration:settings": action(PLANNERS_POST, kwargs=lambda world: {"sub_model": "labour"}),
    "calibration:recalibrate": action(PLANNERS_POST, kwargs=lambda world: {"sub_model": "labour"}),
    # Sources: the status page is a planner's (it shows dead letters to retry).
    "sources:status": page(get=PLANNERS_READ, post=PLANNERS_READ),
    "sources:retry": action(PLANNERS_POST),
    "sources:quarantine_retry": action(PLANNERS_POST),
    # History imports: anyone who reads sees the runs; planners upload and import. An import
    # in progress lives in its uploader's session, so its pages are a 404 to everyone else.
    "imports:list": page(),
    "imports:upload": action(PLANNERS_POST),
    "imports:mapping": page(get=NOT_IN_SESSION, post=NOT_IN_SESSION, kwargs=no_draft),
    "imports:preview": page(get=NOT_IN_SESSION, kwargs=no_draft),
    "imports:master-data": action(NOT_IN_SESSION, kwargs=no_draft),
    "imports:start": action(NOT_IN_SESSION, kwargs=no_draft),
    "imports:run": page(kwargs=lambda world: {"pk": world.import_run.pk}),
    # Comparisons. Anyone who reads may see a finished one; any planner may start, clone,
    # suggest or stop one.
    "scenarios:list": page(),
    "scenarios:new": action(PLANNERS_POST),
    "scenarios:suggest": action(PLANNERS_POST),
    "scenarios:detail": page(kwargs=done),
    "scenarios:ranking": [
        Entry(get=READ, post=NOT_ALLOWED, kwargs=done, body={"network.total_cost_usd": "1"})
    ],
    "scenarios:status": page(kwargs=done),
    "scenarios:backtest": page(kwargs=done),
    "scenarios:export": page(kwargs=lambda world: {"pk": world.done.pk, "fmt": "csv"}),
    "scenarios:cancel": action(PLANNERS_POST, kwargs=done),
    # OWNERSHIP: others may clone planner A's draft (that is how they build on it), or
    # take it over, on the record (planner A, whose it already is, is told so: not a 403).
    "scenarios:clone": action(PLANNERS_POST, kwargs=draft),
    "scenarios:take-over": action(PLANNERS_POST, kwargs=draft),
    # OWNERSHIP: others may open planner A's builder, read-only; its editing tools (an
    # intervention's form, checking it as it is typed) and every change below are
    # planner A's alone.
    "scenarios:edit": page(get=PLANNERS_READ, kwargs=draft),
    "scenarios:palette": page(get=OWNER_READ, kwargs=draft_scenario),
    "scenarios:edit-settings": action(OWNER_POST, kwargs=draft),
    "scenarios:scenario-add": action(OWNER_POST, kwargs=draft, body={"name": "Another"}),
    "scenarios:scenario-remove": action(OWNER_POST, kwargs=draft_scenario),
    "scenarios:intervention-check": action(OWNER_POST, kwargs=draft_scenario),
    "scenarios:intervention-add": action(OWNER_POST, kwargs=draft_scenario),
    "scenarios:intervention-remove": action(
        OWNER_POST, kwargs=lambda world: {**draft_scenario(world), "index": 0}
    ),
    "scenarios:submit": action(OWNER_POST, kwargs=draft),
    "scenarios:discard": action(OWNER_POST, kwargs=draft),
    # Decisions. Any planner may recommend from a finished comparison; the steps of one
    # recommendation depend on its state, so each step is an entry of its own.
    "decisions:list": page(),
    "decisions:audit": page(),
    "decisions:recommend": action(
        PLANNERS_POST, kwargs=lambda world: {"comparison_pk": world.done.pk}
    ),
    "decisions:detail": page(kwargs=decision_in(Decision.Status.DRAFT)),
    # OWNERSHIP: planner A's draft recommendation is reworded by planner A alone; any
    # planner may clone it or take it over (planner A is told it is already theirs).
    # (A whole form: the view reads the form before it asks who is editing.)
    "decisions:edit": action(
        OWNER_POST,
        kwargs=decision_in(Decision.Status.DRAFT),
        body={"title": "Reworded", "reason": "cheaper"},
    ),
    "decisions:clone": action(PLANNERS_POST, kwargs=decision_in(Decision.Status.DRAFT)),
    "decisions:take-over": action(PLANNERS_POST, kwargs=decision_in(Decision.Status.DRAFT)),
    "decisions:memo": page(kwargs=decision_in(Decision.Status.PROPOSED)),
    "decisions:audit-json": page(kwargs=decision_in(Decision.Status.PROPOSED)),
    "decisions:act": [
        # OWNERSHIP: only planner A proposes their draft recommendation.
        act(Decision.Status.DRAFT, "propose", OWNER_POST),
        # Four eyes: an approver who neither made nor proposed it decides (a comment is
        # required to reject or ask for changes, hence a 422 without one, which is DONE).
        act(Decision.Status.PROPOSED, "approve", APPROVERS_POST),
        act(Decision.Status.PROPOSED, "reject", APPROVERS_POST),
        act(Decision.Status.PROPOSED, "request_changes", APPROVERS_POST),
        # Executing and closing an approved decision is any planner's job.
        act(Decision.Status.APPROVED, "execute", PLANNERS_POST),
        act(Decision.Status.TRACKING, "close", PLANNERS_POST),
    ],
}
