"""The builder page gives every element its own id: a label finds its input, and a screen
reader reads the right one."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from apps.accounts.roles import PLANNER
from apps.scenarios.models import Comparison

pytestmark = pytest.mark.slow


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]


def ids_of(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return parser.ids


def test_every_id_on_the_builder_page_is_unique(client, role_user, demo_network):
    client.force_login(role_user(PLANNER))
    client.post(reverse("scenarios:new"))
    comparison = Comparison.objects.get()
    for name in ("Shift NE to SE", "Shift NE to MW"):
        client.post(reverse("scenarios:scenario-add", args=[comparison.pk]), {"name": name})
    added_scenarios = comparison.scenarios.exclude(name="Baseline").order_by("position")
    for scenario, to_dc in zip(added_scenarios, ("SE", "MW"), strict=True):
        added = client.post(
            reverse("scenarios:intervention-add", args=[comparison.pk, scenario.pk]),
            {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": to_dc, "share": "30"},
        )
        assert added.status_code == 200
    page = client.get(reverse("scenarios:edit", args=[comparison.pk])).content.decode()
    assert "Shift NE to MW" in page and page.count("Shift volume") >= 2
    ids = ids_of(page)
    assert {"id_name", "scenario_name"} <= set(ids)  # both forms are on the page
    assert [i for i, n in Counter(ids).items() if n > 1] == []
