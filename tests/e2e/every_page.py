"""Twin with every page filled as a working day fills it, served by real daphne, signed in as
each role, and what axe-core finds on a page: for the checks that sweep all pages
(accessibility, layout).

Built once per test module, not per test: filling the twin (a day of history, a calibration,
a finished comparison) takes far longer than looking at a page, and the sweeping tests only
read. The module's data is committed to the test database and flushed when the module ends,
as a transactional test does.
"""

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page

from apps.accounts.roles import APPROVER, PLANNER, VIEWER, role_groups_ensure
from apps.calibration.history import Window
from apps.calibration.promise_refresh import promise_report_refresh
from apps.calibration.services import calibrate
from apps.decisions.services import decision_act, recommendation_create
from apps.network.services import demo_network_load
from apps.scenarios.drafts import draft_create, intervention_add, scenario_add
from apps.scenarios.models import Comparison
from apps.scenarios.services import comparison_create, comparison_freeze, comparison_run_here
from apps.sources.models import SOURCES, Event, QuarantinedEvent
from apps.sources.services import events_ingest
from apps.sources.tokens import source_token_create
from tests.calibration.history import day, emulated_history
from tests.conftest import (
    BASE_DIR,
    VENV_BIN,
    database_url_of_current_test_db,
    run_in_thread,
    stop_process,
    wait_until,
)
from tests.scenarios.test_runs import CROSS_DOCK, SHIFT, spec
from tests.sources.events import event
from twin_web.embedded_redis import free_loopback_port

ADMIN = "admin"  # not a role: a superuser, who also sees the Django admin
ROLES = (VIEWER, PLANNER, APPROVER, ADMIN)
PASSWORD = "every-page-pass-7"
EVERYONE = frozenset(ROLES)
PLANNERS = frozenset({PLANNER, APPROVER, ADMIN})
AXE = Axe()
BLOCKING = {"serious", "critical"}
# The rows of a long table repeat one row's markup: axe checks the first twenty of each,
# which keeps a DC's 252 stock rows from tripling the time of its page.
AXE_CONTEXT = {"exclude": [["tbody tr:nth-child(n+21)"]]}


@dataclass(frozen=True)
class Filled:
    """The primary keys of what the pages show."""

    finished: int  # a comparison ranked, recommended twice
    running: int  # a comparison that shows its progress
    draft: int  # a draft with scenarios holding interventions: the builder's page
    proposed: int  # a recommendation waiting for an approver
    tracking: int  # a recommendation approved, executed and now tracked


@dataclass(frozen=True)
class SitePage:
    name: str
    path: str  # formatted with the fields of Filled
    roles: frozenset[str]  # who may open it (a viewer's 403 page is a page of its own)
    status: int = 200


SIGNED_OUT = "signed-out"
PAGES = (
    SitePage("login", "/login/", frozenset({SIGNED_OUT})),
    SitePage("live", "/live/", EVERYONE),
    SitePage("dc", "/live/dc/NE/", EVERYONE),
    SitePage("network", "/network/", EVERYONE),
    SitePage("sources", "/sources/", PLANNERS),
    SitePage("models", "/models/", EVERYONE),
    SitePage("promises", "/models/promises/", EVERYONE),
    SitePage("scenarios", "/scenarios/", EVERYONE),
    SitePage("builder", "/scenarios/{draft}/edit/", PLANNERS),
    SitePage("running", "/scenarios/{running}/", EVERYONE),
    SitePage("results", "/scenarios/{finished}/", EVERYONE),
    SitePage("decisions", "/decisions/", EVERYONE),
    SitePage("proposed", "/decisions/{proposed}/", EVERYONE),
    SitePage("tracking", "/decisions/{tracking}/", EVERYONE),
    SitePage("memo", "/decisions/{tracking}/memo/", EVERYONE),
    SitePage("audit", "/decisions/audit/", EVERYONE),
    SitePage("forbidden", "/sources/", frozenset({VIEWER}), status=403),
    SitePage("not-found", "/scenarios/999999/", EVERYONE, status=404),
    SitePage("admin", "/admin/", frozenset({ADMIN})),
)
PAGE_NAMED = {page.name: page for page in PAGES}


