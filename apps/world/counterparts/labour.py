"""Labour decisions carried out on the floor: crews hired or cut (ChangeHeadcount) and the
day's last shift working over (Overtime)."""

from apps.world.changes import ChangeError, Counterpart, counterpart
from apps.world.network import Network

ROLES = {"pickers": "picker", "packers": "packer"}
# The twin's limit on planned overtime (apps/simulation/labour.py max_overtime_hours_per_day):
# beyond it a company would hire, not ask a crew to stay.
MAX_OVERTIME_H = 4.0


def _dc_known(network: Network, dc: str) -> None:
    if dc not in network.dcs:
        raise ChangeError("dc", f"unknown DC {dc!r}; one of {', '.join(network.dcs)}")


@counterpart
class ChangeHeadcount(Counterpart):
    """`delta` more workers of a role on a DC's shift (hired, with new worker ids) or fewer
    (the last hired leave once their shift is over), clocking in and out with that shift
    from its next start on and paid on its payroll: "dc=NE role=pickers delta=3 shift=Day"."""

    dc: str
    role: str  # "pickers" or "packers"
    delta: int
    shift: str

    def check(self, network: Network) -> None:
        _dc_known(network, self.dc)
        if self.role not in ROLES:
            raise ChangeError("role", f"{self.role!r} is not one of {', '.join(ROLES)}")
        shifts = {s.name: s for s in network.dcs[self.dc].shifts}
        if self.shift not in shifts:
            raise ChangeError(
                "shift", f"{self.dc} has no shift {self.shift!r}; its shifts: {', '.join(shifts)}"
            )
        resulting = getattr(shifts[self.shift], self.role) + self.delta
        if resulting < 0:
            raise ChangeError("delta", f"would leave {resulting} {self.role}: below zero")

    def apply(self, world, now: float) -> None:
        world.crew_change(self.dc, self.shift, ROLES[self.role], self.delta)


@counterpart
class Overtime(Counterpart):
    """Each working day's last shift at a DC runs `hours_per_day` longer: its pickers and
    packers clock out that much later, paid at the wage times the DC's overtime premium:
    "dc=NE hours_per_day=2". A later Overtime at the same DC replaces it."""

    dc: str
    hours_per_day: float

    def check(self, network: Network) -> None:
        _dc_known(network, self.dc)
        if not 0 < self.hours_per_day <= MAX_OVERTIME_H:
            raise ChangeError(
                "hours_per_day", f"must be more than 0 and at most {MAX_OVERTIME_H:g} h a day"
            )

    def apply(self, world, now: float) -> None:
        world.overtime_set(self.dc, self.hours_per_day)
