"""Random streams for common random numbers: one stream per sub-model and process.

A stream is named ("labour.pick", "NE") and seeded from (seed, replication, name), so the
same replication draws the same numbers in every scenario, and an intervention that adds
draws to one stream cannot shift the numbers any other stream produces.
"""

import hashlib
import random


def stream(seed: int, replication: int, *name: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}/{replication}/{'/'.join(name)}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class StreamFamily(dict):
    """Streams of one process keyed by what they serve (a lane, a region), made on first use."""

    def __init__(self, seed: int, replication: int, name: str) -> None:
        super().__init__()
        self.seed, self.replication, self.name = seed, replication, name

    def __missing__(self, key: str) -> random.Random:
        made = self[key] = stream(self.seed, self.replication, self.name, key)
        return made
