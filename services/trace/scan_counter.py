"""Scans of the public batch pages counted in memory, emptied into the database by the
worker's timer so that the page itself never writes. Pure (time is passed in), no I/O."""
import datetime as dt
from collections import Counter

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
