"""The builder: drafts saved as they are edited, the palette's errors beside each field as
the planner types, clone, submit, planners only; and the twin's rebalance suggestions."""

import re

import pytest
from django.urls import reverse

from apps.accounts.roles import PLANNER, VIEWER
from apps.scenarios.drafts import comparison_clone, draft_create
from apps.scenarios.models import Comparison, Scenario
from apps.scenarios.run_selectors import network_now
from apps.scenarios.services import comparison_freeze
from apps.scenarios.specs import ScenarioInputError
from apps.scenarios.suggestions import rebalance_suggest
from tests.calibration.history import emulated_history

pytestmark = pytest.mark.slow

SHIFT_FORM = {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": "30"}


@pytest.fixture
def planner(client, role_user, demo_network):
    user = role_user(PLANNER)
    client.force_login(user)
    return user


def _draft_with_scenario(client) -> tuple[Comparison, Scenario]:
    response = client.post(reverse("scenarios:new"))
    comparison = Comparison.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "scenarios:edit", args=[comparison.pk]
    )
    added = client.post(
        reverse("scenarios:scenario-add", args=[comparison.pk]),
        {"name": "Shift NE to SE", "note": "cool NE down"},
    )
    assert added.status_code == 200 and "Shift NE to SE" in added.content.decode()
    return comparison, comparison.scenarios.get(name="Shift NE to SE")


def test_a_planner_builds_a_draft_that_is_saved_at_every_step(client, planner):
    comparison, _scenario = _draft_with_scenario(client)
    page = client.get(reverse("scenarios:edit", args=[comparison.pk])).content.decode()
    assert "Baseline" in page and "Shift NE to SE" in page and "Shift volume" in page

    settings_url = reverse("scenarios:edit-settings", args=[comparison.pk])
    settings = {"name": "NE relief", "note": "", "horizon_days": "7", "replications": "4"}
    bad = client.post(settings_url, settings | {"horizon_days": "90", "network.otif": "x"})
    text = bad.content.decode()
    assert bad.status_code == 422
    assert re.search(
        r'id="settings-err-horizon_days"[^>]*>Horizon \(days\) must be a number from 1 to 60\.<',
        text,
    )
    assert "OTIF: &#x27;x&#x27; is not a number" in text
    short = client.post(settings_url, settings | {"horizon_days": "1", "network.otif": "1"})
    assert short.status_code == 422 and "longer than the warm-up (24 h)" in short.content.decode()
    good = client.post(settings_url, settings | {"network.otif": "2", "network.complaints": "1"})
    assert good.status_code == 200 and "Saved." in good.content.decode()
    comparison.refresh_from_db()
    assert (comparison.name, comparison.horizon_days, comparison.replications) == (
        "NE relief",
        7,
        4,
    )
    assert comparison.weights == {"network.otif": 2.0, "network.complaints": 1.0}

    twice = client.post(
        reverse("scenarios:scenario-add", args=[comparison.pk]), {"name": "shift ne to se"}
    )
    assert twice.status_code == 422 and "already a scenario" in twice.content.decode()
    baseline = client.post(
        reverse("scenarios:scenario-add", args=[comparison.pk]), {"name": "baseline"}
    )
    assert baseline.status_code == 422 and "always included" in baseline.content.decode()


def test_the_palette_shows_each_fields_error_as_the_planner_types(client, planner):
    comparison, scenario = _draft_with_scenario(client)
    args = [comparison.pk, scenario.pk]
    form = client.get(reverse("scenarios:palette", args=args), {"kind": "ShiftVolume"})
    assert form.status_code == 200
    assert 'name="share"' in form.content.decode() and ">NE<" in form.content.decode()

    check = reverse("scenarios:intervention-check", args=args)
    typing = client.post(check, {"kind": "ShiftVolume", "from_dc": "NE", "share": "150"})
    text = typing.content.decode()
    assert typing.status_code == 200
    assert f'id="err-{scenario.pk}-share"' in text and "between 0 and 100%, got 150%" in text
    # A field not typed yet is not flagged while the planner types.
    assert f'id="err-{scenario.pk}-to_dc" role="alert" hx-swap-oob="true"></span>' in text
    unknown = client.post(check, SHIFT_FORM | {"to_dc": "ZZ"}).content.decode()
    assert "unknown DC &#x27;ZZ&#x27;" in unknown
    same = client.post(check, SHIFT_FORM | {"to_dc": "NE"}).content.decode()
    assert "To DC must differ from From DC." in same
    whole = client.post(check, SHIFT_FORM | {"regions": ["NEN"]}).content.decode()
    assert "✓ Serve 30% of NE&#x27;s orders for NEN from SE" in whole
    headcount = {"kind": "ChangeHeadcount", "dc": "SE", "role": "pickers", "delta": "2"}
    shiftless = client.post(check, headcount | {"shift": "Graveyard"}).content.decode()
    assert "SE has no shift &#x27;Graveyard&#x27;" in shiftless

    add = reverse("scenarios:intervention-add", args=args)
    refused = client.post(add, SHIFT_FORM | {"share": "", "to_dc": ""})
    text = refused.content.decode()
    assert refused.status_code == 422 and refused["HX-Retarget"] == f"#palette-{scenario.pk}"
    assert "is required" in text and "pick one" in text
    scenario.refresh_from_db()
    assert scenario.interventions == []

    added = client.post(add, SHIFT_FORM | {"regions": ["NEN", "MAT"]})
    assert added.status_code == 200
    assert "Serve 30% of NE&#x27;s orders for NEN, MAT from SE" in added.content.decode()
    scenario.refresh_from_db()
    assert scenario.interventions == [
        {
            "kind": "ShiftVolume",
            "from_dc": "NE",
            "to_dc": "SE",
            "share": 0.3,
            "regions": ["NEN", "MAT"],
            "sku_families": [],
            "stock": "policies",  # left at its default
        }
    ]
    client.post(add, {"kind": "Overtime", "dc": "SE", "hours_per_day": "2"})
    removed = client.post(reverse("scenarios:intervention-remove", args=[*args, 0]))
    assert removed.status_code == 200
    scenario.refresh_from_db()
    assert [i["kind"] for i in scenario.interventions] == ["Overtime"]


