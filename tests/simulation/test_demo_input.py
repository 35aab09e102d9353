"""The demo input the engine's tests share is production's reading of the demo fixture."""

import pytest

from apps.live.models import StockDay, StockLevel
from apps.network.models import Lane, Sku
from tests.simulation.builders import demo_network


@pytest.mark.django_db
def test_building_the_demo_input_leaves_no_row_behind():
    assert demo_network()[0].lanes
    assert not Sku.objects.exists() and not Lane.objects.exists()
    assert not StockLevel.objects.exists() and not StockDay.objects.exists()
