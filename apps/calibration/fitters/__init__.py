"""One fitter per sub-model: a window of the event log in, the engine's parameters out.

A fitter replaces a parameter only when the window holds enough observations for it;
otherwise it keeps the prior's value and says so in a note, never a silent zero.
"""

from apps.calibration.fitters import customer, demand, finance, labour, logistics, supply
from apps.calibration.fitters.fit import Fit, Fitter

__all__ = ["Fit", "Fitter", "fitters"]


def fitters() -> dict[str, Fitter]:
    # Looked up in their modules at each call, so that a test can stand a broken fitter in.
    return {
        "demand": demand.fit_demand,
        "supply": supply.fit_supply,
        "logistics": logistics.fit_logistics,
        "labour": labour.fit_labour,
        "finance": finance.fit_finance,
        "customer": customer.fit_customer,
    }
