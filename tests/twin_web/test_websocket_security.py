"""Websockets: only the page's own origin may open one, and it ends with the session.

Real daphne, real websocket clients (the `websockets` package), real Redis; sign-outs are
real POSTs to /logout/.
"""

import json
import time

import httpx
import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from apps.accounts.roles import APPROVER, PLANNER, VIEWER
from apps.accounts.sockets import (
    CLOSE_SIGNED_OUT,
    REASON_SESSION_ENDED,
    REASON_SIGNED_OUT,
    SESSION_CHECK_S,
)
from apps.live.consumers import HEARTBEAT_S
from tests.live.test_push import receive, session_cookie
from twin_web.websocket_security import origin_allowed

TRUSTED = "https://twin.example.com"
# The bound: a signed-out session's sockets are closed within 10 s.
SIGN_OUT_BOUND_S = 10.0


def ws_connect(base_url: str, path: str, *, cookie: str, origin: str | None):
    return connect(
        base_url.replace("http://", "ws://") + path,
        origin=origin,
        additional_headers={"Cookie": cookie},
        open_timeout=10,
    )


def refused(base_url: str, cookie: str, origin: str | None) -> bool:
    try:
        with ws_connect(base_url, "/ws/live/", cookie=cookie, origin=origin):
            return False
    except InvalidStatus as error:
        assert error.response.status_code == 403
        return True


def closed_within(socket, seconds: float) -> tuple[int, str]:
    """Read messages until the server closes the socket; its close code, and the reason
    its last message gave."""
    deadline = time.monotonic() + seconds
    reason = ""
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            message = json.loads(socket.recv(timeout=remaining))
            if message["type"] == "signed_out":
                reason = message["reason"]
    except ConnectionClosed:
        return socket.protocol.close_code, reason
    except TimeoutError:
        pass
    raise AssertionError(f"the socket was still open after {seconds} s")


def stays_open_for(socket, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            socket.recv(timeout=remaining)
        except TimeoutError:
            return
        except ConnectionClosed:
            raise AssertionError(f"closed with {socket.protocol.close_code}") from None


def sign_out(base_url: str, cookie: str) -> None:
    """What the Sign out button does: a POST to /logout/ with the page's CSRF token."""
    with httpx.Client(base_url=base_url, headers={"Cookie": cookie}) as client:
        page = client.get("/live/")
        token = page.cookies["csrftoken"]
        response = client.post(
            "/logout/",
            data={"csrfmiddlewaretoken": token},
            headers={"Cookie": f"{cookie}; csrftoken={token}"},
        )
    assert response.status_code == 302 and response.headers["location"] == "/login/"


# ---- the origin check, as a function ------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "scheme", "host", "allowed"),
    [
        ("http://127.0.0.1:8000", "http", "127.0.0.1:8000", True),
        ("http://127.0.0.1:8001", "http", "127.0.0.1:8000", False),  # another port
        ("https://127.0.0.1:8000", "http", "127.0.0.1:8000", False),  # another scheme
        ("http://localhost:8000", "http", "127.0.0.1:8000", False),  # another allowed host
        ("http://127.0.0.1", "http", "127.0.0.1:80", True),  # default port, written or not
        ("https://localhost", "https", "localhost", True),
        ("http://localhost", "https", "localhost", False),
        ("http://[::1]:8000", "http", "[::1]:8000", True),
        ("http://evil.example:8000", "http", "evil.example:8000", False),  # host not allowed
        ("null", "http", "127.0.0.1:8000", False),
        ("http://127.0.0.1:8000/page", "http", "127.0.0.1:8000", False),
        (None, "http", "127.0.0.1:8000", False),  # browsers always send one
        ("http://127.0.0.1:8000", "http", None, False),
    ],
)
def test_only_the_requests_own_scheme_host_and_port_are_its_origin(
    settings, origin, scheme, host, allowed
):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    settings.CSRF_TRUSTED_ORIGINS = []
    assert origin_allowed(origin=origin, scheme=scheme, host=host) is allowed


def test_trusted_origins_are_compared_with_their_scheme_and_port(settings):
    settings.ALLOWED_HOSTS = ["twin.internal"]
    settings.CSRF_TRUSTED_ORIGINS = [TRUSTED, "https://*.corp.example", "http://ops.example:8080"]

    def allowed(origin: str) -> bool:
        return origin_allowed(origin=origin, scheme="http", host="twin.internal:8000")

    assert allowed("https://twin.example.com") and allowed("https://twin.example.com:443")
    assert not allowed("http://twin.example.com") and not allowed("https://twin.example.com:8443")
    assert allowed("https://a.corp.example") and allowed("https://corp.example")
    assert not allowed("https://a.corp.example:444") and not allowed("https://corp.example.evil")
    assert allowed("http://ops.example:8080") and not allowed("http://ops.example")
    # A trusted origin still needs a host this site serves.
    assert not origin_allowed(origin=TRUSTED, scheme="https", host="elsewhere.example")


def test_the_proxy_header_decides_the_scheme_as_django_does(settings):
    from twin_web.websocket_security import request_scheme

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert request_scheme({"scheme": "ws"}, {b"x-forwarded-proto": "https"}) == "https"
    assert request_scheme({"scheme": "wss"}, {b"x-forwarded-proto": "http"}) == "http"
    assert request_scheme({"scheme": "wss"}, {}) == "https"
    assert request_scheme({}, {}) == "http"


