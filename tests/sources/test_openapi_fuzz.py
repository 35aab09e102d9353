"""The API (ingestion and the decision feed) answers as its OpenAPI description says: a
bounded schemathesis run finds no 5xx and no undocumented status or body, and each
documented status is reached on purpose and checked against the description too."""

import json
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from apps.sources.api import NDJSON_TYPES, api
from apps.sources.services import twin_event_record
from apps.sources.tokens import source_token_create
from tests.sources.events import event

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EVENTS = ("POST", "/api/v1/events")
EVENT_TYPES = ("GET", "/api/v1/event-types")
FEED = ("GET", "/api/v1/decisions/feed")
# NDJSON bodies are text: schemathesis sends the generated string as it is.
schemathesis.serializer.alias(list(NDJSON_TYPES), "text/plain")


def bounded(max_examples: int):
    """The same few examples on every run (derandomized, no example database): CI must not
    find today what it missed yesterday, and the whole module stays well under a minute."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        # The token fixture lives for the test, not for each example: nothing the
        # examples share is changed by them except the stored events, which is the point.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )  # fmt: skip


@pytest.fixture
def api_schema(db):
    """The published description, read from the app itself (WSGI, in this process, so the
    requests see the test's transaction and its tokens)."""
    # Django's test client does the same: a request must not close the connection that
    # holds the test's open transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def operation(schema, method_path: tuple[str, str]):
    method, path = method_path
    return schema[path][method]


def fuzz(op, mode: GenerationMode, headers: dict[str, str], examples: int) -> Counter:
    """Run the checks on `examples` generated requests; the statuses seen, by count."""
    seen: Counter = Counter()

    @given(case=op.as_strategy(generation_mode=mode))
    @bounded(examples)
    def run(case) -> None:
        response = case.call(headers=headers)
        seen[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    return seen


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "mode, examples, expected",
    [
        # Arrays of objects, JSON or NDJSON: read, each bad event rejected inside a 200.
        (GenerationMode.POSITIVE, 150, {200}),
        # Anything but an array of objects, or a mangled Authorization header: a 400
        # naming the problem or a 401, never a 5xx.
        (GenerationMode.NEGATIVE, 150, {400, 401}),
    ],
)
def test_fuzzed_batches_get_no_5xx_and_only_documented_answers(
    api_schema, token, mode, examples, expected
):
    seen = fuzz(operation(api_schema, EVENTS), mode, bearer(token["erp"]), examples)
    assert expected <= set(seen), seen


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic ZXJwOmVycA==", "Bearer"])
def test_fuzzed_batches_without_a_valid_token_all_get_a_documented_401(api_schema, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    seen = fuzz(operation(api_schema, EVENTS), GenerationMode.POSITIVE, headers, 15)
    assert set(seen) == {401}, seen


def test_the_event_types_answer_as_documented(api_schema):
    op = operation(api_schema, EVENT_TYPES)
    seen = fuzz(op, GenerationMode.POSITIVE, {}, 5)
    assert set(seen) == {200}, seen


def documented_statuses(method_path: tuple[str, str]) -> set[int]:
    """The statuses the description lists for an operation, each with a JSON body schema
    (a status listed without one would let any body through the conformance check)."""
    method, path = method_path
    responses = api.get_openapi_schema()["paths"][path][method.lower()]["responses"]
    unschemed = [s for s, r in responses.items() if "schema" not in r.get("content", {}).get(
        "application/json", {})]  # fmt: skip
    assert unschemed == [], f"{method} {path}: no body schema for {unschemed}"
    return {int(status) for status in responses}


def answered(api_schema, body: bytes, *, media_type: str, headers: dict[str, str]):
    """Send one chosen request and check it against the description like a fuzzed one."""
    op = operation(api_schema, EVENTS)
    case = op.Case(body=body, media_type=media_type, headers=headers)
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    return response


@pytest.fixture
def small_limits(settings):
    settings.TWIN_INGEST_MAX_BYTES = 2_000
    settings.TWIN_INGEST_MAX_EVENTS = 2


def test_every_status_the_events_endpoint_answers_is_documented(api_schema, token, small_limits):
    erp = bearer(token["erp"])
    one = json.dumps([event("erp.order_cancelled")]).encode()
    requests = {
        200: (one, "application/json", erp),
        400: (b'[{"event_id": ', "application/json", erp),
        401: (one, "application/json", bearer("revoked-or-never-issued")),
        403: (one, "application/json", bearer(token["wms"])),
        413: (b"[" + b" " * 2_000 + b"]", "application/json", erp),
    }
    # An NDJSON batch over the event limit: the other way to a 413.
    three = "\n".join(json.dumps(event("erp.order_cancelled")) for _ in range(3)).encode()
    answers = {
        status: answered(api_schema, body, media_type=media_type, headers=headers).status_code
        for status, (body, media_type, headers) in requests.items()
    }
    assert answers == {status: status for status in requests}
    ndjson = answered(api_schema, three, media_type="application/x-ndjson", headers=erp)
    assert ndjson.status_code == 413
    assert documented_statuses(EVENTS) == set(requests)
    assert documented_statuses(EVENT_TYPES) == {200}


def test_the_documented_example_batch_is_accepted(api_schema, token):
    body = api.get_openapi_schema()["paths"]["/api/v1/events"]["post"]["requestBody"]
    example = body["content"]["application/json"]["example"]
    response = answered(
        api_schema, json.dumps(example).encode(), media_type="application/json",
        headers=bearer(token["wms"]),
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicate": 0, "rejected": 0, "rejections": []}


@pytest.fixture
def reader_token(db) -> dict[str, str]:
    """Tokens of a system that carries decisions out and of one that does not (no master
    data needed: the feed names none)."""
    return {source: source_token_create(source=source) for source in ("wms", "crm")}


@pytest.mark.parametrize(
    "mode, examples, expected",
    [
        # Any cursor and limit in range: a page (empty here), never a 5xx.
        (GenerationMode.POSITIVE, 25, {200}),
        # A cursor or limit out of range or not a number: a 400 naming it.
        (GenerationMode.NEGATIVE, 25, {400}),
    ],
)
def test_fuzzed_feed_reads_get_no_5xx_and_only_documented_answers(
    api_schema, reader_token, mode, examples, expected
):
    seen = fuzz(operation(api_schema, FEED), mode, bearer(reader_token["wms"]), examples)
    assert expected <= set(seen), seen


def test_every_status_the_decision_feed_answers_is_documented(api_schema, reader_token):
    # One executed decision in the log, so the 200 checked carries a payload and its
    # intervention against their schemas.
    now = timezone.now()
    twin_event_record(
        event_id="decision-1-executed",
        type="twin.decision_executed",
        occurred_at=now,
        payload={
            "decision_id": 1,
            "title": "Shift 30% NE to SE (Rebalance NE)",
            "comparison_id": 1,
            "scenario": "Shift 30% NE to SE",
            "interventions": [
                {"kind": "ShiftVolume", "from_dc": "NE", "to_dc": "SE", "share": 0.3}
            ],
            "approved_by": "ada",
            "versions": {"labour": 1},
            "executed_by": "pia",
            "executed_at": now.isoformat(),
        },
    )
    wms = bearer(reader_token["wms"])
    requests = {
        200: ({}, wms),
        400: ({"after": "abc"}, wms),
        401: ({}, bearer("revoked-or-never-issued")),
        403: ({}, bearer(reader_token["crm"])),
    }
    op = operation(api_schema, FEED)
    answers = {}
    for status, (query, headers) in requests.items():
        case = op.Case(query=query, headers=headers)
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        answers[status] = response
    assert {status: r.status_code for status, r in answers.items()} == {s: s for s in requests}
    assert [e["event_id"] for e in answers[200].json()["events"]] == ["decision-1-executed"]
    assert documented_statuses(FEED) == set(requests)
