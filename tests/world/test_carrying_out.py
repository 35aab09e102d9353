"""The world carries out the decisions the twin's feed publishes: executed ones only, whole or
not at all, from its next midnight, once across restarts; a revoked token stops it."""

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management import CommandError, call_command

from apps.world.changes import WorldChange
from apps.world.counterparts.labour import ChangeHeadcount
from apps.world.decisions import (
    DecisionFeed,
    DecisionFeedError,
    DecisionLog,
    DecisionPoller,
    next_midnight_day,
)
from apps.world.enterprise import Emulator
from apps.world.output import Resume, stream

START = datetime(2026, 11, 2, 20, tzinfo=UTC)  # a Monday evening: midnight is 4 h on
DAYS = 0.5  # to Tuesday 08:00, past the day shift's start at 06:00
TOKEN = "twin_erp_test"
HIRE = {"kind": "ChangeHeadcount", "dc": "NE", "role": "pickers", "delta": 2, "shift": "Day"}
HIRED = {"NE-DAY-PI13", "NE-DAY-PI14"}


def feed_event(cursor: int, decision_id: int, interventions: list, kind="executed") -> dict:
    return {
        "cursor": cursor,
        "event_id": f"decision-{decision_id}-{kind}",
        "type": f"twin.decision_{kind}",
        "occurred_at": "2026-11-02T19:00:00+00:00",
        "payload": {
            "decision_id": decision_id,
            "title": f"decision {decision_id}",
            "interventions": interventions,
            "executed_at": "2026-11-02T19:00:00+00:00",
        },
    }


class FakeTwin:
    """The feed's contract as the twin serves it; a page holds at most `page` events."""

    def __init__(self, events: list[dict], *, page: int = 2) -> None:
        self.events, self.page = events, page
        self.status = 200  # what to answer instead, to act a revoked token or a restart
        self.asked: list[tuple[int, int, str]] = []  # after, limit, Authorization
        self.posted: list[dict] = []

    def feed(self, query: dict, authorization: str) -> tuple[int, dict]:
        after, limit = int(query["after"][0]), int(query["limit"][0])
        self.asked.append((after, limit, authorization))
        if self.status != 200:
            return self.status, {"detail": "token revoked"}
        if authorization != f"Bearer {TOKEN}":
            return 401, {"detail": "unknown token"}
        newer = [e for e in self.events if e["cursor"] > after]
        shown = newer[: min(limit, self.page)]
        return 200, {
            "events": shown,
            "next_cursor": shown[-1]["cursor"] if shown else after,
            "has_more": len(newer) > len(shown),
        }

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            query = parse_qs(request.url.query.decode())
            status, body = self.feed(query, request.headers.get("Authorization", ""))
            return httpx.Response(status, json=body)

        return httpx.MockTransport(handle)

    def poller(self, log: DecisionLog | None = None) -> DecisionPoller:
        client = httpx.Client(transport=self.transport())
        feed = DecisionFeed(api_url="http://twin.test/", token=TOKEN, client=client)
        return DecisionPoller(feed, log or DecisionLog())


class Sink:
    def __init__(self, *, die_after: int | None = None) -> None:
        self.pending: list[dict] = []
        self.flushed: list[dict] = []
        self.die_after = die_after

    def add(self, event: dict) -> None:
        if self.die_after is not None and len(self.flushed) + len(self.pending) == self.die_after:
            raise KeyError("killed")  # stands for kill -9: nothing after it runs
        self.pending.append(event)

    def flush(self) -> None:
        self.flushed += self.pending
        self.pending = []


def clocked_in(events: list[dict]) -> set[str]:
    return {
        e["payload"]["worker_id"]
        for e in events
        if e["type"] == "wms.labor_clock" and e["payload"]["direction"] == "in"
    }


def world() -> Emulator:
    return Emulator(start=START, days=DAYS, seed=41)


@pytest.fixture(scope="module")
def whole() -> list[dict]:
    """The world run at one go, the hire decided as it starts."""
    sink = Sink()
    twin = FakeTwin([feed_event(1, 1, [HIRE])])
    stream(world(), sink, start=START, speed=0, decisions=twin.poller(), flush_every_s=0)
    return sink.flushed


