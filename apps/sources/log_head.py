"""The hand-off to projections: after a batch commits, the event log's head advances.

Readers (the live projector) replay the log in commit order with
selectors.event_log_read(after_id=…) from any position; this module tells them, through
Redis, that there is something new to read, so they need not poll the database.
"""

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

HEAD_KEY = "twin:event_log:head"
CHANNEL = "twin:event_log"

# Raise the head, never lower it: two batches' commit callbacks may arrive out of order.
# Announce every commit all the same: a head left in Redis by an older database (a restore,
# a rebuilt test database) would otherwise silence announcements until ids pass it.
_ADVANCE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local proposed = tonumber(ARGV[1])
redis.call('PUBLISH', KEYS[2], ARGV[1])
if proposed > current then
  redis.call('SET', KEYS[1], ARGV[1])
  return proposed
end
return current
"""


# After a failed announcement, none is tried for this long: while Redis is frozen each try
# would hold an ingestion request for the whole read timeout, and readers poll anyway.
QUIET_AFTER_FAILURE_S = 5.0
_quiet_until: dict[str, float] = {}  # per Redis URL


# One client (a thread-safe connection pool) per Redis URL for the process: a new client per
# batch connected afresh each time, a few percent of a batch's time in the ingestion profile.
_clients: dict[str, redis.Redis] = {}


def _client() -> redis.Redis:
    url = settings.REDIS_URL
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return _clients[url]


def event_log_advanced(last_event_id: int) -> None:
    """Announce that events up to this id are committed. Best effort: the log is the truth,
    and a reader that missed the announcement catches up from its checkpoint."""
    if time.monotonic() < _quiet_until.get(settings.REDIS_URL, 0.0):
        return
    try:
        _client().eval(_ADVANCE, 2, HEAD_KEY, CHANNEL, last_event_id)
    except redis.RedisError as error:
        _quiet_until[settings.REDIS_URL] = time.monotonic() + QUIET_AFTER_FAILURE_S
        logger.warning(
            "event log head not announced; not trying again for %.0f s",
            QUIET_AFTER_FAILURE_S,
            extra={"error": str(error)},
        )


def event_log_head() -> int:
    """The highest event id announced as committed (0 when none yet)."""
    return int(_client().get(HEAD_KEY) or 0)
