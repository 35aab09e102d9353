"""An XSS probe in real Chromium: script payloads in every text a user or a source system
controls (comparison and scenario names and notes, recommendation reasons, review comments,
dead letters and quarantined events, path segments, query strings), then every page that
shows them. Nothing may run: no `window.__xss`, no dialog, no markup from a payload in the
page, no template evaluated, and nothing refused by the Content-Security-Policy (a refusal
means a payload reached the page as markup and only the policy stopped it)."""

from dataclasses import asdict, dataclass
from urllib.parse import quote, urlencode

import httpx
import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from apps.accounts.roles import APPROVER, PLANNER
from apps.decisions.services import decision_act, recommendation_create
from apps.scenarios.drafts import draft_create, scenario_add
from apps.scenarios.services import comparison_create, comparison_run_here
from apps.sources.models import DeadLetter, Event, QuarantinedEvent
from apps.sources.tokens import source_token_create
from tests.conftest import run_in_thread
from tests.e2e.csp_watch import csp_refusals, csp_watch
from tests.e2e.every_page import ADMIN, PAGES, page_open, role_pages, site_served
from tests.e2e.test_csp_browser import fullest_role
from tests.scenarios.test_runs import CROSS_DOCK, SHIFT, spec
from tests.sources.events import event

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db]

EVALUATED = "x49x"  # what "x{{7*7}}x" becomes if a template engine evaluates it


def attribute_breakout(label: str) -> str:
    """Closes a quoted attribute and opens an element whose handler names where it came from."""
    return f"\"'><img src=x onerror=window.__xss='{label}'>x{{{{7*7}}}}x"


def script_element(label: str) -> str:
    return f"</textarea><script>window.__xss='{label}'</script>"


def script_url(label: str) -> str:
    return f"javascript:window.__xss='{label}'"


@dataclass(frozen=True)
class Probed:
    comparison: int  # finished, its name, note and scenario names probes
    draft: int
    decision: int  # its reason and its review comment probes


def _probes_store() -> Probed:
    """Probes in everything people type, stored as the services store them (committed: the
    site's daphne reads them)."""
    planner = User.objects.get(username=PLANNER)
    approver = User.objects.get(username=APPROVER)
    finished = comparison_run_here(
        comparison_create(
            spec=spec(
                name=attribute_breakout("comparison-name"),
                note=script_element("comparison-note"),
                replications=2,
                scenarios=[
                    {"name": attribute_breakout("scenario-1"), "interventions": [SHIFT]},
                    {"name": script_url("scenario-2"), "interventions": [SHIFT, CROSS_DOCK]},
                ],
            ),
            user=planner,
        )
    )
    draft = draft_create(user=planner, name=script_element("draft-name"),
                         note=attribute_breakout("draft-note"))  # fmt: skip
    scenario_add(draft, name=attribute_breakout("draft-scenario"),
                 note=script_element("draft-scenario-note"))  # fmt: skip
    decision = recommendation_create(comparison=finished, user=planner,
                                     scenario_name=script_url("scenario-2"),
                                     reason=attribute_breakout("reason"))  # fmt: skip
    decision_act(decision.pk, actor=planner, action="propose")
    decision_act(decision.pk, actor=approver, action="request_changes",
                 comment=script_element("review-comment"))  # fmt: skip
    stored = Event.objects.order_by("-id").first()
    QuarantinedEvent.objects.create(
        reader="live", log_event=stored, source=stored.source,
        event_id=stored.event_id, type=stored.type,
        error_type=attribute_breakout("quarantine-type")[:60],
        error=script_element("quarantine-error"),
        quarantined_at=timezone.now(), failed_at=timezone.now(),
    )  # fmt: skip
    return Probed(comparison=finished.pk, draft=draft.pk, decision=decision.pk)


