"""Hostile input to POST /api/v1/events: refused specifically, never a 500, good events kept."""

import json
import math
from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.sources.json_input import MAX_JSON_DEPTH
from apps.sources.models import DeadLetter, Event
from apps.sources.services import dead_letters_retry
from apps.sources.tokens import source_token_create
from tests.sources.events import event

# A plain valid event per source, to stand beside a bad one in a batch.
GOOD = {
    "erp": "erp.order_cancelled",
    "wms": "wms.order_released",
    "tms": "tms.tracking",
    "crm": "crm.complaint_closed",
    "iot": "iot.reading",
}
RAW = "__RAW__"  # replaced by raw JSON text that Python's json.dumps would not write


def raw_event(event_type: str, raw: str = "", *, event_id: str | None = None, **payload) -> str:
    """An event as JSON text; a field set to RAW takes the raw text (NaN, 1e400, …)."""
    sent = event(event_type, event_id=event_id, **payload)
    if "occurred_at" in payload:
        sent["occurred_at"] = sent["payload"].pop("occurred_at")
    return json.dumps(sent).replace(json.dumps(RAW), raw)


def post_twice_around(post, bad: str, *, source: str) -> tuple[list[dict], list[dict]]:
    """Post [good, bad, good] twice; the good events and the two answers."""
    good = [event(GOOD[source]), event(GOOD[source])]
    body = f"[{json.dumps(good[0])},{bad},{json.dumps(good[1])}]"
    answers = []
    for _ in range(2):
        response = post(None, body=body, source=source)
        assert response.status_code == 200, response.content
        answers.append(response.json())
    return good, answers


def assert_only_the_bad_event_is_refused(post, bad: str, field: str, reason: str, source: str):
    good, (first, again) = post_twice_around(post, bad, source=source)
    for answer in (first, again):
        assert answer["rejected"] == 1, answer
        rejection = answer["rejections"][0]
        assert (rejection["index"], rejection["field"]) == (1, field)
        assert reason in rejection["reason"]
    assert (first["accepted"], first["duplicate"]) == (2, 0)
    assert (again["accepted"], again["duplicate"]) == (0, 2)
    assert Event.objects.count() == 2
    assert set(Event.objects.values_list("event_id", flat=True)) == {g["event_id"] for g in good}
    assert [letter.field for letter in DeadLetter.objects.all()] == [field, field]


PICK = "wms.pick_completed"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_a_non_finite_number_is_rejected_naming_the_field(post, number):
    bad = raw_event(PICK, number, duration_s=RAW)
    assert_only_the_bad_event_is_refused(
        post, bad, "payload.duration_s", "must be a finite number", "wms"
    )
    # Kept as Python's json writes a non-finite float (NaN, Infinity), which it reads back.
    raw = json.loads(DeadLetter.objects.first().raw)
    assert not math.isfinite(raw["payload"]["duration_s"])


@pytest.mark.parametrize(
    ("event_type", "changes", "field", "reason"),
    [
        (PICK, {"duration_s": 1e12}, "payload.duration_s", "less than or equal to 28800"),
        (PICK, {"duration_s": 1e8}, "payload.duration_s", "less than or equal to 28800"),
        (PICK, {"qty": 10**30}, "payload.qty", "less than or equal to 1000000"),
        ("erp.order_created", {"lines": [{"sku": "FAS-0001", "qty": 10**30}]},
         "payload.lines[0].qty", "less than or equal to 1000000"),
        ("erp.inventory_adjusted", {"delta": 10**30}, "payload.delta",
         "less than or equal to 10000000"),
        ("erp.inventory_adjusted", {"delta": -(10**30)}, "payload.delta",
         "greater than or equal to -10000000"),
        ("erp.financial_posted", {"amount": "1e999999"}, "payload.amount",
         "less than or equal to 100000000"),
        ("erp.financial_posted", {"amount": "-1e999999"}, "payload.amount",
         "greater than or equal to -100000000"),
        ("erp.financial_posted", {"amount": "Infinity"}, "payload.amount", "finite number"),
        ("tms.freight_accrued", {"amount": 1e7}, "payload.amount", "less than or equal to 1000000"),
        ("iot.reading", {"value": 5000.0}, "payload.value", "within -100..200"),
        ("erp.order_created", {"requested_by": "0001-01-01T00:00:00+00:00"},
         "payload.requested_by", "must not be before 2000-01-01"),
        ("erp.po_created", {"expected_at": "9999-12-31T23:59:59+00:00"},
         "payload.expected_at", "more than 730 days after the time of receipt"),
        ("tms.tracking", {"eta": "9999-12-31T23:59:59-05:00"}, "payload.eta",
         "outside the range of representable dates"),
        (PICK, {"started_at": "0001-01-01T00:30:00+05:00"}, "payload.started_at",
         "outside the range of representable dates"),
        ("erp.order_cancelled", {"occurred_at": "0001-01-01T00:30:00+05:00"}, "occurred_at",
         "outside the range of representable dates"),
        ("erp.order_cancelled", {"occurred_at": "0001-01-01T00:00:00+00:00"}, "occurred_at",
         "must not be before 2000-01-01"),
        ("erp.order_cancelled", {"occurred_at": "9999-12-31T23:59:59+00:00"}, "occurred_at",
         "in the future"),
        ("erp.order_cancelled", {"occurred_at": "9999-12-31T23:59:59-05:00"}, "occurred_at",
         "outside the range of representable dates"),
    ],
)  # fmt: skip
def test_an_out_of_bounds_value_is_rejected_naming_the_field_and_bound(
    post, event_type, changes, field, reason
):
    source = event_type.split(".")[0]
    bad = raw_event(event_type, **changes)
    assert_only_the_bad_event_is_refused(post, bad, field, reason, source)


