"""A small thread-safe LRU cache, bounded by a total size.

Search results count one each (keys include the index generation and the reader's
commit generation, so a build or a reindex makes every older entry unreachable; they
age out as new ones arrive). Decoded postings count their bytes (indexer/postings.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class LruCache(Generic[V]):
    def __init__(self, max_size: int, size_of: Callable[[V], int] = lambda value: 1) -> None:
        self.max_size = max_size
        self.size_of = size_of
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size_used(self) -> int:
        return self._size

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: V) -> None:
        size = self.size_of(value)
        if size > self.max_size:
            return  # could never stay
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._entries[key] = (value, size)
            self._size += size
            while self._size > self.max_size:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._size -= evicted

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        """The value under ``key``, loaded (outside the lock) and kept when missing."""
        value = self.get(key)
        if value is None:
            value = load()
            self.put(key, value)
        return value
