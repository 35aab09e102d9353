"""Admin for master data, with search and filters on what planners look things up by."""

from django.contrib import admin

from apps.network.models import (
    Carrier,
    CrossDock,
    Customer,
    DemandPlan,
    DistributionCenter,
    Lane,
    Region,
    Shift,
    Sku,
)


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0


@admin.register(DistributionCenter)
class DistributionCenterAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "region",
        "pick_stations",
        "dock_doors",
        "storage_positions",
        "wage_usd_per_hour",
    ]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]
    inlines = [ShiftInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "home_dc", "planned_orders_per_day"]
    list_filter = ["home_dc"]
    search_fields = ["code", "name"]
    list_select_related = ["home_dc"]


@admin.register(DemandPlan)
class DemandPlanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "weekday_factor", "weekend_factor"]


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "family", "velocity_class", "unit_cost_usd", "unit_price_usd"]
    list_filter = ["family", "velocity_class"]
    search_fields = ["code", "name", "family"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "sla_tier", "promised_hours"]
    list_filter = ["region", "sla_tier"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(CrossDock)
class CrossDockAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "dock_doors", "dwell_hours_median", "fee_usd_per_shipment"]
    search_fields = ["code", "name"]


@admin.register(Lane)
class LaneAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "origin_dc",
        "origin_cross_dock",
        "destination",
        "carrier",
        "mode",
        "transit_hours_median",
        "cost_usd_per_shipment",
    ]
    list_filter = ["origin_dc", "origin_cross_dock", "destination", "carrier", "mode"]
    search_fields = ["code", "carrier__name", "destination__name"]
    list_select_related = ["origin_dc", "origin_cross_dock", "destination", "carrier"]
