"""What every benchmark shares: the database it ran on, its figures beside a peer or floor
measured in the same run, and the gates on their ratios.

`make bench ARGS=--check` fails a benchmark whose ratio falls outside its gate;
`--short` runs only the benchmarks marked `short`, on smaller inputs, for CI.
TWIN_BENCH_SLOWDOWN=k (k ≥ 1) stretches every measured path to k times its own duration,
so that one can see a gate fail as a real k× regression would make it fail.
"""

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
from django.db import connection

T = TypeVar("T")
ROWS: list["Row"] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench", "Twin's benchmarks")
    group.addoption(
        "--check",
        action="store_true",
        help="fail a benchmark whose ratio to its peer falls outside its gate",
    )
    group.addoption(
        "--short",
        action="store_true",
        help="only the benchmarks marked short, on their smaller inputs (CI's form)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "short: a benchmark of `make bench ARGS=--short`")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--short", default=False):
        return
    kept = [item for item in items if item.get_closest_marker("short")]
    dropped = [item for item in items if not item.get_closest_marker("short")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def database_name() -> str:
    return {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(
        connection.vendor, connection.vendor
    )


def slowdown() -> float:
    raw = os.environ.get("TWIN_BENCH_SLOWDOWN", "1")
    try:
        factor = float(raw)
    except ValueError:
        raise pytest.UsageError(f"TWIN_BENCH_SLOWDOWN must be a number ≥ 1, not {raw!r}") from None
    if factor < 1:
        raise pytest.UsageError(f"TWIN_BENCH_SLOWDOWN must be a number ≥ 1, not {raw!r}")
    return factor


@dataclass(frozen=True)
class Row:
    bench: str
    figure: str
    peer: str
    ratio: float
    gate: float
    verdict: str  # PASS, FAIL or "-" without --check


@dataclass
class Bench:
    """A benchmark's reporter; `ratio` is always our cost over the peer's (≥ 1: slower), and
    a gate is the highest ratio that passes."""

    name: str
    check: bool
    short: bool
    factor: float
    rows: list[Row] = field(default_factory=list)

    @property
    def database(self) -> str:
        return database_name()

    def stretch(self, started: float) -> None:
        """Hold the measured path until it has taken `factor` times its own time."""
        if self.factor > 1:
            elapsed = time.perf_counter() - started
            until = time.perf_counter() + (self.factor - 1) * elapsed
            while time.perf_counter() < until:
                time.sleep(min(0.01, max(0.0, until - time.perf_counter())))

    def timed(self, function: Callable[[], T]) -> tuple[T, float]:
        """(result, seconds) of the measured path, stretched by TWIN_BENCH_SLOWDOWN."""
        started = time.perf_counter()
        result = function()
        self.stretch(started)
        return result, time.perf_counter() - started

    def header(self, text: str) -> None:
        print()
        print(f"{text}; database: {self.database}" + (" (short form)" if self.short else ""))

    def ratio(self, what: str, figure: str, peer: str, ratio: float, *, gate: float) -> None:
        verdict = ("PASS" if ratio <= gate else "FAIL") if self.check else "-"
        self.rows.append(Row(f"{self.name}: {what}", figure, peer, ratio, gate, verdict))
        ROWS.append(self.rows[-1])
        shown = f"gate ≤ {gate:g}×" + (f": {verdict}" if self.check else "")
        print(f"  {what}: {figure} vs {peer}; ratio {ratio:.2f}× ({shown})")

    def failures(self) -> list[Row]:
        return [row for row in self.rows if row.verdict == "FAIL"]


@pytest.fixture
def bench(request: pytest.FixtureRequest) -> Iterator[Bench]:
    reporter = Bench(
        name=request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("bench_"),
        check=request.config.getoption("--check", default=False),
        short=request.config.getoption("--short", default=False),
        factor=slowdown(),
    )
    yield reporter
    failed = reporter.failures()
    if failed:
        pytest.fail(
            "outside the gate: "
            + "; ".join(f"{row.bench} {row.ratio:.2f}× > {row.gate:g}×" for row in failed),
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not ROWS:
        return
    write = terminalreporter.write_line
    write("")
    write(f"benchmark gates (database: {database_name()}; ratio = our cost ÷ the peer's):")
    for row in ROWS:
        write(f"  {row.verdict:<4} {row.ratio:7.2f}× ≤ {row.gate:<5g} {row.bench}")
    factor = slowdown()
    if factor > 1:
        write(f"  (every measured path stretched {factor:g}× by TWIN_BENCH_SLOWDOWN)")
