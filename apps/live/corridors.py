"""The live lanes grouped into corridors (an origin to a region, whatever the carrier or
mode), the unit the network maps draw and colour."""

from dataclasses import dataclass

from apps.live.network_selectors import LaneState


@dataclass(frozen=True)
class CorridorLoad:
    origin: str  # DC or cross-dock code
    destination: str  # region code
    lanes: tuple[str, ...]
    deliveries_7d: int = 0
    late_7d: int = 0
    in_transit: int = 0
    in_transit_past_eta: int = 0

    @property
    def load(self) -> int:
        """Shipments the corridor carried in the last 7 days or carries now."""
        return self.deliveries_7d + self.in_transit

    @property
    def late_share_7d(self) -> float | None:
        return self.late_7d / self.deliveries_7d if self.deliveries_7d else None


def corridor_load_list(lanes: list[LaneState]) -> list[CorridorLoad]:
    """One corridor per origin and destination the lanes connect, in code order; lanes the
    master data does not know (no origin) are left out: they have nowhere to be drawn."""
    grouped: dict[tuple[str, str], list[LaneState]] = {}
    for lane in lanes:
        if lane.origin and lane.destination:
            grouped.setdefault((lane.origin, lane.destination), []).append(lane)
    return [
        CorridorLoad(
            origin=origin,
            destination=destination,
            lanes=tuple(sorted(lane.code for lane in members)),
            deliveries_7d=sum(lane.deliveries_7d for lane in members),
            late_7d=sum(lane.late_7d for lane in members),
            in_transit=sum(lane.in_transit for lane in members),
            in_transit_past_eta=sum(lane.in_transit_past_eta for lane in members),
        )
        for (origin, destination), members in sorted(grouped.items())
    ]