# ---- against a real daphne ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_socket_opens_from_its_own_origin_and_trusted_ones_only(
    start_daphne, role_user, demo_network
):
    base_url = start_daphne(env_overrides={"CSRF_TRUSTED_ORIGINS": TRUSTED})
    port = int(base_url.rsplit(":", 1)[1])
    cookie = session_cookie(role_user(VIEWER))

    assert refused(base_url, cookie, f"http://127.0.0.1:{port + 1}")
    assert refused(base_url, cookie, f"https://127.0.0.1:{port}")
    assert refused(base_url, cookie, f"http://localhost:{port}")
    assert refused(base_url, cookie, "https://evil.example")
    assert refused(base_url, cookie, None)
    for origin in (base_url, TRUSTED):
        with ws_connect(base_url, "/ws/live/", cookie=cookie, origin=origin) as socket:
            assert receive(socket, kind="snapshot")["group"] == "network"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_signing_out_closes_that_sessions_sockets_and_no_others(
    start_daphne, role_user, demo_network
):
    base_url = start_daphne()
    user = role_user(APPROVER)
    laptop, wall_screen = session_cookie(user), session_cookie(user)  # two sessions
    live = ws_connect(base_url, "/ws/live/", cookie=laptop, origin=base_url)
    badge = ws_connect(base_url, "/ws/decisions/pending/", cookie=laptop, origin=base_url)
    other = ws_connect(base_url, "/ws/live/", cookie=wall_screen, origin=base_url)
    receive(live, kind="snapshot"), receive(badge, kind="pending"), receive(other, kind="snapshot")

    sign_out(base_url, laptop)
    # Told by the sign-out itself, not found later by the periodic check.
    told = (CLOSE_SIGNED_OUT, REASON_SIGNED_OUT)
    assert closed_within(live, SIGN_OUT_BOUND_S) == told
    assert closed_within(badge, SIGN_OUT_BOUND_S) == told
    # The other session's socket outlives a session check, and still answers.
    stays_open_for(other, SESSION_CHECK_S * 2)
    other.send('{"type": "resync"}')
    assert receive(other, kind="snapshot")["group"] == "network"
    other.close()
    # The signed-out session cannot open a new one.
    with pytest.raises(InvalidStatus):
        ws_connect(base_url, "/ws/live/", cookie=laptop, origin=base_url)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_session_that_ends_without_a_sign_out_closes_its_socket_at_the_next_check(
    start_daphne, role_user, demo_network
):
    base_url = start_daphne()
    expired, deactivated = role_user(VIEWER), role_user(VIEWER)
    expired_cookie, deactivated_cookie = session_cookie(expired), session_cookie(deactivated)
    first = ws_connect(base_url, "/ws/live/", cookie=expired_cookie, origin=base_url)
    second = ws_connect(base_url, "/ws/live/", cookie=deactivated_cookie, origin=base_url)
    receive(first, kind="snapshot"), receive(second, kind="snapshot")

    # Removed from the store (expiry, `clearsessions`, an administrator) or its user
    # deactivated: no sign-out signal is sent, the periodic check notices.
    session_key = expired_cookie.split("=", 1)[1]
    assert Session.objects.filter(session_key=session_key).delete()[0] == 1
    User.objects.filter(pk=deactivated.pk).update(is_active=False)
    found = (CLOSE_SIGNED_OUT, REASON_SESSION_ENDED)
    assert closed_within(first, SIGN_OUT_BOUND_S) == found
    assert closed_within(second, SIGN_OUT_BOUND_S) == found


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_changed_password_ends_the_sockets_of_other_sessions(
    start_daphne, role_user, demo_network
):
    base_url = start_daphne()
    user = role_user(VIEWER)
    cookie = session_cookie(user)
    with ws_connect(base_url, "/ws/live/", cookie=cookie, origin=base_url) as socket:
        receive(socket, kind="snapshot")
        assert receive(socket, kind="heartbeat", timeout_s=HEARTBEAT_S + 5)  # a check passed
        user.set_password("a-new-long-password")
        user.save()
        assert closed_within(socket, SIGN_OUT_BOUND_S) == (CLOSE_SIGNED_OUT, REASON_SESSION_ENDED)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_live_page_says_signed_out_and_stops_reconnecting(
    page, start_daphne, role_user, demo_network
):
    from playwright.sync_api import expect

    from tests.e2e.test_live_browser import sign_in

    role_user(PLANNER, username="kim", password="planner-pass-7")
    base_url = start_daphne()
    opened: list[str] = []
    page.on("websocket", lambda socket: opened.append(socket.url))
    sign_in(page, base_url, "kim", "planner-pass-7")
    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live")

    # Signed out in another tab of the same browser.
    other_tab = page.context.new_page()
    other_tab.goto(f"{base_url}/network/")
    other_tab.get_by_role("button", name="Sign out").click()
    other_tab.wait_for_url(f"{base_url}/login/")

    expect(status).to_have_attribute("data-state", "signed-out")
    expect(status).to_contain_text("Signed out: sign in again")
    expect(status.get_by_role("link", name="sign in again")).to_have_attribute(
        "href", "/login/?next=%2Flive%2F"
    )
    sockets_before = len(opened)
    # A reconnect would come within about a second (the first retry waits 0.5 s).
    page.wait_for_timeout(3000)
    assert len(opened) == sockets_before
    expect(status).to_have_attribute("data-state", "signed-out")
