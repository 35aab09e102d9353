"""Whatever JSON arrives, the endpoint answers with a 2xx or 4xx, never a 500."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sources.events import event

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
envelope_like = st.fixed_dictionaries(
    {
        "event_id": st.text(max_size=8) | st.integers(),
        "source": st.sampled_from(["erp", "wms", "x"]) | json_values,
        "type": st.sampled_from(["erp.order_created", "erp.po_created", "nope"]) | json_values,
        "occurred_at": st.sampled_from(["2026-11-02T09:00:00+00:00", "yesterday"]) | json_values,
        "payload": st.dictionaries(
            st.sampled_from(["order_id", "lines", "sku", "qty", "dc", "customer"]),
            json_values,
            max_size=6,
        )
        | json_values,
    }
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(envelope_like | json_values, max_size=6) | json_values)
def test_arbitrary_json_never_gets_a_500(post, batch):
    response = post(None, body=json.dumps(batch))
    assert response.status_code in (200, 400, 403), response.content
    if response.status_code == 200:
        body = response.json()
        assert body["accepted"] + body["duplicate"] + body["rejected"] == len(batch)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_never_get_a_500(post, raw):
    for content_type in ("application/json", "application/x-ndjson"):
        response = post(None, body=raw, content_type=content_type)
        assert response.status_code in (200, 400, 403), response.content


def test_a_nul_character_anywhere_is_rejected_naming_where(post):
    from apps.sources.models import DeadLetter

    sent = event("erp.order_created", order_id="SO-\x001")
    body = post([sent, {"\x00": None}]).json()
    assert body["rejected"] == 2
    assert body["rejections"][0]["field"] == "payload.order_id"
    assert "NUL character" in body["rejections"][0]["reason"]
    assert DeadLetter.objects.count() == 2


def test_a_valid_event_among_garbage_is_still_stored(post):
    from apps.sources.models import Event

    good = event("erp.order_cancelled")
    body = post([None, good, {"type": 3}]).json()
    assert body["accepted"] == 1
    assert Event.objects.filter(event_id=good["event_id"]).exists()
