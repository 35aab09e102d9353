"""The demo network's files: its fixture, and the script that sizes it for the demo demand.

The script (fixtures/build_demo_network.py) is the one source of the planned demand
(orders a day, regional shares, hourly and weekday profile, lines and quantities) that
the emulator's truth and the simulation's demo inputs are built from.
"""

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
DEMO_NETWORK_FIXTURE = FIXTURES_DIR / "demo_network.json"
DEMO_NETWORK_BUILDER = FIXTURES_DIR / "build_demo_network.py"


@cache
def demo_sizing() -> ModuleType:
    """The builder script as a module: its constants, render() and planned_utilisation()."""
    spec = importlib.util.spec_from_file_location("build_demo_network", DEMO_NETWORK_BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
