"""The world's counterparts of the twin's logistics interventions: routing regions through a
cross-dock, and changing a route's carrier in the routing guide."""

from apps.world.changes import ChangeError, Counterpart, counterpart
from apps.world.network import Lane, Network
from apps.world.transport import CrossDocking


@counterpart
class RouteViaCrossDock(Counterpart):
    """From the change on, the orders for these regions that leave these DCs go on a
    consolidated line-haul to the cross-dock, dwell there and go on to their region on the
    cross-dock's lanes: "regions=NEN,MAT cross_dock=XD1 from_dcs=SE". Exactly the twin's
    flows: `from_dcs` empty means the DCs other than each region's home DC (the orders a
    volume shift sent away from home), and an order its DC would expedite keeps its
    expedited lane."""

    regions: tuple[str, ...]
    cross_dock: str
    from_dcs: tuple[str, ...] = ()

    def routed(self, network: Network) -> list[tuple[str, str]]:
        """The flows it names, as (DC, region) pairs: the twin's rule, on the world's map."""
        return [
            (dc, region)
            for region in self.regions
            for dc in (self.from_dcs or sorted(network.dcs))
            if self.from_dcs or dc != network.home.get(region)
        ]

    def check(self, network: Network) -> None:
        if not self.regions:
            raise ChangeError("regions", "names no region")
        for i, region in enumerate(self.regions):
            if region not in network.customers:
                known = ", ".join(sorted(network.customers))
                raise ChangeError(f"regions[{i}]", f"unknown region {region!r}; one of {known}")
        for i, dc in enumerate(self.from_dcs):
            if dc not in network.dcs:
                known = ", ".join(sorted(network.dcs))
                raise ChangeError(f"from_dcs[{i}]", f"unknown DC {dc!r}; one of {known}")
        dock = network.cross_docks.get(self.cross_dock)
        if dock is None:
            known = ", ".join(sorted(network.cross_docks)) or "none"
            raise ChangeError(
                "cross_dock", f"unknown cross-dock {self.cross_dock!r}; one of {known}"
            )
        served = {lane.destination for lane in network.lanes if lane.origin == dock.code}
        for i, region in enumerate(self.regions):
            if region not in served:
                raise ChangeError(f"regions[{i}]", f"no lane from {dock.code} to {region}")
        line_hauls = {
            lane.origin
            for lane in network.lanes
            if lane.destination == dock.region and lane.mode == "ground"
        }
        for dc in sorted({dc for dc, _ in self.routed(network)}):
            if dc not in line_hauls:
                name = f"from_dcs[{self.from_dcs.index(dc)}]" if self.from_dcs else "cross_dock"
                raise ChangeError(name, f"no ground lane from {dc} to {dock.region}, where it sits")

    def apply(self, world, now: float) -> None:
        if world.cross_docking is None:
            world.cross_docking = CrossDocking()
        for route in self.routed(world.network):
            world.cross_docking.routes[route] = self.cross_dock


def carrier_lane(network: Network, lane: Lane, carrier: str) -> Lane | None:
    """The carrier's lane on `lane`'s route, of the same mode when it has one."""
    options = [
        other
        for other in network.lanes
        if (other.origin, other.destination) == (lane.origin, lane.destination)
        and other.carrier == carrier
    ]
    options.sort(key=lambda other: (other.mode != lane.mode, other.cost_usd_per_shipment))
    return options[0] if options else None


@counterpart
class ChangeCarrier(Counterpart):
    """From the change on, the routing guide names this carrier for the lane's route
    (origin to region): shipments that are not expedited go on its lane, at its rate, its
    transit, its rejection rate and its pick-up times: "lane=NE-NEN-CDF carrier=RDX"."""

    lane: str
    carrier: str

    def check(self, network: Network) -> None:
        lane = next((lane for lane in network.lanes if lane.code == self.lane), None)
        if lane is None:
            raise ChangeError("lane", f"unknown lane {self.lane!r}")
        if self.carrier not in network.carriers:
            known = ", ".join(network.carriers)
            raise ChangeError("carrier", f"unknown carrier {self.carrier!r}; one of {known}")
        if carrier_lane(network, lane, self.carrier) is None:
            raise ChangeError(
                "carrier",
                f"{self.carrier} has no lane from {lane.origin} to {lane.destination}",
            )

    def apply(self, world, now: float) -> None:
        lane = next(lane for lane in world.network.lanes if lane.code == self.lane)
        # The route's primary lane, as the twin's ChangeCarrier sets the route's primary
        # carrier; the expedited lane stays for orders that would otherwise be late.
        world.ground[(lane.origin, lane.destination)] = carrier_lane(
            world.network, lane, self.carrier
        )
