"""/healthz reports the database and Redis, and answers 503 when one is down."""

import httpx
import pytest

from twin_web.launcher import free_loopback_port


def test_healthz_is_public_and_reports_both_dependencies_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True


def test_healthz_answers_503_naming_redis_when_redis_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_loopback_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert "error" in body["checks"]["redis"]
    assert body["checks"]["database"]["ok"] is True


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
