"""The payload schemas as the one-pass batch check reads them (batch_check.py).

The same fields and bounds as schemas.PAYLOADS, with one difference: a time's window
(schemas.TimeWindow) is a Python validator, called once per timestamp, and was most of
the batch parser's time. Here its lower bound is pydantic-core's own `ge` on the parsed
time (an aware comparison, like TimeWindow's), and its upper bound, which depends on the
time of receipt, is left for batch_check to compare after parsing, field by field as
listed in AHEAD. Either bound exceeded sends the batch down the event-by-event path, which
names the field and why; so these models need only never accept what the others refuse.

Each model here subclasses its schema, so it keeps the schema's other validators and is
read (reference_errors, model_dump) exactly like it.
"""

import types
from datetime import timedelta
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, Field, create_model

from apps.sources.schemas import PAYLOADS, REFERENCES, Strict, TimeWindow


def _window_of(item: Any) -> TimeWindow | None:
    if isinstance(item, AfterValidator) and isinstance(item.func, TimeWindow):
        return item.func
    return None


def native_bounds(annotation: Any) -> tuple[Any, TimeWindow | None]:
    """The annotation with its TimeWindow (if any, also inside `X | None`) replaced by
    pydantic-core's `ge` on the window's earliest time; and the window replaced."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        windows = [w for w in map(_window_of, metadata) if w is not None]
        if not windows:
            return annotation, None
        (window,) = windows
        kept = [item for item in metadata if _window_of(item) is None]
        return Annotated[(base, *kept, Field(ge=window.earliest))], window
    if origin in (Union, types.UnionType):
        replaced = [native_bounds(arg) for arg in get_args(annotation)]
        windows = {window for _, window in replaced if window is not None}
        if not windows:
            return annotation, None
        (window,) = windows
        return Union[tuple(arg for arg, _ in replaced)], window  # noqa: UP007
    return annotation, None


def _batch_model(model: type[Strict]) -> tuple[type[Strict], tuple]:
    """`model` with native time bounds; and its (field, how far ahead of receipt it may
    be) left to check after parsing."""
    changed: dict[str, Any] = {}
    ahead: list[tuple[str, timedelta]] = []
    for name, info in model.model_fields.items():
        annotation, window = native_bounds(info.rebuild_annotation())
        if window is None:
            continue
        changed[name] = (annotation, ... if info.is_required() else info.default)
        if window.ahead is not None:
            ahead.append((name, window.ahead))
    if not changed:
        return model, ()
    return create_model(f"Batch{model.__name__}", __base__=model, **changed), tuple(ahead)


# Payload type → its batch model, and that model → its fields bounded ahead of receipt.
BATCH_PAYLOADS: dict[str, type[Strict]] = {}
AHEAD: dict[type[BaseModel], tuple[tuple[str, timedelta], ...]] = {}
for _type, _schema in PAYLOADS.items():
    BATCH_PAYLOADS[_type], AHEAD[BATCH_PAYLOADS[_type]] = _batch_model(_schema)


@cache
def references(model: type[BaseModel]) -> tuple[tuple[str, str | None], ...]:
    """A model's fields that name master data (with the kind they name) or hold a list of
    models (kind None), as validation.reference_errors walks them."""
    found = []
    for name, info in model.model_fields.items():
        if name in REFERENCES:
            found.append((name, REFERENCES[name]))
        elif get_origin(info.annotation) is list:
            found.append((name, None))
    return tuple(found)
