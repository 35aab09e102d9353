"""Calibration's payload rows name exactly the fields of their event types' schemas."""

from typing import get_type_hints

from apps.calibration.payloads import ROWS, OrderLineRow, TimedTaskRow
from apps.sources.schemas import PAYLOADS, OrderLine


def test_each_row_type_has_its_schemas_fields():
    for event_type, row in ROWS.items():
        fields = set(PAYLOADS[event_type].model_fields)
        keys = set(get_type_hints(row))
        assert keys <= fields, f"{event_type}: {sorted(keys - fields)} not in its schema"
        if row.__name__ != "OrderIdRow":  # reads one field of two event types
            assert keys == fields, f"{event_type}: {sorted(fields - keys)} missing"
    assert set(get_type_hints(OrderLineRow)) == set(OrderLine.model_fields)


def test_a_row_is_optional_where_its_schema_has_a_default_or_old_events_lack_it():
    for event_type, row in ROWS.items():
        schema = PAYLOADS[event_type]
        for name in row.__optional_keys__:
            default = schema.model_fields[name].is_required() is False
            assert default or (event_type, name) == ("tms.tender", "rate"), (event_type, name)


def test_pick_and_pack_share_the_timed_task_fields():
    for event_type in ("wms.pick_completed", "wms.pack_completed"):
        assert set(get_type_hints(TimedTaskRow)) <= set(PAYLOADS[event_type].model_fields)
