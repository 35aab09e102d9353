"""Changes to the world from a day on: what `--change` scripts and what the world does when it
carries out a decision the twin's feed publishes.

Each intervention the twin can propose has a counterpart here, registered by the twin's name
for it (`ShiftVolume`, `ChangeHeadcount`, ...): a frozen dataclass whose fields are the
intervention's JSON fields, which checks itself against the world's layout and applies itself
to a running world. `Rates` is the world's own (a DC's true pick or pack rate changes), for
calibration tests of drift. A new intervention in the twin must come with its counterpart.
"""

import dataclasses
import re
import shlex
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from apps.world.network import Network

COUNTERPARTS: dict[str, type["Counterpart"]] = {}


class ChangeError(ValueError):
    """A change the world cannot carry out, naming the field and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


class Counterpart:
    """Base of the world's counterparts; subclasses are frozen dataclasses."""

    kind: ClassVar[str]

    def check(self, network: Network) -> None:
        """Raise ChangeError if the world cannot carry this out (unknown DC, bad share...)."""

    def apply(self, world: Any, now: float) -> None:
        """Change the running world at `now` (hours since its start)."""
        raise NotImplementedError


def counterpart(cls: type) -> type:
    """Register a counterpart under its class name, the twin's name for the intervention."""
    cls = dataclass(frozen=True)(cls)
    cls.kind = cls.__name__
    COUNTERPARTS[cls.kind] = cls
    return cls


@dataclass(frozen=True)
class WorldChange:
    """A counterpart, carried out from `day` (days since the world's start) on."""

    day: float
    change: Counterpart

    def as_json(self) -> dict:
        return {"day": self.day, "kind": self.change.kind, **dataclasses.asdict(self.change)}


def _percent_or_number(raw: str, name: str) -> float:
    match = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)(%?)", raw.strip())
    if not match:
        raise ChangeError(name, f"{raw!r} is not a number (e.g. 0.3 or 30%)")
    value = float(match.group(1))
    return value / 100 if match.group(2) else value


def _convert(value: Any, hint: Any, name: str) -> Any:
    """A field's value as its type says, from a `--change` word or from feed JSON."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part]
        if not isinstance(value, list | tuple):
            raise ChangeError(name, "expected a list")
        return tuple(_convert(item, typing.get_args(hint)[0], name) for item in value)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint is float:
        if isinstance(value, str):
            return _percent_or_number(value, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ChangeError(name, f"expected a number, got {value!r}")
        return float(value)
    if hint is int:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ChangeError(name, f"expected a whole number, got {value!r}") from None
        if isinstance(value, bool) or number != int(number):
            raise ChangeError(name, f"expected a whole number, got {value!r}")
        return int(number)
    if hint is str:
        if not isinstance(value, str) or not value:
            raise ChangeError(name, f"expected text, got {value!r}")
        return value
    raise TypeError(f"{name}: unsupported field type {hint!r}")


def change_from_fields(kind: str, fields: dict[str, Any], network: Network) -> Counterpart:
    """The counterpart of kind `kind` built from its fields, checked against the world."""
    cls = COUNTERPARTS.get(kind)
    if cls is None:
        raise ChangeError(
            "kind", f"unknown change {kind!r}; one of {', '.join(sorted(COUNTERPARTS))}"
        )
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(fields) - set(known)
    if unknown:
        raise ChangeError(
            sorted(unknown)[0], f"not a field of {kind}; its fields: {', '.join(known)}"
        )
    values = {}
    for name, f in known.items():
        if name in fields:
            values[name] = _convert(fields[name], hints[name], name)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ChangeError(name, f"{kind} needs it")
    change = cls(**values)
    change.check(network)
    return change


def parse_change(text: str, network: Network) -> WorldChange:
    """`--change "day=3 kind=ShiftVolume from_dc=NE to_dc=SE share=30% regions=NEN,MAT"`;
    without `kind`, the world's own `Rates` ("day=10 dc=NE pick_rate=-20%"). A value with
    spaces is quoted, as in a shell: `sku_families="Power tools",HVAC`."""
    try:
        words = shlex.split(text)
    except ValueError as problem:  # an unclosed quote
        raise ChangeError("change", str(problem)) from None
    bad = [word for word in words if "=" not in word]
    if bad:
        raise ChangeError(bad[0], "expected name=value")
    fields: dict[str, Any] = dict(word.split("=", 1) for word in words)
    if "day" not in fields:
        raise ChangeError("day", "say from which day of the world on, e.g. day=3")
    day = _percent_or_number(fields.pop("day"), "day")
    if day < 0:
        raise ChangeError("day", "must not be negative")
    return WorldChange(day, change_from_fields(fields.pop("kind", "Rates"), fields, network))


def changes_parse(texts: list[str], network: Network, *, error: Callable = ValueError) -> list:
    changes = []
    for text in texts:
        try:
            changes.append(parse_change(text, network))
        except ChangeError as problem:
            raise error(f"--change {text!r}: {problem}") from None
    return changes
