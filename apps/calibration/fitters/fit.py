"""What a fitter returns, apart from the fitters themselves so that they import no package
that imports them."""

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
