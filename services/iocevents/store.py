"""The IOC's documents. Every hot read is by `_id` (FerretDB scans for anything else).

- registry (one document per commune), rules, silences, watchlist: written by the
  nameko service (operators' edits), read by the pipeline when told to reload.
- alerts, alerts_resolved: written by the pipeline process only (one writer per alert
  document: FerretDB loses concurrent updates of one document). Operators' moves reach
  it as commands through the broker; the service records each move first in
  alert_actions, with an insert whose _id ("<alert>:acknowledged") only one operator can
  win. Live alerts (open, acknowledged, suppressed) are rewritten in `alerts`; a
  resolved alert never changes again and moves to `alerts_resolved` (inserted there,
  then deleted from `alerts`). FerretDB 1.24 scans the whole collection for every
  update or delete, even by _id (43 ms a document at 5,000 documents), so the
  collection the writer rewrites must hold only what is live, not the commune's history.
- journal_<yyyymmdd>, in a database of its own ("<db>_journal"): one document per
  pipeline batch (the batch's detections as one compressed field, the alerts it
  changed, the events it makes): the pipeline's commit point. A whole day is dropped at
  once when it passes the retention (no TTL index on FerretDB), and writing one
  document per batch costs FerretDB a fraction of what one document per detection
  costs. Its own database is its own SQLite file on FerretDB: the pipeline's consuming
  thread (journal) and its alert writer (alerts) never write to the same file at once.
- audit: who read a watchlist, who changed rules, silences and the registry."""
import datetime as dt
import json
import zlib

from bson import Binary
from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.common.errors import FailedPrecondition, NotFound
from services.common.mongo import Store, TenantCollection

from .alerts import LIVE, RESOLVED, Alert
from .model import Registry

JOURNAL_PREFIX = "journal_"
# Statements per update command. FerretDB 1.24 (SQLite) holds a pooled connection per
# statement until the whole command ends: one update command of about 100 statements
# exhausts the database's pool and hangs it for good (seen in the 5-minute benchmark:
# the command, then every listDatabases on the server, waited forever).
WRITE_CHUNK = 50
DUPLICATE_KEY = 11000
STATE_ID = "pipeline"
WINDOWS_ID = "rule-windows"


def _moved(action: str) -> str:
    return "acknowledged" if action == "acknowledge" else "resolved"


def journal_name(day: dt.date) -> str:
    return f"{JOURNAL_PREFIX}{day:%Y%m%d}"


def pack(rows: list[dict]) -> Binary:
    return Binary(zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 1))


def unpack(blob: bytes) -> list[dict]:
    return json.loads(zlib.decompress(blob))


