"""The Sources page shows the events a reader of the log quarantined, and asks for retries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import PLANNER, VIEWER
from apps.sources.models import Event, QuarantinedEvent
from apps.sources.services import events_ingest
from tests.sources.events import event


def quarantined(*, count: int = 1, status: str = QuarantinedEvent.Status.OPEN) -> list:
    """Events stored for real, then quarantined as the live projector records them."""
    result = events_ingest(items=[event("wms.pick_completed") for _ in range(count)])
    assert result.accepted == count
    now = timezone.now()
    return [
        QuarantinedEvent.objects.create(
            reader="live",
            log_event=stored,
            source=stored.source,
            event_id=stored.event_id,
            type=stored.type,
            error_type="OverflowError",
            error="date value out of range",
            status=status,
            quarantined_at=now,
            failed_at=now,
        )
        for stored in Event.objects.order_by("-id")[:count]
    ]


def test_it_lists_open_quarantined_events_with_their_error_and_count(
    client, role_user, demo_network
):
    [held] = quarantined()
    [done] = quarantined(status=QuarantinedEvent.Status.RESOLVED)
    client.force_login(role_user(PLANNER))
    html = client.get("/sources/").content.decode()
    assert held.event_id in html and done.event_id not in html
    assert "<code>OverflowError</code>: date value out of range" in html
    assert "(1 open)" in html
    assert f'<button type="submit" name="id" value="{held.id}">Retry</button>' in html


def test_with_none_it_says_so(client, role_user, demo_network):
    client.force_login(role_user(PLANNER))
    html = client.get("/sources/", HTTP_HX_REQUEST="true").content.decode()
    assert "No quarantined events" in html and "open)" not in html


def test_a_planner_asks_for_a_retry_of_one(client, role_user, demo_network):
    first, second = quarantined(count=2)
    client.force_login(role_user(PLANNER))
    response = client.post("/sources/quarantine/retry", {"id": first.id}, follow=True)
    assert "Retry requested for 1 quarantined event:" in response.content.decode()
    statuses = dict(QuarantinedEvent.objects.values_list("id", "status"))
    assert statuses == {first.id: "retry_requested", second.id: "open"}
    assert QuarantinedEvent.objects.get(id=first.id).retry_requested_at is not None


def test_retry_all_asks_for_the_open_ones_only(client, role_user, demo_network):
    quarantined(count=3)
    quarantined(status=QuarantinedEvent.Status.RESOLVED)
    client.force_login(role_user(PLANNER))
    response = client.post("/sources/quarantine/retry", {"all": "1"}, follow=True)
    assert "Retry requested for 3 quarantined events" in response.content.decode()
    assert QuarantinedEvent.objects.filter(status="retry_requested").count() == 3
    assert QuarantinedEvent.objects.filter(status="resolved").count() == 1


def test_a_retry_without_a_choice_says_what_is_missing(client, role_user, demo_network):
    client.force_login(role_user(PLANNER))
    response = client.post("/sources/quarantine/retry", {}, follow=True)
    assert "Nothing to retry: choose a quarantined event." in response.content.decode()


@pytest.mark.parametrize("role", [VIEWER, None])
def test_only_planners_may_ask_for_a_retry(client, role_user, demo_network, role):
    [held] = quarantined()
    client.force_login(role_user(*([role] if role else [])))
    assert client.post("/sources/quarantine/retry", {"id": held.id}).status_code == 403
    assert QuarantinedEvent.objects.get().status == "open"


def test_the_list_costs_the_same_queries_for_one_event_as_for_many(client, role_user, demo_network):
    client.force_login(role_user(PLANNER))
    quarantined()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/sources/", HTTP_HX_REQUEST="true").status_code == 200
        return len(captured)

    few = queries()
    quarantined(count=8)
    assert queries() == few
