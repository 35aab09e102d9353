"""Settings come from the environment, with specific errors for bad values."""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.conftest import BASE_DIR
from twin_web.env import env_bool, env_int, env_list, env_str

SETTINGS_SHOWN = (
    "{'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
    "'engine': db['ENGINE'], 'name': str(db['NAME']), 'options': db.get('OPTIONS', {}), "
    "'redis': settings.REDIS_URL, 'broker': settings.CELERY_BROKER_URL, "
    "'layer': settings.CHANNEL_LAYERS['default']}"
)


def load_settings(env: dict[str, str], shown: str = SETTINGS_SHOWN) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly this environment; it prints
    `shown` (a Python expression over `settings` and `db`) as JSON."""
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"db = settings.DATABASES['default']; print(json.dumps({shown}))"
    )
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "twin_web.settings"}
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**base, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_env_bool_reads_common_spellings(monkeypatch):
    for raw, expected in [("1", True), ("TRUE", True), ("yes", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("TWIN_FLAG", raw)
        assert env_bool("TWIN_FLAG", default=not expected) is expected


def test_env_bool_rejects_an_unknown_spelling_naming_the_variable(monkeypatch):
    monkeypatch.setenv("TWIN_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"TWIN_FLAG .* got 'maybe'"):
        env_bool("TWIN_FLAG", default=False)


def test_env_int_rejects_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("TWIN_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="TWIN_N must be a whole number"):
        env_int("TWIN_N", default=1)
    monkeypatch.setenv("TWIN_N", "-3")
    with pytest.raises(ImproperlyConfigured, match="TWIN_N must be at least 0"):
        env_int("TWIN_N", default=1, minimum=0)


def test_env_list_and_str_fall_back_to_defaults(monkeypatch):
    monkeypatch.delenv("TWIN_LIST", raising=False)
    assert env_list("TWIN_LIST", default=["a"]) == ["a"]
    monkeypatch.setenv("TWIN_LIST", " a.example , b.example ,,")
    assert env_list("TWIN_LIST", default=[]) == ["a.example", "b.example"]
    monkeypatch.setenv("TWIN_STR", "  ")
    assert env_str("TWIN_STR", default="fallback") == "fallback"


def test_it_refuses_to_start_with_debug_off_and_no_secret_key():
    result = load_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_a_migrations_check_needs_no_secret_key_but_serving_does(tmp_path):
    base = {"PATH": os.environ["PATH"], "DEBUG": "0", "TWIN_VAR_DIR": str(tmp_path)}
    check = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env=base, cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--plan"],
        env=base, cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert migrate.returncode != 0
    assert "SECRET_KEY is required" in migrate.stderr


def test_debug_on_starts_without_a_secret_key_and_defaults_to_sqlite_in_wal_mode(tmp_path):
    result = load_settings({"DEBUG": "1", "TWIN_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["debug"] is True
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(tmp_path / "twin.sqlite3")
    assert "journal_mode=WAL" in loaded["options"]["init_command"]
    assert loaded["options"]["timeout"] >= 5


def test_database_redis_and_hosts_come_from_the_environment(tmp_path):
    result = load_settings(
        {
            "SECRET_KEY": "x" * 50,
            "TWIN_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://twin:pw@db.internal:5433/twin_prod",
            "REDIS_URL": "redis://cache.internal:6380/2",
            "ALLOWED_HOSTS": "twin.example.com,twin-2.example.com",
        }
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["debug"] is False
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "twin_prod"
    assert loaded["hosts"] == ["twin.example.com", "twin-2.example.com"]
    assert loaded["redis"] == loaded["broker"] == "redis://cache.internal:6380/2"
    assert loaded["layer"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    (host,) = loaded["layer"]["CONFIG"]["hosts"]
    assert host["address"] == "redis://cache.internal:6380/2"
    # Longer than channels-redis's 5 s wait for a message, or idle sockets drop.
    assert host["socket_timeout"] > 5


def test_a_bad_debug_value_stops_startup_with_a_specific_message(tmp_path):
    result = load_settings({"DEBUG": "perhaps", "TWIN_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr
