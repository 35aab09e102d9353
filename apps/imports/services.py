"""Writes of the imports app, and the entry points the pages, the command and the task call.

How the browser flow (apps/imports pages, built on these) keeps files between steps:
`upload_save` stores each uploaded file under TWIN_VAR_DIR/uploads/<random>/<name> and
records an Upload row; every later step takes the paths (`Upload.file_path`), so a page can
suggest, preview, propose master data and import from the same bytes, and a Celery worker on
the same volume reads them too. Flow for a page:

    uploads = [upload_save(name=f.name, chunks=f.chunks(), user=request.user) for f in files]
    paths = [u.file_path for u in uploads]
    suggestion = mapping_suggest(files=paths)          # .mapping (a Mapping) + .reasons
    mapping = mapping_validate(edited_json)             # raises ImportsError(.problems)
    preview = import_preview(files=paths, mapping=mapping, limit=20)
    proposal = master_data_propose(files=paths, mapping=mapping)
    master_data_apply(proposal)                         # after the planner's review
    run = import_start(files=paths, mapping=mapping, user=request.user)  # Celery
    # poll ImportRun.objects.get(pk=run.pk): status, progress, counts; run.failures.all()

Every function raises ImportsError (with `.problems`, each a file/column and a reason) for
input it cannot take, never anything else for bad input.
"""

import hashlib
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.imports.errors import ImportsError, Problem
from apps.imports.events import events_generate
from apps.imports.failures import CATEGORIES, RowFailure
from apps.imports.history import history_read
from apps.imports.mapping import Mapping, mapping_validate
from apps.imports.master_data import Proposal, proposal_build
from apps.imports.master_data_write import AppliedCounts, master_data_apply
from apps.imports.models import ImportRun, SavedMapping, Upload
from apps.imports.run_execution import BATCH_SIZE, import_run_execute, rejection_failure
from apps.imports.suggest import mapping_suggest
from apps.imports.suggestion import Suggestion
from apps.imports.tasks import import_run_task
from apps.sources.models import Event
from apps.sources.selectors import MasterDataCodes, master_data_codes
from apps.sources.services import Rejection, event_validate

__all__ = [
    "AppliedCounts", "ImportsError", "Preview", "Suggestion", "import_preview", "import_run",
    "import_run_execute", "import_start", "mapping_suggest", "mapping_validate",
    "master_data_apply", "master_data_propose", "saved_mapping_save", "upload_save",
]  # fmt: skip

UPLOAD_MAX_BYTES = 200 * 1024 * 1024
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def upload_save(*, name: str, chunks: Iterable[bytes] | bytes, user=None) -> Upload:
    """Store an uploaded file under TWIN_VAR_DIR/uploads/ and record it."""
    safe = SAFE_NAME.sub("_", Path(name).name).strip("._") or "upload"
    folder = Path(settings.VAR_DIR) / "uploads" / secrets.token_hex(8)
    folder.mkdir(parents=True, exist_ok=False)
    path = folder / safe[:150]
    digest, size = hashlib.sha256(), 0
    with path.open("wb") as handle:
        for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
            size += len(chunk)
            if size > UPLOAD_MAX_BYTES:
                handle.close()
                path.unlink()
                folder.rmdir()
                raise ImportsError(
                    Problem(name, f"larger than {UPLOAD_MAX_BYTES // (1024 * 1024)} MB")
                )
            digest.update(chunk)
            handle.write(chunk)
    return Upload.objects.create(
        name=name[:200], path=str(path), size_bytes=size, sha256=digest.hexdigest(),
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )  # fmt: skip


