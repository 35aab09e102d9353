"""The world's counterparts of the twin's interventions, registered when imported."""

from apps.world.counterparts import (
    labour,  # noqa: F401
    logistics,  # noqa: F401
    rates,  # noqa: F401
    stock,  # noqa: F401
)
