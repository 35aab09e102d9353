"""The world carrying out the twin's decisions: it reads the twin's decision feed as an ERP
would, and carries out each executed decision's interventions from the world's next midnight.

A decision is carried out whole or not at all: a company does not half-execute a decision,
so when one of its interventions has no counterpart the world can carry out, none of them is,
and the log says why. Approval alone changes nothing; execution does.
"""

import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from apps.world.changes import ChangeError, WorldChange, change_from_fields

logger = logging.getLogger(__name__)

FEED_PATH = "/api/v1/decisions/feed"
PAGE_SIZE = 100
EXECUTED = "twin.decision_executed"


class DecisionFeedError(RuntimeError):
    """The feed refuses the world (a revoked token, a bad request) or breaks its contract:
    asking again will not help, so the world stops with the reason."""


class FeedUnavailable(RuntimeError):
    """The twin cannot answer now (restarting, overloaded): the world asks again next time."""


@dataclass(frozen=True)
class FeedEvent:
    cursor: int
    event_id: str
    type: str
    payload: dict


@dataclass(frozen=True)
class FeedPage:
    events: tuple[FeedEvent, ...]
    next_cursor: int
    has_more: bool


def _field(body: dict, name: str, kind: type, where: str) -> Any:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DecisionFeedError(
            f"decision feed breaks its contract: {where}{name} is {value!r}, "
            f"expected {kind.__name__}"
        )
    return value


def feed_page_parse(body: Any) -> FeedPage:
    """A page of the feed as its contract says (GET /api/v1/decisions/feed)."""
    events = []
    for index, item in enumerate(_field(body, "events", list, "")):
        where = f"events[{index}]."
        events.append(
            FeedEvent(
                cursor=_field(item, "cursor", int, where),
                event_id=_field(item, "event_id", str, where),
                type=_field(item, "type", str, where),
                payload=_field(item, "payload", dict, where),
            )
        )
    return FeedPage(
        events=tuple(events),
        next_cursor=_field(body, "next_cursor", int, ""),
        has_more=_field(body, "has_more", bool, ""),
    )


class DecisionFeed:
    """The twin's decision feed, read with a token of a system that carries decisions out."""

    def __init__(self, *, api_url: str, token: str, client: httpx.Client | None = None) -> None:
        self.url = api_url.rstrip("/") + FEED_PATH
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client = client or httpx.Client(timeout=30)

    def page(self, after: int) -> FeedPage:
        try:
            response = self.client.get(
                self.url, params={"after": after, "limit": PAGE_SIZE}, headers=self.headers
            )
        except httpx.TransportError as error:
            raise FeedUnavailable(f"twin unreachable ({error})") from None
        status = response.status_code
        if status in (401, 403):
            raise DecisionFeedError(
                f"decision feed refused the ERP token ({status} {response.text}): provision "
                "a token the twin accepts (manage.py source_token provision) and restart"
            )
        if status >= 500 or status == 429:
            raise FeedUnavailable(f"twin answered {status}")
        if status == 404:
            # A twin of a version without the feed: it may be upgraded while the world runs.
            raise FeedUnavailable(f"the twin has no decision feed at {self.url} (404)")
        if status != 200:
            raise DecisionFeedError(f"decision feed answered {status} {response.text}")
        try:
            body = response.json()
        except ValueError:
            raise DecisionFeedError("decision feed answered 200 with a body not JSON") from None
        return feed_page_parse(body)


@dataclass
class DecisionRecord:
    """An executed decision the world read: the changes it carried out, or why none."""

    decision_id: int | None
    title: str
    changes: list[dict] = field(default_factory=list)  # WorldChange.as_json() of each
    skipped: str = ""


