"""Keeping the ingestion API's PostgreSQL connections open from one ASGI request to the next.

Under daphne, Django runs each request's sync code in a thread of its own
(asgiref's ThreadSensitiveContext: a new single-thread executor per request), and database
connections belong to a thread. CONN_MAX_AGE cannot help there: a connection kept past its
request stays with a thread that is gone. So every batch paid for a new connection: the
connect itself, a backend process started and ended by PostgreSQL, and that backend's cold
catalog caches in the insert made under the event log's lock.

Here a request of the ingestion API (its token check, then its batch) takes a connection
that an earlier request left, and leaves its own for the next. A connection is kept only
when it is provably clean: no transaction or atomic block open, autocommit on, no error
since its last commit. It is checked with a round trip before each reuse, so one that
PostgreSQL dropped (a restart, pg_terminate_backend) is replaced, not used; it is dropped
after MAX_AGE_S, and at most KEPT wait at a time. One request at a time holds a
connection: it leaves the shared list when taken.

Only PostgreSQL and only ASGI requests: the test client's requests run in the test's own
thread, on its connection and inside its transaction, and SQLite opens a file, not a
backend process.
"""

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.core.handlers.asgi import ASGIRequest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest

# A connection serves requests for at most this long, then is closed: a long-lived
# backend's caches and memory only grow, and a reconnect every few minutes costs nothing.
MAX_AGE_S = 300.0
# Connections waiting between requests, per process: one per request in flight at a time
# is enough; a burst beyond it connects afresh, as every request did before.
KEPT = 4

_lock = threading.Lock()
_waiting: list[tuple[BaseDatabaseWrapper, float]] = []  # (connection, close by) — LIFO
# Inherited by a forked child: its sockets are the parent's, so the child must neither use
# nor close them (closing would end the parent's sessions); they are only kept referenced.
_inherited: list[tuple[BaseDatabaseWrapper, float]] = []


def _forget_after_fork() -> None:
    global _lock
    _lock = threading.Lock()  # another thread of the parent may have held it
    _inherited.extend(_waiting)
    _waiting.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _take() -> tuple[BaseDatabaseWrapper, float] | None:
    expired = []
    taken = None
    with _lock:
        while _waiting:
            wrapper, close_by = _waiting.pop()
            if time.monotonic() < close_by:
                taken = wrapper, close_by
                break
            expired.append(wrapper)
    for wrapper in expired:
        wrapper.close()
    return taken


def _clean(wrapper: BaseDatabaseWrapper) -> bool:
    """Whether the connection is as a new one would be: open, in autocommit, outside any
    transaction, with no error since its last commit and nothing left to run on commit."""
    return (
        wrapper.connection is not None
        and not wrapper.in_atomic_block
        and not wrapper.needs_rollback
        and not wrapper.errors_occurred
        and not wrapper.run_on_commit
        and wrapper.get_autocommit()
        and wrapper.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    )


def _leave(wrapper: BaseDatabaseWrapper, close_by: float) -> bool:
    """Keep the connection for a later request; False when it is not kept (the request's
    end then closes it, as Django closes any connection past its CONN_MAX_AGE)."""
    if time.monotonic() >= close_by or not _clean(wrapper):
        return False
    with _lock:
        if len(_waiting) >= KEPT:
            return False
        if not wrapper.allow_thread_sharing:
            # The next request runs in another thread; _take hands it to one at a time.
            wrapper.inc_thread_sharing()
        _waiting.append((wrapper, close_by))
    return True


@contextmanager
def database_connection_reused(request: HttpRequest) -> Iterator[None]:
    """Run the block on a connection an earlier ASGI request left, if one is waiting and
    still answers, and leave the connection for the next request afterwards."""
    current = connections[DEFAULT_DB_ALIAS]
    if (
        not isinstance(request, ASGIRequest)
        or current.vendor != "postgresql"
        or current.connection is not None
    ):
        yield
        return
    taken = _take()
    close_by = time.monotonic() + MAX_AGE_S
    connection_before = None
    if taken is not None:
        wrapper, close_by = taken
        if wrapper.is_usable():
            connections[DEFAULT_DB_ALIAS] = wrapper
            connection_before = wrapper.connection
        else:
            wrapper.close()
    yield
    # Not reached when the block raised: the connection then stays with this request, whose
    # end closes it (its CONN_MAX_AGE is long past).
    wrapper = connections[DEFAULT_DB_ALIAS]
    if wrapper.connection is not connection_before:
        close_by = time.monotonic() + MAX_AGE_S  # connected afresh in this block
    if _leave(wrapper, close_by):
        # This thread's request must not close it when it ends: it is no longer this
        # thread's connection.
        del connections[DEFAULT_DB_ALIAS]
