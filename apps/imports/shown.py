"""What the preview and run pages show of the engine's documents: the events each file
yields, sample events, the master-data proposal as tables, a run's dead-letter sources and
its failures counted by reason."""

import json
from dataclasses import dataclass

from apps.imports.failures import CATEGORIES, REJECTED
from apps.imports.master_data import Proposal
from apps.imports.master_data_write import AppliedCounts
from apps.imports.models import ImportRun
from apps.imports.services import Preview

PROPOSAL_ROWS_SHOWN = 25


# What each role's file gives the import, for the preview's "per file" table.
ROLE_YIELDS = {
    "orders": ("erp.order_created", "wms.shipped", "tms.tracking", "erp.order_cancelled"),
    "lines": ("erp.order_created",),
}
ROLE_MASTER = {
    "customers": "customers and their regions (master data)",
    "origins": "origins, grouped (master data)",
    "products": "SKUs with weights (master data)",
    "families": "product families' names (master data)",
}


@dataclass(frozen=True)
class FileYield:
    name: str
    role: str
    rows: int
    events: list[tuple[str, int]]
    gives: str
    failures: int


def events_per_file(seen: Preview) -> list[FileYield]:
    failures: dict[str, int] = {}
    for failure in seen.failures:
        failures[failure.file] = failures.get(failure.file, 0) + 1
    rows = []
    for name, role in seen.files.items():
        types = ROLE_YIELDS.get(role, ())
        events = [(t, seen.events_by_type.get(t, 0)) for t in types]
        gives = ROLE_MASTER.get(role, "")
        if role == "lines":
            gives = "the lines (SKU, quantity) of each order_created"
        read = seen.rows_by_file.get(name, 0)
        rows.append(FileYield(name, role, read, events, gives, failures.get(name, 0)))
    for name in seen.unused_files:
        rows.append(
            FileYield(name, "", seen.rows_by_file.get(name, 0), [], "not used by this mapping", 0)
        )
    return rows


@dataclass(frozen=True)
class SampleRow:
    event_id: str
    type: str
    occurred_at: str
    payload: str


def sample_rows(seen: Preview) -> list[SampleRow]:
    """A few events of each type, types in the order an order's life runs."""
    events = [e for samples in seen.samples_by_type.values() for e in samples]
    return [
        SampleRow(
            e.get("event_id", ""),
            e.get("type", ""),
            e.get("occurred_at", ""),
            json.dumps(e.get("payload", {}), ensure_ascii=False, separators=(", ", ": ")),
        )
        for e in events
    ]


@dataclass(frozen=True)
class ProposalSection:
    key: str
    title: str
    count: int
    headers: tuple[str, ...]
    rows: list[tuple]


def proposal_rows(proposal: Proposal) -> list[ProposalSection]:
    """The proposal's tables as the preview shows them: each count, and its first rows."""
    n = PROPOSAL_ROWS_SHOWN
    return [
        ProposalSection(
            "origins", "Origins (the twin's DCs)", len(proposal.origins),
            ("Code", "Name", "Stands in", "Groups", "Orders"),
            [(o.code, o.name, o.region, ", ".join(o.members), o.orders)
             for o in proposal.origins[:n]],
        ),
        ProposalSection(
            "regions", "Customer regions", len(proposal.regions),
            ("Code", "Name", "Latitude", "Longitude", "Home origin", "Orders"),
            [(r.code, r.name, r.latitude, r.longitude, r.home_dc, r.orders)
             for r in proposal.regions[:n]],
        ),
        ProposalSection(
            "skus", "SKUs", len(proposal.skus),
            ("Code", "Family", "Weight (kg)", "Weight from", "Unit price", "Units"),
            [(s.code, s.family, s.weight_kg, s.weight_from, s.unit_price, s.units)
             for s in proposal.skus[:n]],
        ),
        ProposalSection(
            "customers", "Customers", len(proposal.customers),
            ("Code", "Region"),
            [(c.code, c.region) for c in proposal.customers[:n]],
        ),
        ProposalSection(
            "lanes", "Lanes (origin → region)", len(proposal.lanes),
            ("Code", "Origin", "Region", "Shipments", "Median transit (h)"),
            [(lane.code, lane.origin, lane.region, lane.shipments, lane.transit_hours_median)
             for lane in proposal.lanes[:n]],
        ),
    ]  # fmt: skip


def applied_sentence(applied: AppliedCounts) -> str:
    def part(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "nothing"

    return f"Master data saved: created {part(applied.created)}; updated {part(applied.updated)}."


def dead_letter_sources(run: ImportRun) -> list[str]:
    """The sources whose dead letters hold this run's rejected events (the engine words a
    rejection "<source>.<type>: <reason>")."""
    if not run.events_rejected:
        return []
    reasons = run.failures.filter(category=REJECTED).values_list("reason", flat=True)
    found = {r.split(".", 1)[0] for r in reasons.iterator() if "." in r.split(":", 1)[0]}
    return sorted(found)


def categories_shown(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(c, CATEGORIES.get(c, c), n) for c, n in sorted(counts.items(), key=lambda i: -i[1])]
