"""Reading raw JSON text from outside, and policing the values in it before any schema does."""

import json
import math
import re
import sys
from dataclasses import dataclass
from typing import Any

# No published event is nested deeper than 4 levels (envelope, payload, lines, a line).
# The limit keeps parsing, checking and dead-lettering an event far from Python's
# recursion limit, which JSON nested ~1,000 levels deep reaches.
MAX_JSON_DEPTH = 64
# Characters PostgreSQL cannot store in text or jsonb: NUL, and UTF-16 surrogates, which
# JSON's \ud800 escapes produce when they are not a valid pair.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
FINITE_REASON = "must be a finite number (not NaN, Infinity or beyond ±1.8e308)"


class JsonInputError(ValueError):
    """Text that is not JSON the twin can take; line and column when the parser knows them."""

    def __init__(self, reason: str, *, line: int | None = None, column: int | None = None):
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


@dataclass(frozen=True)
class JsonFlaw:
    """Where in a parsed value (a field path, "" for the whole) a flaw lies, and what it is."""

    field: str
    reason: str


def json_depth(value: Any) -> int:
    """How many arrays and objects deep a parsed JSON value goes (a scalar: 0)."""
    if not isinstance(value, dict | list):
        return 0
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def json_parse(text: str, *, outer_levels: int = 0) -> Any:
    """Parse JSON holding events, each at most MAX_JSON_DEPTH levels deep below `outer_levels`
    (1 for a batch's array).

    NaN, ±Infinity and numbers past the float range parse (as non-finite floats) so that
    validation rejects only the event holding them, naming the field.
    """
    too_deep = f"JSON nested too deeply (limit {MAX_JSON_DEPTH} levels in an event)"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise JsonInputError(error.msg, line=error.lineno, column=error.colno) from None
    except RecursionError:
        raise JsonInputError(too_deep) from None
    except ValueError:
        # Python refuses to read integers longer than this many digits (a denial-of-service
        # guard); no bound of ours is anywhere near.
        limit = sys.get_int_max_str_digits()
        raise JsonInputError(f"a number has more than {limit} digits") from None
    if json_depth(value) > MAX_JSON_DEPTH + outer_levels:
        raise JsonInputError(too_deep)
    return value


def _text_flaw(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000), which cannot be stored"
    return (
        f"contains a lone surrogate (\\u{ord(found.group()):04x}), which is not valid "
        "Unicode and cannot be stored"
    )


# Written out in C, an event shows every flaw unstorable_value looks for: a non-finite
# number makes the encoder raise, a lone surrogate stays a character, a NUL becomes \u0000
# (a literal backslash-u0000 in a string looks the same: it only takes the slow path).
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
_SUSPECT = re.compile(r"[\ud800-\udfff]|\\u0000")


def _clearly_storable(item: Any) -> bool:
    """True when the event certainly has no flaw: written out in C, no unstorable character
    and too few arrays and objects to nest past the limit. False when unsure."""
    try:
        text = _encode(item)
    except (ValueError, TypeError, RecursionError):
        return False
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH:
        return False
    return _SUSPECT.search(text) is None


def unstorable_value(item: Any) -> JsonFlaw | None:
    """The first value of a raw event, in document order, that no schema should see and no
    column can store: nesting past MAX_JSON_DEPTH, a NUL or lone surrogate in a string or
    key, a non-finite number. Iterative, so that no nesting depth can exhaust the stack."""
    # The walk below names the flaw's field; most events have none, and a check in C
    # tells them apart several times faster.
    if _clearly_storable(item):
        return None
    # Entries: (path, value, depth); a dict's key, pushed as a string, comes before its value.
    stack: list[tuple[str, Any, int]] = [("", item, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, str):
            flaw = _text_flaw(value)
            if flaw is not None:
                return JsonFlaw(printable(path), flaw)
        elif isinstance(value, float) and not math.isfinite(value):
            return JsonFlaw(printable(path), FINITE_REASON)
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                reason = f"nested more than {MAX_JSON_DEPTH} levels deep"
                return JsonFlaw(printable(path), reason)
            if isinstance(value, dict):
                for key, child in reversed(value.items()):
                    where = f"{path}.{key}" if path else str(key)
                    stack.append((where, child, depth + 1))
                    stack.append((where, str(key), depth))
            else:
                stack.extend(
                    (f"{path}[{i}]", child, depth + 1)
                    for i, child in reversed(list(enumerate(value)))
                )
    return None


def printable(text: str) -> str:
    """Text PostgreSQL can store: NULs and lone surrogates written as escapes."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def json_pretty(text: str) -> str:
    """JSON text indented for reading; the text as it is when it is not JSON the twin can
    parse (malformed, too deep, a number too long to read)."""
    try:
        return json.dumps(json_parse(text), indent=2)
    except (JsonInputError, RecursionError, ValueError):
        # json_parse refuses nesting past MAX_JSON_DEPTH, so dumps cannot recurse too deep;
        # caught anyway, since a page showing a letter must never fail on its content.
        return text
