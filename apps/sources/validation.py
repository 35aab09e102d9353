"""Checking one raw event at the door: its envelope, its type's schema and the master data
it names; a valid event comes out in the form the log stores."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from pydantic import BaseModel, ValidationError

from apps.sources.json_input import printable, unstorable_value
from apps.sources.schemas import PAYLOADS, REFERENCES, Envelope
from apps.sources.selectors import MasterDataCodes


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


@dataclass(frozen=True)
class Rejection:
    index: int
    event_id: str | None
    errors: tuple[FieldError, ...]

    @property
    def field(self) -> str:
        return self.errors[0].field

    @property
    def reason(self) -> str:
        return self.errors[0].reason


@dataclass(frozen=True)
class ValidEvent:
    index: int
    source: str
    event_id: str
    type: str
    occurred_at: datetime
    payload: dict

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.event_id


@dataclass(frozen=True)
class MalformedItem:
    """A line of an import that is not even JSON: it is dead-lettered as the raw text."""

    raw: str
    reason: str


def _path(location: tuple) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def field_errors(error: ValidationError, prefix: str = "") -> tuple[FieldError, ...]:
    """Each of pydantic's errors as the field it names (`payload.lines[2].sku`) and why."""
    # pydantic words a validator's own ValueError "Value error, <its message>": the message
    # is the reason, the prefix only noise to a sender.
    return tuple(
        FieldError(
            f"{prefix}{_path(tuple(e['loc']))}" if e["loc"] else prefix.rstrip("."),
            e["msg"].removeprefix("Value error, "),
        )
        for e in error.errors(include_url=False)
    )


@cache
def _fields_named(model: type[BaseModel]) -> tuple[tuple[str, str | None], ...]:
    """A payload model's fields in order, each with the kind of master data it names."""
    return tuple((name, REFERENCES.get(name)) for name in model.model_fields)


def reference_errors(payload: BaseModel, master: MasterDataCodes, path: str) -> list[FieldError]:
    """Codes in the payload that name master data which does not exist."""
    found = []
    for name, kind in _fields_named(type(payload)):
        value = getattr(payload, name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found.extend(reference_errors(item, master, f"{path}.{name}[{i}]"))
        elif kind is not None and isinstance(value, str) and not master.knows(kind, value):
            label = {"dc": "DC", "sku": "SKU"}.get(kind, kind)
            found.append(FieldError(f"{path}.{name}", f"unknown {label} {value!r}"))
    return found


def _envelope_flaw(envelope: Envelope, now: datetime) -> FieldError | None:
    """What is wrong with a well-formed envelope: an unknown type, a type of another
    source, a time too far ahead of receipt; None when nothing is."""
    if envelope.type not in PAYLOADS:
        return FieldError("type", f"unknown event type {envelope.type!r}")
    if envelope.type.split(".", 1)[0] != envelope.source:
        return FieldError("type", f"{envelope.type} is not a {envelope.source} event type")
    if envelope.occurred_at > now + timedelta(seconds=settings.TWIN_MAX_FUTURE_SKEW_S):
        return FieldError(
            "occurred_at",
            f"{envelope.occurred_at.isoformat()} is more than "
            f"{settings.TWIN_MAX_FUTURE_SKEW_S} s in the future",
        )
    return None


def event_validate(
    item: Any, *, index: int, master: MasterDataCodes, now: datetime
) -> ValidEvent | Rejection:
    """Check one raw event against the envelope, its type's schema and the master data."""
    event_id = item.get("event_id") if isinstance(item, dict) else None
    event_id = printable(event_id) if isinstance(event_id, str) else None
    if isinstance(item, MalformedItem):
        return Rejection(index, None, (FieldError("", item.reason),))
    if not isinstance(item, dict):
        return Rejection(index, None, (FieldError("", "an event must be a JSON object"),))
    flaw = unstorable_value(item)
    if flaw is not None:
        return Rejection(index, event_id, (FieldError(flaw.field, flaw.reason),))
    # Payload times may lie ahead of the time of receipt by a bounded horizon (schemas).
    context = {"received_at": now}
    try:
        envelope = Envelope.model_validate(item, context=context)
    except ValidationError as error:
        return Rejection(index, event_id, field_errors(error))
    flaw = _envelope_flaw(envelope, now)
    if flaw is not None:
        return Rejection(index, event_id, (flaw,))
    schema = PAYLOADS[envelope.type]
    try:
        payload = schema.model_validate(envelope.payload, context=context)
    except ValidationError as error:
        return Rejection(index, event_id, field_errors(error, "payload."))
    unknown = reference_errors(payload, master, "payload")
    if unknown:
        return Rejection(index, event_id, tuple(unknown))
    return ValidEvent(
        index=index,
        source=envelope.source,
        event_id=envelope.event_id,
        type=envelope.type,
        occurred_at=envelope.occurred_at,
        payload=payload.model_dump(mode="json", exclude_none=True),
    )
