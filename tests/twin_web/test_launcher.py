"""The launcher behind `make run` and `make test`: embedded Redis, and no orphan on Ctrl-C."""

import sys
from pathlib import Path

import psutil
import pytest
import redis

from tests.conftest import wait_until
from twin_web.embedded_redis import embedded_redis, redis_server_binary


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
