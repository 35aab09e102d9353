"""The batch check's models bound times natively, and at each bound accept exactly what
the event-by-event check accepts; past one, they leave the batch to it."""

import json
from datetime import timedelta, timezone

import pytest

from apps.sources.batch_check import _BATCH, batch_check
from apps.sources.batch_schemas import AHEAD, BATCH_PAYLOADS
from apps.sources.schemas import EARLIEST, PAYLOADS, PROMISE_HORIZON
from apps.sources.selectors import master_data_codes
from apps.sources.validation import ValidEvent, event_validate
from tests.sources.events import NOW, event

# (type, payload field) of every time bounded ahead of receipt, as the schemas declare it.
AHEAD_FIELDS = {
    ("erp.order_created", "requested_by"),
    ("erp.po_created", "expected_at"),
    ("wms.pick_completed", "started_at"),
    ("tms.tracking", "at"),
    ("tms.tracking", "eta"),
}


def test_no_python_time_window_is_left_in_the_batch_parser():
    assert "TimeWindow" not in repr(_BATCH.core_schema)
    assert "TimeWindow" in repr(PAYLOADS["wms.pick_completed"].__pydantic_core_schema__)


def test_every_time_bounded_ahead_is_left_to_compare_after_parsing():
    listed = {
        (type_, name)
        for type_, model in BATCH_PAYLOADS.items()
        for name, ahead in AHEAD[model]
        if ahead == PROMISE_HORIZON
    }
    assert listed == AHEAD_FIELDS


def test_the_batch_models_keep_their_schemas_other_validators(demo_network):
    reading = event("iot.reading", kind="humidity", value=150.0)
    assert _checks(reading, "iot") == (False, False)


def _checks(item: dict, source: str) -> tuple[bool, bool]:
    """(accepted by the batch check, accepted event by event)."""
    master = master_data_codes()
    fast = batch_check(json.dumps([item]).encode(), source=source, master=master, now=NOW)
    slow = event_validate(item, index=0, master=master, now=NOW)
    if fast is not None:
        assert fast.valid_events() == [slow]
    return fast is not None, isinstance(slow, ValidEvent)


@pytest.mark.parametrize(("type_", "name"), sorted(AHEAD_FIELDS))
@pytest.mark.parametrize(
    ("moment", "valid"),
    [
        (NOW + PROMISE_HORIZON, True),
        (NOW + PROMISE_HORIZON + timedelta(microseconds=1), False),
        (EARLIEST, True),
        (EARLIEST - timedelta(microseconds=1), False),
    ],
)
def test_a_payload_time_at_its_bounds_is_checked_as_event_by_event(
    demo_network, type_, name, moment, valid
):
    for offset in (timedelta(0), timedelta(hours=5), timedelta(hours=-9, minutes=-30)):
        spelled = moment.astimezone(timezone(offset)).isoformat()
        item = event(type_, **{name: spelled})
        assert _checks(item, type_.split(".")[0]) == (valid, valid), (spelled, valid)


def test_an_occurred_at_before_the_earliest_is_checked_as_event_by_event(demo_network):
    for spelled, valid in [
        ("2000-01-01T00:00:00+00:00", True),
        ("2000-01-01T00:59:59+01:00", False),
        ("1999-12-31T23:30:00-01:00", True),
        ("0001-01-01T00:00:00+01:00", False),
    ]:
        item = {**event("wms.order_released"), "occurred_at": spelled}
        assert _checks(item, "wms") == (valid, valid), spelled
