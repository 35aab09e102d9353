"""The admin shows the event log and quarantined events but changes none: only ingestion
appends to the log, and only the projector and a retry change a quarantined event."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.sources.models import Event, QuarantinedEvent
from apps.sources.services import events_ingest
from tests.sources.events import event
from tests.sources.test_quarantine_page import quarantined


def test_the_admin_lists_quarantined_events_and_offers_no_change(client, demo_network):
    [held] = quarantined()
    admin = get_user_model().objects.create_superuser("root", "root@x.invalid", "pw-12345678")
    client.force_login(admin)
    listing = client.get(reverse("admin:sources_quarantinedevent_changelist"))
    assert listing.status_code == 200 and held.event_id in listing.content.decode()
    change = reverse("admin:sources_quarantinedevent_change", args=[held.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"status": "resolved"}).status_code == 403
    assert client.get(reverse("admin:sources_quarantinedevent_add")).status_code == 403
    delete = reverse("admin:sources_quarantinedevent_delete", args=[held.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert QuarantinedEvent.objects.get().status == QuarantinedEvent.Status.OPEN


def test_the_admin_shows_the_event_log_but_cannot_add_change_or_delete_an_event(
    client, demo_network
):
    events_ingest(items=[event("erp.order_created")])
    logged = Event.objects.get()
    admin = get_user_model().objects.create_superuser("root", "root@x.invalid", "pw-12345678")
    client.force_login(admin)
    listing = client.get(reverse("admin:sources_event_changelist"))
    assert listing.status_code == 200 and logged.event_id in listing.content.decode()
    assert "Add event" not in listing.content.decode()
    add = reverse("admin:sources_event_add")
    assert client.get(add).status_code == 403
    raw = {"source": "erp", "event_id": "typed-in", "type": "erp.order_created",
           "occurred_at_0": "2026-11-02", "occurred_at_1": "09:00:00",
           "received_at_0": "2026-11-02", "received_at_1": "09:00:00", "payload": "{}"}  # fmt: skip
    assert client.post(add, raw).status_code == 403
    change = reverse("admin:sources_event_change", args=[logged.pk])
    assert client.get(change).status_code == 200  # to read
    assert client.post(change, {**raw, "event_id": logged.event_id}).status_code == 403
    delete = reverse("admin:sources_event_delete", args=[logged.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert list(Event.objects.values_list("event_id", "type")) == [
        (logged.event_id, "erp.order_created")
    ]
