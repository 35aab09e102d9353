"""manage.py load_demo: the demo network's size and shape, and idempotence."""

import json
from io import StringIO

from django.contrib.auth.models import User
from django.core import serializers
from django.core.management import call_command

from apps.network.demo import DEMO_NETWORK_FIXTURE
from apps.network.models import CrossDock, Customer, DistributionCenter, Lane, Region, Shift, Sku
from apps.world.network import demo_sizing


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> str:
    rows = []
    for model in (Region, DistributionCenter, Shift, CrossDock, Sku, Customer, Lane):
        rows.extend(json.loads(serializers.serialize("json", model.objects.order_by("pk"))))
    return json.dumps(rows, sort_keys=True)


def test_it_loads_four_dcs_and_enough_skus_customers_and_carriers(db):
    output = load_demo()
    assert set(DistributionCenter.objects.values_list("code", flat=True)) == {"NE", "SE", "MW", "W"}
    assert Sku.objects.count() >= 240
    assert Sku.objects.values("family").distinct().count() >= 8
    assert Customer.objects.count() >= 60
    assert Customer.objects.values("region").distinct().count() == Region.objects.count()
    assert set(Customer.objects.values_list("sla_tier", flat=True)) == {
        "platinum",
        "gold",
        "standard",
    }
    assert Lane.objects.values("carrier").distinct().count() >= 4
    assert "DCs 4" in output


def test_lanes_cover_every_dc_and_the_cross_dock_to_every_region(db):
    load_demo()
    regions = set(Region.objects.values_list("code", flat=True))
    for dc in DistributionCenter.objects.all():
        assert set(dc.lanes.values_list("destination__code", flat=True)) == regions, dc.code
    for cross_dock in CrossDock.objects.all():
        assert set(cross_dock.lanes.values_list("destination__code", flat=True)) == regions


def test_nearby_regions_are_faster_and_cheaper_than_far_ones(db):
    load_demo()
    home = Lane.objects.get(origin_dc__code="NE", destination__code="MAT", mode="ground")
    far = Lane.objects.get(origin_dc__code="NE", destination__code="WST", mode="ground")
    assert home.transit_hours_median < far.transit_hours_median
    assert home.cost_usd_per_shipment < far.cost_usd_per_shipment
    expedited = Lane.objects.get(origin_dc__code="NE", destination__code="WST", mode="expedited")
    assert expedited.transit_hours_median < far.transit_hours_median
    assert expedited.cost_usd_per_shipment > far.cost_usd_per_shipment


def test_loading_twice_changes_nothing(db):
    load_demo("--users")
    first = snapshot()
    users = list(User.objects.order_by("pk").values_list("username", "password"))
    output = load_demo("--users")
    assert snapshot() == first
    assert list(User.objects.order_by("pk").values_list("username", "password")) == users
    assert "kept its password" in output


def test_demo_users_only_in_development_or_when_asked(db, settings):
    settings.DEBUG = False
    load_demo()
    assert not User.objects.exists()
    output = load_demo("--users")
    assert {u.username for u in User.objects.all()} == {"viewer", "planner", "approver", "admin"}
    assert User.objects.get(username="planner").groups.get().name == "planner"
    assert "twin-demo" in output


def test_the_committed_fixture_is_what_the_builder_writes():
    assert demo_sizing().render() == DEMO_NETWORK_FIXTURE.read_text()


def test_headcount_is_sized_for_the_northeast_southeast_imbalance():
    """NE near 94% and SE near 62% labour utilisation at the planned demo demand."""
    builder = demo_sizing()
    fixture = json.loads(DEMO_NETWORK_FIXTURE.read_text())
    dc_pk = {
        o["fields"]["code"]: o["pk"] for o in fixture if o["model"] == "network.distributioncenter"
    }
    planned = {}
    for code, _name, _region, _lat, _lon, share, _target, pick, pack, _wage in builder.DCS:
        shifts = [
            o["fields"]
            for o in fixture
            if o["model"] == "network.shift" and o["fields"]["dc"] == dc_pk[code]
        ]
        planned[code] = builder.planned_utilisation(shifts, share, pick, pack)
    for day in ("weekday", "weekend"):
        assert abs(planned["NE"][day] - 0.94) <= 0.01
        assert abs(planned["SE"][day] - 0.62) <= 0.01
