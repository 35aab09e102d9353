"""What `make run` starts and on which data: the demo enterprise's history, or a real
history (TWIN_DATA) with its files, mapping, past and replay pace, read from the environment.

Imports no Django: the launcher reads these before any Django process starts.
"""

from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Weeks, so that the first page shows a settled operation and every sub-model is fitted on
# the evidence it needs (TWIN_HISTORY_DAYS=0: start empty and fill at the pace of events).
DEFAULT_HISTORY_DAYS = 28
# The first start's history ends this long before now; the live emulator replays those days
# at its speed (60: a day in 24 minutes), so a demo shows days pass and decisions' tracked
# days settle while a planner watches, instead of at the pace of a real day.
DEFAULT_BEHIND_DAYS = 7
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
