"""Every bounded number and time of every event type: accepted up to its bound, named past it."""

import copy
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, get_args, get_origin

import pytest
from annotated_types import Ge, Gt, Le, Lt
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import BaseModel

from apps.sources.models import Event
from apps.sources.schemas import PAYLOADS, READING_RANGES, Envelope, TimeWindow
from apps.sources.selectors import master_data_codes
from apps.sources.services import Rejection, ValidEvent, event_validate, events_ingest
from tests.sources.events import NOW, event

# The bounds are read from the schemas themselves (field metadata), so these tests follow
# any change to a bound instead of repeating it.

# Validation takes the time of receipt from its caller; these tests receive at NOW.
RECEIVED_AT = NOW
# The smallest step of a money amount: the schemas keep 4 decimals.
DECIMAL_STEP = Decimal("0.0001")
PROPERTY = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@dataclass(frozen=True)
class NumberBound:
    """One bounded number of one event type, as its schema states it."""

    event_type: str
    path: tuple[str | int, ...]  # inside the payload
    kind: type
    low: Any
    low_inclusive: bool
    high: Any
    high_inclusive: bool
    changes: tuple[tuple[str, Any], ...] = ()  # other payload fields this case sets

    @property
    def field(self) -> str:
        text = "payload"
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text

    def __str__(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.changes)
        return f"{self.event_type}:{self.field}{extra}"


def _number_kind(annotation: Any) -> type | None:
    if annotation in (int, float, Decimal):
        return annotation
    return None


def _model_bounds(model: type[BaseModel], event_type: str, prefix: tuple) -> list[NumberBound]:
    found = []
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        item = get_args(info.annotation)[0] if get_origin(info.annotation) is list else None
        if isinstance(item, type) and issubclass(item, BaseModel):
            found.extend(_model_bounds(item, event_type, (*path, 0)))
            continue
        kind = _number_kind(info.annotation)
        if kind is None:
            continue
        low = high = None
        low_inclusive = high_inclusive = True
        for constraint in info.metadata:
            if isinstance(constraint, Ge):
                low = constraint.ge
            elif isinstance(constraint, Gt):
                low, low_inclusive = constraint.gt, False
            elif isinstance(constraint, Le):
                high = constraint.le
            elif isinstance(constraint, Lt):
                high, high_inclusive = constraint.lt, False
        found.append(NumberBound(event_type, path, kind, low, low_inclusive, high, high_inclusive))
    return found


def number_bounds() -> list[NumberBound]:
    """Every number field of every payload; an iot.reading's value once per sensor kind."""
    bounds = []
    for event_type, model in sorted(PAYLOADS.items()):
        for bound in _model_bounds(model, event_type, ()):
            if (event_type, bound.path) == ("iot.reading", ("value",)):
                bounds.extend(
                    NumberBound(event_type, bound.path, float, low, True, high, True,
                                (("kind", kind),))
                    for kind, (low, high) in sorted(READING_RANGES.items())
                )  # fmt: skip
            else:
                bounds.append(bound)
    return bounds


NUMBER_BOUNDS = number_bounds()


def _time_window(info: Any) -> TimeWindow | None:
    """A time field's window, whether the field is required or optional."""
    candidates = list(info.metadata)
    for arg in get_args(info.annotation):
        if get_origin(arg) is Annotated:
            candidates.extend(get_args(arg)[1:])
    for candidate in candidates:
        if isinstance(getattr(candidate, "func", None), TimeWindow):
            return candidate.func
    return None


TIME_FIELDS = [
    (event_type, name, _time_window(info))
    for event_type, model in sorted(PAYLOADS.items())
    for name, info in model.model_fields.items()
    if _time_window(info) is not None
]


def _beyond(value: Any, kind: type, direction: int) -> Any:
    """The nearest value past a bound, in the field's own kind of number."""
    if kind is int:
        return value + direction
    if kind is Decimal:
        return Decimal(value) + direction * DECIMAL_STEP
    return math.nextafter(float(value), direction * math.inf)


def _at(value: Any, kind: type, inclusive: bool, direction: int) -> Any:
    """The value at a bound that is still inside: the bound, or the next one in."""
    return value if inclusive else _beyond(value, kind, -direction)


def _wire(value: Any) -> Any:
    """A value as a connector sends it: money amounts as strings."""
    return str(value) if isinstance(value, Decimal) else value


