"""Master data: the distribution network the twin models and events refer to by code."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class Region(models.Model):
    """A customer delivery region; its home DC serves it unless a decision says otherwise."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=80)
    latitude = models.FloatField(validators=LATITUDE, help_text="Demand-weighted centre")
    longitude = models.FloatField(validators=LONGITUDE, help_text="Demand-weighted centre")
    home_dc = models.ForeignKey(
        "DistributionCenter",
        on_delete=models.PROTECT,
        related_name="served_regions",
        help_text="The DC that serves this region by default",
    )
    # A network imported from a company's history has no plan: its first calibration sets
    # each region's demand from what the history shows.
    planned_orders_per_day = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Orders a day the demand plan expects from this region, on an average day",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DemandPlan(models.Model):
    """The shape of the planned demand: when orders arrive and what they hold.

    One row at most. Each region's level is `Region.planned_orders_per_day`; this row spreads
    it over the week. Calibration starts from it before any history has been seen.
    """

    hour_profile = models.JSONField(
        help_text="24 relative weights of a day's orders by hour, midnight first"
    )
    weekday_factor = models.FloatField(
        validators=[MinValueValidator(0)], help_text="A weekday's orders against an average day"
    )
    weekend_factor = models.FloatField(
        validators=[MinValueValidator(0)],
        help_text="A Saturday's or Sunday's orders against an average day",
    )
    lines_per_order_pmf = models.JSONField(
        help_text="Probability of an order having i lines at index i (index 0 is 0)"
    )
    quantity_pmf = models.JSONField(
        help_text="Probability of a line's quantity being i at index i (index 0 is 0)"
    )
    velocity_weights = models.JSONField(
        help_text="Relative weight in order lines of a SKU of each velocity class, e.g. "
        '{"A": 8, "B": 3, "C": 1}'
    )

    def __str__(self) -> str:
        return "demand plan"


