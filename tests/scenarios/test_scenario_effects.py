"""A scenario's interventions judged on the frozen inputs before they run: the ones that change
nothing say why, the inputs its changes rest on that calibration has not fitted are named,
and both are said beside the results."""

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import VIEWER
from apps.scenarios.effects import otif_coverage, scenario_effects
from apps.scenarios.models import Comparison
from apps.scenarios.selectors import comparison_document
from apps.scenarios.services import baseline_add
from apps.simulation.interventions import (
    ChangeCarrier,
    ChangeHeadcount,
    ChangeReorderPolicy,
    Overtime,
    RouteViaCrossDock,
    ShiftVolume,
    TransferStock,
)
from apps.simulation.logistics import LaneTransit
from apps.simulation.serialization import intervention_to_jsonable, to_jsonable
from tests.scenarios.test_honest_uncertainty import comparison_of
from tests.simulation.builders import demo_network


def ground_lane(snapshot, origin: str, region: str):
    """The lane a route ships on when no carrier is named: its cheapest ground lane."""
    return min(
        (lane for lane in snapshot.lanes if (lane.origin, lane.destination) == (origin, region)),
        key=lambda lane: (lane.mode != "ground", lane.cost_usd_per_shipment),
    )


def test_interventions_that_leave_the_inputs_as_they_are_say_why():
    snapshot, parameters = demo_network()
    lane = ground_lane(snapshot, "NE", "NEN")
    policy = next(p for p in parameters.supply.policies if p.dc == "NE")
    cases = {
        ChangeCarrier(lane.code, lane.carrier): f"that route already ships with {lane.carrier}",
        ChangeHeadcount("NE", "pickers", 0, "Day"): "it adds and removes no one",
        ChangeReorderPolicy(
            (policy.sku,), "NE", policy.reorder_point, policy.reorder_quantity
        ): "those SKUs already reorder that way at NE",
    }
    for intervention, why in cases.items():
        effects = scenario_effects(snapshot, parameters, [intervention])
        assert effects.no_ops == (f"{intervention.describe()}: changes nothing, {why}.",)
        assert effects.changes_nothing and effects.assumptions == ()
    # The same overtime twice: the second changes nothing, the scenario still something.
    twice = scenario_effects(snapshot, parameters, [Overtime("NE", 2.0), Overtime("NE", 2.0)])
    assert twice.no_ops == (
        "Work 2 h of overtime a day at NE: changes nothing, NE already works 2 h of overtime "
        "a day.",
    )
    assert not twice.changes_nothing
    assert scenario_effects(snapshot, parameters, []).changes_nothing


def test_a_shift_from_a_dc_that_serves_no_region_changes_nothing():
    snapshot, parameters = demo_network()
    # MW's one region handed to W: MW serves none, so it has no orders to move.
    regions = tuple(replace(r, home_dc="W") if r.home_dc == "MW" else r for r in snapshot.regions)
    effects = scenario_effects(replace(snapshot, regions=regions), parameters, [
        ShiftVolume("MW", "SE", 0.3)
    ])  # fmt: skip
    assert effects.no_ops == (
        "Serve 30% of MW's orders from SE; SE reorders the moved SKUs for the demand it takes "
        "over: changes nothing, MW serves no region, so it has no orders to move.",
    )
    assert effects.changes_nothing


@pytest.mark.parametrize(
    "intervention",
    [
        ShiftVolume("NE", "SE", 0.3),
        ChangeHeadcount("NE", "pickers", 2, "Day"),
        Overtime("SE", 1.5),
        TransferStock(("SKU-0001",), "NE", "SE", 1),
    ],
)
def test_an_intervention_that_changes_the_inputs_is_no_no_op(intervention):
    snapshot, parameters = demo_network()
    if isinstance(intervention, TransferStock):
        stock = next(p for p in snapshot.stock if p.dc == "NE" and p.on_hand > 0)
        intervention = replace(intervention, skus=(stock.sku,))
    effects = scenario_effects(snapshot, parameters, [intervention])
    assert effects.no_ops == () and not effects.changes_nothing


