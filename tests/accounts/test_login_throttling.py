"""Sign-in throttling: a username guessed at from one address is locked out for a while."""

import json
import subprocess
from datetime import timedelta

import httpx
import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from apps.accounts.roles import VIEWER
from apps.accounts.throttling import UNVERIFIED_ADDRESS, client_ip_address
from tests.twin_web.test_settings import load_settings

PASSWORD = "s3cret-pass"
LOCKED_OUT = "Too many failed sign-ins for this account from your address"


def sign_in(client: Client, username: str, password: str, *, address: str = "127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, *, address: str = "127.0.0.1") -> None:
    for _ in range(times):
        sign_in(client, username, "wrong-password", address=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


@pytest.fixture
def user(role_user):
    return role_user(VIEWER, password=PASSWORD)


def test_a_wrong_password_says_so_without_locking_out(client, user, settings):
    response = sign_in(client, user.username, "wrong-password")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert LOCKED_OUT not in response.content.decode()
    assert signed_in(sign_in(client, user.username, PASSWORD))


def test_after_the_failure_limit_the_right_password_is_refused_with_a_message(
    client, user, settings
):
    fail(client, user.username, settings.LOGIN_FAILURE_LIMIT - 1)
    response = sign_in(client, user.username, PASSWORD)
    assert signed_in(response), "one failure short of the limit still signs in"
    client.logout()

    fail(client, user.username, settings.LOGIN_FAILURE_LIMIT)
    refused = sign_in(client, user.username, PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert f"{LOCKED_OUT}: try again in 15 minutes" in page
    assert "manage.py axes_reset_username" in page
    assert f'value="{user.username}"' in page  # the form is there again, name filled in
    assert "_auth_user_id" not in client.session


def test_a_lock_out_binds_the_username_and_address_together(client, user, role_user, settings):
    fail(client, user.username, settings.LOGIN_FAILURE_LIMIT)
    assert sign_in(client, user.username, PASSWORD).status_code == 429

    colleague = role_user(VIEWER, password=PASSWORD)
    assert signed_in(sign_in(Client(), colleague.username, PASSWORD))
    # The same account from elsewhere: a stranger's guesses do not lock its owner out.
    assert signed_in(sign_in(Client(), user.username, PASSWORD, address="10.1.2.3"))


def test_after_the_cool_off_the_right_password_works_again(client, user, settings):
    fail(client, user.username, settings.LOGIN_FAILURE_LIMIT)
    assert sign_in(client, user.username, PASSWORD).status_code == 429
    # Fifteen minutes pass: the failures are dated back rather than the clock moved on.
    long_ago = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1)
    assert AccessAttempt.objects.filter(username=user.username).update(attempt_time=long_ago)
    assert signed_in(sign_in(client, user.username, PASSWORD))


def test_a_successful_sign_in_forgets_earlier_failures(client, user, settings):
    fail(client, user.username, settings.LOGIN_FAILURE_LIMIT - 1)
    assert signed_in(sign_in(client, user.username, PASSWORD))
    client.logout()
    fail(client, user.username, settings.LOGIN_FAILURE_LIMIT - 1)
    assert signed_in(sign_in(client, user.username, PASSWORD))


def test_an_administrator_lifts_a_lock_out_with_axes_reset_username(client, user, settings):
    from django.core.management import call_command

    fail(client, user.username, settings.LOGIN_FAILURE_LIMIT)
    assert sign_in(client, user.username, PASSWORD).status_code == 429
    call_command("axes_reset_username", user.username)
    assert signed_in(sign_in(client, user.username, PASSWORD))


def test_the_client_address_is_the_connection_unless_proxies_are_trusted(rf, settings):
    direct = rf.post("/login/", REMOTE_ADDR="10.0.0.9")
    request = rf.post("/login/", REMOTE_ADDR="6.6.6.6", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip_address(direct) == "10.0.0.9"
    # Forwarded, but no proxy was declared: whoever sent the header chose the address.
    assert client_ip_address(request) == UNVERIFIED_ADDRESS
    # One proxy appended the address it saw; the first entry is the client's own claim.
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip_address(request) == "203.0.113.7"
    assert client_ip_address(direct) == "10.0.0.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip_address(request) == "6.6.6.6"
    # Fewer entries than proxies: not forwarded as configured.
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip_address(request) == UNVERIFIED_ADDRESS


@pytest.mark.parametrize("proxies", [0, 1])
def test_spoofed_forwarding_headers_do_not_escape_the_lock_out(client, user, settings, proxies):
    """daphne --proxy-headers makes REMOTE_ADDR the header's first entry: a guesser who
    writes a new one each time must still be counted as one."""
    settings.TRUSTED_PROXY_COUNT = proxies
    proxy_part = ", 203.0.113.7" if proxies else ""

    def post(password: str, attempt: int):
        return client.post(
            "/login/",
            {"username": user.username, "password": password},
            REMOTE_ADDR=f"198.51.100.{attempt}",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}{proxy_part}",
        )

    for attempt in range(settings.LOGIN_FAILURE_LIMIT):
        post("wrong", attempt)
    assert post(PASSWORD, 200).status_code == 429


def settings_in_fresh_interpreter(env: dict[str, str]) -> subprocess.CompletedProcess:
    shown = (
        "{'limit': settings.AXES_FAILURE_LIMIT, "
        "'cool_off_s': settings.AXES_COOLOFF_TIME.total_seconds(), "
        "'proxies': settings.TRUSTED_PROXY_COUNT, "
        "'backends': settings.AUTHENTICATION_BACKENDS}"
    )
    return load_settings({"DEBUG": "1", **env}, shown)


def test_the_environment_configures_the_limit_the_lock_out_and_the_proxies():
    default = settings_in_fresh_interpreter({})
    assert default.returncode == 0, default.stderr
    values = json.loads(default.stdout.strip().splitlines()[-1])
    assert (values["limit"], values["cool_off_s"], values["proxies"]) == (5, 15 * 60, 0)
    assert values["backends"][0] == "axes.backends.AxesStandaloneBackend"

    configured = settings_in_fresh_interpreter(
        {"LOGIN_FAILURE_LIMIT": "3", "LOGIN_LOCKOUT_MINUTES": "60", "TRUSTED_PROXY_COUNT": "1"}
    )
    assert configured.returncode == 0, configured.stderr
    values = json.loads(configured.stdout.strip().splitlines()[-1])
    assert (values["limit"], values["cool_off_s"], values["proxies"]) == (3, 3600, 1)

    wrong = settings_in_fresh_interpreter({"LOGIN_FAILURE_LIMIT": "0"})
    assert wrong.returncode != 0
    assert "LOGIN_FAILURE_LIMIT must be at least 1; got 0" in wrong.stderr


def test_a_configured_lock_out_length_is_what_the_message_says(client, user, settings):
    settings.LOGIN_LOCKOUT_MINUTES = 60
    settings.AXES_COOLOFF_TIME = timedelta(minutes=60)
    settings.AXES_FAILURE_LIMIT = 2
    fail(client, user.username, 2)
    refused = sign_in(client, user.username, PASSWORD)
    assert refused.status_code == 429
    assert "try again in 60 minutes" in refused.content.decode()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_lock_out_holds_against_a_real_server(start_daphne, role_user, settings):
    """The issue's attack: wrong passwords posted to daphne as fast as it answers, then the
    right one (daphne runs the middleware asynchronously, which axes handles apart)."""
    user = role_user(VIEWER, password=PASSWORD)
    base_url = start_daphne()
    with httpx.Client(base_url=base_url) as browser:
        browser.get("/login/")
        token = browser.cookies["csrftoken"]

        def post(password: str) -> httpx.Response:
            form = {"username": user.username, "password": password, "csrfmiddlewaretoken": token}
            return browser.post("/login/", data=form)

        answers = [post(f"guess-{n}").status_code for n in range(settings.LOGIN_FAILURE_LIMIT)]
        assert answers[:-1] == [200] * (settings.LOGIN_FAILURE_LIMIT - 1)
        assert answers[-1] == 429  # the failure that reached the limit is told at once
        refused = post(PASSWORD)
    assert refused.status_code == 429
    assert f"{LOCKED_OUT}: try again in 15 minutes" in refused.text
    assert "sessionid" not in refused.cookies