def _people() -> dict[str, User]:
    role_groups_ensure(group_model=Group, permission_model=Permission)
    people = {}
    for role in (VIEWER, PLANNER, APPROVER):
        people[role] = User.objects.create_user(username=role, password=PASSWORD)
        people[role].groups.set(Group.objects.filter(name=role))
    people[ADMIN] = User.objects.create_superuser(username=ADMIN, password=PASSWORD)
    return people


def _feeds_with_trouble() -> None:
    """A token per source, a rejected event and a quarantined one, as the Sources page
    shows on a bad day. Event times lie inside the history, so the live pages keep its end
    as their now."""
    for source in SOURCES:
        source_token_create(source=source)
    rejected = event("wms.order_released", event_id="wms-ord-bad-dc", dc="XX")
    rejected["occurred_at"] = day(0.9).isoformat()
    events_ingest(items=[rejected])
    stored = Event.objects.filter(type="wms.pick_completed").order_by("-id").first()
    QuarantinedEvent.objects.create(
        reader="live",
        log_event=stored,
        source=stored.source,
        event_id=stored.event_id,
        type=stored.type,
        error_type="OverflowError",
        error="date value out of range",
        quarantined_at=timezone.now(),
        failed_at=timezone.now(),
    )


def _draft(planner: User) -> Comparison:
    draft = draft_create(user=planner, name="Relieve NE before the peak")
    shift = scenario_add(draft, name="Shift 30% NE to SE", note="NE ran at 94% all week.")
    intervention_add(shift, SHIFT)
    via = scenario_add(draft, name="Shift 30% via cross-dock")
    intervention_add(via, SHIFT)
    intervention_add(via, CROSS_DOCK)
    scenario_add(draft, name="Temporary pickers at SE")  # none yet: the empty state
    return draft


def _decisions(finished: Comparison, people: dict[str, User]) -> tuple[int, int]:
    planner, approver = people[PLANNER], people[APPROVER]
    # A reason whatever the ranking: when the baseline ranks first, recommending a change
    # needs one.
    tracked = recommendation_create(
        comparison=finished, user=planner, reason="NE cannot run at 94% through the peak."
    )
    decision_act(tracked.pk, actor=planner, action="propose")
    decision_act(tracked.pk, actor=approver, action="approve", comment="Go before the peak.")
    decision_act(tracked.pk, actor=planner, action="execute")
    proposed = recommendation_create(
        comparison=finished,
        user=planner,
        scenario_name="Shift 30% via cross-dock",
        reason="The cross-dock spreads the moved volume over two days of trucks.",
    )
    decision_act(proposed.pk, actor=planner, action="propose")
    return proposed.pk, tracked.pk


def twin_fill() -> Filled:
    """A day of the demo enterprise, calibrated; a comparison finished, one running and a
    draft; a recommendation waiting for an approver and one being tracked; feeds with a
    rejected and a quarantined event."""
    demo_network_load()
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(1)))
    _feeds_with_trouble()
    people = _people()
    planner = people[PLANNER]
    finished = comparison_run_here(comparison_create(spec=spec(replications=2), user=planner))
    running = comparison_create(spec=spec(name="Rebalance NE, longer"), user=planner)
    comparison_freeze(running)
    running.status = Comparison.Status.RUNNING
    running.submitted_at = timezone.now()
    running.save()
    proposed, tracking = _decisions(finished, people)
    # The promise report as its worker stores it: the page shows the stored one (it never
    # computes in the request), and the sweep should see its tables and chart.
    promise_report_refresh()
    return Filled(
        finished=finished.pk,
        running=running.pk,
        draft=_draft(planner).pk,
        proposed=proposed,
        tracking=tracking,
    )


