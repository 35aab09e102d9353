"""The Sources page: feed health per source, dead letters, retry after a fix."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import APPROVER, PLANNER, VIEWER
from apps.network.models import Sku
from apps.sources.models import DeadLetter, Event
from tests.sources.events import event


@pytest.mark.parametrize(("role", "status"), [(VIEWER, 403), (PLANNER, 200), (APPROVER, 200)])
def test_planners_and_up_may_open_it(client, role_user, demo_network, role, status):
    client.force_login(role_user(role))
    assert client.get("/sources/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert client.get("/sources/")["Location"] == "/login/?next=/sources/"


def test_it_shows_each_feed_and_the_dead_letters(client, role_user, post):
    post([event("wms.order_released"), event("wms.order_released", event_id="bad-1", dc="XX")],
         source="wms")  # fmt: skip
    client.force_login(role_user(PLANNER))
    html = client.get("/sources/").content.decode()
    assert 'data-source="wms"' in html and 'data-source="iot"' in html
    assert "bad-1" in html
    assert "unknown DC &#x27;XX&#x27;" in html
    assert "no active token" not in html  # every source has one in this test


def test_htmx_refresh_gets_only_the_partial(client, role_user, post):
    client.force_login(role_user(PLANNER))
    response = client.get("/sources/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="feed-table"' in html


def test_retry_stores_a_letter_once_the_master_data_exists(client, role_user, post):
    post([event("erp.order_created", event_id="new-sku-order",
                lines=[{"sku": "NEW-0001", "qty": 2}])])  # fmt: skip
    letter = DeadLetter.objects.get(event_id="new-sku-order")
    assert "unknown SKU 'NEW-0001'" in letter.reason
    client.force_login(role_user(PLANNER))

    client.post("/sources/retry", {"id": letter.id})
    letter.refresh_from_db()
    assert letter.accepted_event is None and letter.retried_at is not None

    Sku.objects.create(
        code="NEW-0001",
        name="New",
        family="Fasteners",
        weight_kg=1,
        cube_m3=0.001,
        unit_cost_usd=1,
        unit_price_usd=2,
        velocity_class="C",
    )
    response = client.post("/sources/retry", {"id": letter.id}, follow=True)
    assert "1 now accepted" in response.content.decode()
    letter.refresh_from_db()
    assert letter.accepted_event == Event.objects.get(event_id="new-sku-order")
    assert DeadLetter.objects.count() == 1
    assert "new-sku-order" not in client.get("/sources/").content.decode()


def test_retry_all_keeps_one_row_per_letter_with_the_new_reason(client, role_user, post):
    post([event("wms.order_released", event_id=f"x-{i}", dc="XX") for i in range(3)],
         source="wms")  # fmt: skip
    client.force_login(role_user(PLANNER))
    response = client.post("/sources/retry", {"all": "1", "source": "wms"}, follow=True)
    assert "3 still rejected" in response.content.decode()
    assert DeadLetter.objects.count() == 3


def test_a_viewer_may_not_retry(client, role_user, post):
    post([event("wms.order_released", event_id="v-1", dc="XX")], source="wms")
    client.force_login(role_user(VIEWER))
    assert client.post("/sources/retry", {"all": "1"}).status_code == 403


def test_the_page_query_count_does_not_grow_with_the_data(client, role_user, post):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/sources/").status_code == 200
        return len(captured.captured_queries)

    post([event("wms.order_released", event_id="ok-0"),
          event("wms.order_released", event_id="bad-0", dc="XX")], source="wms")  # fmt: skip
    client.force_login(role_user(PLANNER))
    queries()  # caches that fill once per process (content types) are full
    one_feed_one_letter = queries()
    post([event("wms.order_released", event_id=f"ok-{i}") for i in range(1, 10)]
         + [event("wms.order_released", event_id=f"bad-{i}", dc="XX") for i in range(1, 30)],
         source="wms")  # fmt: skip
    post([event("iot.reading", event_id=f"iot-{i}", dc="XX") for i in range(10)], source="iot")
    post([event("erp.order_cancelled", event_id=f"erp-{i}") for i in range(5)], source="erp")
    assert DeadLetter.objects.count() == 40
    assert queries() == one_feed_one_letter


def test_a_dead_letter_is_shown_indented(client, role_user, post):
    post([event("wms.order_released", event_id="indent-1", dc="XX")], source="wms")
    client.force_login(role_user(PLANNER))
    html = client.get("/sources/").content.decode()
    assert "\n  &quot;event_id&quot;: &quot;indent-1&quot;" in html


def test_a_dead_letter_nested_1000_levels_deep_is_shown_as_received(
    client, role_user, demo_network, tmp_path
):
    # An import dead-letters a line it cannot parse as the raw text, however deep it goes;
    # indenting it again for the page would exhaust Python's stack.
    sent = event("erp.order_cancelled", event_id="deep-1")
    levels = 1000
    deep = json.dumps(sent).replace('"customer request"', "[" * levels + "]" * levels)
    path = tmp_path / "deep.ndjson"
    path.write_text(deep + "\n")
    call_command("import_events", str(path), stdout=StringIO(), stderr=StringIO())
    assert DeadLetter.objects.get().raw == deep
    client.force_login(role_user(PLANNER))
    response = client.get("/sources/")
    assert response.status_code == 200
    assert "[" * levels + "]" * levels in response.content.decode()


def test_event_counts_read_with_thousands_separators(client, role_user, demo_network):
    from django.utils import timezone

    now = timezone.now()
    Event.objects.bulk_create(
        Event(
            source="iot",
            event_id=f"iot-{n}",
            type="iot.reading",
            occurred_at=now,
            received_at=now,
            payload={},
        )
        for n in range(1234)
    )
    client.force_login(role_user(PLANNER))
    html = client.get("/sources/").content.decode()
    assert ">1,234</td>" in html
