"""The six sub-models' parameters, bundled, and their joint validation."""

from dataclasses import dataclass

from apps.simulation.customer import CustomerParams
from apps.simulation.demand import DemandParams
from apps.simulation.errors import SimulationInputError
from apps.simulation.finance import FinanceParams
from apps.simulation.labour import LabourParams
from apps.simulation.logistics import LogisticsParams
from apps.simulation.snapshot import NetworkSnapshot
from apps.simulation.supply import SupplyParams


@dataclass(frozen=True)
class ModelParameters:
    demand: DemandParams
    supply: SupplyParams
    logistics: LogisticsParams
    labour: LabourParams
    finance: FinanceParams
    customer: CustomerParams

    def validate(self, snapshot: NetworkSnapshot) -> None:
        self.demand.validate(regions=snapshot.region_codes, skus=snapshot.sku_codes)
        self.supply.validate(skus=snapshot.sku_codes, dcs=snapshot.dc_codes)
        self.logistics.validate(snapshot=snapshot)
        self.labour.validate(dcs=snapshot.dc_codes)
        self.finance.validate(dcs=snapshot.dc_codes)
        self.customer.validate(tiers=tuple(self.demand.tier_mix))
        routes = {(lane.origin, lane.destination) for lane in snapshot.lanes}
        for region in snapshot.regions:
            if region.home_dc not in snapshot.dc_codes:
                raise SimulationInputError(
                    f"snapshot.regions.{region.code}.home_dc", f"unknown DC {region.home_dc!r}"
                )
            for dc in snapshot.dc_codes:
                if (dc, region.code) not in routes:
                    raise SimulationInputError(
                        "snapshot.lanes", f"no lane from {dc} to region {region.code}"
                    )
