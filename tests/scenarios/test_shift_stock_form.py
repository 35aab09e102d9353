"""The builder's volume shift says what happens to the moved SKUs' stock: reorder policies
unless the planner chooses otherwise, and a choice the form did not offer is refused."""

import html
import re

import pytest
from django.urls import reverse

from apps.accounts.roles import PLANNER
from apps.scenarios.drafts import draft_create

SHIFT_FORM = {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": "30"}


@pytest.fixture
def scenario(client, role_user, demo_network):
    user = role_user(PLANNER)
    client.force_login(user)
    comparison = draft_create(user=user)
    return comparison.scenarios.create(position=1, name="Shift NE to SE")


def test_the_shift_form_offers_the_stock_choices_and_refuses_another(client, scenario):
    args = [scenario.comparison_id, scenario.pk]
    form = client.get(reverse("scenarios:palette", args=args), {"kind": "ShiftVolume"})
    text = html.unescape(form.content.decode())
    chosen = re.findall(r'<option value="([a-z_]+)" selected>', text)
    assert chosen == ["policies"]
    assert '<option value="policies_and_transfer">' in text and '<option value="none">' in text
    # A choice the form did not offer is refused beside its field.
    check = reverse("scenarios:intervention-check", args=[scenario.comparison_id, scenario.pk])
    text = html.unescape(client.post(check, SHIFT_FORM | {"stock": "all"}).content.decode())
    assert re.search(
        rf'id="err-{scenario.pk}-stock"[^>]*>Stock of the moved SKUs must be one of the choices '
        r"offered, not 'all'\.<",
        text,
    )


def test_the_chosen_stock_is_saved_with_the_shift_and_said_in_words(client, scenario):
    add = reverse("scenarios:intervention-add", args=[scenario.comparison_id, scenario.pk])
    added = client.post(add, SHIFT_FORM | {"stock": "policies_and_transfer"})
    assert added.status_code == 200
    assert "NE sends it their share of its stock" in html.unescape(added.content.decode())
    blank = client.post(add, SHIFT_FORM | {"stock": ""})  # "—": the default
    assert blank.status_code == 200
    scenario.refresh_from_db()
    assert [i["stock"] for i in scenario.interventions] == ["policies_and_transfer", "policies"]