class IocStore(Store):
    INDEXES = [("alerts", [("tenant", 1), ("status", 1)], {"name": "tenant_status"}),
               ("alerts_resolved", [("tenant", 1), ("opened_at", -1)], {"name": "tenant_opened"})]

    def __init__(self, db):
        super().__init__(db)
        self.journal_db = db.client[f"{db.name}_journal"]

    # --- configuration (the service writes, the pipeline reads) ------------------------

    def registry(self, tenant: str) -> Registry:
        document = self.db.registry.find_one({"_id": tenant}, {"_id": 0, "tenant": 0})
        return Registry.model_validate(document or {})

    def save_registry(self, tenant: str, registry: Registry) -> None:
        self.db.registry.replace_one({"_id": tenant},
                                     {**registry.model_dump(mode="json"), "tenant": tenant},
                                     upsert=True)

    def _put(self, collection: str, tenant: str, code: str, document: dict) -> None:
        self.db[collection].replace_one({"_id": f"{tenant}:{code}"},
                                        {**document, "tenant": tenant}, upsert=True)

    def _all(self, collection: str, tenant: str) -> list[dict]:
        return list(TenantCollection(self.db[collection], tenant).find({}, {"_id": 0,
                                                                            "tenant": 0}))

    def _delete(self, collection: str, tenant: str, code: str) -> None:
        if not self.db[collection].delete_one({"_id": f"{tenant}:{code}"}).deleted_count:
            raise NotFound(f"no {collection.rstrip('s')} {code!r} in commune {tenant!r}")

    def rules(self, tenant: str) -> list[dict]:
        return self._all("rules", tenant)

    def save_rule(self, tenant: str, rule: dict) -> None:
        self._put("rules", tenant, rule["id"], rule)

    def delete_rule(self, tenant: str, rule_id: str) -> None:
        self._delete("rules", tenant, rule_id)

    def silences(self, tenant: str) -> list[dict]:
        return self._all("silences", tenant)

    def silence(self, tenant: str, silence_id: str) -> dict:
        document = TenantCollection(self.db.silences, tenant).find_one(
            {"_id": f"{tenant}:{silence_id}"}, {"_id": 0, "tenant": 0})
        if document is None:
            raise NotFound(f"no silence {silence_id!r} in commune {tenant!r}")
        return document

    def save_silence(self, tenant: str, silence: dict) -> None:
        self._put("silences", tenant, silence["id"], silence)

    def watchlist(self, tenant: str) -> list[dict]:
        return self._all("watchlist", tenant)

    def save_watchlist_entry(self, tenant: str, entry: dict) -> None:
        self._put("watchlist", tenant, entry["id"], entry)

    def tenants(self) -> list[str]:
        return sorted(d["_id"] for d in self.db.registry.find({}, {"_id": 1}))

    def audit(self, tenant: str, by: str, action: str, what: str, at: dt.datetime) -> None:
        self.db.audit.insert_one({"tenant": tenant, "by": by, "action": action, "what": what,
                                  "at": at})

    def audit_trail(self, tenant: str) -> list[dict]:
        return list(TenantCollection(self.db.audit, tenant).find({}, {"_id": 0})
                    .sort("at", -1))

    # --- alerts (the pipeline writes, everyone reads) -------------------------------------

    # A move inserts the resolved alert, then deletes its live copy: readers look at the
    # live alerts first and let a resolved copy win, so none is missed during a move.

    def alert(self, tenant: str, alert_id: str) -> dict:
        live, resolved = (TenantCollection(c, tenant).by_id(alert_id)
                          for c in (self.db.alerts, self.db.alerts_resolved))
        document = resolved or live
        if document is None:
            raise NotFound(f"no alert {alert_id!r} in commune {tenant!r}")
        return document

    def alerts(self, tenant: str, opened: tuple[dt.datetime, dt.datetime] | None = None,
               **criteria) -> list[dict]:
        """The commune's alerts matching `criteria` (empty ones ignored) and, if given,
        opened from `opened[0]` up to (not including) `opened[1]`; newest first."""
        wanted = {k: v for k, v in criteria.items() if v}
        if opened:
            wanted["opened_at"] = {"$gte": opened[0], "$lt": opened[1]}
        status = wanted.get("status")
        places = ([self.db.alerts_resolved] if status == RESOLVED else
                  [self.db.alerts] if status else [self.db.alerts, self.db.alerts_resolved])
        found = {d["_id"]: d for collection in places
                 for d in TenantCollection(collection, tenant).find(wanted)}
        return sorted(found.values(), key=lambda d: (d["opened_at"], d["_id"]), reverse=True)

    def live_alerts(self) -> list[Alert]:
        return [Alert.from_document(d) for d in self.db.alerts.find({"status": {"$in":
                                                                                list(LIVE)}})]

    def write_alerts(self, alerts: list[dict]) -> None:
        """Replace (or insert) whole alert documents, in commands of WRITE_CHUNK; resolved
        ones are moved out of the live collection."""
        live = [a for a in alerts if a["status"] != RESOLVED]
        for start in range(0, len(live), WRITE_CHUNK):
            self.db.alerts.bulk_write([ReplaceOne({"_id": a["_id"]}, a, upsert=True)
                                       for a in live[start:start + WRITE_CHUNK]],
                                      ordered=False)
        self._move_resolved([a for a in alerts if a["status"] == RESOLVED])

    def move_resolved_left(self) -> int:
        """Move the resolved alerts an earlier version left among the live ones (at the
        pipeline's start); returns how many."""
        left = [d["_id"] for d in self.db.alerts.find({"status": RESOLVED}, {"_id": 1})]
        for start in range(0, len(left), WRITE_CHUNK):
            self._move_resolved(list(self.db.alerts.find(
                {"_id": {"$in": left[start:start + WRITE_CHUNK]}})))
        return len(left)

    def _move_resolved(self, alerts: list[dict]) -> None:
        for start in range(0, len(alerts), WRITE_CHUNK):
            chunk = alerts[start:start + WRITE_CHUNK]
            try:
                self.db.alerts_resolved.insert_many(chunk, ordered=False)
            except BulkWriteError as exc:  # moved before (a replay): the same documents
                if any(e["code"] != DUPLICATE_KEY for e in exc.details["writeErrors"]):
                    raise
            self.db.alerts.delete_many({"_id": {"$in": [a["_id"] for a in chunk]}})

    def record_action(self, alert: dict, action: str, by: str, note: str,
                      at: dt.datetime) -> None:
        """An operator's move, once: a second acknowledge (or resolve, of any kind) of the
        same alert loses the insert and is refused."""
        moved = _moved(action)
        try:
            self.db.alert_actions.insert_one({
                "_id": f"{alert['_id']}:{moved}", "tenant": alert["tenant"],
                "alert": alert["_id"], "action": action, "by": by, "note": note, "at": at})
        except DuplicateKeyError:
            raise FailedPrecondition(f"alert {alert['_id']!r} was already {moved}") from None

    def forget_action(self, alert_id: str, action: str) -> None:
        self.db.alert_actions.delete_one({"_id": f"{alert_id}:{_moved(action)}"})

    # --- the pipeline's journal ----------------------------------------------------------

    def state(self) -> dict:
        return self.db.pipeline_state.find_one({"_id": STATE_ID}) or {"seq": 0,
                                                                        "collection": ""}

    def save_state(self, seq: int, collection: str) -> None:
        self.db.pipeline_state.replace_one({"_id": STATE_ID},
                                           {"seq": seq, "collection": collection}, upsert=True)

    def windows(self) -> dict | None:
        return self.db.pipeline_state.find_one({"_id": WINDOWS_ID})

    def save_windows(self, seq: int, windows: dict) -> None:
        """The rules' memories as they were after journal entry `seq`."""
        self.db.pipeline_state.replace_one({"_id": WINDOWS_ID}, {"seq": seq, **windows},
                                           upsert=True)

    def journal(self, collection: str, seq: int, at: dt.datetime, detections: list[dict],
                alerts: list[dict], events: list[dict]) -> None:
        self.journal_db[collection].insert_one({"_id": seq, "at": at, "count": len(detections),
                                        "detections": pack(detections), "alerts": alerts,
                                        "events": events})

    def journal_entry(self, collections: list[str], seq: int) -> dict | None:
        for name in dict.fromkeys(c for c in collections if c):
            found = self.journal_db[name].find_one({"_id": seq})
            if found is not None:
                return found
        return None

    def purge_journal(self, keep_from: dt.date) -> list[str]:
        """Drop the journal days older than `keep_from`; returns their names."""
        old = sorted(n for n in self.journal_db.list_collection_names()
                     if n.startswith(JOURNAL_PREFIX) and n < journal_name(keep_from))
        for name in old:
            self.journal_db.drop_collection(name)
        return old
