"""Writes of network master data: loading the demo network."""

from pathlib import Path

from django.core.management import call_command
from django.db import transaction

from apps.network.demo import DEMO_NETWORK_FIXTURE


@transaction.atomic
def demo_network_load(*, fixture: Path = DEMO_NETWORK_FIXTURE) -> None:
    """Load the demo network; rows carry fixed primary keys, so loading twice changes nothing."""
    call_command("loaddata", str(fixture), verbosity=0)
