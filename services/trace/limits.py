"""In-process helpers of the public pages: a scan counter that
is emptied into the database by a timer (so the page itself never writes), and a cache of
rendered pages. Pure (time is passed in), no I/O."""
import datetime as dt
from collections import Counter, OrderedDict

VIETNAM = dt.timezone(dt.timedelta(hours=7))


class ScanCounter:
    """Scans per (tenant, batch, day in Vietnam, rough origin) since the last take()."""

    def __init__(self):
        self._counts: Counter = Counter()

    def add(self, tenant: str, batch: str, origin: str, at: dt.datetime) -> None:
        self._counts[(tenant, batch, at.astimezone(VIETNAM).date().isoformat(), origin)] += 1

    def take(self) -> dict:
        counts, self._counts = self._counts, Counter()
        return dict(counts)

    def give_back(self, counts: dict) -> None:
        """Counts that could not be stored, kept for the next try."""
        self._counts.update(counts)


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


class Mirror:
    """Every batch's provenance snapshot (JSON text, with its commune) held in memory, so
    that a public lookup reads no database: on FerretDB/SQLite even an _id lookup slows
    down under concurrent readers. Filled by a full read at start, kept current by the
    trace events, re-read in full now and then in case an event was missed."""

    def __init__(self):
        self._snapshots: dict[str, tuple[str, bytes]] = {}

    def get(self, batch: str) -> tuple[str, bytes] | None:
        return self._snapshots.get(batch)

    def put(self, batch: str, tenant: str, body: bytes) -> None:
        self._snapshots[batch] = (tenant, body)

    def drop(self, batch: str) -> None:
        self._snapshots.pop(batch, None)

    def replace(self, snapshots: dict[str, tuple[str, bytes]]) -> None:
        self._snapshots = snapshots

    def __len__(self) -> int:
        return len(self._snapshots)
