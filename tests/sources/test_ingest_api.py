"""POST /api/v1/events: strict, lossless, and specific about what it refuses."""

import json

import pytest

from apps.sources.models import DeadLetter, Event
from apps.sources.schemas import PAYLOADS
from tests.sources.events import PAYLOADS as EXAMPLES
from tests.sources.events import event


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_a_valid_event_of_every_type_is_accepted_and_stored(post, event_type):
    sent = event(event_type)
    response = post([sent], source=event_type.split(".")[0])
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 1, "duplicate": 0, "rejected": 0, "rejections": []}
    stored = Event.objects.get(event_id=sent["event_id"])
    assert stored.type == event_type
    assert stored.source == sent["source"]
    assert stored.dc == sent["payload"].get("dc", sent["payload"].get("from_dc", ""))
    assert stored.order_id == sent["payload"].get("order_id", "")
    assert stored.shipment_id == sent["payload"].get("shipment_id", "")


def test_every_example_covers_every_type():
    assert set(EXAMPLES) == set(PAYLOADS)


REQUIRED_FIELDS = [
    (event_type, name)
    for event_type, model in sorted(PAYLOADS.items())
    for name, info in model.model_fields.items()
    if info.is_required()
]


@pytest.mark.parametrize(("event_type", "name"), REQUIRED_FIELDS)
def test_each_missing_field_is_rejected_with_its_path(post, event_type, name):
    sent = event(event_type)
    del sent["payload"][name]
    body = post([sent], source=event_type.split(".")[0]).json()
    assert body["rejected"] == 1
    rejection = body["rejections"][0]
    assert rejection["index"] == 0
    assert rejection["event_id"] == sent["event_id"]
    assert rejection["field"] == f"payload.{name}"
    assert rejection["reason"] == "Field required"


@pytest.mark.parametrize(
    ("event_type", "changes", "field", "reason"),
    [
        ("erp.order_created", {"lines": [{"sku": "FAS-0001", "qty": 0}]}, "payload.lines[0].qty",
         "greater than 0"),
        ("erp.order_created", {"lines": []}, "payload.lines", "at least 1"),
        ("erp.order_created", {"requested_by": "2026-11-04T17:00:00"}, "payload.requested_by",
         "timezone"),
        ("erp.inventory_adjusted", {"delta": 0}, "payload.delta", "must not be 0"),
        ("erp.financial_posted", {"currency": "usd"}, "payload.currency", "pattern"),
        ("wms.pick_completed", {"duration_s": -1}, "payload.duration_s", "greater than 0"),
        ("wms.labor_clock", {"role": "pilot"}, "payload.role", "'picker'"),
        ("tms.tracking", {"status": "lost"}, "payload.status", "'delivered'"),
        ("crm.satisfaction_survey", {"score": 6}, "payload.score", "less than or equal to 5"),
        ("iot.reading", {"kind": "smell"}, "payload.kind", "'temperature'"),
        ("wms.shipped", {"colour": "red"}, "payload.colour", "Extra inputs"),
    ],
)  # fmt: skip
def test_an_invalid_value_is_rejected_with_its_path_and_reason(
    post, event_type, changes, field, reason
):
    body = post([event(event_type, **changes)], source=event_type.split(".")[0]).json()
    assert body["rejected"] == 1
    assert body["rejections"][0]["field"] == field
    assert reason in body["rejections"][0]["reason"]


