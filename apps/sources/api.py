"""The ingestion API (django-ninja): POST /api/v1/events, with OpenAPI at /api/docs."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, Status
from ninja.errors import ValidationError

from apps.sources.api_auth import ErrorOut, SourceTokenAuth, auth_errors_answer
from apps.sources.db_reuse import database_connection_reused
from apps.sources.json_input import JsonInputError, json_parse
from apps.sources.schemas import json_schemas
from apps.sources.services import IngestResult, events_ingest, events_ingest_json

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")

api = NinjaAPI(
    title="Twin ingestion API",
    version="1.0",
    urls_namespace="api",
    description=(
        "Source systems (ERP, WMS, TMS, CRM, IoT) post events here. Each event is "
        '`{"event_id", "source", "type", "occurred_at", "payload"}`; every type\'s payload '
        "schema is listed at /api/v1/event-types. ERP, WMS and TMS read the decisions the "
        "twin's planners approve and carry out from /api/v1/decisions/feed."
    ),
)
auth_errors_answer(api)


@api.exception_handler(ValidationError)
def invalid_parameter(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A query parameter out of its bounds is a 400 naming it and why, like a bad body
    (django-ninja would answer 422 with its own structure)."""
    first = error.errors[0]
    name = ".".join(str(part) for part in first["loc"][1:]) or str(first["loc"][0])
    message = first["msg"]
    detail = f"{name}: {message[:1].lower()}{message[1:]}"
    return api.create_response(request, {"detail": detail}, status=400)


class FieldErrorOut(Schema):
    field: str
    reason: str


class RejectionOut(Schema):
    index: int
    event_id: str | None
    field: str
    reason: str
    errors: list[FieldErrorOut]


class IngestOut(Schema):
    accepted: int
    duplicate: int
    rejected: int
    rejections: list[RejectionOut]


