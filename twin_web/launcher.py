"""`make run` and `make test`: embedded Redis when REDIS_URL is unset, then the Procfile's
processes under supervisord, or pytest.

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

from twin_web.embedded_redis import (
    embedded_redis,
    embedded_redis_command,
    free_loopback_port,
    wait_for_redis,
)
from twin_web.run_settings import (
    DEFAULT_BEHIND_DAYS,
    HistoryChoice,
    data_setting,
    days_setting,
    history_days_setting,
    history_environment,
    replay_file,
    run_processes,
)
from twin_web.supervision import GROUP, procfile_programs, supervisor_config

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def var_dir() -> Path:
    path = Path(os.environ.get("TWIN_VAR_DIR") or BASE_DIR / "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


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


class Steps:
    """The manage.py step running now, so that a SIGTERM to the launcher reaches it too: the
    first start's history load runs outside supervisord, before it starts the twin."""

    current: subprocess.Popen | None = None

    @classmethod
    def terminate(cls) -> None:
        if cls.current is not None and cls.current.poll() is None:
            cls.current.terminate()


def manage(*args: str, env: dict[str, str]) -> None:
    command = [sys.executable, str(BASE_DIR / "manage.py"), *args]
    with subprocess.Popen(command, env=env) as Steps.current:
        code = wait_for_step(Steps.current)
    Steps.current = None
    if code:
        raise subprocess.CalledProcessError(code, command)


def wait_for_port(host: str, port: int, supervisord: subprocess.Popen) -> None:
    """Until the web server accepts connections, so that the URL printed next answers."""
    deadline = time.monotonic() + 120
    while supervisord.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)


def start_supervisord(env: dict[str, str], processes: list[str]) -> tuple[subprocess.Popen, Path]:
    """supervisord in the foreground with the twin's programs configured (not yet started)
    and, when REDIS_URL was unset, the embedded Redis started first."""
    folder = var_dir() / "supervisor"
    folder.mkdir(parents=True, exist_ok=True)
    redis_command, port = None, 0
    if not os.environ.get("REDIS_URL"):
        port = free_loopback_port()
        redis_command = embedded_redis_command(port=port, data_dir=var_dir() / "redis")
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        print(f"twin: embedded Redis at {env['REDIS_URL']} (set REDIS_URL to use another)")
    programs = [p for p in procfile_programs(BASE_DIR / "Procfile") if p.name in processes]
    config = folder / "supervisord.conf"
    # It holds the control socket's password: readable by this user only.
    config.touch(mode=0o600)
    config.chmod(0o600)
    config.write_text(
        supervisor_config(
            folder=folder,
            base_dir=BASE_DIR,
            programs=programs,
            redis_command=redis_command,
            control_password=secrets.token_urlsafe(24),
        )
    )
    supervisord = subprocess.Popen([str(VENV_BIN / "supervisord"), "-c", str(config)], env=env)
    if redis_command is not None:
        wait_for_redis(port, supervisord, timeout_s=20)
    return supervisord, config


def run() -> int:
    """Migrate, load the demo, then web, worker, beat, projector and emulator under
    supervisord, which restarts any that exits, until Ctrl-C. With TWIN_DATA=olist, the
    history's master data and past instead of the demo, and its replay instead of the
    emulator."""
    env = run_environment()
    began = time.monotonic()
    history = data_setting(env)
    processes = run_processes(env, history)
    demo = "emulator" in processes
    if history is not None:
        history_environment(env, history)
    supervisord, config = start_supervisord(env, processes)

    # supervisord stops its programs, Redis last, on SIGINT (a terminal's Ctrl-C reaches it
    # directly: it shares this process group) and on SIGTERM, passed on here.
    def stop(*_) -> None:
        Steps.terminate()
        supervisord.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        first_start(env, history, config=config, demo=demo)
        supervisorctl(config, "start", f"{GROUP}:*", env=env)
        wait_for_port(env["TWIN_HOST"], int(env["TWIN_PORT"]), supervisord)
        print(
            f"\ntwin: ready in {time.monotonic() - began:.0f} s. "
            f"Open http://{env['TWIN_HOST']}:{env['TWIN_PORT']}/ "
            "and sign in with a demo user above. A process that exits is restarted; "
            "Ctrl-C stops everything.\n",
            flush=True,
        )
    except (subprocess.CalledProcessError, KeyboardInterrupt) as error:
        if supervisord.poll() is None:
            supervisord.send_signal(signal.SIGTERM)
        wait_ignoring_interrupts(supervisord)
        return error.returncode if isinstance(error, subprocess.CalledProcessError) else 130
    return wait_ignoring_interrupts(supervisord)


