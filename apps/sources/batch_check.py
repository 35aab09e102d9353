"""Checking a whole JSON batch in one pydantic call, for the common case of a flawless batch.

A batch read with json.loads and checked event by event spends most of its time in
Python: building dicts, walking them for unstorable values, one model_validate for the
envelope and another for the payload. Here the raw body goes to pydantic's parser once,
against a union of every event type (discriminated by `type`), and comes out as models.

This path only ever accepts: any doubt (a schema error, an unknown code, a foreign
source, a possible NUL or lone surrogate) makes it answer None, and the caller checks the
batch event by event (validation.event_validate), which names each rejection's event,
field and reason.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Union

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from apps.sources.batch_schemas import AHEAD, BATCH_PAYLOADS, native_bounds, references
from apps.sources.schemas import Envelope, Strict
from apps.sources.selectors import MASTER_DATA, MasterDataCodes
from apps.sources.validation import ValidEvent

# Bounded below natively; its bound ahead of receipt (TWIN_MAX_FUTURE_SKEW_S) is
# batch_check's to compare.
_OCCURRED_AT, _ = native_bounds(Envelope.model_fields["occurred_at"].rebuild_annotation())


def _typed_envelope(type_: str, payload: type[Strict]) -> type[Strict]:
    """The envelope of one event type: its source and type fixed, its payload typed."""
    source = type_.split(".", 1)[0]
    return create_model(
        f"Envelope_{type_.replace('.', '_')}",
        __base__=Strict,
        event_id=(Envelope.model_fields["event_id"].rebuild_annotation(), ...),
        source=(Literal[source], ...),
        type=(Literal[type_], ...),
        occurred_at=(_OCCURRED_AT, ...),
        payload=(payload, ...),
    )


_TYPED = tuple(_typed_envelope(type_, payload) for type_, payload in BATCH_PAYLOADS.items())
# Caching only the keys' strings, not every short value's, cut the parser's time by a
# third: a batch's values (ids, times) rarely repeat, and hashing each one to look it up
# cost more than making it.
_BATCH = TypeAdapter(
    list[Annotated[Union[_TYPED], Field(discriminator="type")]],  # noqa: UP007
    config=ConfigDict(cache_strings="keys"),
)
# Writes each event with its own model's serialiser, the same JSON as _BATCH writes at
# two thirds of the cost: the union's serialiser first finds which of its models an
# event is.
_WRITE = TypeAdapter(list[Any])
# Escapes the parser turns into characters no column can store (json_input._UNSTORABLE);
# a raw control character is not JSON at all. A match sends the batch down the slow path,
# which tells a real flaw from an escaped backslash followed by "u0000".
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


@dataclass(frozen=True)
class CheckedBatch:
    """A flawless batch: its events as pydantic read them, in the batch's order."""

    events: list[Strict]

    def keys_repeat(self) -> bool:
        """Whether two events share a (source, event_id): a resend or a conflict within
        the batch, which services tell apart by comparing the two."""
        return len({(event.source, event.event_id) for event in self.events}) < len(self.events)

    def valid_events(self) -> list[ValidEvent]:
        # Written out in one call, each payload as model_dump(mode="json", exclude_none=True)
        # would write it event by event.
        written = _WRITE.dump_python(self.events, mode="json", exclude_none=True)
        return [
            ValidEvent(index, event.source, event.event_id, event.type, event.occurred_at,
                       out["payload"])
            for index, (event, out) in enumerate(zip(self.events, written, strict=True))
        ]  # fmt: skip

    def log_json(self) -> str:
        """The batch as a JSON array of events, payloads as valid_events() holds them."""
        return _WRITE.dump_json(self.events, exclude_none=True).decode()


def batch_check(
    body: bytes, *, source: str, master: MasterDataCodes, now: datetime
) -> CheckedBatch | None:
    """The events of a JSON array batch, checked, when each one is valid, of `source`, and
    within the event-count limit; None otherwise."""
    if _SUSPECT.search(body):
        return None
    try:
        events = _BATCH.validate_json(body, context={"received_at": now})
    except ValidationError:
        return None
    if len(events) > settings.TWIN_INGEST_MAX_EVENTS:
        return None
    latest = now + timedelta(seconds=settings.TWIN_MAX_FUTURE_SKEW_S)
    if any(event.source != source or event.occurred_at > latest for event in events):
        return None
    if not _within_reach(events, now) or not _codes_known(events, master):
        return None
    return CheckedBatch(events)


def _within_reach(events: list[Strict], now: datetime) -> bool:
    """Whether no payload time lies further ahead of receipt than its window allows
    (schemas.TimeWindow's upper bound, which the batch models leave to this)."""
    limits: dict[timedelta, datetime] = {}
    for event in events:
        payload = event.payload
        for name, ahead in AHEAD[type(payload)]:
            moment = getattr(payload, name)
            if moment is not None:
                limit = limits.get(ahead) or limits.setdefault(ahead, now + ahead)
                if moment > limit:
                    return False
    return True


def _codes_known(events: list[Strict], master: MasterDataCodes) -> bool:
    """Whether every code the events name is in the master data (as reference_errors
    tells, event by event): the batch's codes of each kind gathered, then one subset
    test per kind."""
    named: dict[str, set] = {kind: set() for kind in MASTER_DATA}
    pending = [event.payload for event in events]
    while pending:
        model = pending.pop()
        for name, kind in references(type(model)):
            value = getattr(model, name)
            if isinstance(value, list):
                pending.extend(item for item in value if isinstance(item, BaseModel))
            elif kind is not None and isinstance(value, str):
                named[kind].add(value)
    return all(codes <= getattr(master, kind) for kind, codes in named.items())