def test_submitting_needs_a_scenario_then_freezes_and_runs(client, planner):
    response = client.post(reverse("scenarios:new"))
    comparison = Comparison.objects.get()
    submit = reverse("scenarios:submit", args=[comparison.pk])
    empty = client.post(submit)
    assert empty.status_code == 422
    assert "Not run: add at least one scenario besides the baseline." in empty.content.decode()
    client.post(reverse("scenarios:scenario-add", args=[comparison.pk]), {"name": "More staff"})
    scenario = comparison.scenarios.get(name="More staff")
    client.post(
        reverse("scenarios:intervention-add", args=[comparison.pk, scenario.pk]),
        {"kind": "Overtime", "dc": "NE", "hours_per_day": "2"},
    )
    response = client.post(submit)
    assert response.status_code == 302
    assert response.url == reverse("scenarios:detail", args=[comparison.pk])
    comparison.refresh_from_db()
    assert comparison.status == Comparison.Status.RUNNING and comparison.snapshot
    # A submitted comparison is no longer a draft: its builder sends to its results, and
    # changing it is refused on the server.
    edit = client.get(reverse("scenarios:edit", args=[comparison.pk]))
    assert edit.status_code == 302 and edit.url == reverse("scenarios:detail", args=[comparison.pk])
    late = client.post(
        reverse("scenarios:scenario-add", args=[comparison.pk]), {"name": "Too late"}
    )
    assert late.status_code == 422 and "only a draft can be changed" in late.content.decode()
    assert not comparison.scenarios.filter(name="Too late").exists()


def test_a_clone_is_a_new_draft_with_the_same_settings_and_scenarios(client, planner):
    comparison, scenario = _draft_with_scenario(client)
    client.post(
        reverse("scenarios:intervention-add", args=[comparison.pk, scenario.pk]), SHIFT_FORM
    )
    comparison_freeze(comparison)
    comparison.status = Comparison.Status.DONE
    comparison.save()
    response = client.post(reverse("scenarios:clone", args=[comparison.pk]))
    copy = Comparison.objects.exclude(pk=comparison.pk).get()
    assert response.status_code == 302 and response.url == reverse("scenarios:edit", args=[copy.pk])
    assert copy.status == Comparison.Status.DRAFT and copy.name == f"Copy of {comparison.name}"
    assert copy.snapshot is None  # it will start from the state at its own submission
    assert [(s.name, s.interventions) for s in copy.scenarios.all()] == [
        (s.name, s.interventions) for s in comparison.scenarios.all()
    ]
    assert copy.created_by == planner


def test_viewers_cannot_build_or_change_anything(client, role_user, demo_network):
    comparison = draft_create(user=None)
    scenario = comparison.scenarios.get()
    client.force_login(role_user(VIEWER))
    pk = comparison.pk
    for name, args in [
        ("new", []),
        ("suggest", []),
        ("edit-settings", [pk]),
        ("scenario-add", [pk]),
        ("intervention-add", [pk, scenario.pk]),
        ("intervention-check", [pk, scenario.pk]),
        ("submit", [pk]),
        ("clone", [pk]),
        ("discard", [pk]),
    ]:
        assert client.post(reverse(f"scenarios:{name}", args=args)).status_code == 403, name
    assert client.get(reverse("scenarios:edit", args=[pk])).status_code == 403
    listing = client.get(reverse("scenarios:list")).content.decode()
    assert reverse("scenarios:new") not in listing and reverse("scenarios:suggest") not in listing
    assert Comparison.objects.count() == 1


