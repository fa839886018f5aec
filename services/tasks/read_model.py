"""The gRPC process's read model: each commune's tasks held in memory, so that a
province's lists and summaries are answered without reading the database.

Why: on FerretDB 1.24 (SQLite) every filter other than _id reads and decodes the whole
collection (2–4 s for 10,000 tasks), while a read by _id stays cheap. So a commune's
tasks are read once, on its first request, and then kept current by the tasks' own
events: an event only marks its task as changed, and the next read of that commune
fetches each changed task by _id. A read therefore sees every change whose event has
gone out (the tasks worker's outbox relay sends it within a second of the write, or at
its next pass). When events may have been missed (the broker connection was lost and
re-made), every commune is read again on its next request."""
import threading

from services.common.envelope import Envelope
from services.common.fanout import EventFanout

from .listing import Criteria
from .store import TaskStore


class _Commune:
    def __init__(self):
        self.tasks: dict[str, dict] | None = None  # None until first read
        self.changed: set[str] = set()
        self.reading = threading.Lock()


class TaskReadModel:
    def __init__(self, store: TaskStore, fanout: EventFanout):
        self._store = store
        self._communes: dict[str, _Commune] = {}
        self._lock = threading.Lock()  # guards _communes and each commune's `changed`
        fanout.listen(self._on_event, self._on_gap)

    def select(self, criteria: Criteria) -> list[dict]:
        """The tasks that meet the criteria, as TaskStore.select gives them."""
        return [t for t in self._current(criteria.tenant) if criteria.matches(t)]

    def _current(self, tenant: str) -> list[dict]:
        with self._lock:
            commune = self._communes.setdefault(tenant, _Commune())
        with commune.reading:
            if commune.tasks is None:
                with self._lock:
                    commune.changed.clear()  # the full read below sees those changes
                commune.tasks = {t["_id"]: t for t in self._store.select(Criteria(tenant))}
            with self._lock:
                changed, commune.changed = commune.changed, set()
            for task_id in changed:
                task = self._store.listed(tenant, task_id)
                if task is None:
                    commune.tasks.pop(task_id, None)
                else:
                    commune.tasks[task_id] = task
            return list(commune.tasks.values())

    def _on_event(self, envelope: Envelope) -> None:
        with self._lock:
            commune = self._communes.get(envelope.tenant)
            if commune is not None and envelope.subject:
                commune.changed.add(envelope.subject)

    def _on_gap(self) -> None:
        with self._lock:
            self._communes.clear()
