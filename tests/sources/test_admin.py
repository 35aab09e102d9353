"""The admin shows the event log and quarantined events but changes none: only ingestion
appends to the log, and only the projector and a retry change a quarantined event."""

from datetime import UTC, datetime

from django.contrib.admin import site
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.sources.models import DeadLetter, Event, QuarantinedEvent
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


def _events_logged(count: int) -> list[Event]:
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    return Event.objects.bulk_create(
        Event(
            source="wms",
            event_id=f"bulk-{n}",
            type="wms.order_released",
            occurred_at=at,
            received_at=at,
            payload={"order_id": f"SO-{n}", "dc": "NE"},
            dc="NE",
        )
        for n in range(count)
    )


def test_a_dead_letter_cannot_be_added_and_its_page_offers_no_choice_of_events(
    client, demo_network, django_assert_max_num_queries
):
    events = _events_logged(400)
    letter = DeadLetter.objects.create(
        received_at=events[0].received_at, source="wms", event_id="bulk-7",
        type="wms.order_released", raw="{}", field="dc", reason="unknown DC",
        accepted_event=events[7],
    )  # fmt: skip
    admin = get_user_model().objects.create_superuser("root", "root@x.invalid", "pw-12345678")
    client.force_login(admin)
    assert client.get(reverse("admin:sources_deadletter_add")).status_code == 403
    change = reverse("admin:sources_deadletter_change", args=[letter.pk])
    with django_assert_max_num_queries(15):
        page = client.get(change)
    html = page.content.decode()
    assert page.status_code == 200 and str(events[7]) in html
    assert html.count("<option") < 10 and len(html) < 50_000
    assert client.post(change, {"reason": "typed in"}).status_code == 403
    listing = client.get(reverse("admin:sources_deadletter_changelist"))
    assert listing.status_code == 200 and "Add dead letter" not in listing.content.decode()


# Tables that grow with the event stream: an admin form must never offer one as a <select>.
_LARGE_TABLES = {Event, QuarantinedEvent, DeadLetter}


def test_no_admin_form_renders_a_large_table_as_a_select(rf, db):
    superuser = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    offending = []
    for model, model_admin in site._registry.items():
        request = rf.get("/")
        request.user = superuser
        editable = model_admin.has_add_permission(request) or model_admin.has_change_permission(
            request
        )
        if not editable:
            continue
        shown_otherwise = {*model_admin.raw_id_fields, *model_admin.autocomplete_fields,
                           *model_admin.get_readonly_fields(request)}  # fmt: skip
        for field in model._meta.get_fields():
            if (
                (field.many_to_one or field.many_to_many)
                and field.concrete
                and field.related_model in _LARGE_TABLES
                and field.name not in shown_otherwise
            ):
                offending.append(f"{model.__name__}.{field.name}")
    assert offending == []
