"""The one-pass check of a JSON batch accepts exactly what the event-by-event check accepts,
in the same stored form, and leaves every doubtful batch to it."""

import itertools
import json
from datetime import UTC, datetime

import pytest

from apps.sources.batch_check import batch_check
from apps.sources.models import DeadLetter, Event
from apps.sources.selectors import master_data_codes
from apps.sources.services import events_ingest, events_ingest_json
from apps.sources.validation import ValidEvent, event_validate
from apps.world.enterprise import Emulator
from tests.sources.events import NOW, PAYLOADS, event


def _event_by_event(items: list, master, now) -> list:
    return [event_validate(item, index=i, master=master, now=now) for i, item in enumerate(items)]


def test_it_checks_an_emulated_stream_exactly_as_event_by_event(demo_network):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    stream = list(itertools.islice(Emulator(start=start, days=2, seed=3).events(), 3000))
    master, now = master_data_codes(), datetime(2026, 10, 4, tzinfo=UTC)
    checked = 0
    for source in {item["source"] for item in stream}:
        items = [item for item in stream if item["source"] == source]
        fast = batch_check(json.dumps(items).encode(), source=source, master=master, now=now)
        fast = fast.valid_events()
        assert fast == _event_by_event(items, master, now)
        checked += len(fast)
    assert checked == len(stream)


def test_it_checks_every_event_type_exactly_as_event_by_event(demo_network):
    master = master_data_codes()
    for type_ in PAYLOADS:
        items = [event(type_), event(type_)]
        body = json.dumps(items).encode()
        fast = batch_check(body, source=type_.split(".")[0], master=master, now=NOW).valid_events()
        slow = _event_by_event(items, master, NOW)
        assert all(isinstance(checked, ValidEvent) for checked in slow)
        assert fast == slow, type_


def _changed(**changes) -> bytes:
    item = event("erp.inventory_moved")
    for name, value in changes.items():
        if name in item:
            item[name] = value
        else:
            item["payload"][name] = value
    return json.dumps([event("erp.order_cancelled"), item]).encode()


@pytest.mark.parametrize(
    "body",
    [
        _changed(qty=0),  # out of the schema's bounds
        _changed(to_dc="XX"),  # unknown master data
        json.dumps(
            [
                event(
                    "erp.order_created",
                    lines=[{"sku": "FAS-0001", "qty": 1}, {"sku": "XX", "qty": 1}],
                )
            ]
        ).encode(),
        _changed(source="wms"),  # another source than the token's
        _changed(type="erp.nothing"),  # an unknown type
        _changed(occurred_at="2027-01-01T00:00:00+00:00"),  # too far ahead of receipt
        _changed(sku="A\u0000B"),  # a NUL the parser would let through
        _changed(sku="\\u0000"),  # an escaped backslash: only a suspicion
        _changed(sku="\ud800"),  # a lone surrogate
        _changed(qty=float("nan")),
        b'{"event_id": "e-1"}',  # not an array
        b"[",  # not JSON
        "[\u00e9]".encode("latin-1"),  # not UTF-8
    ],
)
def test_it_leaves_a_doubtful_batch_to_the_event_by_event_check(demo_network, body):
    assert batch_check(body, source="erp", master=master_data_codes(), now=NOW) is None


def test_it_leaves_a_batch_over_the_event_limit_to_the_event_by_event_check(demo_network, settings):
    settings.TWIN_INGEST_MAX_EVENTS = 1
    body = json.dumps([event("erp.order_cancelled"), event("erp.order_cancelled")]).encode()
    assert batch_check(body, source="erp", master=master_data_codes(), now=NOW) is None


def test_a_conflict_in_a_flawless_batch_is_dead_lettered_as_sent(post):
    first = event("erp.order_cancelled")
    again = {**first, "payload": {"order_id": "SO-2"}}
    answer = post([first, again]).json()
    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    assert answer["rejections"][0]["index"] == 1 and answer["rejections"][0]["field"] == "event_id"
    assert json.loads(DeadLetter.objects.get().raw) == again
    assert Event.objects.get().payload == first["payload"]


def test_a_key_sent_twice_counts_once_with_its_last_value_as_event_by_event(demo_network):
    master = master_data_codes()
    item = event("erp.inventory_moved")
    text = json.dumps(item).replace('"qty": 40', '"qty": 40, "qty": 41')
    text = text.replace(
        '"type": "erp.inventory_moved"', '"type": "erp.x", "type": "erp.inventory_moved"'
    )
    assert text.count('"qty"') == 2 and text.count('"type"') == 2
    fast = batch_check(f"[{text}]".encode(), source="erp", master=master, now=NOW).valid_events()
    assert fast == _event_by_event([json.loads(text)], master, NOW)
    assert fast[0].payload["qty"] == 41


def _logged() -> list[tuple]:
    fields = ("id", "source", "event_id", "type", "occurred_at", "payload", "dc", "order_id",
              "shipment_id")  # fmt: skip
    return list(Event.objects.order_by("id").values_list(*fields))


@pytest.mark.django_db(transaction=True)
def test_a_flawless_stream_is_logged_exactly_as_event_by_event(demo_network):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    stream = list(itertools.islice(Emulator(start=start, days=2, seed=5).events(), 2000))
    received = datetime(2026, 10, 4, tzinfo=UTC)
    batches = [stream[at : at + 100] for at in range(0, len(stream), 100)]
    sources = ("erp", "wms", "tms", "crm", "iot")
    batches = [
        [item for item in batch if item["source"] == s] for batch in batches for s in sources
    ]
    for batch in filter(None, batches):
        body = json.dumps(batch).encode()
        result = events_ingest_json(body=body, source=batch[0]["source"], received_at=received)
        assert (result.accepted, result.rejected) == (len(batch), 0)
    at_once = _logged()
    Event.objects.all().delete()
    for batch in filter(None, batches):
        assert events_ingest(items=batch, received_at=received).accepted == len(batch)
    assert [row[1:] for row in _logged()] == [row[1:] for row in at_once]
    assert [row[0] for row in at_once] == sorted(row[0] for row in at_once)


def test_a_resend_with_one_event_changed_counts_duplicates_and_rejects_the_change(post):
    sent = [event("erp.order_cancelled") for _ in range(3)]
    assert post(sent).json()["accepted"] == 3
    changed = {**sent[1], "payload": {"order_id": "SO-9"}}
    answer = post([sent[0], changed, sent[2]]).json()
    assert (answer["accepted"], answer["duplicate"], answer["rejected"]) == (0, 2, 1)
    assert answer["rejections"][0]["index"] == 1
    assert "already stored" in answer["rejections"][0]["reason"]
    assert json.loads(DeadLetter.objects.get().raw) == changed