@pytest.mark.parametrize(
    ("where", "field"),
    [("event_id", "event_id"), ("reason", "payload.reason"), ("key", "payload.\\ud800")],
)
def test_a_lone_surrogate_is_rejected_naming_where_and_kept_escaped(post, where, field):
    sent = event("erp.order_cancelled", event_id="bad-\ud800" if where == "event_id" else None)
    if where == "reason":
        sent["payload"]["reason"] = "broken \udfff text"
    elif where == "key":
        sent["payload"]["\ud800"] = "x"
    bad = json.dumps(sent)  # ensure_ascii writes the surrogate as a \ud800 escape
    assert_only_the_bad_event_is_refused(post, bad, field, "lone surrogate", "erp")
    letter = DeadLetter.objects.first()
    assert json.loads(letter.raw) == sent
    if where == "event_id":
        assert letter.event_id == "bad-\\ud800"


def test_dead_letters_of_hostile_values_can_be_retried_and_stay_rejected(post):
    bad = [
        raw_event(PICK, "NaN", duration_s=RAW),
        raw_event(PICK, duration_s=1e12),
        json.dumps(event("wms.order_released", event_id="bad-\ud800")),
    ]
    response = post(None, body=f"[{','.join(bad)}]", source="wms")
    assert response.json()["rejected"] == 3
    result = dead_letters_retry()
    assert (result.retried, result.still_rejected, result.accepted) == (3, 3, 0)
    assert not Event.objects.exists()


DEEP = 980


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def assert_refused_whole(post, body: str, detail: str, **options) -> None:
    for _ in range(2):
        response = post(None, body=body, **options)
        assert response.status_code == 400, response.content
        assert detail in response.json()["detail"]
    assert not Event.objects.exists()


@pytest.mark.parametrize("levels", [DEEP, 100])
def test_json_nested_too_deeply_gets_400_with_the_reason(post, levels):
    limit = f"JSON nested too deeply (limit {MAX_JSON_DEPTH} levels in an event)"
    assert_refused_whole(post, nested(levels), limit)
    good = json.dumps(event("erp.order_cancelled"))
    deep_payload = raw_event("erp.order_cancelled", nested(levels), reason=RAW)
    assert_refused_whole(post, f"[{good},{deep_payload}]", limit)


def test_a_deeply_nested_ndjson_line_gets_400_naming_the_line(post):
    lines = [
        json.dumps(event("tms.tracking")),
        raw_event("tms.tracking", nested(DEEP), eta=RAW),
        json.dumps(event("tms.tracking")),
    ]
    assert_refused_whole(
        post,
        "\n".join(lines),
        f"line 2: JSON nested too deeply (limit {MAX_JSON_DEPTH}",
        source="tms",
        content_type="application/x-ndjson",
    )


def test_the_depth_limit_counts_an_events_own_levels(post):
    # The envelope is level 1 and the payload level 2: 62 more levels make 64.
    at_limit = raw_event("erp.order_cancelled", nested(MAX_JSON_DEPTH - 2), reason=RAW)
    response = post(None, body=f"[{at_limit}]")
    assert response.status_code == 200
    assert response.json()["rejections"][0]["field"] == "payload.reason"
    past = raw_event("erp.order_cancelled", nested(MAX_JSON_DEPTH - 1), reason=RAW)
    assert post(None, body=f"[{past}]").status_code == 400


def test_a_number_too_long_to_read_gets_400(post):
    body = raw_event("erp.inventory_adjusted", "9" * 5000, delta=RAW)
    assert_refused_whole(post, f"[{body}]", "a number has more than")


