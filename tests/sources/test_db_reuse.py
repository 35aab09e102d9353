"""The ingestion API keeps its PostgreSQL connection from one daphne request to the next,
replaces one that PostgreSQL dropped, and never keeps one that is not clean."""

import json
import os
import time

import httpx
import pytest
from django.db import connection, transaction
from django.test import RequestFactory

from apps.sources import db_reuse
from apps.sources.models import Event
from apps.sources.tokens import source_token_create
from tests.sources.events import event

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="connections are kept on PostgreSQL only"
)


def daphne_backends() -> set[int]:
    """PostgreSQL backends connected to the test database, other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def post(base_url: str, token: str, prefix: str) -> dict:
    batch = [event("wms.order_released", event_id=f"{prefix}-{i}") for i in range(20)]
    response = httpx.post(
        f"{base_url}/api/v1/events",
        content=json.dumps(batch),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


@pytest.mark.slow
def test_daphne_keeps_one_connection_across_batches_and_replaces_a_dropped_one(
    start_daphne, demo_network
):
    token = source_token_create(source="wms")
    base_url = start_daphne()
    assert post(base_url, token, "a")["accepted"] == 20
    kept = daphne_backends()
    for prefix in ("b", "c"):
        assert post(base_url, token, prefix)["accepted"] == 20
    # Without reuse each request's connection is closed when it ends: none would be left.
    assert len(kept) == 1 and daphne_backends() == kept

    with connection.cursor() as cursor:
        # What a restart of PostgreSQL does to every open connection.
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [kept.pop()])
    dropped = daphne_backends()
    assert post(base_url, token, "d") == {
        "accepted": 20, "duplicate": 0, "rejected": 0, "rejections": []
    }  # fmt: skip
    assert not dropped & daphne_backends()
    assert Event.objects.filter(event_id__startswith="d-").count() == 20


# Outside the test's own transaction: inside it, no connection would ever be clean, and
# each refusal below would pass for that reason alone.
@pytest.mark.django_db(transaction=True)
def test_a_connection_inside_a_transaction_or_after_an_error_is_not_kept(monkeypatch):
    monkeypatch.setattr(db_reuse, "_waiting", [])
    far = float("inf")
    connection.ensure_connection()
    with transaction.atomic():
        assert not db_reuse._leave(connection, far)
    # Set and reset by hand: the connection proxy hides the attribute from monkeypatch,
    # whose undo would delete it.
    connection.errors_occurred = True
    try:
        assert not db_reuse._leave(connection, far)
    finally:
        connection.errors_occurred = False
    assert not db_reuse._leave(connection, time.monotonic())  # past its age
    assert db_reuse._waiting == []
    # The same connection, clean and young, is kept: the refusals above were for cause.
    assert db_reuse._leave(connection, far)
    assert db_reuse._waiting == [(connection, far)]
    connection.dec_thread_sharing()


@pytest.mark.django_db
def test_the_test_clients_requests_keep_their_own_connection(monkeypatch):
    """Outside ASGI the block runs on the thread's connection, untouched: here the test's
    own, inside its transaction."""
    monkeypatch.setattr(db_reuse, "_waiting", [])
    own = connection.connection
    with db_reuse.database_connection_reused(RequestFactory().post("/api/v1/events")):
        assert connection.connection is own
    assert connection.connection is own and db_reuse._waiting == []


def test_a_forked_child_neither_uses_nor_closes_the_parents_connections(monkeypatch):
    kept = (object(), float("inf"))
    monkeypatch.setattr(db_reuse, "_waiting", [kept])
    monkeypatch.setattr(db_reuse, "_inherited", [])
    child = os.fork()
    if child == 0:
        # Still referenced (closing would end the parent's session), never handed out.
        os._exit(0 if db_reuse._take() is None and db_reuse._inherited == [kept] else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert db_reuse._waiting == [kept]
