"""/healthz: whether the database and Redis answer, for load balancers and operators, and
how far the live state is behind the event log."""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from apps.live.projector import projector_position

# The projector behind the log by more than this many events is worth an operator's look
# (about a minute of the demo enterprise's busiest traffic).
PROJECTOR_LAG_WARNING = 10_000


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "vendor": connection.vendor}


def _redis_status() -> dict:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1.0, socket_timeout=1.0
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}
    finally:
        client.close()
    return {"ok": True}


def _projection_status() -> dict:
    """Where the live state stands. Information, not a failed check: a quarantined event or a
    projector catching up is no reason for a load balancer to drop a web server."""
    position = projector_position()
    return {
        "last_event_id": position.last_event_id,
        "log_head_id": position.log_head_id,
        "lag_events": position.lag_events,
        "watermark": position.watermark.isoformat() if position.watermark else None,
        "quarantined": position.quarantined,
    }


def _degraded(checks: dict, projection: dict | None) -> list[str]:
    """What an operator should know is not right, in words."""
    found = [f"{name} unavailable" for name, check in checks.items() if not check["ok"]]
    if projection is not None:
        if projection["quarantined"]:
            found.append(f"{projection['quarantined']} event(s) quarantined by the projector")
        if projection["lag_events"] > PROJECTOR_LAG_WARNING:
            found.append(f"live state {projection['lag_events']} events behind the log")
    return found


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_status(), "redis": _redis_status()}
    healthy = all(check["ok"] for check in checks.values())
    projection = _projection_status() if checks["database"]["ok"] else None
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": checks,
            "projection": projection,
            "degraded": _degraded(checks, projection),
        },
        status=200 if healthy else 503,
    )