def test_the_feed_is_read_page_by_page_with_the_erp_token():
    twin = FakeTwin([feed_event(n, n, []) for n in range(1, 6)])
    poller = twin.poller()
    poller.poll(world())
    assert twin.asked == [(0, 100, f"Bearer {TOKEN}"), (2, 100, f"Bearer {TOKEN}"),
                          (4, 100, f"Bearer {TOKEN}")]  # fmt: skip
    assert poller.log.cursor == 5 and len(poller.log.records) == 5
    poller.poll(world())
    assert twin.asked[-1][0] == 5  # nothing new: asked from where it stopped


def test_an_executed_decision_is_carried_out_from_the_next_midnight_and_an_approval_is_not(
    whole,
):
    twin = FakeTwin([feed_event(1, 1, [HIRE], kind="approved")])
    emulator = world()
    poller = twin.poller()
    poller.poll(emulator)
    assert emulator.changes == [] and poller.log.cursor == 1
    twin.events.append(feed_event(2, 1, [HIRE]))
    poller.poll(emulator)
    hire = ChangeHeadcount(dc="NE", role="pickers", delta=2, shift="Day")
    assert emulator.changes == [WorldChange(4 / 24, hire)]  # Tuesday 00:00
    # Carried out: Tuesday's day shift clocks the two hired pickers in with it.
    tuesday = [e for e in whole if e["occurred_at"] >= "2026-11-03T06:00"]
    assert clocked_in(tuesday) >= HIRED and not HIRED & clocked_in(whole[: -len(tuesday)])


def test_the_next_midnight_is_the_worlds_own_and_past_its_end_nothing_is_carried_out(caplog):
    emulator = world()
    for event in emulator.events():
        if event["occurred_at"] >= "2026-11-03T02:00":
            break
    assert next_midnight_day(emulator) == 28 / 24  # Wednesday 00:00, after the world's end
    poller = FakeTwin([feed_event(1, 7, [HIRE])]).poller()
    with caplog.at_level(logging.WARNING):
        poller.poll(emulator)
    assert emulator.changes == []
    assert (
        "world ends before its next midnight" in poller.log.records["decision-7-executed"].skipped
    )


@pytest.mark.parametrize(
    ("interventions", "why"),
    [
        ([HIRE, {**HIRE, "delta": -99}], "interventions[1].delta: would leave -87 pickers"),
        ([HIRE, {"kind": "TeleportStock", "dc": "NE"}], "interventions[1].kind: unknown change"),
        ([{**HIRE, "shift": "Night"}, HIRE], "interventions[0].shift: NE has no shift 'Night'"),
        ([HIRE, {"dc": "NE", "delta": 2}], "interventions[1].kind: expected an intervention's"),
    ],
)
def test_a_decision_the_world_cannot_carry_out_whole_is_not_carried_out_at_all(
    interventions, why, caplog
):
    emulator = world()
    poller = FakeTwin([feed_event(1, 3, interventions)]).poller()
    with caplog.at_level(logging.WARNING, logger="apps.world.decisions"):
        poller.poll(emulator)
    assert emulator.changes == []
    record = poller.log.records["decision-3-executed"]
    assert record.changes == [] and record.skipped.startswith(why)
    assert "decision 3 'decision 3' not carried out, none of it" in caplog.text
    assert why in caplog.text


def test_a_twin_that_cannot_answer_now_is_asked_again_at_the_next_poll(caplog):
    twin = FakeTwin([feed_event(1, 1, [HIRE])])
    emulator, poller = world(), twin.poller()
    twin.status = 503
    with caplog.at_level(logging.WARNING, logger="apps.world.decisions"):
        poller.poll(emulator)
    assert "twin answered 503" in caplog.text and poller.log.cursor == 0

    def unreachable(request):
        raise httpx.ConnectError("connection refused")

    client = httpx.Client(transport=httpx.MockTransport(unreachable))
    down = DecisionFeed(api_url="http://twin.test", token=TOKEN, client=client)
    DecisionPoller(down, poller.log).poll(emulator)
    assert "twin unreachable" in caplog.text and emulator.changes == []
    twin.status = 200
    poller.poll(emulator)
    assert len(emulator.changes) == 1 and poller.log.cursor == 1


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_stops_the_world_with_the_reason(status):
    twin = FakeTwin([])
    twin.status = status
    with pytest.raises(DecisionFeedError, match=f"refused the ERP token \\({status}"):
        twin.poller().poll(world())