def test_discard_deletes_a_draft_and_nothing_else(client, planner):
    draft = draft_create(user=planner, name="Try")
    kept = comparison_clone(draft, user=planner)
    kept.status = Comparison.Status.DONE
    kept.save()
    response = client.post(reverse("scenarios:discard", args=[draft.pk]))
    assert response.status_code == 302 and not Comparison.objects.filter(pk=draft.pk).exists()
    refused = client.post(reverse("scenarios:discard", args=[kept.pk]))
    assert refused.status_code == 409 and "only a draft can be changed" in refused.content.decode()
    assert Comparison.objects.filter(pk=kept.pk).exists()


def test_suggestions_need_a_measured_imbalance(client, planner):
    with pytest.raises(ScenarioInputError, match="no two DCs have a measured utilisation"):
        rebalance_suggest(user=planner, horizon_days=2, replications=2, run_now=False)
    page = client.post(
        reverse("scenarios:suggest"), {"horizon_days": "2", "replications": "2"}
    ).content.decode()
    assert "No two DCs have a measured utilisation" in page


def test_the_twin_suggests_rebalances_for_the_hot_and_the_cool_dc(client, planner):
    emulated_history(days=1)
    response = client.post(reverse("scenarios:suggest"), {"horizon_days": "2", "replications": "2"})
    comparison = Comparison.objects.get()
    assert response.url == reverse("scenarios:edit", args=[comparison.pk])  # not run: review
    assert comparison.status == Comparison.Status.DRAFT
    names = [s.name for s in comparison.scenarios.all()]
    # The demo network's NE runs hot and SE cool.
    expected = [
        f"{share}% NE→SE{via}{labour}"
        for share in (10, 20, 30, 40)
        for via in ("", " + XD1")
        for labour in ("", " + temp labour")
    ]
    assert names == ["Baseline", *expected]
    with_all = comparison.scenarios.get(name="30% NE→SE + XD1 + temp labour")
    kinds = [i["kind"] for i in with_all.interventions]
    assert kinds[:2] == ["ShiftVolume", "RouteViaCrossDock"] and "ChangeHeadcount" in kinds
    assert with_all.interventions[0]["share"] == 0.3
    # Why: the measured gap, the volume moved, the transit through the cross-dock and the
    # labour sizing, in numbers.
    note = with_all.note
    assert note.startswith("NE ran at ") and "the widest gap in the network" in note
    assert "regions MAT, NEN" in note or "regions NEN, MAT" in note
    assert "through XD1" in note and "Temporary labour at SE: pickers +" in note
    assert "NE would fall to about" in note
    # Each shift takes its stock along (reorder policies at SE and the moved share of NE's
    # stock), said in numbers; with labour, a headcount at SE sized to the moved workload.
    assert all(
        s.interventions[0]["stock"] == "policies_and_transfer"
        for s in comparison.scenarios.exclude(name="Baseline")
    )
    stock = re.search(
        r"Stock goes with the orders: SE takes reorder policies for the (\d+) SKUs moved "
        r"\((\d+) of which it has none for today\), sized to the moved [\d,]+ units a day .*"
        r"and NE sends it ([\d,]+) units at once",
        note,
    )
    assert stock and int(stock.group(1)) >= int(stock.group(2)) and stock.group(3) != "0"
    # Every candidate fits the network as it is now: freezing validates them all.
    comparison_freeze(comparison)
    assert comparison.versions == network_now().versions


def test_the_builder_flags_an_intervention_that_no_longer_fits(client, planner):
    comparison, scenario = _draft_with_scenario(client)
    shift = network_now().parameters.labour.for_dc("SE").shifts[0]
    cut = {
        "kind": "ChangeHeadcount",
        "dc": "SE",
        "role": "pickers",
        "delta": -shift.pickers,
        "shift": shift.name,
    }
    # Each alone fits; the second, after the first, would leave fewer than no pickers.
    scenario.interventions = [cut, cut]
    scenario.save()
    page = client.get(reverse("scenarios:edit", args=[comparison.pk])).content.decode()
    assert page.count("No longer fits the network now") == 1
    assert f"would leave {-shift.pickers} pickers: below zero" in page


def test_a_volume_shift_for_a_region_its_dc_does_not_serve_is_refused(client, planner):
    comparison, scenario = _draft_with_scenario(client)
    added = client.post(
        reverse("scenarios:intervention-add", args=[comparison.pk, scenario.pk]),
        SHIFT_FORM | {"share": "15", "regions": ["WST"]},
    )
    text = added.content.decode()
    assert added.status_code == 422
    assert "Regions: region WST is not served by NE: choose one of MAT, NEN." in text
    assert "✓" not in text
    scenario.refresh_from_db()
    assert scenario.interventions == []
