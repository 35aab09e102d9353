"""One import in progress in the browser: which uploaded files and which mapping belong to it,
kept in the planner's session between the pages; the suggestion, saved and ready mappings
as the mapping form starts from them; the preview and proposal, computed once per mapping.

A draft lives only in the session that uploaded its files: its address is a random key
there, so another person cannot open it by guessing an upload's number.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max

from apps.imports.errors import ImportsError
from apps.imports.mapping import Mapping, mapping_validate
from apps.imports.mapping_form import ROLE_LABELS, MappingFormView, doc_from_post, timezones
from apps.imports.master_data import Proposal
from apps.imports.models import SavedMapping, Upload
from apps.imports.reading import Table, table_read, tables_bind
from apps.imports.services import (
    Preview,
    import_preview,
    mapping_suggest,
    master_data_propose,
)
from apps.sources.models import Event

SESSION_KEY = "imports.drafts"
DRAFTS_KEPT = 5  # per session: an abandoned upload's draft goes when a sixth begins
SAMPLES_PER_TYPE = 3  # sample events the preview shows of each type


@dataclass(frozen=True)
class Draft:
    key: str
    upload_ids: list[int]
    names: list[str]
    paths: list[Path]
    mapping: dict | None  # the checked mapping's JSON, once the mapping page accepted it
    shown: dict | None  # the document the mapping form was last drawn from
    master_saved: bool


def _drafts(session) -> dict:
    return session.setdefault(SESSION_KEY, {})


def draft_create(session, uploads: list[Upload]) -> str:
    drafts = _drafts(session)
    while len(drafts) >= DRAFTS_KEPT:
        drafts.pop(next(iter(drafts)))
    key = secrets.token_urlsafe(9)
    drafts[key] = {"uploads": [u.pk for u in uploads], "mapping": None, "shown": None,
                   "master_saved": False}  # fmt: skip
    session.modified = True
    return key


def draft_get(session, key: str) -> Draft | None:
    stored = session.get(SESSION_KEY, {}).get(key)
    if stored is None:
        return None
    uploads = {u.pk: u for u in Upload.objects.filter(pk__in=stored["uploads"])}
    if len(uploads) != len(stored["uploads"]):
        return None  # an upload was removed since: the draft cannot be carried on
    ordered = [uploads[pk] for pk in stored["uploads"]]
    return Draft(
        key=key,
        upload_ids=stored["uploads"],
        names=[u.name for u in ordered],
        paths=[Path(u.path) for u in ordered],
        mapping=stored.get("mapping"),
        shown=stored.get("shown"),
        master_saved=bool(stored.get("master_saved")),
    )


@dataclass(frozen=True)
class DraftLink:
    key: str
    names: list[str]
    mapped: bool


def drafts_list(session) -> list[DraftLink]:
    """This session's imports in progress, newest first, to carry one on."""
    stored = session.get(SESSION_KEY, {})
    ids = {pk for draft in stored.values() for pk in draft["uploads"]}
    names = dict(Upload.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        DraftLink(key, [names[pk] for pk in draft["uploads"]], bool(draft.get("mapping")))
        for key, draft in reversed(stored.items())
        if all(pk in names for pk in draft["uploads"])
    ]


def _update(session, draft: Draft, **changes) -> None:
    _drafts(session)[draft.key].update(changes)
    session.modified = True


def shown_set(session, draft: Draft, doc: dict) -> None:
    _update(session, draft, shown=doc)


def mapping_set(session, draft: Draft, mapping: Mapping) -> None:
    # A new mapping may group or name the master data differently: confirm it again.
    _update(session, draft, mapping=mapping.model_dump(mode="json"), master_saved=False)


def master_saved_set(session, draft: Draft) -> None:
    _update(session, draft, master_saved=True)


def mapping_of(draft: Draft) -> Mapping | None:
    if not draft.mapping:
        return None
    try:
        return mapping_validate(draft.mapping)
    except ImportsError:
        return None  # checked when stored; a changed engine rule sends the planner back


def tables(draft: Draft) -> list[Table]:
    """The files as tables, named as the engine names them (the stored file's name)."""
    return [table_read(path) for path in draft.paths]


@dataclass(frozen=True)
class SuggestionShown:
    doc: dict
    # ((file name, column) -> why), (file name -> why its role)
    reasons: tuple[dict[tuple[str, str], str], dict[str, str]]
    problems: list[tuple[str, str]]  # what is still missing before it can be imported


def _sure(reason: str, confidence: float) -> str:
    return f"{reason} ({confidence:.0%} sure)"


def suggestion(draft: Draft) -> SuggestionShown:
    suggested = mapping_suggest(files=draft.paths)
    roles = {g.file: _sure(g.reason, g.confidence) for g in suggested.files}
    file_of_role = {g.role: g.file for g in suggested.files if g.role}
    columns = {
        (file_of_role[g.role], g.column): _sure(g.reason, g.confidence)
        for g in suggested.fields
        if g.role in file_of_role and g.column
    }
    problems = [(p.where, p.reason) for p in suggested.problems]
    return SuggestionShown(suggested.document, (columns, roles), problems)


