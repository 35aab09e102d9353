"""Projected state: rebuilt from the event log at any time (manage.py rebuild_live)."""

from django.db import models

from apps.simulation import kpis


class ProjectorCheckpoint(models.Model):
    """The last event id a projector applied; it resumes after it."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    watermark = models.DateTimeField(null=True, blank=True, help_text="Newest event time seen")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_event_id}"


class WorkerPresence(models.Model):
    """A worker's latest clock-in: on the floor while clocked_out_at is empty."""

    dc = models.CharField(max_length=8, db_index=True)
    worker_id = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=16)
    clocked_in_at = models.DateTimeField()
    # Kept after the clock-out: a task the worker finishes later is overtime from this
    # moment on, and is clocked as well as busy (apps/simulation/kpis.py).
    clocked_out_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.role}) at {self.dc}"


class OrderProgress(models.Model):
    """Where an order stands: released to a DC floor, shipped, or cancelled."""

    order_id = models.CharField(max_length=64)
    dc = models.CharField(max_length=8, blank=True)
    lines = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Requested by the customer")
    delivered_at = models.DateTimeField(null=True, blank=True)
    pick_errors = models.PositiveIntegerField(default=0)
    # The shipment its wms.shipped named: a load carries many orders, and its delivery
    # delivers each of them.
    shipment_id = models.CharField(max_length=64, blank=True)

    class Meta:
        # Few indexes on purpose: the projector writes these rows thousands of times a second.
        constraints = [models.UniqueConstraint(fields=["order_id"], name="order_progress_unique")]
        indexes = [
            models.Index(fields=["dc", "shipped_at"], name="order_progress_open"),
            models.Index(fields=["created_at"], name="order_progress_created"),
            models.Index(fields=["delivered_at"], name="order_progress_delivered"),
            models.Index(fields=["shipment_id"], name="order_progress_shipment"),
        ]

    def __str__(self) -> str:
        return self.order_id

    @property
    def on_time_in_full(self) -> bool | None:
        """kpis.is_on_time_in_full for this order; None until it is delivered."""
        if self.delivered_at is None or self.due_at is None:
            return None
        return kpis.is_on_time_in_full(
            due=self.due_at,
            delivered=self.delivered_at,
            pick_errors=self.pick_errors,
            lost=self.cancelled_at is not None,
        )


class EquipmentState(models.Model):
    dc = models.CharField(max_length=8, db_index=True)
    equipment_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=40)
    up = models.BooleanField()
    since = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.equipment_id} {'up' if self.up else 'down'}"


class DcHour(models.Model):
    """One DC's hour of event time: the actuals charts draw and calibration compares with."""

    dc = models.CharField(max_length=8)
    hour = models.DateTimeField()
    busy_s = models.FloatField(default=0.0)  # pick and pack labour-seconds worked
    clocked_s = models.FloatField(default=0.0)  # pick and pack labour-seconds clocked in
    lines_picked = models.PositiveIntegerField(default=0)
    pick_errors = models.PositiveIntegerField(default=0)
    orders_released = models.PositiveIntegerField(default=0)
    orders_shipped = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dc", "hour"], name="dc_hour_unique")]
        ordering = ["dc", "hour"]

    def __str__(self) -> str:
        return f"{self.dc} {self.hour:%Y-%m-%d %H}:00"


class Shipment(models.Model):
    """A tendered shipment, followed from tender to delivery (TMS events and wms.shipped)."""

    shipment_id = models.CharField(max_length=64)
    lane = models.CharField(max_length=40, blank=True)
    carrier = models.CharField(max_length=16, blank=True)
    order_id = models.CharField(max_length=64, blank=True)
    tendered_at = models.DateTimeField(null=True, blank=True)
    rejected = models.BooleanField(default=False)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    eta = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    transit_s = models.FloatField(null=True, blank=True)
    late = models.BooleanField(null=True, help_text="Delivered after its ETA or its order's SLA")
    # Whether the delivery has been added to its lane's hourly row: out-of-order tracking
    # events settle a delivery only once the tender, pick-up and delivery are all known.
    settled = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shipment_id"], name="shipment_unique")]
        indexes = [
            models.Index(fields=["lane", "delivered_at"], name="shipment_lane_delivered"),
            models.Index(fields=["delivered_at"], name="shipment_delivered"),
        ]

    def __str__(self) -> str:
        return self.shipment_id


class LaneHour(models.Model):
    """One lane's hour of event time."""

    lane = models.CharField(max_length=40)
    hour = models.DateTimeField()
    tendered = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    tendered_usd = models.FloatField(default=0.0)  # rates of accepted tenders
    delivered = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    transit_s = models.FloatField(default=0.0)  # summed over the hour's deliveries

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lane", "hour"], name="lane_hour_unique")]
        ordering = ["lane", "hour"]

    def __str__(self) -> str:
        return f"{self.lane} {self.hour:%Y-%m-%d %H}:00"


class StockLevel(models.Model):
    """On hand and on order of one SKU at one DC."""

    sku = models.CharField(max_length=64)
    dc = models.CharField(max_length=8)
    on_hand = models.IntegerField(default=0)
    on_order = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sku", "dc"], name="stock_level_unique")]

    def __str__(self) -> str:
        return f"{self.sku}@{self.dc}"


class StockDay(models.Model):
    """Units of one SKU picked at one DC on one day: the demand days of cover divide by."""

    sku = models.CharField(max_length=64)
    dc = models.CharField(max_length=8)
    day = models.DateField()
    units_picked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "dc", "day"], name="stock_day_unique")
        ]
        indexes = [models.Index(fields=["dc", "day"], name="stock_day_dc")]

    def __str__(self) -> str:
        return f"{self.sku}@{self.dc} {self.day}"


class Complaint(models.Model):
    complaint_id = models.CharField(max_length=64, unique=True)
    customer = models.CharField(max_length=64, blank=True)
    order_id = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=16, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.complaint_id


class Sensor(models.Model):
    """A sensor's latest reading and whether it lies outside its kind's range."""

    dc = models.CharField(max_length=8, db_index=True)
    sensor_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16)
    value = models.FloatField()
    unit = models.CharField(max_length=16)
    at = models.DateTimeField()
    out_of_range_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.value} {self.unit}"


class CostDay(models.Model):
    """Money booked on one day of event time, by category (labour, freight, other)."""

    day = models.DateField()
    category = models.CharField(max_length=16)
    amount_usd = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "category"], name="cost_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.category} {self.amount_usd}"
