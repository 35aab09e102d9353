"""Websocket of a comparison's page: its progress on connect, then after each replication."""

from channels.db import database_sync_to_async

from apps.accounts.sockets import SignedInConsumer
from apps.scenarios.models import Comparison
from apps.scenarios.progress import comparison_group, progress_message


@database_sync_to_async
def _may_view(user) -> bool:
    return user.has_perm("accounts.view_twin")


@database_sync_to_async
def _message(pk: int) -> dict | None:
    comparison = Comparison.objects.filter(pk=pk).first()
    return progress_message(comparison) if comparison else None


class ComparisonConsumer(SignedInConsumer):
    """Refuses anonymous users and users without view rights (the origin check is asgi.py's);
    closes when the session that opened it ends."""

    group = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await _may_view(user):
            await self.close(code=4403)
            return
        pk = self.scope["url_route"]["kwargs"]["pk"]
        message = await _message(pk)
        if message is None:
            await self.close(code=4404)
            return
        self.group = comparison_group(pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.watch_session()
        await self.send_json(message)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await super().disconnect(code)

    async def progress_message(self, event: dict) -> None:
        await self.send_json(event["message"])