@pytest.mark.parametrize(
    ("event_type", "changes", "field", "reason"),
    [
        ("wms.order_released", {"dc": "XX"}, "payload.dc", "unknown DC 'XX'"),
        ("erp.inventory_moved", {"to_dc": "ZZ"}, "payload.to_dc", "unknown DC 'ZZ'"),
        ("erp.order_created", {"lines": [{"sku": "FAS-0001", "qty": 1},
                                         {"sku": "X-991", "qty": 1}]},
         "payload.lines[1].sku", "unknown SKU 'X-991'"),
        ("crm.sla_committed", {"customer": "NOBODY"}, "payload.customer", "unknown customer"),
        ("wms.shipped", {"carrier": "ACME"}, "payload.carrier", "unknown carrier 'ACME'"),
        ("tms.tender", {"lane": "NE-MAT-ACME"}, "payload.lane", "unknown lane"),
    ],
)  # fmt: skip
def test_unknown_master_data_is_rejected_specifically(post, event_type, changes, field, reason):
    body = post([event(event_type, **changes)], source=event_type.split(".")[0]).json()
    assert body["rejected"] == 1
    assert body["rejections"][0]["field"] == field
    assert reason in body["rejections"][0]["reason"]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"occurred_at": "2026-11-02T09:00:00"}, "occurred_at", "timezone"),
        ({"type": "erp.teleport"}, "type", "unknown event type"),
        ({"type": "wms.shipped"}, "type", "not a erp event type"),
        ({"event_id": ""}, "event_id", "at least 1"),
        ({"payload": "x"}, "payload", "dictionary"),
        ({"extra": 1}, "extra", "Extra inputs"),
    ],
)
def test_envelope_errors_are_named(post, change, field, reason):
    sent = {**event("erp.order_cancelled"), **change}
    body = post([sent]).json()
    assert body["rejected"] == 1
    assert body["rejections"][0]["field"] == field
    assert reason in body["rejections"][0]["reason"]


def test_an_event_too_far_in_the_future_is_rejected_and_the_past_is_fine(post, settings):
    from datetime import UTC, datetime, timedelta

    settings.TWIN_MAX_FUTURE_SKEW_S = 60
    now = datetime.now(UTC)
    near = {
        **event("erp.order_cancelled"),
        "occurred_at": (now + timedelta(seconds=30)).isoformat(),
    }
    far = {**event("erp.order_cancelled"), "occurred_at": (now + timedelta(hours=2)).isoformat()}
    old = {**event("erp.order_cancelled"), "occurred_at": "2020-01-01T00:00:00+00:00"}
    body = post([near, far, old]).json()
    assert body["accepted"] == 2
    assert body["rejections"][0]["index"] == 1
    assert body["rejections"][0]["field"] == "occurred_at"
    assert "more than 60 s in the future" in body["rejections"][0]["reason"]


def test_a_partial_batch_stores_the_valid_and_dead_letters_the_rest(post):
    good, bad = event("wms.order_released"), event("wms.order_released", dc="XX")
    body = post([good, bad, "not an object"], source="wms").json()
    assert (body["accepted"], body["rejected"]) == (1, 2)
    assert [r["index"] for r in body["rejections"]] == [1, 2]
    assert body["rejections"][1]["reason"] == "an event must be a JSON object"
    assert Event.objects.filter(event_id=good["event_id"]).exists()
    letter = DeadLetter.objects.get(event_id=bad["event_id"])
    assert json.loads(letter.raw) == bad
    assert letter.field == "payload.dc"
    assert "unknown DC 'XX'" in letter.reason
    assert DeadLetter.objects.count() == 2


def test_duplicates_within_a_batch_and_across_batches_change_nothing(post):
    first = event("erp.order_cancelled", event_id="dup-1")
    body = post([first, first, event("erp.order_cancelled", event_id="dup-2")]).json()
    assert (body["accepted"], body["duplicate"]) == (2, 1)
    changed_resend = {**first, "payload": {"order_id": "SO-9"}}
    body = post([first, changed_resend]).json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (0, 1, 1)
    assert body["rejections"][0]["field"] == "event_id"
    assert "with a different type, time or payload" in body["rejections"][0]["reason"]
    assert Event.objects.filter(event_id="dup-1").count() == 1
    assert Event.objects.get(event_id="dup-1").payload["order_id"] == "SO-1001"


def test_the_same_event_id_from_another_source_is_another_event(post):
    post([event("erp.order_cancelled", event_id="shared-7")])
    body = post([event("wms.order_released", event_id="shared-7")], source="wms").json()
    assert body["accepted"] == 1
    assert Event.objects.filter(event_id="shared-7").count() == 2


