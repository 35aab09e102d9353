"""Reads of the event log and of the master data that events must name."""

from dataclasses import dataclass

from apps.network.models import Carrier, Customer, DistributionCenter, Lane, Sku
from apps.sources.models import Event


@dataclass(frozen=True)
class MasterDataCodes:
    """The codes an event may name, read once per batch."""

    dc: frozenset[str]
    sku: frozenset[str]
    customer: frozenset[str]
    carrier: frozenset[str]
    lane: frozenset[str]

    def knows(self, kind: str, code: str) -> bool:
        return code in getattr(self, kind)


def master_data_codes() -> MasterDataCodes:
    return MasterDataCodes(
        dc=frozenset(DistributionCenter.objects.values_list("code", flat=True)),
        sku=frozenset(Sku.objects.values_list("code", flat=True)),
        customer=frozenset(Customer.objects.values_list("code", flat=True)),
        carrier=frozenset(Carrier.objects.values_list("code", flat=True)),
        lane=frozenset(Lane.objects.values_list("code", flat=True)),
    )


def event_log_read(*, after_id: int = 0, limit: int = 1000) -> list[Event]:
    """Events in commit order after a position of the log: the hand-off to projections.

    Ingestion serialises its inserts, so a larger id was always committed later; a reader
    that remembers the last id it applied can resume, or replay, from any point.
    """
    return list(Event.objects.filter(id__gt=after_id).order_by("id")[:limit])
