"""Rendered public pages held in memory, each dropped when the batch or product it shows
changes. Pure (time is passed in), no I/O."""
from collections import OrderedDict


class PageCache:
    """Rendered pages by key, each tagged with the batch or GTIN it shows; an entry is
    served for `ttl` seconds at most and dropped when its tag is invalidated."""

    def __init__(self, ttl: float, max_entries: int = 20_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, tuple[float, str, object]] = OrderedDict()
        self._tags: dict[str, set[tuple]] = {}

    def get(self, key: tuple, now: float):
        entry = self._entries.get(key)
        if entry is None or now - entry[0] > self.ttl:
            return None
        return entry[2]

    def put(self, key: tuple, tag: str, value, now: float) -> None:
        if self.ttl <= 0:
            return
        self._entries[key] = (now, tag, value)
        self._entries.move_to_end(key)
        self._tags.setdefault(tag, set()).add(key)
        if len(self._entries) > self.max_entries:
            _, (_, old_tag, _) = self._entries.popitem(last=False)
            self._tags.get(old_tag, set()).intersection_update(self._entries)

    def invalidate(self, tag: str) -> None:
        for key in self._tags.pop(tag, ()):
            self._entries.pop(key, None)