def doc_for_files(saved: dict, draft: Draft) -> dict:
    """A saved mapping over new files: a file-name pattern that names none of them (the last
    export's exact name) is dropped, so the role goes by the header instead."""
    doc = json.loads(json.dumps(saved))
    for spec in (doc.get("files") or {}).values():
        pattern = spec.get("file")
        if pattern and not any(fnmatch(n.lower(), pattern.lower()) for n in _names(draft)):
            spec.pop("file")
    return doc


def _names(draft: Draft) -> list[str]:
    return [path.name for path in draft.paths]


def doc_from_form(post, tables_: list[Table], shown: MappingFormView) -> dict:
    return doc_from_post(post, tables_, shown)


def bind_check(draft: Draft, mapping: Mapping) -> None:
    """Every mapped column is in its file and each role has one file: raises ImportsError
    naming the file and column, at the mapping step rather than at the preview."""
    tables_bind(draft.paths, mapping)


MAPPINGS_DIR = Path(settings.BASE_DIR) / "fixtures" / "mappings"


def known_regions() -> dict[str, dict]:
    """Regions (name, latitude, longitude) by code from the ready mappings in
    fixtures/mappings/ and the saved ones, so that a history of a known country starts with
    its regions' places filled in (the planner still sees and may change them)."""
    documents = [saved.document for saved in SavedMapping.objects.only("document")]
    for path in sorted(MAPPINGS_DIR.glob("*.json")):
        try:
            documents.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            continue  # a broken ready mapping fills nothing; its own test names it
    found: dict[str, dict] = {}
    for document in documents:
        regions = document.get("regions") if isinstance(document, dict) else None
        for code, info in (regions or {}).items():
            if isinstance(info, dict):
                found.setdefault(code, info)
    return found


def ready_mappings() -> list[tuple[str, str]]:
    """(file stem, name) of the ready mappings in fixtures/mappings/ (e.g. the Olist sample's)."""
    found = []
    for path in sorted(MAPPINGS_DIR.glob("*.json")):
        try:
            found.append((path.stem, str(json.loads(path.read_text()).get("name") or path.stem)))
        except (OSError, json.JSONDecodeError, AttributeError):
            continue
    return found


def ready_mapping(stem: str) -> dict | None:
    if stem not in {s for s, _ in ready_mappings()}:
        return None  # only a listed file: the name never reaches the filesystem otherwise
    return json.loads((MAPPINGS_DIR / f"{stem}.json").read_text())


@dataclass(frozen=True)
class Reviewed:
    preview: Preview
    proposal: Proposal


# A preview of a year of orders reads every file twice (events, then master data): seconds.
# Kept per draft and mapping for the paging of its failing rows; another process misses it
# and computes it again, which is only slower.
REVIEW_CACHE_S = 30 * 60


def _review_key(draft: Draft, mapping: Mapping) -> str:
    fingerprint = hashlib.sha256(mapping.to_json().encode()).hexdigest()[:16]
    # The log's newest event too: after an import the same files' events are duplicates.
    newest = Event.objects.aggregate(newest=Max("id"))["newest"] or 0
    return f"imports.review:{draft.key}:{fingerprint}:{int(draft.master_saved)}:{newest}"


def review_at_hand(draft: Draft, mapping: Mapping) -> Reviewed | None:
    """The review when this process has it already, without reading the files."""
    return cache.get(_review_key(draft, mapping))


def review(draft: Draft, mapping: Mapping) -> Reviewed:
    """The preview (as if the proposed master data were saved, until it is) and the
    master-data proposal of these files through this mapping."""
    key = _review_key(draft, mapping)
    found = cache.get(key)
    if found is None:
        found = Reviewed(
            preview=import_preview(
                files=draft.paths,
                mapping=mapping,
                limit=SAMPLES_PER_TYPE,
                master_data=not draft.master_saved,
            ),
            proposal=master_data_propose(files=draft.paths, mapping=mapping),
        )
        cache.set(key, found, REVIEW_CACHE_S)
    return found


PLACES = {
    "origin_groups": "Origin grouping",
    "timezone": "Time zone",
    "origin_default": "Default origin",
    "name": "Mapping name",
}


def problem_where(where: str, doc: dict) -> str:
    """Where a problem is, in the page's words: "orders.csv (Orders), customer" rather than
    the document's path "files.orders.columns.customer"."""
    parts = where.split(".")
    if parts[0] == "files" and len(parts) >= 2:
        spec = (doc.get("files") or {}).get(parts[1]) or {}
        label = ROLE_LABELS.get(parts[1], parts[1])
        place = f"{spec['file']} ({label})" if spec.get("file") else label
        rest = [p for p in parts[2:] if p != "columns"]
        return ", ".join([place, *rest])
    if parts[0] == "regions" and len(parts) >= 2:
        return ", ".join([f"Region {parts[1]}", *parts[2:]])
    if parts[0] == "origin_names" and len(parts) >= 2:
        return f"Origin {parts[1]}"
    return PLACES.get(where, where)


def timezone_choices(current: str) -> tuple[str, ...]:
    zones = timezones()
    return zones if current in zones else (current, *zones)
