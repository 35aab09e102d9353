"""The projector's bulk writes keep every value exactly: times and dates (binary arrays on
PostgreSQL), times empty in every row of a batch, and the columns spelled as text."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from apps.live.models import CostDay, OrderProgress, StockDay
from apps.live.tables import Counters, Rows

INDIA = timezone(timedelta(hours=5, minutes=30))


def test_times_keep_their_instant_and_microseconds_whatever_their_offset(db):
    orders = Rows(OrderProgress, "order_id")
    order = orders.row("SO-1")
    order.created_at = datetime(2026, 11, 2, 8, 0, 0, 123456, tzinfo=INDIA)
    order.due_at = datetime(2026, 11, 3, 23, 59, 59, 999999, tzinfo=UTC)
    order.dc, order.lines, order.shipment_id = "NE", 3, 'SH "1" \\ {a,b}'
    orders.save()
    stored = OrderProgress.objects.get(order_id="SO-1")
    assert stored.created_at == datetime(2026, 11, 2, 2, 30, 0, 123456, tzinfo=UTC)
    assert stored.due_at == datetime(2026, 11, 3, 23, 59, 59, 999999, tzinfo=UTC)
    assert (stored.dc, stored.lines, stored.shipment_id) == ("NE", 3, 'SH "1" \\ {a,b}')


def test_a_time_empty_in_every_row_of_a_batch_is_written_empty(db):
    orders = Rows(OrderProgress, "order_id")
    for order_id in ("SO-1", "SO-2"):
        orders.row(order_id).created_at = datetime(2026, 11, 2, 8, tzinfo=UTC)
    orders.save()
    assert list(OrderProgress.objects.values_list("shipped_at", "delivered_at")) == [
        (None, None),
        (None, None),
    ]


def test_a_loaded_row_is_written_back_with_its_times_changed_and_cleared(db):
    first = Rows(OrderProgress, "order_id")
    order = first.row("SO-1")
    order.created_at = order.shipped_at = datetime(2026, 11, 2, 8, tzinfo=UTC)
    first.save()
    again = Rows(OrderProgress, "order_id")
    again.load(["SO-1"])
    loaded = again.fetch("SO-1")
    assert loaded.shipped_at == datetime(2026, 11, 2, 8, tzinfo=UTC)
    loaded.shipped_at, loaded.delivered_at = None, datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
    again.save()
    stored = OrderProgress.objects.get(order_id="SO-1")
    assert stored.shipped_at is None
    assert stored.delivered_at == datetime(2026, 11, 4, 9, 30, tzinfo=UTC)


def test_counters_keyed_by_a_date_add_up_across_batches(db):
    for _ in range(2):
        stock_days = Counters(StockDay, ("sku", "dc", "day"), ("units_picked",))
        stock_days.add(("FAS-0001", "NE", date(2026, 11, 2)), "units_picked", 4)
        stock_days.add(("FAS-0001", "NE", date(2026, 11, 3)), "units_picked", 1)
        stock_days.save()
        costs = Counters(CostDay, ("day", "category"), ("amount_usd",))
        costs.add((date(2026, 11, 2), "freight"), "amount_usd", Decimal("10.05"))
        costs.save()
    assert dict(StockDay.objects.values_list("day", "units_picked")) == {
        date(2026, 11, 2): 8,
        date(2026, 11, 3): 2,
    }
    assert CostDay.objects.get().amount_usd == Decimal("20.10")
