"""KPI data in MongoDB, shaped by what FerretDB 1.24 (SQLite) does fast.

Measured on this backend (bench/kpi.py and the figures in its README): only an _id
lookup that FINDS its document avoids a full scan. `{_id: {$in: [...]}}` scans (100 ids
among 60,000 documents: 1.7 s; a tenant filter: 1.1 s), and so does a find_one by an
_id that is not there (1,200 sheets of 21 kB: 1.4 ms for a hit, 33 ms for a miss). A
find_one also costs about 60 us per nested field it decodes (50 nested cells: 3 ms), the
same cells packed as one JSON string 0.9 ms.

So:
- measurements_<period>: every revision inserted once, never updated, keyed
  `tenant|indicator|unit|period|r0001` (the record, with provenance);
- sheets_<period>: one document per org unit and period, `unit|period`, with every cell's
  current and approved figure (numbers and status only; the rest is in the revision)
  and the targets, packed as one compressed JSON value (packing.py): the read model a
  report reads by _id;
- unit_index: per org unit, which sheets and boards it has, so that a report looks up
  only documents that exist (a miss would scan). A hit costs in proportion to the rows
  stored before it (the lookup reads rows in order until it finds its own: in 1,200
  sheets, 1.5 ms for the first month's, 32 ms for the twelfth's), hence one
  collection of sheets and of revisions per period;
- boards: one packed document per commune and derived source (tasks, dossiers) with the
  state of each object its events describe;
- task_inbox: the task states events bring, inserted as they come (concurrent events
  of one commune would otherwise fight over its board) and folded into the board by
  one writer (a timer); a report applies what is still in the inbox, so it is exact.
  A task.created's row also carries the task's fact, which the fold moves to
  task_facts: one insert per event, into one collection (each collection an insert
  touches is an SQLite transaction of its own, and its commit is the costly part).
  A row's state and fact are packed as one JSON string (decoded faster than fields);
- feedback_inbox: the assistant's feedback, one row per answer, folded into the
  commune's "assistant" board the same way (satisfaction.py);
- dossier_events and task_facts: insert-only, keyed by business ids (a replay is a
  duplicate key, nothing more). created_tasks() reads the facts, moved or not.

A packed document (a sheet, a board, a unit's index) is compressed JSON, so that
rewriting it whole holds the database's one writer briefly (packing.py), and is
rewritten by one writer at a time: the writer of version v+1 first claims it (an
insert of a unique _id only one writer wins; concurrent updates of one document lose
writes on FerretDB), then replaces the version it read."""
import datetime as dt
import json
import time
from collections.abc import Callable

from pymongo.errors import BulkWriteError

from services.common.envelope import Envelope
from services.common.errors import NotFound, Unavailable
from services.common.idempotency import EventGuard, VersionClaims
from services.common.mongo import Store, TenantCollection
from services.common.publisher import Publisher

from . import packing
from .indicators import Indicator, catalog
from .keys import (
    board_id,
    measurements_collection,
    revision_id,
    sheet_id,
    sheets_collection,
)

WRITE_ATTEMPTS = 20
RETRY_PAUSE_S = 0.05
# Rows of the task inbox a fold writes at once (facts inserted, rows removed): 200 in one
# delete held FerretDB's writer about 30 ms on a busy machine, every event handler's
# insert waiting.
FOLD_WRITE_ROWS = 25


