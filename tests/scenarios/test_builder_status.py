"""The builder warns under a scenario, as the planner builds it and before any run, when the
scenario changes nothing (no intervention, or only ones that leave the network as it is)
and names each intervention that changes nothing; the run stays allowed."""

import re

import pytest
from django.urls import reverse

from apps.accounts.roles import PLANNER
from apps.scenarios.models import Comparison
from apps.scenarios.run_selectors import network_now

EMPTY = "This scenario changes nothing yet: with no intervention it runs as the baseline does."
NOTHING = "This scenario changes nothing: every intervention leaves the network as the baseline"


@pytest.fixture
def planner(client, role_user, demo_network):
    user = role_user(PLANNER)
    client.force_login(user)
    return user


def status_of(html: str) -> str:
    """The text of the scenario's status under its interventions, whitespace collapsed."""
    found = re.search(r"<div class=\"scenario-status\"[^>]*>(.*?)</div>\s*<label", html, re.S)
    assert found, html
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_builder_says_when_a_scenario_changes_nothing_and_still_runs_it(client, planner):
    client.post(reverse("scenarios:new"))
    comparison = Comparison.objects.get()
    added = client.post(
        reverse("scenarios:scenario-add", args=[comparison.pk]), {"name": "Same as today"}
    )
    assert EMPTY in added.content.decode()
    scenario = comparison.scenarios.get(name="Same as today")
    add = reverse("scenarios:intervention-add", args=[comparison.pk, scenario.pk])

    shift = network_now().parameters.labour.for_dc("NE").shifts[0]
    same = {"kind": "ChangeHeadcount", "dc": "NE", "role": "pickers", "delta": "0"}
    card = client.post(add, same | {"shift": shift.name})
    assert card.status_code == 200
    status = status_of(card.content.decode())
    assert NOTHING in status and "It can still run." in status
    assert "changes nothing, it adds and removes no one." in status

    # A real change beside it: the scenario changes something, the no-op is still named.
    card = client.post(add, {"kind": "Overtime", "dc": "NE", "hours_per_day": "1.5"})
    status = status_of(card.content.decode())
    assert NOTHING not in status and EMPTY not in status
    assert "changes nothing, it adds and removes no one." in status
    page = client.get(reverse("scenarios:edit", args=[comparison.pk])).content.decode()
    assert "changes nothing, it adds and removes no one." in page

    # Without the no-op, nothing to say.
    card = client.post(
        reverse("scenarios:intervention-remove", args=[comparison.pk, scenario.pk, 0])
    )
    assert status_of(card.content.decode()) == ""

    # A scenario that changes nothing is warned about, not refused.
    client.post(reverse("scenarios:scenario-add", args=[comparison.pk]), {"name": "Empty"})
    page = client.get(reverse("scenarios:edit", args=[comparison.pk])).content.decode()
    assert page.count(EMPTY) == 1
    submitted = client.post(reverse("scenarios:submit", args=[comparison.pk]))
    assert submitted.status_code == 302
    comparison.refresh_from_db()
    assert comparison.status == Comparison.Status.RUNNING
