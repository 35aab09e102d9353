"""One projector at a time: on PostgreSQL, a session-level advisory lock.

It needs no Redis, and a projector that dies releases it with its connection. SQLite needs
none: its writers take the database lock when a transaction begins (settings:
transaction_mode IMMEDIATE), so two projectors take turns batch by batch, and the
checkpoint they read under it keeps each event applied once.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

# The projector's logger, whichever module writes the line.
logger = logging.getLogger("apps.live.projector")

# A PostgreSQL advisory lock key of its own ("twinlive" in ASCII); ingestion has another.
LOCK_KEY = 0x7477696E6C697665

# The database connection (the driver's, which a reconnection replaces) on which the lock
# is kept between projections, or None.
_kept_on = None


def _keeping() -> bool:
    return _kept_on is not None and _kept_on is connection.connection


@contextmanager
def single_projector(*, keep: bool = False) -> Iterator[bool]:
    """Whether this process may project now: False while another projector is at it.

    Re-entrant: a holder may take it again (rebuild_live holds it around a projection).
    With `keep`, the lock is kept afterwards for as long as the connection lasts, and the
    next projections pay no round trip for it: run_projector's loop keeps it (two of the
    two dozen round trips of a projection and its push) until lock_release.
    """
    global _kept_on
    if connection.vendor != "postgresql" or _keeping():
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        acquired = cursor.fetchone()[0]
    if acquired and keep:
        _kept_on = connection.connection
    try:
        yield acquired
    finally:
        if acquired and not keep:
            _unlock()


def lock_release() -> None:
    """Release a lock kept by single_projector(keep=True), if this connection still has it."""
    global _kept_on
    if _keeping():
        _unlock()
    _kept_on = None


def _unlock() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    except DatabaseError as error:
        # A lost connection took the lock with it; nothing is left to release.
        logger.warning("projector lock not released: %s", error)
