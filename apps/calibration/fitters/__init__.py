"""One fitter per sub-model: a window of the event log in, the engine's parameters out.

A fitter replaces a parameter only when the window holds enough observations for it;
otherwise it keeps the prior's value and says so in a note, never a silent zero.
"""

from apps.calibration.fitters.customer import fit_customer
from apps.calibration.fitters.demand import fit_demand
from apps.calibration.fitters.finance import fit_finance
from apps.calibration.fitters.fit import Fit, Fitter
from apps.calibration.fitters.labour import fit_labour
from apps.calibration.fitters.logistics import fit_logistics
from apps.calibration.fitters.supply import fit_supply

__all__ = ["Fit", "Fitter", "fitters"]


def fitters() -> dict[str, Fitter]:
    return {
        "demand": fit_demand,
        "supply": fit_supply,
        "logistics": fit_logistics,
        "labour": fit_labour,
        "finance": fit_finance,
        "customer": fit_customer,
    }
