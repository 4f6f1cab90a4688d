"""One small thread-safe LRU cache, shared by the metrics compiler and the web app's answer cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

__all__ = ["LRUCache"]


class LRUCache(Generic[V]):
    """At most ``size`` entries; the least recently used goes first. Safe across threads.

    ``get_or`` computes outside the lock, so a slow computation never blocks other keys
    (two threads may compute the same key once each; the later result is kept).

    >>> c: LRUCache[int] = LRUCache(2)
    >>> c.put("a", 1); c.put("b", 2); c.get("a"); c.put("c", 3)
    1
    >>> c.get("b") is None, c.get("a"), len(c)
    (True, 1, 2)
    >>> c.get_or("d", lambda: 4), c.get("c") is None
    (4, True)
    """

    def __init__(self, size: int = 512) -> None:
        if size < 1:
            raise ValueError("an LRU cache holds at least one entry")
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._guard = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._guard:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._guard:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or(self, key: Hashable, compute: Callable[[], V]) -> V:
        with self._guard:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        self.put(key, value)
        return value

    def values(self) -> list[V]:
        """A snapshot of the values, least recently used first."""
        with self._guard:
            return list(self._items.values())

    def clear(self) -> None:
        with self._guard:
            self._items.clear()

    def __len__(self) -> int:
        with self._guard:
            return len(self._items)
