"""What a suggested mapping says and why (each guess with its confidence and reason), and
the words in file and column names that point at a role or a field."""

from dataclasses import dataclass

from apps.imports.errors import Problem
from apps.imports.mapping import Mapping, mapping_validate

# Words in a file's name that point at a role.
FILE_WORDS = {
    "orders": ("order", "sales", "header"),
    "lines": ("item", "line", "detail", "position"),
    "customers": ("customer", "client", "account"),
    "origins": ("seller", "vendor", "supplier", "warehouse", "origin", "dc", "plant", "site"),
    "products": ("product", "sku", "article", "material"),
    "families": ("category", "categories", "family", "translation"),
}
# Words in a column's name that point at a time field (order matters: the first that fits).
TIME_WORDS = (
    ("promised_at", ("estimat", "promis", "due", "request", "expected", "eta")),
    ("approved_at", ("approv", "confirm", "release")),
    ("handed_at", ("carrier", "ship", "dispatch", "handed", "pickup", "pick_up")),
    ("delivered_at", ("deliver", "receiv", "arriv", "pod")),
    ("purchased_at", ("purchas", "order_date", "created", "placed", "timestamp", "date")),
)
REGION_WORDS = ("state", "region", "province", "uf", "county", "territory")
ORIGIN_WORDS = ("warehouse", "dc", "seller", "origin", "plant", "site", "depot", "ship_from")
STATUS_WORDS = (("cancelled", ("cancel", "unavail", "void", "reject", "lost")),
                ("delivered", ("deliver", "complete", "closed")),
                ("shipped", ("ship", "dispatch", "transit")))  # fmt: skip


@dataclass(frozen=True)
class FileGuess:
    file: str
    role: str | None
    confidence: float
    reason: str


@dataclass(frozen=True)
class FieldGuess:
    role: str
    field: str
    column: str
    confidence: float
    reason: str


@dataclass(frozen=True)
class Suggestion:
    """A suggested mapping: its JSON form (edit it, then mapping_validate), why each part was
    chosen, and what is still missing (problems mapping_validate would raise)."""

    document: dict
    files: list[FileGuess]
    fields: list[FieldGuess]
    problems: list[Problem]

    @property
    def mapping(self) -> Mapping | None:
        """The suggestion as a Mapping, when it is already valid as it stands."""
        return None if self.problems else mapping_validate(self.document)
