"""Reads of what is wrong at each DC now: equipment down and sensors out of their range,
for its live state (see selectors)."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from apps.live.models import EquipmentState, Sensor
from apps.live.projection_rules import SENSOR_RANGES


@dataclass(frozen=True)
class Outage:
    equipment_id: str
    kind: str
    since: datetime
    reason: str


@dataclass(frozen=True)
class Excursion:
    sensor_id: str
    kind: str
    value: float
    unit: str
    low: float
    high: float
    since: datetime


def outages_by_dc(codes: list[str]) -> dict[str, list[Outage]]:
    outages = defaultdict(list)
    for item in EquipmentState.objects.filter(dc__in=codes, up=False).order_by("equipment_id"):
        outages[item.dc].append(Outage(item.equipment_id, item.kind, item.since, item.reason))
    return outages


def excursions_by_dc(codes: list[str]) -> dict[str, list[Excursion]]:
    excursions = defaultdict(list)
    out_of_range = Sensor.objects.filter(dc__in=codes, out_of_range_since__isnull=False)
    for sensor in out_of_range.order_by("sensor_id"):
        low, high = SENSOR_RANGES.get(sensor.kind, (-math.inf, math.inf))
        excursions[sensor.dc].append(
            Excursion(sensor.sensor_id, sensor.kind, sensor.value, sensor.unit, low, high,
                      sensor.out_of_range_since)
        )  # fmt: skip
    return excursions
