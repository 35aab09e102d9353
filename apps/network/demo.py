"""The demo network's files: its fixture, and the script that sizes it for the demo demand.

The script (fixtures/build_demo_network.py) is the one source of the planned demand
(orders a day, regional shares, hourly and weekday profile, lines and quantities) that
the demo enterprise's truth and the simulation's demo inputs are built from. One loader
reads both files, the demo enterprise's (apps/world/network.py): the world may import no
other app, while the twin may use the world's plain-data readers.
"""

from apps.world.network import NETWORK_FILE as DEMO_NETWORK_FIXTURE
from apps.world.network import demo_sizing

__all__ = ["DEMO_NETWORK_FIXTURE", "demo_sizing"]
