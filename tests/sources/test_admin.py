"""The admin shows quarantined events but changes none: only the projector and a retry do."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.sources.models import QuarantinedEvent
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
