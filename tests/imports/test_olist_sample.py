"""The real Olist sample through the ready mapping: every order accounted for, twice over."""

from pathlib import Path

import pytest
from django.conf import settings

from apps.imports.failures import IMPOSSIBLE_TIME, NO_ITEMS
from apps.imports.mapping import mapping_validate
from apps.imports.models import ImportRun
from apps.imports.services import import_run
from apps.network.models import Carrier, Customer, DistributionCenter, Lane, Region, Sku
from apps.sources.models import DeadLetter, Event
from tests.imports.conftest import shared_data

SAMPLE = shared_data() / "olist-sample"
MAPPING = Path(settings.BASE_DIR) / "fixtures" / "mappings" / "olist.json"
# The sample's known flaws, each a stated reason: 68 orders have no items; 19 were handed to
# the carrier before they were purchased (their shipped event is not made).
EXPLAINED = {NO_ITEMS: 68, IMPOSSIBLE_TIME: 19}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (SAMPLE / "olist_orders_dataset.csv").is_file(),
        reason=f"the Olist sample is not at {SAMPLE} (set TWIN_SHARED_DATA to its parent)",
    ),
]


def network_counts() -> dict[str, int]:
    models = (DistributionCenter, Region, Sku, Customer, Carrier, Lane)
    return {model.__name__: model.objects.count() for model in models}


def test_the_sample_imports_8000_orders_with_every_rejection_explained_and_once_only():
    mapping = mapping_validate(MAPPING.read_text())
    files = sorted(SAMPLE.glob("*.csv"))
    run = import_run(files=files, mapping=mapping, master_data=True)
    assert run.status == ImportRun.Status.SUCCEEDED, run.error
    assert run.rows_read == 8000
    assert run.orders + run.failures_by_category[NO_ITEMS] == 8000
    assert run.failures_by_category == EXPLAINED
    assert run.events_rejected == 0 and not DeadLetter.objects.exists()
    assert network_counts() == {"DistributionCenter": 4, "Region": 27, "Sku": 5622,
                                "Customer": 7932, "Carrier": 1, "Lane": 96}  # fmt: skip
    assert set(DistributionCenter.objects.values_list("code", flat=True)) == {
        "SP", "SE", "SUL", "NNECO",
    }  # fmt: skip
    # The first order of the orders file, event by event (contract: Brazil's local times).
    order = "b9a6c5f5df52c7226ac85aee7524c27f"
    stored = {e.event_id.rsplit(":", 1)[1]: e for e in Event.objects.filter(order_id=order)}
    stored["delivered"] = Event.objects.get(event_id=f"olist:{order}:delivered")
    assert stored["created"].payload == {
        "order_id": order, "customer": "f160aaf480efdfa7268f0fa535f73e76", "dc": "SP",
        "lines": [{"sku": "176b54e1ca47c0ec2bc2e298a76adf9a", "qty": 1}],
        "requested_by": "2018-07-17T23:59:59-03:00",
    }  # fmt: skip
    assert stored["created"].occurred_at.isoformat() == "2018-06-12T23:07:44+00:00"
    assert stored["shipped"].payload["carrier"] == "OLIST"
    assert stored["delivered"].payload["at"] == "2018-06-19T12:44:08-03:00"
    assert Customer.objects.get(code=stored["created"].payload["customer"]).region.code == "RS"
    accepted = run.events_accepted
    assert accepted == Event.objects.count() == 7932 + 7838 + 7773 + 40
    again = import_run(files=files, mapping=mapping, master_data=True)
    assert (again.events_accepted, again.events_duplicate, again.events_rejected) == (
        0, accepted, 0,
    )  # fmt: skip
    assert Event.objects.count() == accepted
    assert network_counts()["Customer"] == 7932 and network_counts()["Lane"] == 96
