"""Stock levels as they stood at an earlier moment of event time, from the live state and the log.

The live state keeps only the current level of each (SKU, DC). Every change to it is a
delta (projection_rules.stock_changes), so the level at `at` is the current one less the
changes of the events applied since: reading back the log from `at` to the checkpoint.
That is bounded by the span asked for (a week's stock events for a back-test), where
rebuilding forwards would read the whole log. Only events the live state applied count:
those up to the checkpoint and not held in quarantine.
"""

from collections import defaultdict
from datetime import datetime

from django.db import connection, transaction

from apps.live.models import ProjectorCheckpoint, StockLevel
from apps.live.projection_rules import CHECKPOINT, STOCK_TYPES, stock_changes
from apps.sources.models import Event
from apps.sources.selectors import quarantined_event_ids

COUNTERS = ("on_hand", "on_order")


def stock_levels_at(*, at: datetime) -> dict[tuple[str, str], dict[str, int]]:
    """(sku, dc) → {"on_hand", "on_order"} as the live state held them at `at`."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # The levels and the checkpoint must be read at one point of the projector's
            # progress: one snapshot for the whole read (a caller's own transaction sets
            # its isolation itself).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        checkpoint = ProjectorCheckpoint.objects.filter(name=CHECKPOINT).first()
        last_id = checkpoint.last_event_id if checkpoint else 0
        levels: dict[tuple[str, str], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(COUNTERS, 0)
        )
        for sku, dc, on_hand, on_order in StockLevel.objects.values_list(
            "sku", "dc", "on_hand", "on_order"
        ):
            levels[(sku, dc)] = {"on_hand": on_hand, "on_order": on_order}
        held = quarantined_event_ids(reader=CHECKPOINT, after_id=0, up_to_id=last_id)
        since = Event.objects.filter(
            id__lte=last_id, occurred_at__gt=at, type__in=STOCK_TYPES
        ).values_list("id", "type", "payload")
        for event_id, kind, payload in since.iterator(chunk_size=5000):
            if event_id in held:
                continue
            for sku, dc, counter, amount in stock_changes(kind, payload):
                levels[(sku, dc)][counter] -= amount
    return dict(levels)