def test_a_shift_names_the_unobserved_lanes_and_the_new_sku_assumptions_it_rests_on():
    snapshot, parameters = demo_network()
    shift = ShiftVolume("NE", "SE", 0.3)
    lanes = sorted(ground_lane(snapshot, "SE", region).code for region in ("NEN", "MAT"))
    [transit, new_skus] = scenario_effects(snapshot, parameters, [shift]).assumptions
    assert transit == (
        f"Transit on {', '.join(lanes)} is master data's plan: those lanes have no delivery "
        "in the calibrated log"
    )
    assert new_skus.startswith("SE picks 84 SKUs new to it: the error rate on SKUs new to a DC")
    assert "pick time (×1.6 a known SKU's) is the default, not fitted" in new_skus

    # Fitted transit and a fitted learning curve: only the error rate is left to assume.
    fitted = replace(
        parameters,
        logistics=replace(
            parameters.logistics, lane_transit=tuple(LaneTransit(c, 30.0, 0.3) for c in lanes)
        ),
        labour=replace(parameters.labour, new_sku_time_factor=1.42),
    )
    [only] = scenario_effects(snapshot, fitted, [shift]).assumptions
    assert only.startswith("SE picks 84 SKUs new to it") and "default" not in only

    # SE without stock or a reorder policy for the SKUs new to it: the orders wait.
    new = {s.code for s in snapshot.skus} - set(
        next(d for d in snapshot.dcs if d.code == "SE").handled_skus
    )
    bare = replace(
        fitted,
        supply=replace(
            fitted.supply,
            policies=tuple(
                p for p in fitted.supply.policies if not (p.dc == "SE" and p.sku in new)
            ),
        ),
    )
    unstocked = replace(
        snapshot, stock=tuple(p for p in snapshot.stock if not (p.dc == "SE" and p.sku in new))
    )
    # A shift brings reorder policies for the moved SKUs by default; one that leaves stock
    # as it is (stock="none") leaves SE without any.
    assert not any(
        "reorder policy" in a for a in scenario_effects(unstocked, bare, [shift]).assumptions
    )
    shift = replace(shift, stock="none")
    said = scenario_effects(unstocked, bare, [shift]).assumptions
    assert said[-1] == (
        "SE has no stock, transfer or reorder policy for 84 of those SKUs: orders for them "
        "cannot be picked there, and nothing in the scenario brings any"
    )
    # Stock on hand but no policy (calibration learns one only where it saw purchase
    # orders): it lasts until it runs out. A transfer of some of them is stock too.
    [*_, finite] = scenario_effects(snapshot, bare, [shift]).assumptions
    assert finite == (
        "SE has no reorder policy for 84 of those SKUs: once the stock it holds of them runs "
        "out, nothing replenishes it"
    )
    moved = sorted(new)[:4]
    transfer = TransferStock(tuple(moved), "NE", "SE", 1)
    said = scenario_effects(unstocked, bare, [shift, transfer]).assumptions
    assert "no stock, transfer or reorder policy for 80 of those SKUs" in said[-2]
    assert said[-1].startswith("SE has no reorder policy for 4 of those SKUs")


def test_a_cross_dock_route_names_its_master_data_dwell_and_fee():
    snapshot, parameters = demo_network()
    dock = snapshot.cross_docks[0]
    said = scenario_effects(snapshot, parameters, [RouteViaCrossDock(("NEN",), dock.code)])
    assert said.assumptions[-1] == (
        f"Cross-dock {dock.code}'s dwell ({dock.dwell_hours_median:g} h) and fee "
        f"(${dock.fee_usd_per_shipment:,.2f} a shipment) are master data: calibration does not "
        "fit them"
    )
    assert ground_lane(snapshot, dock.code, "NEN").code in said.assumptions[0]


