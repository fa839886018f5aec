"""The write-behind of alert documents: the pipeline stages each batch's changed alerts
here after journaling them; a thread of its own rewrites them every `interval` s (each
alert once, however often it changed), publishes one ioc.alert_updated per alert that
only folded repeats or was acknowledged meanwhile, then records how far the journal is
applied. It is the only thread that writes alert documents.

Why a thread: on FerretDB a bulk rewrite of a few dozen alerts takes hundreds of ms;
done in the consuming thread it would hold up the next batch (detection -> alert p99)."""
import threading

from services.common import logs
from services.common.publisher import Publisher

from .alerts import UPDATED
from .contract import alert_event
from .store import IocStore

log = logs.get_logger(__name__)


class AlertWriter:
    def __init__(self, store: IocStore, publisher: Publisher, interval: float):
        self._store = store
        self._publisher = publisher
        self._interval = interval
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._documents: dict[str, dict] = {}
        self._updated: set[str] = set()
        self._applied = (0, "")
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="alert-writer")

    def stage(self, documents: list[dict], updated: set[str], seq: int,
              collection: str) -> None:
        """A journaled batch's alerts, and which of them to announce as updated."""
        with self._lock:
            self._documents.update({d["_id"]: d for d in documents})
            self._updated |= updated
            self._applied = (seq, collection)

    def flush(self) -> None:
        with self._flushing:
            with self._lock:
                documents, self._documents = self._documents, {}
                updated, self._updated = self._updated, set()
                seq, collection = self._applied
            if not documents:
                return
            try:
                self._store.write_alerts(list(documents.values()))
                self._store.save_state(seq, collection)
            except Exception:
                self._restage(documents, updated)
                raise
        for alert_id in updated:
            self._publisher.publish(alert_event(UPDATED, documents[alert_id]))

    def _restage(self, documents: dict, updated: set[str]) -> None:
        """Put a failed flush's snapshot back under what was staged since (newer)."""
        with self._lock:
            self._documents = {**documents, **self._documents}
            self._updated |= updated

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(10)
        self.flush()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self.flush()
            except Exception as exc:  # restaged: the next round writes it again
                log.error("alert write-behind failed; retrying",
                          error=f"{type(exc).__name__}: {exc}")