def _dead_letters_posted(base_url: str) -> None:
    """Bad events through the ingestion API, as a source system would send them: each is
    refused into a dead letter that keeps the raw event and names what was wrong with it."""
    token = run_in_thread(lambda: source_token_create(source="wms"))
    letters_before = run_in_thread(DeadLetter.objects.count)
    bad = [
        event("wms.order_released", event_id=attribute_breakout("letter-id"),
              dc=script_element("letter-dc")),
        event("wms.pick_completed", sku=attribute_breakout("letter-sku")),
        {**event("wms.labor_clock"), "type": script_element("letter-type")},
    ]  # fmt: skip
    response = httpx.post(f"{base_url}/api/v1/events", json=bad,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert run_in_thread(DeadLetter.objects.count) == letters_before + len(bad)


@pytest.fixture(scope="module")
def probed_site(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        site_served(log_dir=tmp_path_factory.mktemp("site")) as site,
    ):
        probed = run_in_thread(_probes_store, timeout_s=120)
        _dead_letters_posted(site.base_url)
        yield site, probed


@dataclass(frozen=True)
class Visit:
    role: str
    path: str
    status: int = 200
    shows: tuple[str, ...] = ()  # probes the page must show, as text


def _visits(site, probed: Probed) -> list[Visit]:
    """Every page of the site, the pages showing the probes, crafted path segments, and
    crafted query strings on every list page."""
    visits = [
        Visit(fullest_role(page), page.path.format(**asdict(site.filled)), page.status)
        for page in PAGES
    ]
    segment = quote(attribute_breakout("path"), safe="")
    keys = ("q", "status", "source", "actor", "show", "dc", "to_status")
    query = urlencode({key: attribute_breakout(f"query-{key}") for key in keys})
    comparison, decision = f"/scenarios/{probed.comparison}/", f"/decisions/{probed.decision}/"
    visits += [
        Visit(ADMIN, comparison, shows=(attribute_breakout("comparison-name"),
                                        script_url("scenario-2"))),
        Visit(PLANNER, f"/scenarios/{probed.draft}/edit/",
              shows=(attribute_breakout("draft-scenario"),)),
        Visit(ADMIN, decision, shows=(attribute_breakout("reason"),
                                      script_element("review-comment"))),
        Visit(ADMIN, f"{decision}memo/", shows=(attribute_breakout("reason"),)),
        Visit(ADMIN, "/sources/", shows=(script_element("quarantine-error"),
                                         script_element("letter-type"))),
        Visit(ADMIN, "/decisions/audit/", shows=(script_element("review-comment"),)),
        Visit(ADMIN, "/admin/decisions/decision/"),
        Visit(ADMIN, "/admin/decisions/auditentry/"),
        Visit(ADMIN, "/admin/sources/deadletter/"),
        Visit(ADMIN, "/admin/sources/quarantinedevent/"),
        Visit(ADMIN, f"/models/{segment}/diff/", 404),
        Visit(ADMIN, f"/live/dc/{segment}/", 404),
        Visit(ADMIN, f"/scenarios/{segment}/", 404),
        Visit(ADMIN, f"/decisions/{segment}/memo/", 404),
        Visit(ADMIN, f"{comparison}ranking/?weights.otif={segment}&{query}", 422),
    ]  # fmt: skip
    lists = ("/live/", "/network/", "/sources/", "/models/", "/scenarios/", "/decisions/",
             "/decisions/audit/", comparison)  # fmt: skip
    visits += [Visit(ADMIN, f"{path}?{query}") for path in lists]
    return visits


# What a payload leaves behind if it reached the page as markup, whether or not it ran.
_FOUND = """(evaluatedMarker) => ({
    ran: window.__xss || null,
    markup: [...document.querySelectorAll('[onerror], [onload], a[href^="javascript:" i], '
                                          + 'script:not([src]):not([type="application/json"])')]
        .map((element) => element.outerHTML.slice(0, 120)),
    evaluated: document.documentElement.innerHTML.includes(evaluatedMarker),
    text: document.body.textContent,
})"""


def test_no_payload_runs_or_reaches_any_page_as_markup(chromium, probed_site):
    site, probed = probed_site
    dialogs: list[str] = []
    problems: list[str] = []
    with role_pages(chromium, site) as page_for:
        for visit in _visits(site, probed):
            page = page_for(visit.role)
            if page not in _HEARD:
                page.on("dialog", lambda dialog: (dialogs.append(dialog.message),
                                                  dialog.dismiss()))  # fmt: skip
                _HEARD.add(page)
            csp_watch(page)
            page_open(page, site.base_url + visit.path, status=visit.status)
            found = page.evaluate(_FOUND, EVALUATED)
            refused = csp_refusals(page)
            missing = [text for text in visit.shows if text not in found["text"]]
            if found["ran"] or found["markup"] or found["evaluated"] or refused or missing:
                found.pop("text")
                problems.append(f"{visit.role} {visit.path}: {found} refused={refused} "
                                f"not shown as text={missing}")  # fmt: skip
    assert not dialogs, dialogs
    assert not problems, "\n".join(problems)


_HEARD: set = set()
