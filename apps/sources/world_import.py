"""The demo enterprise's history on a first start, straight into the event log.

Weeks of history at once go through the same ingestion service the API uses (validation,
deduplication, quarantine), without HTTP in between: the one place the twin reads the world's
events other than through its API, and only for this bulk load. The live world posts through
the API like any source system."""

from apps.sources.models import SOURCES
from apps.sources.selectors import master_data_codes
from apps.sources.services import events_ingest

BATCH = 1000


class LogSink:
    """Batches per source into events_ingest; counts what was accepted, known, refused."""

    def __init__(self) -> None:
        self.master = master_data_codes()
        self.pending: dict[str, list[dict]] = {source: [] for source in SOURCES}
        self.totals = {"accepted": 0, "duplicate": 0, "rejected": 0}

    def add(self, event: dict) -> None:
        batch = self.pending[event["source"]]
        batch.append(event)
        if len(batch) >= BATCH:
            self._send(event["source"])

    def flush(self) -> None:
        for source in SOURCES:
            if self.pending[source]:
                self._send(source)

    def _send(self, source: str) -> None:
        batch, self.pending[source] = self.pending[source], []
        result = events_ingest(items=batch, master=self.master)
        self.totals["accepted"] += result.accepted
        self.totals["duplicate"] += result.duplicate
        self.totals["rejected"] += result.rejected

    def close(self) -> str:
        self.flush()
        t = self.totals
        return f"{t['accepted']} accepted, {t['duplicate']} duplicate, {t['rejected']} rejected"