def test_a_conflicting_duplicate_within_a_batch_is_rejected_and_stays_rejected(post):
    original = event("erp.order_cancelled", event_id="c-1")
    changed = {**original, "payload": {"order_id": "SO-2002"}}
    other = event("erp.order_cancelled")
    first = post([original, changed, other]).json()
    assert (first["accepted"], first["duplicate"], first["rejected"]) == (2, 0, 1)
    assert first["rejections"][0]["index"] == 1
    assert first["rejections"][0]["field"] == "event_id"
    assert "'c-1' was sent earlier in this batch (event 0)" in first["rejections"][0]["reason"]
    again = post([original, changed, other]).json()
    assert (again["accepted"], again["duplicate"], again["rejected"]) == (0, 2, 1)
    # Still refused: the stored event or the batch's first copy, either differs from it.
    assert "with a different type, time or payload" in again["rejections"][0]["reason"]
    assert Event.objects.count() == 2
    assert Event.objects.get(event_id="c-1").payload["order_id"] == "SO-1001"
    assert DeadLetter.objects.filter(event_id="c-1", field="event_id").count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"payload": {"order_id": "SO-2002"}},
        {"occurred_at": "2026-11-02T09:26:00+00:00"},
        {"type": "erp.order_created", "payload": {**event("erp.order_created")["payload"]}},
    ],
    ids=["payload", "time", "type"],
)
def test_an_event_conflicting_with_a_stored_one_is_rejected_and_the_rest_stored(post, change):
    stored = event("erp.order_cancelled", event_id="c-2")
    assert post([stored]).json()["accepted"] == 1
    conflicting = {**stored, **change}
    copies = [conflicting, conflicting]
    good = event("erp.order_cancelled")
    for attempt in range(2):
        body = post([*copies, good]).json()
        assert (body["accepted"], body["rejected"]) == (1 - attempt, 2)
        assert [r["index"] for r in body["rejections"]] == [0, 1]
        assert all("'c-2' was already stored" in r["reason"] for r in body["rejections"])
    assert Event.objects.count() == 2
    assert Event.objects.get(event_id="c-2").payload == stored["payload"]


def test_an_identical_resend_written_differently_is_a_duplicate(post):
    sent = event(PICK, event_id="same-1", duration_s=240)
    assert post([sent], source="wms").json()["accepted"] == 1
    rewritten = {
        **sent,
        "occurred_at": "2026-11-02T10:25:00+01:00",  # the same instant as 09:25 UTC
        "payload": dict(reversed(list({**sent["payload"], "duration_s": 240.0}.items()))),
    }
    body = post([rewritten, sent], source="wms").json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (0, 2, 0)


def test_an_import_file_with_hostile_lines_stores_the_good_lines(tmp_path, demo_network):
    good = [event("erp.order_cancelled"), event("erp.order_cancelled")]
    path = tmp_path / "events.ndjson"
    path.write_text(
        "\n".join([
            json.dumps(good[0]),
            raw_event("erp.order_cancelled", nested(DEEP), reason=RAW),
            raw_event("erp.inventory_adjusted", "NaN", delta=RAW),
            json.dumps(event("erp.order_cancelled", event_id="bad-\ud800")),
            json.dumps(good[1]),
        ])
    )  # fmt: skip
    for accepted, duplicate in ((2, 0), (0, 2)):
        out = StringIO()
        call_command("import_events", str(path), stdout=out, stderr=StringIO())
        assert f"{accepted} accepted, {duplicate} duplicate, 3 rejected" in out.getvalue()
    assert set(Event.objects.values_list("event_id", flat=True)) == {g["event_id"] for g in good}
    reasons = list(DeadLetter.objects.order_by("id").values_list("reason", flat=True))[:3]
    assert "line 2: JSON nested too deeply" in reasons[0]
    assert "payload.delta: must be a finite number" in reasons[1]
    assert "event_id: contains a lone surrogate" in reasons[2]


hostile_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and ±Infinity included
    | st.text(max_size=10)
    | st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(["event_id", "occurred_at", "duration_s", "qty", "started_at"]),
       value=hostile_values)  # fmt: skip
def test_a_hostile_value_in_any_field_never_gets_a_500_nor_costs_the_good_event(post, field, value):
    bad = event(PICK)
    if field in ("event_id", "occurred_at"):
        bad[field] = value
    else:
        bad["payload"][field] = value
    good = event(PICK)
    response = post(None, body=json.dumps([bad, good]), source="wms")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] + body["duplicate"] + body["rejected"] == 2
    assert Event.objects.filter(event_id=good["event_id"]).exists()


@pytest.mark.slow
def test_a_chunked_body_over_the_limit_gets_413_and_a_small_one_is_stored(
    start_daphne, demo_network
):
    token = source_token_create(source="erp")
    base_url = start_daphne(env_overrides={"TWIN_INGEST_MAX_BYTES": "2048"})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def chunked(text: str):
        # A generator body: httpx sends it chunked, without a Content-Length.
        data = text.encode()
        yield from (data[i : i + 512] for i in range(0, len(data), 512))

    small = [event("erp.order_cancelled")]
    large = [event("erp.order_cancelled", reason="x" * 400) for _ in range(10)]
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for expected in ((1, 0), (0, 1)):
            response = http.post(
                "/api/v1/events", content=chunked(json.dumps(small)), headers=headers
            )
            assert response.status_code == 200, response.text
            assert (response.json()["accepted"], response.json()["duplicate"]) == expected
        response = http.post("/api/v1/events", content=chunked(json.dumps(large)), headers=headers)
        assert response.status_code == 413, response.text
        assert "exceeds 2048" in response.json()["detail"]
    assert list(Event.objects.values_list("event_id", flat=True)) == [small[0]["event_id"]]
