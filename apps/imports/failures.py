"""Why a row of an export was not imported as given: categories and the failure record."""

from dataclasses import dataclass

# Row failure categories: every failure carries one, so a summary can count them and a test
# can enumerate them.
MISSING_VALUE = "missing_value"
BAD_DATE = "bad_date"
BAD_NUMBER = "bad_number"
DUPLICATE = "duplicate"
ORPHAN = "orphan"
NO_ITEMS = "no_items"
IMPOSSIBLE_TIME = "impossible_time"
UNKNOWN_STATUS = "unknown_status"
UNKNOWN_ORIGIN = "unknown_origin"
REJECTED = "rejected"  # an event the ingestion path refused (schemas, master data)
CATEGORIES = {
    MISSING_VALUE: "a required cell is empty",
    BAD_DATE: "a time does not parse with the mapping's date format",
    BAD_NUMBER: "a number does not parse or is out of range",
    DUPLICATE: "a key seen before in the same file",
    ORPHAN: "refers to a row another file does not have",
    NO_ITEMS: "an order with no (valid) lines",
    IMPOSSIBLE_TIME: "a time before the order was placed, or a delivery before its hand-off",
    UNKNOWN_STATUS: "a status the mapping's status table does not list",
    UNKNOWN_ORIGIN: "an origin the grouping does not place",
    REJECTED: "an event the ingestion path refused",
}


@dataclass(frozen=True)
class RowFailure:
    """One row (or one event of a row) not imported as given: where and why."""

    file: str
    role: str
    row: int | None
    field: str
    category: str
    reason: str
    order_id: str = ""

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}" if self.row else self.file
        return f"{where}, {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"
