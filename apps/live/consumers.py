"""Websockets of the live pages: a snapshot on connect, then the publisher's deltas."""

import asyncio
import logging

from channels.db import database_sync_to_async
from redis.exceptions import RedisError

from apps.accounts.sockets import SignedInConsumer
from apps.live.push import (
    NETWORK_GROUP,
    current_sequence,
    dc_group,
    mark_watched,
    snapshot_message,
)
from apps.network.models import DistributionCenter

log = logging.getLogger(__name__)
# OSError covers TimeoutError, which asyncio.wait_for raises.
REDIS_ERRORS = (RedisError, OSError)

# Sent when no delta went out for this long, so that a client can tell a quiet operation
# from a dead connection ("stale") and spot a missed message by its sequence number.
HEARTBEAT_S = 10.0
JOIN_TIMEOUT_S = 2.0
# Closed with this when Redis (the channel layer) is away: the page keeps the snapshot it
# was sent, says why updates paused, and reconnects with backoff until Redis is back.
CLOSE_DEGRADED = 4503
DEGRADED = {
    "type": "degraded",
    "detail": "Live updates paused: Redis, which carries them, is unavailable. "
    "The figures shown are the last ones read; they resume by themselves.",
}


@database_sync_to_async
def _may_view(user) -> bool:
    return user.has_perm("accounts.view_twin")


@database_sync_to_async
def _dc_exists(code: str) -> bool:
    return DistributionCenter.objects.filter(code=code).exists()


class LiveConsumer(SignedInConsumer):
    """One group's live state. Refuses anonymous users and users without view rights
    (the origin check is asgi.py's); closes when the session that opened it ends."""

    group = ""
    heartbeat: asyncio.Task | None = None
    # Accepted and not yet closed by this side: there is someone to tell of an outage.
    open = False

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except REDIS_ERRORS as error:
            # The channel layer lost Redis while this socket waited for messages: word of
            # it, rather than a dropped socket and a traceback per page in the log.
            if self.heartbeat is not None:
                self.heartbeat.cancel()
            self.stop_watching_session()
            if self.open:
                await self._degrade(error)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await _may_view(user):
            await self.close(code=4403)
            return
        code = self.scope["url_route"]["kwargs"].get("dc")
        if code is not None and not await _dc_exists(code):
            await self.close(code=4404)
            return
        self.group = dc_group(code) if code is not None else NETWORK_GROUP
        await self.accept()
        self.open = True
        try:
            await self.watch_session()
            await self._join()
            await database_sync_to_async(mark_watched)(self.group)
            await self.send_snapshot()
        except REDIS_ERRORS as error:
            await self._degrade(error)
            return
        self.heartbeat = asyncio.create_task(self._beat())

    async def disconnect(self, code: int) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await super().disconnect(code)

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "resync":
            await self.send_snapshot()

    async def send_snapshot(self) -> None:
        await self.send_json(await database_sync_to_async(snapshot_message)(self.group))

    async def live_message(self, event: dict) -> None:
        await self.send_json(event["message"])

    async def _join(self) -> None:
        # A frozen Redis would hold the join for the connection's whole read timeout, the
        # page saying "Connecting…" all along: give up sooner and say why.
        await asyncio.wait_for(
            self.channel_layer.group_add(self.group, self.channel_name), timeout=JOIN_TIMEOUT_S
        )

    async def _degrade(self, error: BaseException) -> None:
        """The state as the database has it, word of the outage, then a close that makes
        the page retry."""
        log.warning("live socket for %s degraded: Redis unavailable (%s)", self.group, error)
        await self.send_json(await database_sync_to_async(snapshot_message)(self.group, seq=0))
        await self.send_json(DEGRADED)
        await self.close(code=CLOSE_DEGRADED)
        self.open = False

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                await database_sync_to_async(mark_watched)(self.group)
                sequence = await database_sync_to_async(current_sequence)(self.group)
                # Joined again at every beat: a Redis that restarted empty forgot the group,
                # and this socket would hear nothing more without an error to say so.
                await self._join()
            except REDIS_ERRORS as error:
                await self._degrade(error)
                return
            await self.send_json({"type": "heartbeat", "group": self.group, "seq": sequence})
