"""/healthz reports the database and Redis, and answers 503 when one is down."""

import httpx
import pytest
from django.utils import timezone

from apps.live.models import ProjectorCheckpoint
from apps.live.projector import CHECKPOINT
from apps.sources.models import Event, QuarantinedEvent
from twin_web.embedded_redis import free_loopback_port


def test_healthz_is_public_and_reports_both_dependencies_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["degraded"] == []


def test_healthz_tells_how_far_the_live_state_is_behind_and_what_is_quarantined(client, db):
    event = Event.objects.create(
        source="wms", event_id="poison-1", type="wms.pick_completed", occurred_at=timezone.now(),
        received_at=timezone.now(), payload={}, dc="NE",
    )  # fmt: skip
    Event.objects.create(
        source="wms", event_id="later-1", type="wms.shipped", occurred_at=timezone.now(),
        received_at=timezone.now(), payload={}, dc="NE",
    )  # fmt: skip
    ProjectorCheckpoint.objects.create(name=CHECKPOINT, last_event_id=event.id)
    QuarantinedEvent.objects.create(
        reader=CHECKPOINT, log_event=event, source="wms", event_id="poison-1",
        type="wms.pick_completed", error_type="OverflowError", error="too big",
        quarantined_at=timezone.now(), failed_at=timezone.now(),
    )  # fmt: skip
    body = client.get("/healthz").json()
    assert body["status"] == "ok"  # information, not a failed check
    assert body["projection"]["lag_events"] == 1
    assert body["projection"]["last_event_id"] == event.id
    assert body["projection"]["quarantined"] == 1
    assert body["degraded"] == ["1 event(s) quarantined by the projector"]


def test_healthz_answers_503_naming_redis_when_redis_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_loopback_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert "error" in body["checks"]["redis"]
    assert body["checks"]["database"]["ok"] is True
    assert body["degraded"] == ["redis unavailable"]


@pytest.mark.slow
def test_healthz_answers_503_naming_the_database_when_it_is_unreachable(start_daphne):
    closed_port = free_loopback_port()
    base_url = start_daphne(
        env_overrides={"DATABASE_URL": f"postgres://twin@127.0.0.1:{closed_port}/twin"},
        wait_healthy=False,
    )
    response = httpx.get(f"{base_url}/healthz", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["redis"]["ok"] is True
