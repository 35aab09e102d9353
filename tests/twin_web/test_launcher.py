"""The launcher behind `make run` and `make test`: embedded Redis, and no orphan on Ctrl-C."""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from tests.conftest import BASE_DIR, wait_until
from twin_web.launcher import embedded_redis, free_loopback_port, redis_server_binary


def test_the_redis_server_comes_from_the_venv():
    binary = redis_server_binary()
    assert binary.is_file()
    assert Path(sys.prefix) in binary.parents


def test_embedded_redis_starts_answers_and_stops(tmp_path):
    with embedded_redis(data_dir=tmp_path / "redis") as url:
        client = redis.Redis.from_url(url)
        assert client.ping() is True
        server_pid = client.info("server")["process_id"]
        client.set("twin:test", "1")
        assert psutil.pid_exists(server_pid)
        client.close()
    wait_until(
        lambda: (
            not psutil.pid_exists(server_pid)
            or psutil.Process(server_pid).status() == psutil.STATUS_ZOMBIE
        ),
        timeout_s=10,
        what="redis-server to exit",
    )
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    # Nothing persisted: no RDB or AOF file in its directory.
    assert not list((tmp_path / "redis").glob("*.rdb"))
    assert not list((tmp_path / "redis").glob("*.aof"))


def process_tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def make_run_once(env: dict[str, str], log_path: Path) -> tuple[float, str]:
    """Start `make run`, wait for web + worker + beat, Ctrl-C it, check nothing is left.

    Returns the seconds until the login page answered, and what it printed.
    """
    port = env["TWIN_PORT"]
    started_at = time.monotonic()
    with log_path.open("w") as log:
        # A session of its own, so that SIGINT to its process group is what a terminal's
        # Ctrl-C does.
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def login_page_answers() -> bool:
            if make.poll() is not None:
                raise AssertionError(f"make run exited early:\n{log_path.read_text()}")
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2)
            except httpx.TransportError:
                return False
            return response.status_code == 200 and "Sign in" in response.text

        wait_until(login_page_answers, timeout_s=120, what="the login page of `make run`")
        startup_s = time.monotonic() - started_at

        def all_started() -> list[psutil.Process]:
            tree = process_tree(make.pid)
            names = " ".join(" ".join(p.cmdline()) for p in tree if p.is_running())
            return (
                tree
                if all(w in names for w in ("daphne", "worker", "beat", "run_projector", "emulate"))
                else []
            )

        tree = wait_until(all_started, timeout_s=60, what="web, worker and beat to run")
        assert "redis-server" in " ".join(" ".join(p.cmdline()) for p in tree)

        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=60)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)

    def all_gone() -> bool:
        alive = []
        for process in tree:
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
            except psutil.NoSuchProcess:
                continue
        return not alive

    wait_until(all_gone, timeout_s=30, what="every process `make run` started to exit")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/login/", timeout=1)
    return startup_s, log_path.read_text()


@pytest.mark.slow
def test_make_run_serves_the_twin_and_ctrl_c_leaves_no_process_twice_over(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        {
            "TWIN_PORT": str(free_loopback_port()),
            "TWIN_VAR_DIR": str(tmp_path / "var"),
            "TWIN_WORKER_CONCURRENCY": "1",
        }
    )
    _, first = make_run_once(env, tmp_path / "first.log")
    assert f"http://127.0.0.1:{env['TWIN_PORT']}/" in first
    for username in ("viewer", "planner", "approver"):
        assert f"{username}  " in first
    assert "(created)" in first

    database = tmp_path / "var" / "twin.sqlite3"
    users_before = sqlite_rows(database, "SELECT username, password FROM auth_user ORDER BY id")
    network_before = sqlite_rows(database, "SELECT * FROM network_lane ORDER BY id")

    second_startup_s, second = make_run_once(env, tmp_path / "second.log")
    assert second_startup_s < 30
    assert "(created)" not in second
    assert "pip install" not in second
    assert sqlite_rows(database, "SELECT username, password FROM auth_user ORDER BY id") == (
        users_before
    )
    assert sqlite_rows(database, "SELECT * FROM network_lane ORDER BY id") == network_before


def sqlite_rows(database: Path, query: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()
