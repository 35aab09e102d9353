"""Pushing the live state to browsers: coalesced, sequenced messages to Channels groups.

The projector may apply many batches a second; a browser needs at most a few updates a
second. The publisher remembers what changed and sends each group's new state when the
group's interval has passed since its last message (at once when it has been quiet for
longer), so a burst of events costs one message, and the last change is never held back
longer than one interval.

Each message carries the group's sequence number (a Redis counter, shared by every
publisher and read by consumers for their snapshots), so a client that misses one
sees the gap and asks for a fresh snapshot.
"""

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable

import redis
from channels.layers import get_channel_layer
from django.conf import settings

from apps.live.documents import dc_document, network_document
from apps.live.network_selectors import LaneState, NetworkKpis, lane_state_list, network_kpis

NETWORK_GROUP = "network"
# Groups someone watches: consumers stamp their group here on connecting and with every
# heartbeat; a group unstamped for WATCH_TTL_S has no reader, and building its messages
# (a DC page's costs the most) would be wasted. A newcomer gets a snapshot anyway.
WATCHED_KEY = "twin:live:watched"
WATCH_TTL_S = 30.0
# Lane states and network KPIs (rolling 7-day figures, the costliest part of a message)
# are each recomputed this often for the network group's messages; one at a time, half
# this apart, so that the projector's loop (and the events waiting on it) is held up by
# one of them at once rather than by both.
SLOW_PARTS_REFRESH_S = 5.0
SEQUENCE_KEY = "twin:live:seq:{group}"


def dc_group(code: str) -> str:
    return f"dc.{code}"


def sequence_key(group: str) -> str:
    return SEQUENCE_KEY.format(group=group)


