"""Fixtures shared by every test folder: real subprocesses, a real browser, users by role."""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import httpx
import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection, transaction

from apps.accounts.roles import role_groups_ensure
from tests.simulation import builders as simulation_builders
from twin_web.embedded_redis import free_loopback_port

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are ordinary blocking calls, so Django's async guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Every user a test makes is hashed; see tests/hashers.py.
    settings.PASSWORD_HASHERS = [
        "tests.hashers.OneIterationPBKDF2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last, after the random order of the rest.

    Playwright's sync API leaves an event loop in the main thread once a browser has run;
    asgiref's async_to_sync (every publisher: live, scenario progress, the decisions badge)
    then refuses to run there, so a later ordinary test calling one would fail.

    A test in a module that calls demo_network() is marked as a database test: the demo
    input is built in the test database, which pytest-django creates only when some
    collected test asks for it (running the engine's tests alone, or the engine's benchmark).
    """
    for item in items:
        if _uses_demo_network(getattr(item, "module", None)) and not _asks_for_database(item):
            item.add_marker(pytest.mark.django_db)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def wait_until(predicate: Callable[[], object], *, timeout_s: float, what: str) -> object:
    """Poll until predicate() is truthy; fail naming what was awaited."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.05)


def run_in_fresh_loop(
    coroutine_function: Callable[[], Awaitable[T]], *, timeout_s: float = 30
) -> T:
    """Run async code on a new event loop in its own thread.

    Playwright's sync API keeps an event loop running in the main thread once a browser
    test has run, which makes asgiref's async_to_sync refuse to work there.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine_function()).result(timeout=timeout_s)


def run_in_thread(function: Callable[..., T], *args, timeout_s: float = 30) -> T:
    """Run sync code that uses async_to_sync (e.g. the live publisher) in its own thread,
    away from the event loop Playwright leaves in the main thread."""
    from django.db import connections

    def call() -> T:
        try:
            return function(*args)
        finally:
            connections.close_all()  # the thread's own connections, or the test DB lingers

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=timeout_s)


def database_url_of_current_test_db() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def subprocess_env(transactional_db) -> dict[str, str]:
    """Environment for a child process that shares this test's database and Redis.

    Requires committed data, hence transactional_db: a child process cannot see rows
    inside the test's open transaction.
    """
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url_of_current_test_db()
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def stop_process(process: subprocess.Popen, *, timeout_s: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def start_daphne(subprocess_env, tmp_path) -> Iterator[Callable[..., str]]:
    """Start real daphne processes (ASGI: HTTP and websockets); returns their base URL."""
    started: list[subprocess.Popen] = []

    def start(
        *,
        env_overrides: dict[str, str] | None = None,
        wait_healthy: bool = True,
        port: int | None = None,
    ) -> str:
        """port: a port to start on again, e.g. after stopping the process that had it."""
        port = port or free_loopback_port()
        env = {**subprocess_env, **(env_overrides or {})}
        log = (tmp_path / f"daphne-{port}.log").open("a")  # a restart on the port appends
        process = subprocess.Popen(
            [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port),
             "twin_web.asgi:application"],
            env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(process)
        base_url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"daphne exited: {(tmp_path / log.name).read_text()}")
            try:
                response = httpx.get(f"{base_url}/healthz", timeout=1)
            except httpx.TransportError:
                return False
            return response.status_code == 200 or not wait_healthy

        wait_until(answers, timeout_s=30, what=f"daphne on port {port}")
        return base_url

    start.processes = started
    yield start
    for process in started:
        stop_process(process)


@pytest.fixture
def projector_process(subprocess_env, tmp_path) -> Iterator[subprocess.Popen]:
    """A real `manage.py run_projector`: follows ingestion and pushes to the live pages."""
    log = (tmp_path / "projector.log").open("w")
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "manage.py", "run_projector"],
        env=subprocess_env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield process
    stop_process(process)


@dataclass(frozen=True)
class Worker:
    queue: str
    name: str  # the worker's hostname, for remote control
    process: subprocess.Popen


@pytest.fixture
def start_celery_worker(subprocess_env, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start real Celery worker processes, each on a queue of its own (or a shared one)."""
    from twin_web.celery import app

    started: list[subprocess.Popen] = []

    def start(*, pool: str = "solo", concurrency: int = 1, queue: str | None = None) -> Worker:
        queue = queue or f"test-{uuid.uuid4().hex[:12]}"
        name = f"{uuid.uuid4().hex[:8]}@localhost"
        log_path = tmp_path / f"celery-{name}.log"
        process = subprocess.Popen(
            [str(VENV_BIN / "celery"), "--app", "twin_web", "worker", "--queues", queue,
             "--hostname", name, "--pool", pool, "--concurrency", str(concurrency),
             "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            # Tasks the worker itself sends (a chord's callback) go to its own queue too.
            env={**subprocess_env, "TWIN_CELERY_QUEUE": queue}, cwd=BASE_DIR,
            stdout=log_path.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(process)

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"celery worker exited: {log_path.read_text()}")
            return bool(app.control.ping(destination=[name], timeout=0.5))

        wait_until(ready, timeout_s=60, what="the Celery worker to answer a ping")
        return Worker(queue, name, process)

    yield start
    for process in started:
        stop_process(process, timeout_s=20)


@pytest.fixture
def celery_worker(start_celery_worker) -> str:
    """A real Celery worker process on a queue of its own; the queue's name."""
    return start_celery_worker().queue


@pytest.fixture
def role_user(db) -> Callable[..., User]:
    """Make a user holding the given roles (none: a signed-in user with no role)."""
    role_groups_ensure(group_model=Group, permission_model=Permission)

    def make(*roles: str, username: str | None = None, password: str = "s3cret-pass") -> User:
        user = User.objects.create_user(
            username=username or f"user-{uuid.uuid4().hex[:8]}", password=password
        )
        user.groups.set(Group.objects.filter(name__in=roles))
        return user

    return make


@pytest.fixture
def demo_network(db) -> None:
    from apps.network.services import demo_network_load

    demo_network_load()


@pytest.fixture(scope="session")
def demo_engine_input(django_db_setup, django_db_blocker) -> tuple:
    """The engine's input for the demo network, built by production code from the fixture
    once a session, in a transaction rolled back so that no row reaches any test."""
    from tests.simulation.demo_input import demo_input_build

    with django_db_blocker.unblock(), transaction.atomic():
        built = demo_input_build()
        transaction.set_rollback(True)
    simulation_builders.demo_network_keep(built)
    return built


@pytest.fixture(scope="module", autouse=True)
def _demo_engine_input_for_modules_that_use_it(request: pytest.FixtureRequest) -> None:
    """A module that imports tests.simulation.builders.demo_network (under any name) calls it
    from tests, helpers and module-scoped fixtures alike: build it first, once a session.
    Module scope and autouse put it before the module's own module-scoped fixtures."""
    if _uses_demo_network(request.module):
        request.getfixturevalue("demo_engine_input")


def _uses_demo_network(module: ModuleType | None) -> bool:
    return module is not None and any(
        value is simulation_builders.demo_network for value in vars(module).values()
    )


def _asks_for_database(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or any(
        name in names for name in ("db", "transactional_db", "live_server")
    )


@pytest.fixture(scope="session")
def chromium():
    """Real Chromium (Debian's package) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)  # assertions wait as long as actions (the default is 5 s)
    yield page
    context.close()
