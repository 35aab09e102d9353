"""The world's own change, with no intervention behind it: a DC's true rates drift."""

from apps.world.changes import ChangeError, Counterpart, counterpart
from apps.world.network import Network


@counterpart
class Rates(Counterpart):
    """A DC's true pick and pack rates change by a share: "dc=NE pick_rate=-20%"."""

    dc: str
    pick_rate: float = 0.0
    pack_rate: float = 0.0

    def check(self, network: Network) -> None:
        if self.dc not in network.dcs:
            raise ChangeError("dc", f"unknown DC {self.dc!r}; one of {', '.join(network.dcs)}")
        for name in ("pick_rate", "pack_rate"):
            if not -1 < getattr(self, name) <= 1:
                raise ChangeError(name, "a change between -100% and +100%, e.g. -20%")

    def apply(self, world, now: float) -> None:
        truth = world.truth.dcs[self.dc]
        truth.pick_lines_per_hour *= 1 + self.pick_rate
        truth.pack_orders_per_hour *= 1 + self.pack_rate
