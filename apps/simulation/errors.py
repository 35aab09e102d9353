"""Errors the simulation raises for bad input, each naming the field at fault."""


class SimulationInputError(ValueError):
    """An input names something that does not exist or holds an impossible value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
