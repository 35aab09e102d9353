"""No response echoes its input unescaped: a crafted path segment, query string or form
field comes back as text, never as markup (issue 16 found a reflected XSS on the Models
page's sub-model views)."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from apps.accounts.roles import PLANNER
from apps.scenarios.drafts import draft_create, scenario_add

# Without a slash, so that a path segment carrying it still reaches the view it targets.
PAYLOADS = ('<img src=x onerror="window.__xss=1">', "'\"><svg onload=window.__xss=1>")
SUB_MODEL_VIEWS = (("calibration:diff", "get"), ("calibration:settings", "post"),
                   ("calibration:recalibrate", "post"))  # fmt: skip
LIST_PAGES = (
    "/live/",
    "/network/",
    "/sources/",
    "/models/",
    "/scenarios/",
    "/decisions/",
    "/decisions/audit/",
    "/imports/",
)


def _assert_not_reflected(response, payload: str) -> None:
    text = response.content.decode()
    assert payload not in text, f"{response.request['PATH_INFO']} echoed {payload!r}"
    assert "<svg" not in text and "<img src=x" not in text


@pytest.fixture
def planner_user(role_user):
    return role_user(PLANNER)


@pytest.fixture
def planner(client, planner_user):
    client.force_login(planner_user)
    return client


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(("name", "method"), SUB_MODEL_VIEWS)
def test_an_unknown_sub_model_is_a_plain_404_that_lists_the_real_ones(
    planner, name, method, payload
):
    url = reverse(name, args=["labour"]).replace("labour", quote(payload, safe=""))
    response = getattr(planner, method)(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "No such sub-model: the sub-models are demand, supply, logistics, labour, finance, "
        "customer."
    )
    _assert_not_reflected(response, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_page_not_found_shows_its_path_as_text(planner, demo_network, payload):
    for path in (f"/live/dc/{quote(payload, safe='')}/", f"/nowhere/{quote(payload, safe='')}/"):
        response = planner.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "text/html; charset=utf-8"
        _assert_not_reflected(response, payload)
        assert "&lt;" in response.content.decode()  # shown, escaped


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_list_page_ignores_or_escapes_its_query_string(planner, demo_network, payload):
    for path in LIST_PAGES:
        query = {key: payload for key in ("q", "status", "source", "actor", "show", "dc")}
        response = planner.get(path, query)
        assert response.status_code == 200, path
        _assert_not_reflected(response, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_unknown_intervention_kind_comes_back_escaped_to_htmx(
    planner, planner_user, demo_network, payload
):
    """The builder's 422 answers are swapped into the page like a 200 (base.html's
    htmx-config), so they must be markup-safe, not merely marked plain text."""
    draft = draft_create(user=planner_user, name="Probe")
    scenario = scenario_add(draft, name="Probe scenario")
    for name in ("scenarios:intervention-check", "scenarios:intervention-add"):
        response = planner.post(reverse(name, args=[draft.pk, scenario.pk]), {"kind": payload})
        assert response.status_code == 422
        _assert_not_reflected(response, payload)
        assert "Unknown intervention" in response.content.decode()
