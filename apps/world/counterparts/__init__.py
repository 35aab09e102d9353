"""The world's counterparts of the twin's interventions, registered when imported."""

from apps.world.counterparts import labour, logistics, rates, stock  # noqa: F401