class DistributionCenter(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=80)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="located_dcs", help_text="Where it stands"
    )
    latitude = models.FloatField(validators=LATITUDE)
    longitude = models.FloatField(validators=LONGITUDE)
    pick_stations = models.PositiveIntegerField()
    dock_doors = models.PositiveIntegerField()
    storage_positions = models.PositiveIntegerField()
    wage_usd_per_hour = models.DecimalField(max_digits=7, decimal_places=2)
    overtime_premium = models.DecimalField(
        max_digits=4, decimal_places=2, default=1.5, help_text="Multiplier on the wage"
    )
    standard_pick_lines_per_hour = models.FloatField(
        help_text="Engineered labour standard per picker; calibration measures the real rate"
    )
    standard_pack_orders_per_hour = models.FloatField(
        help_text="Engineered labour standard per packer; calibration measures the real rate"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "distribution centre"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Shift(models.Model):
    """One shift of a DC's weekly pattern, with its planned headcount by role."""

    dc = models.ForeignKey(DistributionCenter, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(max_length=40)
    starts_at = models.TimeField()
    hours = models.DecimalField(
        max_digits=4, decimal_places=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    weekdays = models.CharField(
        max_length=7, default="1111100", help_text="Mon..Sun, 1 where the shift runs"
    )
    pickers = models.PositiveIntegerField()
    packers = models.PositiveIntegerField()
    loaders = models.PositiveIntegerField()

    class Meta:
        # Weekday shifts before weekend ones, each in the order of the day.
        ordering = ["dc__code", "-weekdays", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["dc", "name"], name="shift_unique_name_per_dc"),
        ]

    def __str__(self) -> str:
        return f"{self.dc.code} {self.name} {self.starts_at:%H:%M}+{self.hours}h"

    @property
    def headcount(self) -> int:
        return self.pickers + self.packers + self.loaders


class CrossDock(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=80)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="cross_docks",
        help_text="Where it stands: inbound line-haul from a DC runs on that DC's lane to it",
    )
    latitude = models.FloatField(validators=LATITUDE)
    longitude = models.FloatField(validators=LONGITUDE)
    dock_doors = models.PositiveIntegerField()
    dwell_hours_median = models.FloatField(help_text="Typical time a shipment waits inside")
    fee_usd_per_shipment = models.DecimalField(max_digits=9, decimal_places=2)
    # No history shows a cross-dock at work until one is used, so its dwell and fee are
    # assumptions: the uncertainty stated here is what each replication samples.
    dwell_median_uncertainty = models.FloatField(
        default=0.3,
        validators=[MinValueValidator(0)],
        help_text="How unsure the median dwell is: log-normal sigma of the median itself "
        "(0.3 ≈ between 0.56× and 1.8× of it, 95%)",
    )
    fee_usd_uncertainty = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="The fee per shipment lies within ± this many USD",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "cross-dock"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Sku(models.Model):
    class Velocity(models.TextChoices):
        A = "A", "A (fast mover)"
        B = "B", "B (medium)"
        C = "C", "C (slow mover)"

    # As long as an event's codes (schemas.Code): exports name products by long ids
    # (Olist's are 32-character hashes).
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    family = models.CharField(max_length=40, db_index=True)
    weight_kg = models.DecimalField(max_digits=8, decimal_places=3)
    cube_m3 = models.DecimalField(max_digits=8, decimal_places=4)
    unit_cost_usd = models.DecimalField(max_digits=9, decimal_places=2)
    unit_price_usd = models.DecimalField(max_digits=9, decimal_places=2)
    velocity_class = models.CharField(max_length=1, choices=Velocity.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = "SKU"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Customer(models.Model):
    class SlaTier(models.TextChoices):
        PLATINUM = "platinum", "Platinum"
        GOLD = "gold", "Gold"
        STANDARD = "standard", "Standard"

    # As long as an event's codes (schemas.Code), for customer ids of imported exports.
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="customers")
    sla_tier = models.CharField(max_length=16, choices=SlaTier.choices)
    promised_hours = models.PositiveIntegerField(help_text="Order to delivery, as contracted")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Carrier(models.Model):
    class Kind(models.TextChoices):
        PARCEL = "parcel", "Parcel"
        LTL = "ltl", "Less than truckload"
        TRUCKLOAD = "truckload", "Truckload"

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Lane(models.Model):
    """A carrier's service from a DC or the cross-dock to a region."""

    class Mode(models.TextChoices):
        GROUND = "ground", "Ground"
        EXPEDITED = "expedited", "Expedited"

    code = models.CharField(max_length=32, unique=True)
    origin_dc = models.ForeignKey(
        DistributionCenter, null=True, blank=True, on_delete=models.PROTECT, related_name="lanes"
    )
    origin_cross_dock = models.ForeignKey(
        CrossDock, null=True, blank=True, on_delete=models.PROTECT, related_name="lanes"
    )
    destination = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="lanes")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="lanes")
    mode = models.CharField(max_length=16, choices=Mode.choices)
    transit_hours_median = models.FloatField(validators=[MinValueValidator(0.5)])
    transit_hours_spread = models.FloatField(
        validators=[MinValueValidator(0)],
        help_text="Log-normal sigma of transit time (0.2 ≈ ±20% typical variation)",
    )
    transit_median_uncertainty = models.FloatField(
        default=0.2,
        validators=[MinValueValidator(0)],
        help_text="How unsure the median transit is while no history calibrates the lane "
        "(one never used): log-normal sigma of the median itself",
    )
    cost_usd_per_shipment = models.DecimalField(max_digits=9, decimal_places=2)
    cost_usd_per_kg = models.DecimalField(max_digits=7, decimal_places=3)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(origin_dc__isnull=False, origin_cross_dock__isnull=True)
                    | models.Q(origin_dc__isnull=True, origin_cross_dock__isnull=False)
                ),
                name="lane_exactly_one_origin",
            ),
            models.UniqueConstraint(
                fields=["origin_dc", "destination", "carrier"], name="lane_unique_dc_route"
            ),
            models.UniqueConstraint(
                fields=["origin_cross_dock", "destination", "carrier"], name="lane_unique_xd_route"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def origin_code(self) -> str:
        return self.origin_dc.code if self.origin_dc_id else self.origin_cross_dock.code
