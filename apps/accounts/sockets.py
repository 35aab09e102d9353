"""Websockets that live only as long as the sign-in that opened them.

Signing out closes the sockets of that session at once (a message to the session's
group); a session that ends any other way (expired, deleted by an administrator, its
user deactivated or their password changed, a sign-out in a process whose message was
lost) is noticed by a check every SESSION_CHECK_S. Other sessions of the same user keep
their sockets: signing out on a laptop leaves the wall screen's live page alone.
"""

import asyncio
import hashlib
import logging
from importlib import import_module

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.db import DatabaseError
from django.utils.crypto import constant_time_compare
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Well inside the 10 s within which a sign-out must reach every socket of the session.
SESSION_CHECK_S = 5.0
# 4000 + HTTP's 401: the page stops reconnecting and asks for a new sign-in.
CLOSE_SIGNED_OUT = 4401
SESSION_ENDED = "session.ended"
JOIN_TIMEOUT_S = 2.0
# Close reasons, for logs and tests: told at once, or found by the periodic check.
REASON_SIGNED_OUT = "signed out"
REASON_SESSION_ENDED = "session ended"


def session_group(session_key: str) -> str:
    """The group of one session's sockets; hashed, so that Redis never holds the key."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def session_user_id(session_key: str) -> int | None:
    """The id of the active user this session is still signed in as, or None.

    The checks of django.contrib.auth.get_user, without its side effects (it flushes or
    re-keys the session it reads, which belongs to the browser's HTTP requests).
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        user_id, backend_path = store[SESSION_KEY], store[BACKEND_SESSION_KEY]
    except KeyError:  # an expired or deleted session loads empty
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend_path).get_user(user_id)
    if user is None or not user.is_active:
        return None
    # A changed password changes the hash and ends every other session (Django's rule).
    if not constant_time_compare(store.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return user.pk


def session_sockets_close(session_key: str) -> None:
    """Tell every socket of this session that it ended. Redis being away does not stop a
    sign-out: the sockets' own check closes them within SESSION_CHECK_S."""
    try:
        async_to_sync(get_channel_layer().group_send)(
            session_group(session_key), {"type": SESSION_ENDED}
        )
    except (RedisError, OSError) as error:
        log.warning("sign-out could not reach the session's sockets at once: %s", error)


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    """Receiver of django's user_logged_out (connected in apps.py): called before the
    session is flushed, so its key is still there."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        session_sockets_close(session_key)


class SignedInConsumer(AsyncJsonWebsocketConsumer):
    """A socket bound to the session that opened it.

    Subclasses call `watch_session()` once they accept the connection, and
    `super().disconnect(code)` from their own disconnect.
    """

    session_group = ""
    session_watch: asyncio.Task | None = None

    async def watch_session(self) -> None:
        session_key = self.scope["session"].session_key
        user_id = self.scope["user"].pk
        self.session_group = session_group(session_key)
        # Bounded like the live page's own join: a frozen Redis fails it (TimeoutError, an
        # OSError) within seconds rather than at the connection's read timeout.
        await asyncio.wait_for(
            self.channel_layer.group_add(self.session_group, self.channel_name),
            timeout=JOIN_TIMEOUT_S,
        )
        # After the join: a socket that failed to join is closed, and would leave it behind.
        self.session_watch = asyncio.create_task(self._check_session(session_key, user_id))

    def stop_watching_session(self) -> None:
        if self.session_watch is not None:
            self.session_watch.cancel()

    async def disconnect(self, code: int) -> None:
        self.stop_watching_session()
        if self.session_group:
            await self.channel_layer.group_discard(self.session_group, self.channel_name)

    async def session_ended(self, event: dict) -> None:
        await self._sign_out(reason=REASON_SIGNED_OUT)

    async def _sign_out(self, *, reason: str) -> None:
        if self.session_watch is not None and self.session_watch is not asyncio.current_task():
            self.session_watch.cancel()
        # Said in a message as well: daphne drops a close frame's reason.
        await self.send_json({"type": "signed_out", "reason": reason})
        await self.close(code=CLOSE_SIGNED_OUT)

    async def _check_session(self, session_key: str, user_id: int) -> None:
        while True:
            await asyncio.sleep(SESSION_CHECK_S)
            try:
                current = await database_sync_to_async(session_user_id)(session_key)
            except DatabaseError as error:
                # The HTTP side is down as well; the socket is closed once the database
                # answers that the session ended, not on a guess.
                log.warning("websocket session check failed: %s", error)
                continue
            if current != user_id:
                await self._sign_out(reason=REASON_SESSION_ENDED)
                return