@pytest.mark.django_db
def test_the_results_say_which_interventions_change_nothing_and_what_rests_on_assumptions(
    client, role_user
):
    snapshot, parameters = demo_network()
    lane = ground_lane(snapshot, "NE", "NEN")
    same_carrier = intervention_to_jsonable(ChangeCarrier(lane.code, lane.carrier))
    shift = intervention_to_jsonable(ShiftVolume("NE", "SE", 0.3))
    same = [(0.9, 1000.0), (0.92, 1010.0)]
    comparison = comparison_of(
        {"Baseline": same, "Same carrier": same, "Shift": [(0.95, 990.0), (0.96, 995.0)]},
        interventions={"Same carrier": [same_carrier], "Shift": [shift, same_carrier]},
    )
    comparison.snapshot, comparison.parameters = to_jsonable(snapshot), to_jsonable(parameters)
    comparison.save()

    rows = {row.name: row for row in comparison_document(comparison).ranking.scenarios}
    no_op = f"Use carrier {lane.carrier} on {lane.code}'s route: changes nothing"
    assert rows["Same carrier"].changes_nothing.startswith("Its interventions touch nothing")
    assert no_op in rows["Same carrier"].changes_nothing
    assert rows["Same carrier"].no_ops == () and rows["Same carrier"].assumptions == ()
    assert rows["Shift"].changes_nothing == ""
    assert [s.split(":")[0] for s in rows["Shift"].no_ops] == [no_op.split(":")[0]]
    assert len(rows["Shift"].assumptions) == 2
    assert rows["Baseline"].no_ops == rows["Baseline"].assumptions == ()

    client.force_login(role_user(VIEWER))
    text = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert text.count("data-no-op") == 1 and text.count("data-assumption>") == 2
    assert text.count("data-rests-on-assumptions") == 1
    assert "Rests on inputs no calibration has fitted:" in text
    assert "<li data-assumption>SE picks 84 SKUs new to it" in text


@pytest.mark.django_db
def test_an_intervention_the_frozen_inputs_no_longer_take_is_said_not_judged(client, role_user):
    snapshot, parameters = demo_network()
    stale = {"kind": "ChangeHeadcount", "dc": "NE", "role": "pickers", "delta": 1, "shift": "Gone"}
    runs = [(0.9, 1000.0), (0.92, 1010.0)]
    comparison = comparison_of(
        {"Baseline": runs, "Stale": [(0.91, 1000.0), (0.93, 1010.0)]},
        interventions={"Stale": [stale]},
    )
    comparison.snapshot, comparison.parameters = to_jsonable(snapshot), to_jsonable(parameters)
    comparison.save()
    client.force_login(role_user(VIEWER))
    response = client.get(reverse("scenarios:detail", args=[comparison.pk]))
    assert response.status_code == 200
    assert "its interventions could not be judged on the frozen inputs" in response.content.decode()
    assert "NE has no shift &#x27;Gone&#x27;" in response.content.decode()


@pytest.mark.django_db
def test_a_running_comparison_already_says_which_scenario_changes_nothing(client, role_user):
    snapshot, parameters = demo_network()
    comparison = Comparison.objects.create(
        name="Running", replications=2, status=Comparison.Status.RUNNING,
        submitted_at=timezone.now(), as_of=timezone.now(),
        snapshot=to_jsonable(snapshot), parameters=to_jsonable(parameters),
    )  # fmt: skip
    baseline_add(comparison)
    zero = intervention_to_jsonable(ChangeHeadcount("NE", "pickers", 0, "Day"))
    comparison.scenarios.create(position=1, name="Nobody hired", interventions=[zero])
    scenarios = {s.name: s for s in comparison_document(comparison).scenarios}
    assert scenarios["Nobody hired"].no_ops == (
        "Add 0 pickers on NE's Day shift: changes nothing, it adds and removes no one.",
    )
    assert scenarios["Baseline"].no_ops == scenarios["Baseline"].assumptions == ()

    client.force_login(role_user(VIEWER))
    text = client.get(reverse("scenarios:detail", args=[comparison.pk])).content.decode()
    assert 'data-scenario-caveats="Nobody hired"' in text
    assert "changes nothing, it adds and removes no one." in text


PROMISES = {"platinum": 24.0, "gold": 48.0, "standard": 72.0}


@pytest.mark.parametrize(
    ("horizon", "warmup", "said"),
    [
        (336, 24, ""),
        (73, 24, ""),
        (
            48,
            6,
            "OTIF here judges the platinum (24 h) orders only: over 42 h after a 6 h warm-up, no "
            "gold (48 h) or standard (72 h) order the run places falls due before it ends. A "
            "horizon longer than 72 h would judge every tier.",
        ),
        (
            24,
            6,
            "OTIF judges no order here: over 18 h after a 6 h warm-up, no order the run places "
            "falls due before it ends (promises: platinum (24 h), gold (48 h) and standard "
            "(72 h)). A horizon longer than 72 h would judge every tier.",
        ),
    ],
)
def test_a_horizon_too_short_for_a_promise_says_which_orders_otif_judges(horizon, warmup, said):
    assert otif_coverage(PROMISES, horizon_hours=horizon, warmup_hours=warmup) == said