def _set(payload: dict, path: tuple, value: Any) -> dict:
    changed = copy.deepcopy(payload)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = _wire(value)
    return changed


def _with(bound: NumberBound, value: Any) -> dict:
    sent = event(bound.event_type, **dict(bound.changes))
    return {**sent, "payload": _set(sent["payload"], bound.path, value)}


@pytest.fixture
def master(demo_network):
    return master_data_codes()


def check(item: dict, master) -> ValidEvent | Rejection:
    return event_validate(item, index=0, master=master, now=RECEIVED_AT)


def assert_rejected_naming(checked: ValidEvent | Rejection, field: str) -> None:
    assert isinstance(checked, Rejection), f"{field}: accepted {checked}"
    assert checked.field == field, checked.errors


def test_every_number_and_time_in_every_payload_is_bounded():
    unbounded = [str(b) for b in NUMBER_BOUNDS if b.low is None or b.high is None]
    assert unbounded == []
    assert {t for t, *_ in TIME_FIELDS} >= {
        "erp.order_created", "erp.po_created", "wms.pick_completed", "tms.tracking"
    }  # fmt: skip
    assert all(window.ahead is not None for *_, window in TIME_FIELDS)
    assert _time_window(Envelope.model_fields["occurred_at"]) is not None


def test_a_readings_published_bound_spans_every_kinds_range():
    bounds = _model_bounds(PAYLOADS["iot.reading"], "iot.reading", ())
    value = next(b for b in bounds if b.path == ("value",))
    assert value.low == min(low for low, _ in READING_RANGES.values())
    assert value.high == max(high for _, high in READING_RANGES.values())


@pytest.mark.parametrize("bound", NUMBER_BOUNDS, ids=str)
def test_a_number_at_its_bounds_is_accepted_and_just_past_them_is_rejected(master, bound):
    low_in = _at(bound.low, bound.kind, bound.low_inclusive, -1)
    high_in = _at(bound.high, bound.kind, bound.high_inclusive, +1)
    for value in (low_in, high_in):
        checked = check(_with(bound, value), master)
        assert isinstance(checked, ValidEvent), (value, checked)
    low_out = bound.low if not bound.low_inclusive else _beyond(bound.low, bound.kind, -1)
    high_out = bound.high if not bound.high_inclusive else _beyond(bound.high, bound.kind, +1)
    for value in (low_out, high_out):
        assert_rejected_naming(check(_with(bound, value), master), bound.field)


def _inside(bound: NumberBound) -> st.SearchStrategy:
    low = _at(bound.low, bound.kind, bound.low_inclusive, -1)
    high = _at(bound.high, bound.kind, bound.high_inclusive, +1)
    if bound.kind is int:
        values = st.integers(min_value=low, max_value=high)
    elif bound.kind is Decimal:
        values = st.decimals(min_value=low, max_value=high, places=4)
    else:
        values = st.floats(min_value=low, max_value=high)
    if (bound.event_type, bound.path) == ("erp.inventory_adjusted", ("delta",)):
        values = values.filter(bool)  # 0 is no adjustment: refused for its own reason
    return values


def _outside(bound: NumberBound) -> st.SearchStrategy:
    low, high = bound.low, bound.high
    if bound.kind is int:
        return st.integers(max_value=low - bound.low_inclusive) | st.integers(
            min_value=high + bound.high_inclusive
        )
    if bound.kind is Decimal:
        step = DECIMAL_STEP
        return st.decimals(max_value=low - step, places=4, allow_nan=False) | st.decimals(
            min_value=high + step, places=4, allow_nan=False
        )
    return st.floats(max_value=low, exclude_max=bound.low_inclusive) | st.floats(
        min_value=high, exclude_min=bound.high_inclusive
    )


@pytest.mark.parametrize("bound", NUMBER_BOUNDS, ids=str)
def test_any_number_within_its_bounds_is_accepted(master, bound):
    @PROPERTY
    @given(value=_inside(bound))
    def accepted(value):
        checked = check(_with(bound, value), master)
        assert isinstance(checked, ValidEvent), (value, checked)

    accepted()


@pytest.mark.parametrize("bound", NUMBER_BOUNDS, ids=str)
def test_any_number_past_its_bounds_is_rejected_naming_the_field(master, bound):
    @PROPERTY
    @given(value=_outside(bound))
    def rejected(value):
        assert_rejected_naming(check(_with(bound, value), master), bound.field)

    rejected()