class KpiStore(Store):
    INDEXES = [("task_facts", [("tenant", 1)], {"name": "tenant"})]

    # --- packed documents, one writer at a time ------------------------------------------

    @property
    def versions(self) -> VersionClaims:
        return VersionClaims(EventGuard(self.db, self.lane), "kpi.write")

    def read_packed(self, collection: str, _id: str) -> dict:
        found = self.db[collection].find_one({"_id": _id}, {"data": 1})
        return packing.unpack(found["data"]) if found else {}

    def read_many(self, collection: str, ids: list[str]) -> dict[str, dict]:
        """Packed documents by _id, one lookup each ($in scans the collection here)."""
        return {_id: data for _id in ids if (data := self.read_packed(collection, _id))}

    def read_sheets(self, unit: str, period_keys: list[str]) -> dict[str, dict]:
        """A unit's sheets of these periods, by sheet _id."""
        return {sheet_id(unit, key): sheet for key in period_keys
                if (sheet := self.read_packed(sheets_collection(key), sheet_id(unit, key)))}

    def change_packed(self, collection: str, _id: str, tenant: str,
                      change: Callable[[dict], tuple[object, list[dict], list[Envelope]]],
                      attempts: int = WRITE_ATTEMPTS, indexed: tuple[str, str, str] = (),
                      announce: Publisher | None = None):
        """Apply `change(data)` -> (result, revisions to insert, events) to a packed
        document, retrying when another writer got there first; the revisions are
        inserted and the events stored in the document's outbox before it is replaced,
        then sent with a publisher (else by the relay). `indexed` (unit, "sheets" or
        "boards", key) lists a new document in the unit's index first. Returns the
        result."""
        for _ in range(attempts):
            found = self.db[collection].find_one({"_id": _id}) or {}
            version = found.get("version", 0)
            data = packing.unpack(found["data"]) if found else {}
            before = packing.encode(data)
            result, revisions, events = change(data)
            if found and packing.encode(data) == before and not (revisions or events):
                return result  # nothing changed (a replay): nothing to write
            if not self.versions.claim(_id, version + 1, tenant):
                time.sleep(RETRY_PAUSE_S)
                continue
            with self.versions.held(_id, version + 1):
                if indexed and version == 0:
                    self.register(*indexed)
                self._insert_revisions(revisions)
                recorded = self.outbox.record(collection, _id, *events,
                                              stored=found.get("outbox"))
                document = {"tenant": tenant, "version": version + 1,
                            "data": packing.pack(data), **recorded.fields}
                written = self._write(collection, _id, version, document)
            if written:
                self.outbox.send(recorded, announce)
                return result
            self.outbox.cancel(recorded)
        raise Unavailable(f"{_id} is being changed by others; retry")

    def _insert_revisions(self, revisions: list[dict]) -> None:
        """A revision already there was left by an attempt whose document write the
        database's loss cut short (a revision's number follows the document's version,
        which only one writer claims): the retry's replaces it."""
        for key in sorted({r["period"] for r in revisions}):
            measurements = self.db[measurements_collection(key)]
            try:
                measurements.insert_many([r for r in revisions if r["period"] == key],
                                         ordered=False)
            except BulkWriteError as exc:
                if any(e["code"] != 11000 for e in exc.details["writeErrors"]):
                    raise
                for error in exc.details["writeErrors"]:
                    measurements.replace_one({"_id": error["op"]["_id"]}, error["op"])

    def _write(self, collection: str, _id: str, version: int, document: dict) -> bool:
        if version == 0:
            return self.insert(collection, {"_id": _id, **document})
        replaced = self.db[collection].replace_one({"_id": _id, "version": version}, document)
        return replaced.matched_count == 1

    def register(self, unit: str, kind: str, *keys: str) -> None:
        """List sheets ("sheets", period keys) or boards ("boards", sources) in the
        unit's index."""
        def change(index):
            listed = set(index.get(kind, []))
            index[kind] = sorted(listed | set(keys))
            return None, [], []
        self.change_packed("unit_index", unit, unit, change)

    def index(self, unit: str) -> dict:
        """{"sheets": [period keys], "boards": [sources]} of a unit that has any."""
        return self.read_packed("unit_index", unit)


    # --- definitions ---------------------------------------------------------------------

    def save_indicator(self, definition: Indicator) -> None:
        self.db.indicators.replace_one({"_id": definition.code},
                                       definition.model_dump(), upsert=True)

    def indicators(self) -> dict[str, Indicator]:
        """Every definition: the built-in catalog and those defined since (a small
        collection: read whole)."""
        defined = {i.code: i for i in catalog()}
        for row in self.db.indicators.find({}, {"_id": 0}):
            defined[row["code"]] = Indicator.model_validate(row)
        return defined

    def indicator(self, code: str) -> Indicator:
        found = self.indicators().get(code)
        if found is None:
            raise NotFound(f"no indicator {code!r}")
        return found

    # --- revisions -----------------------------------------------------------------------

    def revision(self, tenant: str, indicator: str, unit: str, period_key: str,
                 rev: int) -> dict | None:
        return self.db[measurements_collection(period_key)].find_one(
            {"_id": revision_id(tenant, indicator, unit, period_key, rev)}, {"_id": 0})

    def revisions(self, tenant: str, indicator: str, unit: str, period_key: str,
                  upto: int) -> list[dict]:
        """A measurement's revisions 1..upto, oldest first, by _id."""
        found = (self.revision(tenant, indicator, unit, period_key, rev)
                 for rev in range(1, upto + 1))
        return [r for r in found if r is not None]

    # --- task states: an inbox folded into the board ------------------------------------

    def add_task_state(self, tenant: str, event_id: str, state: dict,
                       created: dict | None = None) -> None:
        """Into the inbox, once per event; with `created`, the fact of the task the
        event created (kept once per task when folded). Packed as one JSON string: the
        fold reads every row, and FerretDB decodes nested fields slowly (a row's dozen
        cost it about 1 ms; the string a tenth of that)."""
        payload = {"state": state}
        if created is not None:
            payload["created"] = {**created, "created_at": created["created_at"].isoformat()}
        self.insert("task_inbox", {"_id": f"{tenant}|{event_id}", "tenant": tenant,
                                   "data": json.dumps(payload, ensure_ascii=False)})
        # False from insert: the same event again, nothing to do

    def pending_task_states(self, tenant: str | None = None) -> dict[str, list[dict]]:
        """States not yet folded into the boards, by commune, in the order announced."""
        return {t: [r["state"] for r in rows] for t, rows in self._inbox(tenant).items()}

    def _inbox(self, tenant: str | None) -> dict[str, list[dict]]:
        """The inbox's rows, by commune, each commune's in the order announced."""
        rows: dict[str, list[dict]] = {}
        for row in self.db.task_inbox.find({"tenant": tenant} if tenant else {}):
            rows.setdefault(row["tenant"], []).append(_unpacked(row))
        for listed in rows.values():
            listed.sort(key=lambda r: r["state"]["changed"])
        return rows

    def fold_task_inbox(self, tenant: str | None, apply: Callable[[dict, dict], bool]) -> int:
        """Fold the pending task states of a commune (None: of every commune, from one
        read of the inbox) into its board; returns how many. A commune another writer
        is folding is left for the next fold."""
        folded = []
        for commune, rows in self._inbox(tenant).items():
            def change(board, rows=rows):
                return sum(apply(board, r["state"]) for r in rows), [], []
            try:
                self.change_packed("boards", board_id(commune, "tasks"), commune, change,
                                   attempts=1, indexed=(commune, "boards", "tasks"))
            except Unavailable:  # another writer is folding it
                continue
            folded += rows
        facts = [("task_facts", _fact_row(r["created"])) for r in folded if "created" in r]
        ids = [r["_id"] for r in folded]
        # In small writes: each holds the database's one writer, which the event
        # handlers' inserts then wait for.
        for start in range(0, len(folded), FOLD_WRITE_ROWS):
            if chunk := facts[start:start + FOLD_WRITE_ROWS]:
                self.lane.insert_all(chunk)  # a fact already kept is a replay's
            if chunk := ids[start:start + FOLD_WRITE_ROWS]:
                self.db.task_inbox.delete_many({"_id": {"$in": chunk}})
        return len(folded)

    # --- assistant feedback: an inbox folded into the board, like task states ----------

    def add_feedback(self, tenant: str, given: dict) -> None:
        """Into the inbox, once per answer (a copy of the event is a duplicate key)."""
        self.insert("feedback_inbox", {"_id": f"{tenant}|{given['trace']}",
                                       "tenant": tenant, **given})

    def pending_feedback(self, tenant: str | None = None) -> dict[str, list[dict]]:
        """Feedback not yet folded into the boards, by commune."""
        rows: dict[str, list[dict]] = {}
        for row in self.db.feedback_inbox.find({"tenant": tenant} if tenant else {}):
            rows.setdefault(row["tenant"], []).append(row)
        return rows

    def fold_feedback_inbox(self, apply: Callable[[dict, dict], bool]) -> int:
        """Fold every commune's pending feedback into its board; returns how many rows.
        A commune another writer is folding is left for the next fold."""
        folded = []
        for commune, rows in self.pending_feedback().items():
            def change(board, rows=rows):
                return sum(apply(board, r) for r in rows), [], []
            try:
                self.change_packed("boards", board_id(commune, "assistant"), commune, change,
                                   attempts=1, indexed=(commune, "boards", "assistant"))
            except Unavailable:  # another writer is folding it
                continue
            folded += [r["_id"] for r in rows]
        for start in range(0, len(folded), FOLD_WRITE_ROWS):
            self.db.feedback_inbox.delete_many(
                {"_id": {"$in": folded[start:start + FOLD_WRITE_ROWS]}})
        return len(folded)

    # --- dossiers ------------------------------------------------------------------------

    def record_dossier_events(self, tenant: str, events: list[dict]) -> None:
        """Keep each dossier event once (the record; the register is the read model)."""
        try:
            self.db.dossier_events.insert_many(
                [{"_id": f"{tenant}|{e['code']}|{e['kind']}", "tenant": tenant, **e}
                 for e in events], ordered=False)
        except BulkWriteError as exc:
            if any(e["code"] != 11000 for e in exc.details["writeErrors"]):
                raise

    # --- task facts (the slice's count) ----------------------------------------------------

    def record_created_task(self, fact: dict) -> bool:
        """Keep the fact once per task, outside the event path (which puts it in the
        inbox with the task's state); False when it was already kept."""
        return self.insert("task_facts", _fact_row(fact))

    def created_tasks(self, tenant: str) -> dict[str, dict]:
        """The facts of a commune's created tasks by task id: those kept and those still
        in the inbox. Every reader of the facts goes through here."""
        pending = self._inbox(tenant).get(tenant, [])
        facts = {row["created"]["task_id"]: row["created"] for row in pending
                 if "created" in row}
        for row in TenantCollection(self.db.task_facts, tenant).find({}, {"_id": 0}):
            facts[row["task_id"]] = row
        return facts

    def tasks_created(self, tenant: str) -> int:
        return len(self.created_tasks(tenant))


def _fact_row(fact: dict) -> dict:
    return {"_id": f"{fact['tenant']}:{fact['task_id']}", **fact}


def _unpacked(row: dict) -> dict:
    """An inbox row with its payload unpacked (rows stored before packing have it
    inline)."""
    if "data" not in row:
        return row
    payload = json.loads(row.pop("data"))
    if "created" in payload:
        created = payload["created"]
        created["created_at"] = dt.datetime.fromisoformat(created["created_at"])
    return {**row, **payload}