class Publisher:
    """Coalesces change notes into at most one message per group per interval."""

    def __init__(
        self,
        *,
        network_interval_s: float | None = None,
        dc_interval_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        client: redis.Redis | None = None,
    ) -> None:
        """client: the Redis connection for sequence numbers and watchers (the projector
        passes one with short timeouts, so that a stopped Redis holds it up briefly)."""
        self.intervals = {
            NETWORK_GROUP: network_interval_s
            if network_interval_s is not None
            else settings.TWIN_LIVE_PUSH_MS / 1000,
            "dc": dc_interval_s
            if dc_interval_s is not None
            else settings.TWIN_LIVE_DC_PUSH_MS / 1000,
        }
        self.clock = clock
        self.pending: dict[str, set[str] | None] = {}  # group → DCs changed (network) or None
        self.last_sent: dict[str, float] = {}
        self.redis = client or redis.Redis.from_url(settings.REDIS_URL)
        self.layer = get_channel_layer()
        self.sent_by_group: Counter[str] = Counter()
        self.lanes: list[LaneState] | None = None
        self.kpis: NetworkKpis | None = None
        self.lanes_at = self.kpis_at = float("-inf")
        self.lanes_unsent = False
        self.watched: set[str] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def note(self, changed_dcs: set[str]) -> None:
        """Something was applied: the network changed, and these DCs did."""
        network = self.pending.setdefault(NETWORK_GROUP, set())
        network |= changed_dcs
        for code in changed_dcs:
            self.pending.setdefault(dc_group(code), None)

    def _interval(self, group: str) -> float:
        return self.intervals[NETWORK_GROUP if group == NETWORK_GROUP else "dc"]

    def flush(self) -> float | None:
        """Send every pending group whose interval has passed; return the seconds until the
        next pending group is due, or None when nothing is pending."""
        now = self.clock()
        waits = []
        # Read afresh each time: a cached answer would drop the first change for a page
        # that opened a moment ago.
        self.watched = watched_groups(self.redis) if self.pending else set()
        for group in list(self.pending):
            if group not in self.watched:
                del self.pending[group]
                continue
            due = self.last_sent.get(group, float("-inf")) + self._interval(group)
            if due > now:
                waits.append(due - now)
                continue
            changed = self.pending.pop(group)
            # The interval runs from when the message's state was read, not from when its
            # sending ended: else every message would wait for the interval plus the time
            # the one before took to build and send.
            self.last_sent[group] = self.clock()
            self._send(group, changed)
        # The slow parts are refreshed after a network message, not before: a message
        # waiting for them would reach the browser later.
        if self.last_sent.get(NETWORK_GROUP, float("-inf")) >= now:
            self._refresh_a_slow_part()
        return min(waits) if waits else None

    def _refresh_a_slow_part(self) -> None:
        """The older of the two slow parts, when the newer is half a refresh old: each is
        then refreshed every SLOW_PARTS_REFRESH_S, the two half that apart."""
        now = self.clock()
        if now - max(self.lanes_at, self.kpis_at) < SLOW_PARTS_REFRESH_S / 2:
            return
        if self.lanes_at <= self.kpis_at:
            self._refresh_lanes()
        else:
            self._refresh_kpis()

    def _refresh_lanes(self) -> None:
        self.lanes = lane_state_list()
        self.lanes_at = self.clock()
        self.lanes_unsent = True

    def _refresh_kpis(self) -> None:
        self.kpis = network_kpis()
        self.kpis_at = self.clock()

    def _send(self, group: str, changed: set[str] | None) -> None:
        if group == NETWORK_GROUP:
            # Refreshed after sending as a rule; but after a quiet spell they may be old.
            if self.clock() - self.lanes_at >= 2 * SLOW_PARTS_REFRESH_S:
                self._refresh_lanes()
            if self.clock() - self.kpis_at >= 2 * SLOW_PARTS_REFRESH_S:
                self._refresh_kpis()
            # Lanes unchanged since the last message are left out: the client has them.
            document = network_document(dcs=changed, lanes=self.lanes, kpis=self.kpis,
                                        include_lanes=self.lanes_unsent)  # fmt: skip
            self.lanes_unsent = False
        else:
            document = dc_document(dc=group.removeprefix("dc."))
        sequence = self.redis.incr(sequence_key(group))
        # sent_at (epoch seconds) lets a client or a benchmark tell transport from the rest.
        message = {"type": "delta", "group": group, "seq": sequence, "sent_at": time.time(),
                   **document}  # fmt: skip
        self._group_send(group, {"type": "live.message", "message": message})
        self.sent_by_group[group] += 1

    def _group_send(self, group: str, event: dict) -> None:
        """Send on one event loop kept for the publisher's life. The channel layer keeps its
        Redis connections per event loop; async_to_sync starts a new loop (and thread) per
        call, so each push used to open, and leave behind, a connection of its own."""
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            threading.Thread(target=self.loop.run_forever, name="live-push", daemon=True).start()
        sending = asyncio.run_coroutine_threadsafe(self.layer.group_send(group, event), self.loop)
        sending.result()

    def close(self) -> None:
        self.redis.close()
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)


def mark_watched(group: str) -> None:
    _client().zadd(WATCHED_KEY, {group: time.time()})


def watched_groups(client: redis.Redis) -> set[str]:
    now = time.time()
    # One round trip for both: the projector asks before every flush.
    pipe = client.pipeline(transaction=False)
    pipe.zremrangebyscore(WATCHED_KEY, "-inf", now - WATCH_TTL_S)
    pipe.zrange(WATCHED_KEY, 0, -1)
    _, members = pipe.execute()
    return {member.decode() for member in members}


def _client() -> redis.Redis:
    global _shared_client
    if _shared_client is None:
        _shared_client = redis.Redis.from_url(settings.REDIS_URL)
    return _shared_client


_shared_client: redis.Redis | None = None


def current_sequence(group: str) -> int:
    return int(_client().get(sequence_key(group)) or 0)


def snapshot_message(group: str, *, seq: int | None = None) -> dict:
    """The group's whole state, numbered with the sequence it is current at (or with `seq`,
    when Redis, which keeps the numbers, cannot be asked).

    The number is read before the state: a delta published in between carries a larger
    number and state at least as new, so the client applies it and loses nothing.
    """
    sequence = current_sequence(group) if seq is None else seq
    if group == NETWORK_GROUP:
        document = network_document()
    else:
        document = dc_document(dc=group.removeprefix("dc."))
    return {"type": "snapshot", "group": group, "seq": sequence, **document}
