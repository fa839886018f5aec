"""Every batch's public provenance snapshot held in memory, so that a public lookup reads
no database. No I/O: public_state.py fills and refreshes it."""


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
