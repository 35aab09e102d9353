"""The decision feed: GET /api/v1/decisions/feed, where the systems that carry decisions
out (ERP, WMS, TMS) read what the twin's planners approved and executed."""

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from apps.decisions.selectors import FEED_TYPES, decision_feed
from apps.sources.api_auth import ErrorOut, SourceTokenAuth
from apps.sources.schemas import DecisionApproved, DecisionExecuted, IsoTime

# The systems that act on a decision; CRM and IoT only report.
DECIDING_SOURCES = ("erp", "wms", "tms")
# Event ids are PostgreSQL bigints: a larger cursor could not be compared with them.
MAX_CURSOR = 2**63 - 1
MAX_LIMIT = 500

router = Router(tags=["decisions"])


class FeedEventOut(Schema):
    cursor: int
    event_id: str
    type: Literal[FEED_TYPES]
    occurred_at: IsoTime
    payload: DecisionApproved | DecisionExecuted


class FeedOut(Schema):
    events: list[FeedEventOut]
    next_cursor: int
    has_more: bool


FEED_DESCRIPTION = """Decisions the twin's approvers approved (`twin.decision_approved`) and
planners marked executed (`twin.decision_executed`), oldest first, each with its
interventions as typed JSON (`{"kind": "ShiftVolume", ...}`). A system that carries
decisions out acts on `twin.decision_executed`.

**Cursor contract.** Store `next_cursor` and pass it as `after` on the next call (start
with 0). Events come in the order the twin committed them, so a reader that resumes from
its stored cursor misses none. Delivery is at-least-once: a reader that acts and then fails
before storing the cursor gets the same events again, so dedupe by `event_id`. While
`has_more` is true, call again at once; otherwise poll (a minute apart is plenty).

Only ERP, WMS and TMS tokens may read it."""

FEED_RESPONSES = {
    200: "Up to `limit` events after the cursor, `next_cursor` (the last one's cursor, or "
    "`after` when there are none) and whether more are waiting.",
    400: "`after` or `limit` is not a whole number in its range; the detail names it.",
    401: "No bearer token, or one that is unknown or revoked; the detail says which.",
    403: "A token of a source system that does not carry decisions out (crm, iot).",
}


@router.get(
    "/feed",
    auth=SourceTokenAuth(allowed=DECIDING_SOURCES),
    response={200: FeedOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="Read the decision feed",
    description=FEED_DESCRIPTION,
    openapi_extra={
        "responses": {
            status: {"description": description} for status, description in FEED_RESPONSES.items()
        }
    },
)
def decision_feed_read(
    request: HttpRequest,
    after: int = Query(
        0, ge=0, le=MAX_CURSOR, description="The `next_cursor` of the last page read; 0 at first."
    ),
    limit: int = Query(100, ge=1, le=MAX_LIMIT, description="At most this many events."),
) -> dict:
    page = decision_feed(after=after, limit=limit)
    return {
        "events": [
            {
                "cursor": event.id,
                "event_id": event.event_id,
                "type": event.type,
                "occurred_at": event.occurred_at,
                "payload": event.payload,
            }
            for event in page.events
        ],
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
    }
