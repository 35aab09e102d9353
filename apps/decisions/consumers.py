"""Websocket of the approvers' badge: how many recommendations wait for a decision."""

from channels.db import database_sync_to_async

from apps.accounts.sockets import SignedInConsumer
from apps.decisions.services import PENDING_GROUP, pending_count


@database_sync_to_async
def _may_approve(user) -> bool:
    return user.has_perm("accounts.approve")


@database_sync_to_async
def _count() -> int:
    return pending_count()


class PendingConsumer(SignedInConsumer):
    """Approvers only (the origin check is asgi.py's); the count on connect, then on change,
    until the session that opened it ends."""

    joined = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await _may_approve(user):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(PENDING_GROUP, self.channel_name)
        self.joined = True
        await self.accept()
        await self.watch_session()
        await self.send_json({"type": "pending", "count": await _count()})

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(PENDING_GROUP, self.channel_name)
        await super().disconnect(code)

    async def pending_message(self, event: dict) -> None:
        await self.send_json(event["message"])
