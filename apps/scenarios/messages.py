"""How the scenario builder words a problem: one sentence that names the field by its label
("To DC must differ from From DC."), never a field code, never two messages run together."""

import re
from collections.abc import Mapping

# Reasons that read on from the field's label ("must be positive", "is required"); any other
# reason is a clause of its own ("SE has no shift 'Night'") and follows the label and a colon.
_PREDICATES = ("is ", "are ", "must ", "names ", "would ", "needs ")
# A field code inside a reason ("must differ from from_dc"): an identifier with an underscore,
# so that words which are also field names ("shift", "lane") are left as they are.
_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def sentence(text: str) -> str:
    """Capitalised and ended with a full stop, once."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else f"{text}."


def codes_labelled(reason: str, labels: Mapping[str, str]) -> str:
    """The field codes a reason mentions (the engine says "from_dc") by their labels."""
    return _CODE.sub(lambda code: labels.get(code.group(0), code.group(0)), reason.strip())


def field_sentence(label: str, reason: str, labels: Mapping[str, str] | None = None) -> str:
    """A field's problem as a sentence led by its label; `labels` maps the field codes a
    reason may mention to their labels."""
    reason = codes_labelled(reason, labels or {})
    if reason.startswith("unknown "):
        reason = f"names an {reason}"
    if reason.startswith(_PREDICATES):
        return sentence(f"{label} {reason}")
    return sentence(f"{label}: {reason}")


def number_rule(label: str, low: float, high: float, *, whole: bool) -> str:
    """The one message of a bounded number, whatever is wrong with what was typed (blank, not a
    number, too low, too high): "Replications must be a whole number from 2 to 100."."""
    kind = "a whole number" if whole else "a number"
    return f"{label} must be {kind} from {low:g} to {high:g}."
