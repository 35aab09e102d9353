"""A small per-process cache of what a comparison never changes once fixed (its frozen
inputs, their judged effects, its finished results): the last few kept, most recent last."""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ProcessCache(Generic[V]):
    """The last `kept` values by key, thread-safe; a key is a tuple whose first item is the
    comparison's id, so that a write can drop everything kept of that comparison."""

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._values: OrderedDict[tuple, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Hashable, ...]) -> V | None:
        with self._lock:
            if key not in self._values:
                return None
            self._values.move_to_end(key)
            return self._values[key]

    def put(self, key: tuple[Hashable, ...], value: V) -> None:
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._kept:
                self._values.popitem(last=False)

    def forget(self, comparison_id: int | None = None) -> None:
        """Drop what is kept of one comparison, or of all (None)."""
        with self._lock:
            for key in [k for k in self._values if comparison_id in (None, k[0])]:
                del self._values[key]
