"""The projector's loop: follow the event log, apply it, push what changed, and keep doing so
while Redis comes and goes. `manage.py run_projector` runs it."""

import asyncio
import logging
import signal
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from apps.live.projector import (
    ProjectionFailed,
    ProjectionResult,
    ProjectorPosition,
    project_pending,
    projector_position,
)
from apps.live.projector_lock import lock_release
from apps.live.push import Publisher
from apps.sources.log_head import CHANNEL

# One logger for the projector, whichever module writes the line.
logger = logging.getLogger("apps.live.projector")

# A safety net: project this often even when no announcement arrives (Redis down or
# restarted, an announcement lost); the checkpoint makes extra runs free.
IDLE_TIMEOUT_S = 2.0
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 10.0
# Short, so that a Redis that stopped answering (but kept its connections open) holds up
# a projection for a second, not for the client's default five.
REDIS_TIMEOUT_S = 1.0
# What the Redis client and the channel layer (channels_redis, on redis.asyncio) raise
# while Redis is down, stopped or restarting.
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, OSError, asyncio.TimeoutError)


class Backoff:
    """One outage of something the loop needs: reported once, retried ever less often."""

    def __init__(
        self,
        what: str,
        trouble: str = "unavailable",
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what, self.trouble, self.clock = what, trouble, clock
        self.since: float | None = None
        self.delay_s = BACKOFF_FIRST_S
        self.retry_at = 0.0

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        now = self.clock()
        if self.since is None:
            self.since, self.delay_s = now, BACKOFF_FIRST_S
            logger.warning("%s %s, retrying in %.1fs", self.what, self.trouble, self.delay_s,
                           extra={"error": f"{type(error).__name__}: {error}"})  # fmt: skip
        else:
            self.delay_s = min(self.delay_s * 2, BACKOFF_MAX_S)
            logger.debug("%s still %s, retrying in %.1fs", self.what, self.trouble, self.delay_s)
        self.retry_at = now + self.delay_s

    def succeeded(self) -> None:
        if self.since is not None:
            logger.info("%s back after %.1fs", self.what, self.clock() - self.since)
            self.since = None

    def seconds_to_retry(self) -> float:
        """0 when it may be tried now."""
        return max(self.retry_at - self.clock(), 0.0) if self.down else 0.0


class RedisSide:
    """The loop's two uses of Redis: announcements that wake it, pushes to the live pages.

    Both are optional: without them the loop projects every IDLE_TIMEOUT_S and keeps the
    changes to push. A failure starts an outage; the connections are dropped and made
    again, and the pushes held back go out, once Redis answers.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.outage = Backoff("Redis")
        self.client = self._connect()
        self.listener: redis.client.PubSub | None = None
        self.publisher = Publisher(client=self._connect())
        # DCs noted since the last flush that went through: a flush that fails part way has
        # dropped some of them from the publisher, and they are noted again.
        self.unsent: set[str] | None = None

    def _connect(self) -> redis.Redis:
        return redis.Redis.from_url(
            self.url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )

    def note(self, changed_dcs: set[str]) -> None:
        self.publisher.note(changed_dcs)
        self.unsent = (self.unsent or set()) | changed_dcs

    def flush(self) -> float | None:
        """Send the pushes that are due; the seconds until the next one is, or None."""
        if self.outage.seconds_to_retry():
            return None
        try:
            due_in = self.publisher.flush()
        except REDIS_DOWN as error:
            self._lost(error)
            return None
        self.unsent = None
        return due_in

    def wait(self, timeout_s: float) -> bool:
        """Until an announcement arrives or timeout_s has passed; whether the log may have
        grown meanwhile (an announcement came, or Redis could not have told)."""
        pause = self.outage.seconds_to_retry()
        if pause:
            time.sleep(min(pause, timeout_s))
            return True
        announced = False
        try:
            if self.outage.down:
                # A connection that stays quiet proves nothing: a stopped Redis keeps it open.
                self.client.ping()
            if self.listener is None:
                self.listener = self.client.pubsub(ignore_subscribe_messages=True)
                self.listener.subscribe(CHANNEL)
            if self.listener.get_message(timeout=timeout_s) is not None:
                announced = True
                # Drain announcements that piled up: one projection covers them all.
                while self.listener.get_message(timeout=0):
                    pass
        except REDIS_DOWN as error:
            self._lost(error)
            return True
        self.outage.succeeded()
        return announced

    def _lost(self, error: BaseException) -> None:
        self.outage.failed(error)
        if self.unsent is not None:
            self.publisher.note(self.unsent)
        if self.listener is not None:
            self._close_quietly(self.listener)
            self.listener = None

    @staticmethod
    def _close_quietly(closable) -> None:
        try:
            closable.close()
        except REDIS_DOWN as error:
            logger.debug("closing a Redis connection failed: %s", error)

    def close(self) -> None:
        if self.listener is not None:
            self._close_quietly(self.listener)
        self._close_quietly(self.publisher)
        self._close_quietly(self.client)


class Summary:
    """Every so often, one INFO line: what was applied, how fast, how far behind."""

    def __init__(self, every_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.every_s, self.clock = every_s, clock
        self.started = clock()
        self.applied = self.quarantined = self.resolved = 0

    def add(self, result: ProjectionResult) -> None:
        self.applied += result.applied
        self.quarantined += result.quarantined
        self.resolved += result.resolved

    def log_if_due(self, *, force: bool = False) -> None:
        elapsed = self.clock() - self.started
        if elapsed < self.every_s and not force:
            return
        position = projector_position()
        rate = self.applied / elapsed if elapsed > 0 else 0.0
        logger.info(
            "applied %d events in %.0fs (%.1f/s); at event %d of %d (%d behind), watermark %s; "
            "%d quarantined",
            self.applied, elapsed, rate, position.last_event_id, position.log_head_id,
            position.lag_events, _moment(position), position.quarantined,
            extra={"applied": self.applied, "events_per_s": round(rate, 1),
                   "last_event_id": position.last_event_id, "log_head_id": position.log_head_id,
                   "lag_events": position.lag_events, "watermark": _moment(position),
                   "quarantined": position.quarantined,
                   "quarantined_now": self.quarantined, "resolved": self.resolved},
        )  # fmt: skip
        self.started = self.clock()
        self.applied = self.quarantined = self.resolved = 0


def _moment(position: ProjectorPosition) -> str:
    return position.watermark.isoformat() if position.watermark else "none yet"


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def log_follow(*, once: bool = False, summary_every_s: float = 60.0) -> None:
    """Project what is committed, then wait for the next announcement (or IDLE_TIMEOUT_S),
    until SIGTERM or Ctrl-C; with `once`, catch up and return."""
    signal.signal(signal.SIGTERM, _stop)
    side = RedisSide(settings.REDIS_URL)
    summary = Summary(summary_every_s)
    stalled = Backoff("Projection", "failing")
    database = Backoff("Database", "unavailable to the projector")
    grown, projected_at = True, float("-inf")
    try:
        while True:
            # Woken only because a held-back push is due, the loop sends it at once: a
            # projection first (a dozen round trips that find nothing) would delay it.
            due = grown or stalled.down or database.down
            due = due or time.monotonic() - projected_at >= IDLE_TIMEOUT_S
            if due and not stalled.seconds_to_retry() and not database.seconds_to_retry():
                _project(side, summary, stalled, database)
                projected_at = time.monotonic()
            # A push held back by coalescing is due within the interval: wake for it.
            due_in = side.flush()
            if once:
                summary.log_if_due(force=True)
                return
            summary.log_if_due()
            grown = side.wait(IDLE_TIMEOUT_S if due_in is None else min(due_in, IDLE_TIMEOUT_S))
    except KeyboardInterrupt:
        return
    finally:
        side.close()
        lock_release()


def _project(side: RedisSide, summary: Summary, stalled: Backoff, database: Backoff) -> None:
    try:
        # The lock is kept from one projection to the next while the connection lasts.
        result = project_pending(keep_lock=True)
    except ProjectionFailed as error:
        # Not an event's fault: nothing was committed; retried until a fix is deployed.
        logger.error("projection failed: %s", error, exc_info=error)
        stalled.failed(error)
        return
    except (OperationalError, InterfaceError) as error:
        # The database restarting, or under SQLite locked past its busy timeout by a long
        # writer (a calibration on weeks of events): nothing was committed; wait and go on
        # from the checkpoint on a new connection, rather than exit and be restarted.
        connection.close()
        database.failed(error)
        return
    database.succeeded()
    stalled.succeeded()
    summary.add(result)
    if result.applied or result.resolved:
        side.note(result.changed_dcs)