OFFSETS = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda quarters: timezone(timedelta(minutes=15 * quarters))
)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _instants(low: datetime, high: datetime) -> st.SearchStrategy:
    """Instants in [low, high], each written with some UTC offset."""
    return st.builds(
        _in_offset,
        st.datetimes(min_value=_naive(low), max_value=_naive(high)),
        OFFSETS,
    )


def _in_offset(naive_utc: datetime, offset: timezone) -> str:
    moment = naive_utc.replace(tzinfo=UTC)
    try:
        return moment.astimezone(offset).isoformat()
    except OverflowError:  # too near year 1 or 9999 to write in that offset
        return moment.isoformat()


TINY = timedelta(microseconds=1)
FIRST, LAST = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(("event_type", "name", "window"), TIME_FIELDS, ids=str)
def test_a_payload_time_within_its_window_is_accepted_and_outside_rejected(
    master, event_type, name, window
):
    latest = RECEIVED_AT + window.ahead

    @PROPERTY
    @given(inside=_instants(window.earliest, latest))
    def accepted(inside):
        checked = check(event(event_type, **{name: inside}), master)
        assert isinstance(checked, ValidEvent), (inside, checked)

    @PROPERTY
    @given(outside=_instants(FIRST, window.earliest - TINY) | _instants(latest + TINY, LAST))
    def rejected(outside):
        assert_rejected_naming(
            check(event(event_type, **{name: outside}), master), f"payload.{name}"
        )

    accepted()
    rejected()
    for edge in (window.earliest, latest):
        assert isinstance(check(event(event_type, **{name: edge.isoformat()}), master), ValidEvent)
    for edge in (window.earliest - TINY, latest + TINY):
        assert_rejected_naming(
            check(event(event_type, **{name: edge.isoformat()}), master), f"payload.{name}"
        )


def test_occurred_at_within_its_window_is_accepted_and_outside_rejected(master, settings):
    settings.TWIN_MAX_FUTURE_SKEW_S = 300
    window = _time_window(Envelope.model_fields["occurred_at"])
    latest = RECEIVED_AT + timedelta(seconds=300)

    @PROPERTY
    @given(inside=_instants(window.earliest, latest))
    def accepted(inside):
        checked = check({**event("erp.order_cancelled"), "occurred_at": inside}, master)
        assert isinstance(checked, ValidEvent), (inside, checked)

    @PROPERTY
    @given(outside=_instants(FIRST, window.earliest - TINY) | _instants(latest + TINY, LAST))
    def rejected(outside):
        sent = {**event("erp.order_cancelled"), "occurred_at": outside}
        assert_rejected_naming(check(sent, master), "occurred_at")

    accepted()
    rejected()


def _all_at(event_type: str, side: int) -> list[dict]:
    """Events of a type with every bounded number at one of its bounds (side -1 or +1) and
    every payload time at the same end of its window."""
    bounds = [b for b in NUMBER_BOUNDS if b.event_type == event_type]
    sent = []
    for changes in sorted({b.changes for b in bounds}) or [()]:
        item = event(event_type, **dict(changes))
        for bound in (b for b in bounds if b.changes == changes):
            if side < 0:
                value = _at(bound.low, bound.kind, bound.low_inclusive, -1)
            else:
                value = _at(bound.high, bound.kind, bound.high_inclusive, +1)
            item["payload"] = _set(item["payload"], bound.path, value)
        for time_type, name, window in TIME_FIELDS:
            if time_type == event_type:
                edge = window.earliest if side < 0 else RECEIVED_AT + window.ahead
                item["payload"][name] = edge.isoformat()
        sent.append(item)
    return sent


def test_events_at_every_bound_are_stored_and_projected_without_error(demo_network):
    from apps.live.projector import project_pending

    batch = [item for event_type in sorted(PAYLOADS) for side in (-1, 1)
             for item in _all_at(event_type, side)]  # fmt: skip
    result = events_ingest(items=batch, received_at=RECEIVED_AT)
    assert result.rejections == []
    assert result.accepted == len(batch) == Event.objects.count()
    # Applied, not set aside: the projector isolates an event it fails to apply.
    assert project_pending().applied == len(batch)