def saved_mapping_save(*, name: str, mapping: Mapping, user=None) -> SavedMapping:
    """Keep a mapping under a name (replacing the one of that name)."""
    saved, _ = SavedMapping.objects.update_or_create(
        name=name,
        defaults={"document": mapping.model_dump(mode="json")},
        create_defaults={
            "document": mapping.model_dump(mode="json"),
            "created_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    return saved


def master_data_propose(*, files: Sequence[Path], mapping: Mapping) -> Proposal:
    """The master data the files' history implies, for review (see master_data.Proposal)."""
    return proposal_build(history_read(files, mapping))


@dataclass(frozen=True)
class Preview:
    """What an import of these files would do, without writing anything."""

    files: dict[str, str]  # file name -> role
    rows_by_file: dict[str, int]
    unused_files: list[str]
    rows_read: int  # rows of the orders file
    orders: int  # orders that yield events
    events_by_type: dict[str, int]
    sample_events: list[dict]  # the first `limit`, in event-time order
    samples_by_type: dict[str, list[dict]]  # the first `limit` of each type
    would_be_rejected: int  # events the ingestion path would refuse today
    already_stored: int  # events the log already holds (a re-import: duplicates)
    failures: list[RowFailure]  # every one (a page shows them in pages), in file order
    failures_total: int
    failures_by_category: dict[str, int]
    category_meanings: dict[str, str] = field(default_factory=lambda: dict(CATEGORIES))


def _stored_keys(events: list[dict]) -> int:
    found = 0
    ids = [e["event_id"] for e in events]
    for start in range(0, len(ids), BATCH_SIZE):
        found += Event.objects.filter(event_id__in=ids[start : start + BATCH_SIZE]).count()
    return found


def _with_proposal(master: MasterDataCodes, proposal: Proposal) -> MasterDataCodes:
    return MasterDataCodes(
        dc=master.dc | {o.code for o in proposal.origins},
        sku=master.sku | {s.code for s in proposal.skus},
        customer=master.customer | {c.code for c in proposal.customers},
        carrier=master.carrier | {proposal.carrier.code},
        lane=master.lane | {lane.code for lane in proposal.lanes},
    )


def import_preview(
    *, files: Sequence[Path], mapping: Mapping, limit: int = 20, master_data: bool = False
) -> Preview:
    """Read, generate and validate every event as the import would, and write nothing.

    limit: how many sample events (in all, and of each type) to return; failures are all
    returned. master_data: validate as if the proposal's master data were applied first."""
    history = history_read(files, mapping)
    generated = events_generate(history)
    master = master_data_codes()
    if master_data:
        master = _with_proposal(master, proposal_build(history))
    now = timezone.now()
    failures = list(generated.failures)
    rejected = 0
    for index, event in enumerate(generated.events):
        checked = event_validate(event, index=index, master=master, now=now)
        if isinstance(checked, Rejection):
            rejected += 1
            failures.append(rejection_failure(history, event, checked))
    return Preview(
        files={t.name: role for role, t in history.tables.items()},
        rows_by_file={t.name: len(t.frame) for t in history.tables.values()},
        unused_files=history.unused_files,
        rows_read=history.orders_read,
        orders=len(history.orders),
        events_by_type=generated.count_by_type(),
        sample_events=generated.events[:limit],
        samples_by_type=_samples_by_type(generated.events, limit),
        would_be_rejected=rejected,
        already_stored=_stored_keys(generated.events),
        failures=failures,
        failures_total=len(failures),
        failures_by_category=dict(Counter(f.category for f in failures)),
    )


def _samples_by_type(events: list[dict], limit: int) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for event in events:
        samples = found.setdefault(event["type"], [])
        if len(samples) < limit:
            samples.append(event)
    return found


def import_start(
    *, files: Sequence[Path], mapping: Mapping, user=None, master_data: bool = False
) -> ImportRun:
    """Queue an import for a Celery worker; poll the returned run for progress."""
    run = _run_create(files=files, mapping=mapping, user=user, master_data=master_data)
    transaction.on_commit(lambda: import_run_task.delay(run.pk))
    return run


def import_run(
    *,
    files: Sequence[Path],
    mapping: Mapping,
    user=None,
    master_data: bool = False,
    progress: Callable[[ImportRun], None] | None = None,
) -> ImportRun:
    """Import now, in this process (the command's way); returns the finished run."""
    run = _run_create(files=files, mapping=mapping, user=user, master_data=master_data)
    return import_run_execute(run.pk, progress=progress)


def _run_create(*, files: Sequence[Path], mapping: Mapping, user, master_data: bool) -> ImportRun:
    return ImportRun.objects.create(
        mapping_name=mapping.name,
        mapping=mapping.model_dump(mode="json"),
        files=[str(Path(p).resolve()) for p in files],
        master_data=master_data,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
