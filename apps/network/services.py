"""Writes of network master data: loading the demo network."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

DEMO_NETWORK_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_network.json"


@transaction.atomic
def demo_network_load(*, fixture: Path = DEMO_NETWORK_FIXTURE) -> None:
    """Load the demo network; rows carry fixed primary keys, so loading twice changes nothing."""
    call_command("loaddata", str(fixture), verbosity=0)
