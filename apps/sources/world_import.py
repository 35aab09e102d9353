"""The demo enterprise's history on a first start, straight into the event log.

Weeks of history at once go through the same ingestion service the API uses (validation,
deduplication, quarantine), without HTTP in between: the one place the twin takes the
world's events other than through its API, and only for this bulk load. The live world
posts through the API like any source system."""

from apps.sources.selectors import master_data_codes
from apps.sources.services import events_ingest
from apps.world.output import BatchSink


class LogSink(BatchSink):
    """The world's batches into events_ingest, checked against the master data once."""

    def __init__(self) -> None:
        super().__init__()
        self.master = master_data_codes()

    def _post(self, source: str, batch: list[dict]) -> dict[str, int]:
        result = events_ingest(items=batch, master=self.master)
        return {
            "accepted": result.accepted,
            "duplicate": result.duplicate,
            "rejected": result.rejected,
        }