class BadBody(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _declared_length(request: HttpRequest) -> int:
    """The Content-Length, or 0 when absent (chunked) or not a number."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _read_limited(request: HttpRequest) -> bytes:
    limit = settings.TWIN_INGEST_MAX_BYTES
    length = _declared_length(request)
    if length > limit:
        raise BadBody(413, f"body of {length} bytes exceeds {limit}")
    # One byte past the limit tells an oversized body, even one sent chunked without a
    # Content-Length, without holding more of it in memory.
    body = request.read(limit + 1)
    if len(body) > limit:
        raise BadBody(413, f"body of more than {limit} bytes exceeds {limit}")
    return body


def _ndjson_items(text: str) -> list[Any]:
    items = []
    # Only \n ends a line: str.splitlines() would also split at U+2028 and other
    # separators, which JSON allows unescaped inside strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            items.append(json_parse(line))
        except JsonInputError as error:
            where = f"line {number}" + (f" column {error.column}" if error.column else "")
            raise BadBody(400, f"{where}: {error.reason}") from None
    return items


def _array_items(text: str) -> list[Any]:
    try:
        items = json_parse(text, outer_levels=1)
    except JsonInputError as error:
        if error.line is None:
            raise BadBody(400, error.reason) from None
        raise BadBody(
            400, f"malformed JSON at line {error.line} column {error.column}: {error.reason}"
        ) from None
    if not isinstance(items, list):
        raise BadBody(400, "the body must be a JSON array of events (or NDJSON)")
    return items


def parse_body(body: bytes, content_type: str) -> list[Any]:
    """The batch as a list: a JSON array, or NDJSON when the Content-Type says so."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody(400, f"body is not UTF-8: byte {error.start}") from None
    items = _ndjson_items(text) if content_type in NDJSON_TYPES else _array_items(text)
    if len(items) > settings.TWIN_INGEST_MAX_EVENTS:
        raise BadBody(
            413, f"{len(items)} events exceed the limit of {settings.TWIN_INGEST_MAX_EVENTS}"
        )
    return items


def foreign_event(items: list[Any], source: str) -> str | None:
    """Describe the first event claiming another source than the token's, if any."""
    for index, item in enumerate(items):
        claimed = item.get("source") if isinstance(item, dict) else None
        if isinstance(claimed, str) and claimed != source:
            return (
                f"event {index} ({item.get('event_id')!r}) is a {claimed!r} event; "
                f"this token may post only {source!r} events"
            )
    return None


def _batch_ingest(request: HttpRequest) -> IngestResult:
    """Read, check and store the posted batch; BadBody when it cannot be read at all or
    holds an event of another source than the token's."""
    content_type = request.content_type or ""
    body = _read_limited(request)
    # A flawless JSON batch is checked in one pass; any other is read event by event, which
    # names what is wrong: the body's place for a 400, the event for a 403, each
    # rejection's field.
    if content_type not in NDJSON_TYPES:
        result = events_ingest_json(body=body, source=request.auth)
        if result is not None:
            return result
    items = parse_body(body, content_type)
    foreign = foreign_event(items, request.auth)
    if foreign:
        raise BadBody(403, foreign)
    return events_ingest(items=items)


# Every answer the endpoint gives, with what it means to the sender: the OpenAPI
# description lists them (a test checks each status against the spec and a schemathesis
# run checks the bodies). No 422: the body is read by hand, not by a ninja schema, so a
# bad body is a 400 naming the place; rejected events are reported inside a 200.
EVENTS_RESPONSES = {
    200: "The batch was read: events accepted, duplicates (resent, nothing changed) and "
    "rejections (each naming its event and field; stored as dead letters).",
    400: "Nothing stored: the body is not UTF-8, not JSON (or a line is not, for NDJSON), "
    "not an array of events, or nests deeper than 64 levels. The detail names the place.",
    401: "Nothing stored: no bearer token, or one that is unknown or revoked; the detail "
    "says which.",
    403: "Nothing stored: an event claims another source than the token's.",
    413: "Nothing stored: the body is over TWIN_INGEST_MAX_BYTES (5 MB), sent with or "
    "without a Content-Length, or holds more than TWIN_INGEST_MAX_EVENTS (5,000) events.",
}
EVENTS_BODY = {"type": "array", "items": {"type": "object"}}
# The README's example, so the description shows a batch accepted as it stands (a test
# posts it with a wms token).
EVENTS_EXAMPLE = [
    {
        "event_id": "w-1",
        "source": "wms",
        "type": "wms.order_released",
        "occurred_at": "2026-11-02T09:30:00+00:00",
        "payload": {"order_id": "SO-1", "dc": "NE"},
    }
]
NDJSON_BODY = {
    "type": "string",
    "description": "One event (a JSON object) per line; blank lines are skipped.",
}


@api.post(
    "/v1/events",
    auth=SourceTokenAuth(),
    response={200: IngestOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut},
    summary="Post a batch of events",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": EVENTS_BODY, "example": EVENTS_EXAMPLE},
                **{media_type: {"schema": NDJSON_BODY} for media_type in NDJSON_TYPES},
            },
        },
        "responses": {
            status: {"description": description} for status, description in EVENTS_RESPONSES.items()
        },
    },
)
def post_events(request: HttpRequest):
    """Up to 5,000 events and 5 MB. Valid events are stored even when others are rejected;
    resent events count as duplicates and change nothing. An event is rejected alone (with
    its field named) for a value out of its schema's bounds, NaN or Infinity, a NUL or lone
    surrogate, or an event_id already used by a different event. A body that is not JSON,
    or nests an event deeper than 64 levels, gets a 400 (naming the line, for NDJSON)."""
    with database_connection_reused(request):
        try:
            result = _batch_ingest(request)
        except BadBody as error:
            return Status(error.status, {"detail": error.detail})
    return Status(
        200,
        {
            "accepted": result.accepted,
            "duplicate": result.duplicate,
            "rejected": result.rejected,
            "rejections": [
                {
                    "index": r.index,
                    "event_id": r.event_id,
                    "field": r.field,
                    "reason": r.reason,
                    "errors": [{"field": e.field, "reason": e.reason} for e in r.errors],
                }
                for r in result.rejections
            ],
        },
    )


@api.get(
    "/v1/event-types",
    response={200: dict[str, dict[str, Any]]},
    summary="Every event type's payload JSON Schema",
    openapi_extra={
        "responses": {200: {"description": "Each event type with its payload's JSON Schema."}}
    },
)
def event_types(request: HttpRequest) -> dict[str, dict]:
    """Open to anyone: it describes the API, it holds no data."""
    return json_schemas()