class DecisionLog:
    """The feed's cursor and the decisions read, by event id; kept in a file beside the
    resume file when there is one, so that a restart neither re-applies nor forgets one."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.cursor = 0
        self.records: dict[str, DecisionRecord] = {}
        if path is None or not path.exists():
            return
        try:
            saved = json.loads(path.read_text())
            self.cursor = int(saved["cursor"])
            self.records = {key: DecisionRecord(**row) for key, row in saved["records"].items()}
        except (ValueError, KeyError, TypeError) as error:
            raise DecisionFeedError(f"{path}: not a decision log ({error}); remove it") from None

    def summary(self) -> str:
        skipped = sum(1 for record in self.records.values() if record.skipped)
        return (
            f"executed decisions read: {len(self.records) - skipped} carried out, "
            f"{skipped} not carried out (see the log)"
        )

    def save(self) -> None:
        if self.path is None:
            return
        records = {key: asdict(record) for key, record in self.records.items()}
        partial = self.path.with_suffix(".partial-decisions")
        partial.write_text(json.dumps({"cursor": self.cursor, "records": records}, indent=1))
        partial.replace(self.path)  # a kill mid-write leaves the old file whole


def next_midnight_day(world) -> float:
    """The world's next midnight (its own clock and zone), in days since its start."""
    moment = world.start + timedelta(hours=world.now)
    midnight = datetime.combine(moment.date() + timedelta(days=1), time(), tzinfo=moment.tzinfo)
    return (midnight - world.start) / timedelta(days=1)


def _world_change(data: dict, network) -> WorldChange:
    fields = dict(data)
    day, kind = fields.pop("day"), fields.pop("kind")
    return WorldChange(day, change_from_fields(kind, fields, network))


class DecisionPoller:
    """What output.stream calls with the world it runs: `restore` before the world draws its
    first event, `poll` every few seconds once it is past what was sent before."""

    def __init__(self, feed: DecisionFeed, log: DecisionLog) -> None:
        self.feed, self.log = feed, log

    def restore(self, world) -> None:
        """Carry out again what the log says was carried out and the world does not hold: a
        world rebuilt from its start, or from a checkpoint older than the decision."""
        held = Counter(world.changes)
        for record in self.log.records.values():
            for data in record.changes:
                change = _world_change(data, world.network)
                if held[change]:
                    held[change] -= 1
                else:
                    world.carry_out(change)

    def poll(self, world) -> None:
        """Read the feed from the cursor on and carry out each executed decision not yet
        read; a twin that cannot answer now is asked again at the next poll."""
        try:
            while True:
                page = self.feed.page(self.log.cursor)
                for event in page.events:
                    if event.type == EXECUTED and event.event_id not in self.log.records:
                        self._carry_out(world, event)
                self.log.cursor = page.next_cursor
                self.log.save()
                if not (page.has_more and page.events):
                    return
        except FeedUnavailable as error:
            logger.warning("decision feed not read (%s); trying again at the next poll", error)

    def _carry_out(self, world, event: FeedEvent) -> None:
        payload = event.payload
        record = DecisionRecord(payload.get("decision_id"), str(payload.get("title", "")))
        day = next_midnight_day(world)
        changes, record.skipped = _changes_of(payload.get("interventions"), day, world.network)
        if not record.skipped and changes and day * 24.0 > world.horizon:
            record.skipped = f"the world ends before its next midnight (day {day:g})"
        if record.skipped:
            logger.warning(
                "decision %s %r not carried out, none of it (a company does not carry out "
                "half a decision): %s", record.decision_id, record.title, record.skipped,
            )  # fmt: skip
        else:
            for change in changes:
                world.carry_out(change)
            record.changes = [change.as_json() for change in changes]
            logger.info(
                "decision %s %r carried out from %s: %s", record.decision_id, record.title,
                world.iso(day * 24.0), ", ".join(c.change.kind for c in changes) or "no change",
            )  # fmt: skip
        self.log.records[event.event_id] = record
        self.log.save()


def _changes_of(interventions: Any, day: float, network) -> tuple[list[WorldChange], str]:
    """The world's changes for a decision's interventions, or why not all can be made."""
    if not isinstance(interventions, list):
        return [], f"interventions: expected a list, got {interventions!r}"
    changes = []
    for index, item in enumerate(interventions):
        fields = dict(item) if isinstance(item, dict) else {}
        kind = fields.pop("kind", None)
        try:
            if not isinstance(kind, str):
                raise ChangeError("kind", f"expected an intervention's kind, got {kind!r}")
            changes.append(WorldChange(day, change_from_fields(kind, fields, network)))
        except ChangeError as error:
            return [], f"interventions[{index}].{error.field}: {error.reason}"
    return changes, ""
