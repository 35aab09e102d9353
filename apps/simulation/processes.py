"""The model's long-lived processes: order arrivals per region; a shift clock, receiving
and a dock per DC; an hourly observer. Orders are plain records they act on."""

from typing import TYPE_CHECKING

from apps.simulation.actors import Actor
from apps.simulation.demand import next_arrival
from apps.simulation.runtime import DcRuntime
from apps.simulation.streams import stream

if TYPE_CHECKING:
    from apps.simulation.model import NetworkModel


class OrderArrivals(Actor):
    def setup(self, model: "NetworkModel", region: str, rates: tuple[float, ...]) -> None:
        self.model = model
        self.region = region
        self.rates = rates
        self.rng = stream(model.seed, model.replication, "demand.arrivals", region)
        self.content_rng = stream(model.seed, model.replication, "demand.content", region)

    def process(self):
        model, rng, rates = self.model, self.rng, self.rates
        if not any(rates):
            return  # a region no orders come from
        start = model.snapshot.start_hour_of_week
        at = 0.0
        while True:
            at = next_arrival(rng, rates, at, start)
            yield self.wake_at(at)
            model.order_arrives(self.region, at, self.content_rng)


class ShiftClock(Actor):
    def setup(self, dc: DcRuntime) -> None:
        self.dc = dc

    def process(self):
        dc = self.dc
        for change in dc.timeline:
            yield self.wake_at(change.at_h)
            dc.pick.resize(change.pickers, change.at_h, change.pickers_ending)
            dc.pack.resize(change.packers, change.at_h, change.packers_ending)


class Receiving(Actor):
    """Puts purchase orders away each hour, then releases backorders that can now be filled."""

    def setup(self, model: "NetworkModel", dc: DcRuntime) -> None:
        self.model = model
        self.dc = dc

    def process(self):
        model, dc = self.model, self.dc
        patience = model.params.customer.backorder_patience_hours
        now = 0.0
        while True:
            now += 1.0
            yield self.wake_at(now)
            received = dc.inventory.receive_due(now)
            # Nothing changes for backorders but new stock, or the first in the queue
            # running out of patience.
            first = dc.oldest_backorder()
            if first and (received or now - first.created > patience):
                model.retry_backorders(dc, now)


class Dock(Actor):
    def setup(self, model: "NetworkModel", dc: DcRuntime, moments) -> None:
        self.model = model
        self.dc = dc
        self.moments = moments

    def process(self):
        for at, carriers in self.moments:
            yield self.wake_at(at)
            self.model.outbound.ship(self.dc, at, carriers)


class Observer(Actor):
    def setup(self, model: "NetworkModel") -> None:
        self.model = model

    def process(self):
        hour = 0
        while True:
            hour += 1
            yield self.wake_at(hour)
            self.model.observe(hour)
