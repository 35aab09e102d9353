"""The demo network's fixture: master data and demand plan of the demo distributor.

The file is written by fixtures/build_demo_network.py, which the demo enterprise
(apps/world) reads as its truth; the twin reads only the data it wrote, so a network that
is not the demo is not given the demo's demand.
"""

from pathlib import Path

DEMO_NETWORK_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "demo_network.json"

__all__ = ["DEMO_NETWORK_FIXTURE"]