def test_a_restart_without_a_checkpoint_rebuilds_the_decision_at_its_day_and_reads_on(
    tmp_path, whole
):
    path = tmp_path / "resume.json"
    resume = Resume.load_or_create(path, start=START, seed=41)
    twin = FakeTwin([feed_event(1, 1, [HIRE])])
    first = Sink(die_after=700)
    with pytest.raises(KeyError):
        stream(world(), first, start=START, speed=0, resume=resume, flush_every_s=0,
               decisions=twin.poller(DecisionLog(resume.decisions_path)))  # fmt: skip
    assert not resume.world_path.exists()  # killed before any checkpoint: from scratch

    again = Resume.load_or_create(path, start=START, seed=41)
    log = DecisionLog(again.decisions_path)
    assert log.cursor == 1 and list(log.records) == ["decision-1-executed"]
    twin.asked.clear()
    second = Sink()
    stream(world(), second, start=START, speed=0, resume=again,
           decisions=twin.poller(log))  # fmt: skip
    assert twin.asked[0][0] == 1  # read on from the saved cursor, not from the start
    # The same events, same ids and content, as the world that never stopped: the hire
    # is carried out again at the same midnight, and only once.
    assert first.flushed[: again.sent] + second.flushed == whole
    assert clocked_in(second.flushed) >= HIRED and "NE-DAY-PI15" not in clocked_in(whole)


def test_a_restart_from_a_checkpoint_holding_the_decision_does_not_carry_it_out_twice(
    tmp_path, whole
):
    path = tmp_path / "resume.json"
    resume = Resume.load_or_create(path, start=START, seed=41)
    twin = FakeTwin([feed_event(1, 1, [HIRE])])
    first = Sink()
    until = START + timedelta(hours=3)
    assert stream(world(), first, start=START, speed=0, resume=resume, until=until,
                  decisions=twin.poller(DecisionLog(resume.decisions_path)))  # fmt: skip
    assert resume.world_path.exists()

    again = Resume.load_or_create(path, start=START, seed=41)
    second = Sink()
    stream(world(), second, start=START, speed=0, resume=again,
           decisions=twin.poller(DecisionLog(again.decisions_path)))  # fmt: skip
    assert first.flushed + second.flushed == whole
    assert not {"NE-DAY-PI15", "NE-DAY-PI16"} & clocked_in(second.flushed)


@pytest.fixture
def fake_twin_server():
    """The twin's two endpoints the world uses, over real HTTP."""
    twin = FakeTwin([feed_event(1, 1, [HIRE])])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            status, body = twin.feed(parse_qs(url.query), self.headers.get("Authorization", ""))
            self.answer(status, body)

        def do_POST(self):
            batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            twin.posted += batch
            self.answer(200, {"accepted": len(batch), "duplicate": 0, "rejected": 0})

        def answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", twin
    server.shutdown()
    server.server_close()


def emulate_to(url: str, tmp_path, *args: str) -> str:
    tokens = [f"--token={source}={TOKEN}" for source in ("erp", "wms", "tms", "crm", "iot")]
    out = StringIO()
    call_command(
        "emulate", "--start", START.isoformat(), "--days", str(DAYS), "--seed", "41",
        "--to-api", url, "--resume", str(tmp_path / "resume.json"), *tokens, *args, stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_emulate_carries_out_the_feeds_decisions_and_keeps_its_cursor(
    fake_twin_server, tmp_path, whole
):
    url, twin = fake_twin_server
    out = emulate_to(url, tmp_path)
    assert f"{len(whole)} accepted" in out
    assert "Executed decisions read: 1 carried out, 0 not carried out" in out
    # Posted in batches by source: the same events, the hire's clock-ins among them.
    assert sorted(twin.posted, key=lambda e: e["event_id"]) == sorted(
        whole, key=lambda e: e["event_id"]
    )
    assert twin.asked[0] == (0, 100, f"Bearer {TOKEN}")
    saved = json.loads((tmp_path / "resume.decisions").read_text())
    assert saved["cursor"] == 1 and saved["records"]["decision-1-executed"]["changes"]


def test_emulate_stops_on_a_refused_token_and_can_leave_the_feed_alone(fake_twin_server, tmp_path):
    url, twin = fake_twin_server
    twin.status = 401
    with pytest.raises(CommandError, match="refused the ERP token"):
        emulate_to(url, tmp_path, "--days", "0.01")
    asked = len(twin.asked)
    assert "accepted" in emulate_to(url, tmp_path, "--days", "0.01", "--no-decisions")
    assert len(twin.asked) == asked
    with pytest.raises(CommandError, match="--decisions-every"):
        emulate_to(url, tmp_path, "--decisions-every", "0")
