"""The README's production environment passes `check --deploy`, and its HTTPS settings act."""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from tests.conftest import BASE_DIR
from tests.twin_web.test_settings import load_settings

HSTS_YEAR = 31536000


def production_environment() -> dict[str, str]:
    """The variables of the README's production block: the test reads the document itself,
    so the documented environment and the checked one cannot drift apart."""
    readme = (BASE_DIR / "README.md").read_text()
    block = re.search(r"```sh\n(DEBUG=0\n.*?)```", readme, re.DOTALL)
    assert block, "README.md lost its production environment block (```sh starting DEBUG=0)"
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.split("#")[0].strip().partition("=")
        env[name] = value
    # The document shows a placeholder; Django's own check wants 50+ varied characters.
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def deploy_check(env: dict[str, str], *, var_dir) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={"PATH": os.environ["PATH"], "TWIN_VAR_DIR": str(var_dir), **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_environment_passes_the_deploy_check(tmp_path):
    env = production_environment()
    assert env["DEBUG"] == "0"
    assert int(env["SECURE_HSTS_SECONDS"]) >= HSTS_YEAR
    result = deploy_check(env, var_dir=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_without_the_https_settings_the_deploy_check_names_what_is_missing(tmp_path):
    env = production_environment()
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES"):
        env.pop(name)
    result = deploy_check(env, var_dir=tmp_path)
    assert result.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):
        assert f"security.{warning}" in result.stderr + result.stdout


@pytest.mark.django_db
@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=HSTS_YEAR,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_behind_a_tls_proxy_plain_http_is_redirected_and_https_gets_hsts():
    client = Client()
    plain = client.get("/login/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get("/login/", headers={"x-forwarded-proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == (
        f"max-age={HSTS_YEAR}; includeSubDomains; preload"
    )
    # Probes reach the process directly over plain HTTP.
    assert client.get("/healthz").status_code in (200, 503)


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=None)
def test_a_forged_forwarded_proto_is_not_believed_unless_the_proxy_is_trusted():
    response = Client().get("/login/", headers={"x-forwarded-proto": "https"})
    assert response.status_code == 301


def test_the_proxy_header_is_trusted_only_when_configured(tmp_path):
    for flag, expected in (("0", None), ("1", ["HTTP_X_FORWARDED_PROTO", "https"])):
        result = load_settings(
            {
                "DEBUG": "1",
                "TWIN_VAR_DIR": str(tmp_path),
                "TRUST_X_FORWARDED_PROTO": flag,
            },
            "settings.SECURE_PROXY_SSL_HEADER",
        )
        assert json.loads(result.stdout) == expected, result.stderr