def run_environment() -> dict[str, str]:
    """The environment `make run`'s processes start in."""
    env = base_environment(os.environ.get("REDIS_URL", ""))
    # `make run` is the development and demo command; a deployment sets DEBUG itself.
    env.setdefault("DEBUG", "1")
    env.setdefault("TWIN_HOST", "127.0.0.1")
    env.setdefault("TWIN_PORT", "8000")
    env.setdefault("TWIN_VAR_DIR", str(var_dir()))
    # A line per request would bury everything else on the terminal.
    env.setdefault("TWIN_ACCESS_LOG", str(var_dir() / "access.log"))
    return env


def first_start(
    env: dict[str, str], history: HistoryChoice | None, *, config: Path, demo: bool
) -> None:
    """Migrate, then the demo's or the history's data; a later start finds it done."""
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    if history is not None:
        history_first_start(history, config=config, env=env)
    else:
        manage("load_demo", env=env)
    if demo:
        # The demo enterprise posts through the API like any source system, with a token
        # per source kept in the var folder (still-active ones are reused on a restart).
        tokens = Path(env["TWIN_VAR_DIR"]) / "world-tokens.json"
        manage("source_token", "provision", "--file", str(tokens), env=env)
    history_days = history_days_setting(env)
    behind_days = days_setting(env, "TWIN_DEMO_BEHIND_DAYS", DEFAULT_BEHIND_DAYS)
    if demo and history_days > 0:
        # The projector applies the history on the other core while it streams in.
        supervisorctl(config, "start", f"{GROUP}:projector", env=env)
        manage(
            "first_start",
            "--days", f"{history_days:g}",
            "--world-days", env.get("TWIN_EMULATOR_DAYS") or "365",
            "--resume", str(Path(env["TWIN_VAR_DIR"]) / "emulator-resume.json"),
            "--behind-days", f"{behind_days:g}",
            env=env,
        )  # fmt: skip


def history_first_start(history: HistoryChoice, *, config: Path, env: dict[str, str]) -> None:
    """Master data from the history, its past imported, projected and calibrated (once;
    a later start finds it done), before the replay goes on from where the past ends."""
    # The projector applies the past on the other core while it is imported.
    supervisorctl(config, "start", f"{GROUP}:projector", env=env)
    manage(
        "history_first_start",
        "--mapping", str(history.mapping),
        "--past", f"{history.past_fraction:g}",
        "--resume", str(replay_file(env)),
        *map(str, history.files),
        env=env,
    )  # fmt: skip


def supervisorctl(config: Path, *args: str, env: dict[str, str]) -> None:
    command = [str(VENV_BIN / "supervisorctl"), "-c", str(config), *args]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def wait_for_step(process: subprocess.Popen) -> int:
    """Its exit code. A terminal's Ctrl-C reaches the step as well, which then stops by
    itself; one sent to this process alone is passed on if the step is still running."""
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            try:
                return process.wait(timeout=5)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                process.terminate()


def wait_ignoring_interrupts(process: subprocess.Popen) -> int:
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue


def test(pytest_args: list[str]) -> int:
    """The test suite against REDIS_URL or an embedded Redis; DATABASE_URL or SQLite."""
    # Unwind on SIGTERM as on Ctrl-C, so that the embedded Redis is stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
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
