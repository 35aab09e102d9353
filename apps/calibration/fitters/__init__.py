"""One fitter per sub-model: a window of the event log in, the engine's parameters out.

A fitter replaces a parameter only when the window holds enough observations for it;
otherwise it keeps the prior's value and says so in a note, never a silent zero.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.calibration.history import History


@dataclass
class Fit:
    params: Any
    observations: int
    goodness_name: str
    goodness_value: float | None
    notes: list[str] = field(default_factory=list)
    # Figures behind the parameters (standard errors, counts per key), for the page and tests.
    stats: dict[str, Any] = field(default_factory=dict)


Fitter = Callable[[History, Any], Fit]


def fitters() -> dict[str, Fitter]:
    from apps.calibration.fitters.customer import fit_customer
    from apps.calibration.fitters.demand import fit_demand
    from apps.calibration.fitters.finance import fit_finance
    from apps.calibration.fitters.labour import fit_labour
    from apps.calibration.fitters.logistics import fit_logistics
    from apps.calibration.fitters.supply import fit_supply

    return {
        "demand": fit_demand,
        "supply": fit_supply,
        "logistics": fit_logistics,
        "labour": fit_labour,
        "finance": fit_finance,
        "customer": fit_customer,
    }