@dataclass(frozen=True)
class Site:
    base_url: str
    filled: Filled

    def url(self, page: SitePage) -> str:
        return self.base_url + page.path.format(**asdict(self.filled))


@contextmanager
def site_served(*, log_dir: Path) -> Iterator[Site]:
    """The filled twin behind real daphne; the database flushed afterwards, as a
    transactional test leaves it. The caller unblocks database access."""
    filled = run_in_thread(twin_fill, timeout_s=600)
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url_of_current_test_db()
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    port = free_loopback_port()
    log_path = log_dir / "daphne.log"
    process = subprocess.Popen(
        [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port),
         "twin_web.asgi:application"],
        env=env, cwd=BASE_DIR, stdout=log_path.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"daphne exited: {log_path.read_text()}")
        try:
            return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, timeout_s=30, what="daphne to answer")
        yield Site(base_url, filled)
    finally:
        stop_process(process)
        call_command("flush", interactive=False, verbosity=0)
        # While Playwright's event loop runs, asgiref keeps this block's connection in a
        # context of its own, which pytest-django's teardown does not see: left open, it
        # keeps the test database from being dropped.
        connections.close_all()


@contextmanager
def role_pages(chromium, site: Site) -> Iterator[Callable[..., Page]]:
    """page_for(role, width=...): a page signed in as that role (or SIGNED_OUT), one browser
    context per role and viewport width, kept until the block ends."""
    contexts: dict[tuple[str, int], tuple[BrowserContext, Page]] = {}

    def page_for(role: str, *, width: int = 1400) -> Page:
        key = (role, width)
        if key not in contexts:
            context = chromium.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15_000)
            if role != SIGNED_OUT:
                page.goto(f"{site.base_url}/login/")
                page.fill("#id_username", role)
                page.fill("#id_password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(lambda url: "/login/" not in url)
            contexts[key] = (context, page)
        return contexts[key][1]

    try:
        yield page_for
    finally:
        for context, _page in contexts.values():
            context.close()


def page_open(page: Page, url: str, *, status: int = 200) -> None:
    """Open a page, check it answered as it should, and wait until it has drawn what it
    draws: its charts, and no htmx request or swap still under way."""
    response = page.goto(url)
    assert response.status == status, f"{url} answered {response.status}, not {status}"
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-plotly-figure]')]
                   .every((chart) => !window.Plotly || chart.dataset.drawn === 'true')
              && !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"""
    )


def _measured_too_faint(check: dict) -> bool:
    """axe files text whose colours it measured as equal (white on white) under "needs
    review", as perhaps hidden on purpose; on these pages such text is a visible control, so a
    measured ratio under the required one counts as a violation."""
    data = check.get("data") or {}
    ratio, required = data.get("contrastRatio"), data.get("expectedContrastRatio")
    return bool(ratio and required) and ratio < float(required.split(":")[0])


def axe_findings(page: Page) -> list[str]:
    """Serious and critical violations, and text whose contrast axe measured too low, one
    line per element, saying what and where."""
    results = AXE.run(
        page, context=AXE_CONTEXT, options={"resultTypes": ["violations", "incomplete"]}
    ).response
    findings = [
        (violation, node)
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ] + [
        (review, node)
        for review in results["incomplete"]
        if review["id"] == "color-contrast"
        for node in review["nodes"]
        if any(_measured_too_faint(check) for check in node["any"])
    ]
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}: {', '.join(node['target'])}: "
        f"{''.join((node.get('failureSummary') or '').splitlines()[-1:]).strip()}"
        f"{''.join(_measured(check) for check in node['any'] if _measured_too_faint(check))}"
        for rule, node in findings
    ]


def _measured(check: dict) -> str:
    data = check["data"]
    return f" (measured {data['contrastRatio']}:1, {data['fgColor']} on {data['bgColor']})"