def test_out_of_order_events_are_stored_with_their_own_time(post):
    late = {**event("iot.reading"), "occurred_at": "2026-11-02T08:00:00+00:00"}
    early = {**event("iot.reading"), "occurred_at": "2026-11-02T09:00:00+00:00"}
    post([early], source="iot")
    assert post([late], source="iot").json()["accepted"] == 1
    times = list(Event.objects.order_by("id").values_list("occurred_at", flat=True))
    assert times[0] > times[1]


def test_events_are_logged_in_commit_order(post):
    from apps.sources.selectors import event_log_read

    post([event("erp.order_cancelled", event_id=f"ord-{i}") for i in range(3)])
    post([event("erp.order_cancelled", event_id="ord-3")])
    log = event_log_read(after_id=0)
    assert [e.event_id for e in log] == ["ord-0", "ord-1", "ord-2", "ord-3"]
    assert [e.event_id for e in event_log_read(after_id=log[1].id)] == ["ord-2", "ord-3"]


def test_ndjson_is_accepted_when_the_content_type_says_so(post):
    lines = "\n".join(json.dumps(event("tms.tracking")) for _ in range(3)) + "\n\n"
    body = post(None, source="tms", body=lines, content_type="application/x-ndjson").json()
    assert body["accepted"] == 3


def test_malformed_json_gets_400_with_the_parsers_position(post):
    response = post(None, body='[{"event_id": "a",, }]')
    assert response.status_code == 400
    assert "line 1 column 19" in response.json()["detail"]


def test_a_malformed_ndjson_line_gets_400_naming_the_line(post):
    body = json.dumps(event("tms.tracking")) + "\n{oops\n"
    response = post(None, source="tms", body=body, content_type="application/x-ndjson")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("line 2 column 2")
    assert not Event.objects.exists()


def test_a_json_object_instead_of_an_array_gets_400(post):
    response = post(None, body=json.dumps(event("erp.order_cancelled")))
    assert response.status_code == 400
    assert "JSON array" in response.json()["detail"]


def test_too_many_events_or_bytes_get_413(post, settings):
    settings.TWIN_INGEST_MAX_EVENTS = 3
    response = post([event("erp.order_cancelled") for _ in range(4)])
    assert response.status_code == 413
    assert "4 events exceed the limit of 3" in response.json()["detail"]
    settings.TWIN_INGEST_MAX_BYTES = 1500
    response = post([event("erp.order_cancelled", reason="x" * 450) for _ in range(3)])
    assert response.status_code == 413
    assert "exceeds 1500" in response.json()["detail"]
    assert not Event.objects.exists()


def test_a_token_posts_only_its_own_sources_events(post):
    response = post([event("erp.order_cancelled"), event("wms.order_released", event_id="w-1")])
    assert response.status_code == 403
    assert "event 1 ('w-1') is a 'wms' event" in response.json()["detail"]
    assert not Event.objects.exists()


def test_no_token_a_wrong_token_and_a_revoked_token_get_401(post, token):
    from apps.sources.tokens import source_token_revoke

    assert post([event("erp.order_cancelled")], auth="").status_code == 401
    assert post([event("erp.order_cancelled")], auth="Bearer nope").status_code == 401
    source_token_revoke(source="erp")
    assert post([event("erp.order_cancelled")]).status_code == 401
    assert not Event.objects.exists()


def test_the_api_needs_no_session_and_no_csrf_token(token, demo_network):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/api/v1/events",
        data=json.dumps([event("erp.order_cancelled")]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token['erp']}",
    )
    assert response.status_code == 200


def test_openapi_and_payload_schemas_are_published(client, db):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/events" in spec["paths"]
    assert client.get("/api/docs").status_code == 200
    schemas = client.get("/api/v1/event-types").json()
    assert set(schemas) == set(PAYLOADS)
    assert "lines" in schemas["erp.order_created"]["properties"]
