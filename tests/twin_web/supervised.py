"""A whole twin as `make run` starts it, on a database of its own, for chaos tests and the
recovery benchmark: its processes, a client posting events through the API, and probes."""

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import psycopg

from tests.conftest import BASE_DIR, VENV_BIN, wait_until
from twin_web.embedded_redis import free_loopback_port

PROGRAMS = ("web", "worker", "beat", "projector", "emulator")
Seen = set[tuple[int, float]]  # (pid, create time): pids are reused


def descendants(pid: int) -> Seen:
    """The process and every process under it, as they are now."""
    found: Seen = set()
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(pid)
        for process in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.NoSuchProcess):
                found.add((process.pid, process.create_time()))
    return found


def still_alive(seen: Seen) -> list[str]:
    """The command lines of those seen processes that have not exited."""
    alive = []
    for pid, created in seen:
        with contextlib.suppress(psutil.NoSuchProcess):
            process = psutil.Process(pid)
            if process.create_time() == created and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(" ".join(process.cmdline()))
    return alive


@contextlib.contextmanager
def own_database(var: Path) -> Iterator[str]:
    """A fresh PostgreSQL database when the suite runs on PostgreSQL, else SQLite in var."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{var / 'twin.sqlite3'}"
        return
    name = f"twin_chaos_{uuid.uuid4().hex[:10]}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Poster:
    """A source system posting batches through the API, as a real ERP would: a batch that got
    no answer is sent again, same ids, until acknowledged."""

    base_url: str
    token: str
    dc: str
    sku: str
    batch: int
    interval_s: float
    prefix: str = field(default_factory=lambda: f"chaos-{uuid.uuid4().hex[:8]}-")
    acknowledged: set[str] = field(default_factory=set)
    failures: int = 0
    rejected: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _sequence: int = 0

    def _events(self) -> list[dict]:
        now = datetime.now(UTC).isoformat()
        events = []
        for _ in range(self.batch):
            self._sequence += 1
            events.append(
                {
                    "event_id": f"{self.prefix}{self._sequence}",
                    "source": "erp",
                    "type": "erp.inventory_adjusted",
                    "occurred_at": now,
                    "payload": {"sku": self.sku, "dc": self.dc, "delta": 1, "reason": "chaos"},
                }
            )
        return events

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        next_at = time.monotonic()
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=10) as client:
            while not self._stop.is_set():
                events = self._events()
                while True:
                    try:
                        response = client.post("/api/v1/events", json=events)
                        if response.status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    self.failures += 1
                    time.sleep(0.2)
                body = response.json()
                self.rejected.extend(body["rejections"])
                self.acknowledged.update(e["event_id"] for e in events)
                # On a schedule, not a pause after each answer: the rate stays what was
                # asked however long a post takes, until the server cannot keep up.
                next_at = max(next_at + self.interval_s, time.monotonic() - 1.0)
                self._stop.wait(max(0.0, next_at - time.monotonic()))

    def start(self, *, timeout_s: float = 180) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)


class SupervisedTwin:
    """`python -m twin_web.launcher run` (what `make run` runs) in a session of its own."""

    def __init__(
        self,
        var: Path,
        database_url: str,
        *,
        emulator_speed: int = 60,
        emulator: bool = True,
        history_days: float = 0,
        behind_days: float = 0,
        decisions_every_s: float = 10,
        worker_concurrency: int = 1,
    ) -> None:
        self.var = var
        self.port = free_loopback_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = var / "twin.log"
        self.env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.env.update(
            {
                "DATABASE_URL": database_url,
                "TWIN_VAR_DIR": str(var),
                "TWIN_PORT": str(self.port),
                "TWIN_WORKER_CONCURRENCY": str(worker_concurrency),
                "TWIN_EMULATOR_SPEED": str(emulator_speed),
                "PYTHONUNBUFFERED": "1",
                "TWIN_EMULATOR": "on" if emulator else "off",
                # The first start's history load has a test of its own (test_newcomer).
                "TWIN_HISTORY_DAYS": f"{history_days:g}",
                "TWIN_DEMO_BEHIND_DAYS": f"{behind_days:g}",
                "TWIN_DECISIONS_EVERY_S": f"{decisions_every_s:g}",
            }
        )
        self.programs = PROGRAMS if emulator else tuple(p for p in PROGRAMS if p != "emulator")
        self.process: subprocess.Popen | None = None
        self.seen: Seen = set()

    def start(self, *, timeout_s: float = 180) -> None:
        self.var.mkdir(parents=True, exist_ok=True)
        # Appending: supervisord and its programs write to the same file through their own
        # descriptors; without O_APPEND they would overwrite each other.
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "twin_web.launcher", "run"],
            cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_until(self._all_running, timeout_s=timeout_s, what=f"every program: {self.log_tail()}")
        wait_until(self.healthy, timeout_s=60, what="/healthz to answer 200")

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def ctl(self, *args: str) -> str:
        config = self.var / "supervisor" / "supervisord.conf"
        completed = subprocess.run(
            [str(VENV_BIN / "supervisorctl"), "-c", str(config), *args],
            capture_output=True, text=True, env=self.env, timeout=30,
        )  # fmt: skip
        return completed.stdout

    def status(self) -> dict[str, tuple[str, int]]:
        """Each program's state and pid, as supervisord reports them."""
        found = {}
        for line in self.ctl("status").splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            name = parts[0].split(":")[-1]
            pid = int(parts[3].rstrip(",")) if len(parts) > 3 and parts[2] == "pid" else 0
            found[name] = (parts[1], pid)
        return found

    def _all_running(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the launcher exited early:\n{self.log_tail(80)}")
        status = self.status()
        wanted = (*self.programs, "redis")
        running = all(status.get(name, ("", 0))[0] == "RUNNING" for name in wanted)
        if running:
            self.remember_processes()
        return running

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def remember_processes(self) -> None:
        """Every process of the twin's seen so far, to check at the end that none is left."""
        self.seen |= descendants(self.process.pid)

    def pid(self, program: str) -> int:
        self.remember_processes()
        state, pid = self.status()[program]
        assert state == "RUNNING" and pid, f"{program} is {state}"
        return pid

    def kill(self, program: str, sig: int = signal.SIGKILL) -> int:
        pid = self.pid(program)
        os.kill(pid, sig)
        return pid

    def wait_restarted(self, program: str, old_pid: int, *, timeout_s: float = 60) -> float:
        """Seconds until supervisord reports the program running again with a new pid."""
        started = time.monotonic()

        def back() -> bool:
            state, pid = self.status().get(program, ("", 0))
            return state == "RUNNING" and pid not in (0, old_pid)

        wait_until(back, timeout_s=timeout_s, what=f"{program} to be restarted")
        self.remember_processes()
        return time.monotonic() - started

    def manage(self, *args: str) -> str:
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if completed.returncode:
            raise AssertionError(f"manage.py {args} failed:\n{completed.stderr}")
        return completed.stdout

    def probe(self, *args: str):
        completed = subprocess.run(
            [sys.executable, "-m", "tests.twin_web.twin_probe", *args],
            cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if completed.returncode:
            raise AssertionError(f"twin_probe {args} failed:\n{completed.stderr}")
        return json.loads(completed.stdout.strip().splitlines()[-1])

    def lag(self) -> tuple[int, int]:
        """(newest event id, projector checkpoint), read straight from the database: a probe
        process would take a second to start, too slow to time a recovery."""
        head_sql = "SELECT COALESCE(MAX(id), 0) FROM sources_event"
        checkpoint_sql = "SELECT last_event_id FROM live_projectorcheckpoint WHERE name = 'live'"
        url = self.env["DATABASE_URL"]
        if url.startswith("sqlite:///"):
            connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20)
        else:
            connection = psycopg.connect(url, autocommit=True)
        with contextlib.closing(connection):
            head = connection.execute(head_sql).fetchone()[0]
            row = connection.execute(checkpoint_sql).fetchone()
        return head, row[0] if row else 0

    def caught_up(self, *, within: int = 0) -> bool:
        head, checkpoint = self.lag()
        return head - checkpoint <= within

    def poster(self, *, batch: int, interval_s: float) -> Poster:
        token = self.manage("source_token", "create", "erp").strip()
        codes = self.probe("codes")
        return Poster(self.base_url, token, codes["dc"], codes["sku"], batch, interval_s)

    def stop(self) -> None:
        if self.process is None:
            return
        self.remember_processes()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def leftovers(self) -> list[str]:
        """Processes of the twin's still alive after stop()."""
        return still_alive(self.seen)
