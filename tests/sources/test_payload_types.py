"""The stored payloads' TypedDicts stay equal to their schemas, and the projector reads
payloads only through them."""

import ast
from pathlib import Path

import pytest

import apps.live.batch_state as batch_state
import apps.live.projection_rules as projection_rules
import apps.sources.payload_types as payload_types
from apps.sources.payload_types import STORED_PAYLOADS
from apps.sources.schemas import PAYLOADS, OrderCreated, OrderLine


def _keys(typed: type) -> tuple[set[str], set[str]]:
    return set(typed.__required_keys__), set(typed.__optional_keys__)


def test_every_schema_has_a_stored_payload_with_its_fields():
    assert STORED_PAYLOADS.keys() == PAYLOADS.keys()
    for kind, schema in PAYLOADS.items():
        required, optional = _keys(STORED_PAYLOADS[kind])
        # Ingestion drops empty optional fields (exclude_none), so a field whose default
        # is None may be absent; every other field is always written.
        absent_when_empty = {
            name for name, field in schema.model_fields.items() if field.default is None
        }
        assert required | optional == set(schema.model_fields), kind
        assert optional == absent_when_empty, kind


def test_an_order_lines_stored_form_has_its_schemas_fields():
    assert OrderCreated.model_fields["lines"].annotation == list[OrderLine]
    assert set(payload_types.OrderLinePayload.__required_keys__) == set(OrderLine.model_fields)


def _payload_type(annotation: ast.expr | None) -> tuple[type | None, type | None]:
    """(the TypedDict, None) for `XPayload`; (None, the TypedDict) for `list[XPayload]`."""
    if isinstance(annotation, ast.Name):
        return getattr(payload_types, annotation.id, None), None
    if (
        isinstance(annotation, ast.Subscript)
        and getattr(annotation.value, "id", "") == "list"
        and isinstance(annotation.slice, ast.Name)
    ):
        return None, getattr(payload_types, annotation.slice.id, None)
    return None, None


def _typed_names(function: ast.FunctionDef) -> dict[str, type]:
    """Local names typed as a stored payload: annotated (`pick: PickCompletedPayload`), or
    iterating over a name annotated as a list of them (`for shipped in handed`)."""
    found, lists = {}, {}
    annotated = [(a.arg, a.annotation) for a in function.args.args]
    annotated += [
        (node.target.id, node.annotation)
        for node in ast.walk(function)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    ]
    for name, annotation in annotated:
        one, many = _payload_type(annotation)
        if one is not None:
            found[name] = one
        if many is not None:
            lists[name] = many
    for node in ast.walk(function):
        if (
            isinstance(node, ast.For | ast.comprehension)
            and isinstance(node.iter, ast.Name)
            and node.iter.id in lists
            and isinstance(node.target, ast.Name)
        ):
            found[node.target.id] = lists[node.iter.id]
    return found


def _reads(function: ast.FunctionDef):
    """(name, key, line) for each `name["key"]` and `name.get("key")` in the function, and
    for each `x.payload["key"]` (named "payload", as it is never typed)."""
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "payload"
            and isinstance(node.slice, ast.Constant)
        ):
            yield "payload", node.slice.value, node.lineno
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            yield node.value.id, node.slice.value, node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.func.value.id, node.args[0].value, node.lineno


@pytest.mark.parametrize("module", [projection_rules, batch_state], ids=lambda m: m.__name__)
def test_the_projector_reads_each_payload_key_through_its_typed_payload(module):
    tree = ast.parse(Path(module.__file__).read_text())
    untyped, unknown = [], []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        typed = _typed_names(function)
        for name, key, line in _reads(function):
            if name not in typed:
                untyped.append(f"line {line}: {name}[{key!r}]")
            elif key not in typed[name].__annotations__:
                unknown.append(f"line {line}: {name}[{key!r}] not in {typed[name].__name__}")
    assert not untyped, untyped
    assert not unknown, unknown


def test_the_batchs_subject_fields_are_fields_of_their_payloads():
    for kind, (_rows, name) in batch_state.SUBJECT_FIELDS.items():
        assert name in STORED_PAYLOADS[kind].__annotations__, kind
