"""Two clients posting overlapping batches to a real daphne store every event exactly once."""

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apps.sources.models import Event
from apps.sources.tokens import source_token_create
from tests.sources.events import event

pytestmark = pytest.mark.slow


def test_overlapping_batches_from_two_clients_store_each_event_once(start_daphne, demo_network):
    token = source_token_create(source="wms")
    base_url = start_daphne()
    events = [event("wms.order_released", event_id=f"race-{i}") for i in range(600)]
    # Client A sends 0–399, client B 200–599, each in batches of 50: 200 events overlap.
    batches_a = [events[i : i + 50] for i in range(0, 400, 50)]
    batches_b = [events[i : i + 50] for i in range(200, 600, 50)]

    def send(batches):
        totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
        with httpx.Client(base_url=base_url, timeout=30) as http:
            for batch in batches:
                response = http.post(
                    "/api/v1/events",
                    content=json.dumps(batch),
                    headers={"Authorization": f"Bearer {token}",
                             "Content-Type": "application/json"},
                )  # fmt: skip
                response.raise_for_status()
                for key in totals:
                    totals[key] += response.json()[key]
        return totals

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(send, [batches_a, batches_b])
    assert a["accepted"] + b["accepted"] == 600
    assert a["duplicate"] + b["duplicate"] == 200
    assert a["rejected"] + b["rejected"] == 0
    assert Event.objects.count() == 600
    assert Event.objects.values("event_id").distinct().count() == 600
