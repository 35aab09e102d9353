"""Websockets of the live pages: a snapshot on connect, then the publisher's deltas."""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.live.push import (
    NETWORK_GROUP,
    current_sequence,
    dc_group,
    mark_watched,
    snapshot_message,
)
from apps.network.models import DistributionCenter

# Sent when no delta went out for this long, so that a client can tell a quiet operation
# from a dead connection ("stale") and spot a missed message by its sequence number.
HEARTBEAT_S = 10.0


@database_sync_to_async
def _may_view(user) -> bool:
    return user.has_perm("accounts.view_twin")


@database_sync_to_async
def _dc_exists(code: str) -> bool:
    return DistributionCenter.objects.filter(code=code).exists()


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """One group's live state. Refuses anonymous users and users without view rights
    (the origin check is asgi.py's AllowedHostsOriginValidator)."""

    group = ""
    heartbeat: asyncio.Task | None = None

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
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await database_sync_to_async(mark_watched)(self.group)
        await self.send_snapshot()
        self.heartbeat = asyncio.create_task(self._beat())

    async def disconnect(self, code: int) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "resync":
            await self.send_snapshot()

    async def send_snapshot(self) -> None:
        await self.send_json(await database_sync_to_async(snapshot_message)(self.group))

    async def live_message(self, event: dict) -> None:
        await self.send_json(event["message"])

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await database_sync_to_async(mark_watched)(self.group)
            sequence = await database_sync_to_async(current_sequence)(self.group)
            await self.send_json({"type": "heartbeat", "group": self.group, "seq": sequence})
