"""Traceability in MongoDB, keyed for FerretDB: every hot read is an _id lookup, and the
event path only inserts.

- producers, areas: `_id = <tenant>:<code>`
- products: `_id = <gtin14>` (a GTIN has one brand owner; the public resolver knows
  only the GTIN), batches: `_id = <gtin14>:<lot>`; both carry `tenant`
- links: one per (event, batch), `_id = <batch>:<seq>` (seq zero-padded): inserted only,
  so two writers appending to one batch cannot both win the same seq; a batch's
  `sealed_head` (seal.py) follows its last link
- event_ids: `_id = <tenant>|<eventID>`: a recorded event id, for idempotent retries
- provenance: `_id = <batch>`, everything the public page shows, rebuilt per event
- scan_tallies: inserted only, one per flush of the counted scans
- outbox_pending: the listings of unsent events (services/common/outbox.py)"""
import datetime as dt
import uuid

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from services.common.clock import now
from services.common.envelope import Envelope
from services.common.errors import AlreadyExists, NotFound, Unavailable
from services.common.mongo import Store, TenantCollection
from services.common.outbox import Recorded
from services.common.publisher import Publisher

from . import domain

# A pending claim older than this was left by an append cut short, not one under way.
CLAIM_SETTLES_AFTER = dt.timedelta(seconds=30)

SEQ_WIDTH = 6


def link_id(batch: str, seq: int) -> str:
    return f"{batch}:{seq:0{SEQ_WIDTH}d}"


class TraceStore(Store):
    INDEXES = [
        ("products", [("tenant", 1), ("name_vi", 1)], {"name": "tenant_name"}),
    ]

    # --- registry ----------------------------------------------------------------------

    def save_registry(self, collection: str, tenant: str, document: dict) -> dict:
        """Upsert a producer or area by code."""
        key = domain.registry_id(tenant, document["code"])
        self.db[collection].replace_one({"_id": key}, {**document, "_id": key,
                                                        "tenant": tenant}, upsert=True)
        return document

    def registry(self, collection: str, tenant: str, code: str) -> dict:
        found = self.db[collection].find_one({"_id": domain.registry_id(tenant, code)})
        if found is None:
            raise NotFound(f"no {collection[:-1]} {code!r} in commune {tenant!r}",)
        return found

    def registry_list(self, collection: str, tenant: str) -> list[dict]:
        return list(TenantCollection(self.db[collection], tenant).find({}).sort("_id"))

    def save_product(self, tenant: str, product: dict) -> dict:
        """Insert or replace a product; AlreadyExists when another commune owns its GTIN."""
        key = domain.product_id(product["gtin"])
        try:
            self.db.products.insert_one({**product, "_id": key, "tenant": tenant})
        except DuplicateKeyError:
            result = self.db.products.replace_one({"_id": key, "tenant": tenant},
                                                  {**product, "_id": key, "tenant": tenant})
            if not result.matched_count:
                raise AlreadyExists(f"GTIN {product['gtin']} belongs to another commune's "
                                    "product") from None
        return product

    def product(self, gtin: str, tenant: str | None = None) -> dict:
        """A product by GTIN; with a tenant, only that commune's."""
        found = self.db.products.find_one({"_id": gtin})
        if found is None or (tenant and found["tenant"] != tenant):
            raise NotFound(f"no product with GTIN {gtin}" + (f" in commune {tenant!r}"
                                                            if tenant else ""))
        return found

    def products(self, tenant: str, offset: int, limit: int) -> list[dict]:
        return list(TenantCollection(self.db.products, tenant).find({}).sort("_id")
                    .skip(offset).limit(limit))

    # --- batches and their chains ------------------------------------------------------

    def create_batch(self, document: dict, *events: Envelope,
                     announce: Publisher | None = None) -> None:
        self.outbox.send(self._insert_with_events("batches", document, events, AlreadyExists(
            f"batch {document['lot']!r} of GTIN {document['gtin']} already exists")), announce)

    def batch(self, batch: str, tenant: str | None = None) -> dict:
        found = self.db.batches.find_one({"_id": batch}, {"outbox": 0})
        if found is None or (tenant and found["tenant"] != tenant):
            raise NotFound(f"no batch {batch}" + (f" in commune {tenant!r}" if tenant else ""))
        return found

    def batches(self, tenant: str) -> list[dict]:
        return list(TenantCollection(self.db.batches, tenant).find({}, {"outbox": 0})
                    .sort("_id"))

    def all_batches(self):
        """Every batch of every commune, as a cursor (the periodic re-verification)."""
        return self.db.batches.find({}, {"outbox": 0}).sort("_id")

    def links(self, batch: dict, through: int = 0) -> list[dict]:
        """A batch's links in order: every one there is from seq 1 to `through`, then on
        up to the first missing one. One _id read each: FerretDB pushes an _id equality
        down to SQLite, not an $in."""
        links, seq = [], 1
        while True:
            found = self.db.links.find_one({"_id": link_id(batch["_id"], seq)}, {"outbox": 0})
            if found is None and seq > through:
                return links
            if found is not None:
                links.append(found)
            seq += 1

    def seal_chain(self, batch: str, seals: dict[str, str], head: dict) -> None:
        """Seal the links of a chain recorded before sealing (`seals` by link id), then
        its head."""
        for key, value in seals.items():
            self.db.links.update_one({"_id": key}, {"$set": {"seal": value}})
        self.db.batches.update_one({"_id": batch}, {"$set": {"sealed_head": head}})

    def recorded(self, tenant: str, event_id: str) -> dict | None:
        """The claim of an event id, settled first if an append was cut short after it
        (None then when none of its links was written: the event is to be recorded)."""
        claim = self.db.event_ids.find_one({"_id": f"{tenant}|{event_id}"})
        if claim is None or not claim.get("pending"):
            return claim
        if now() - claim["claimed_at"].replace(tzinfo=dt.UTC) < CLAIM_SETTLES_AFTER:
            raise Unavailable("this event is being recorded; send it again in a moment")
        written = self.db.links.count_documents({"tenant": tenant, "event.eventID": event_id})
        if written == len(claim["batches"]):
            self.db.event_ids.update_one({"_id": claim["_id"]}, {"$unset": {"pending": ""}})
            return claim
        if written:
            # logged with an error id by the door; an operator repairs the chain
            raise RuntimeError(f"event {event_id}: {written} of {len(claim['batches'])} "
                               "links written before an append was cut short")
        self.db.event_ids.delete_one({"_id": claim["_id"], "pending": True})
        return None

    def append(self, tenant: str, recorded: list[dict], links: list[dict],
               announcements: dict[str, list[Envelope]], heads: dict[str, dict],
               announce: Publisher | None = None) -> bool:
        """Store planned links (each with its announcement) and the ids of their events
        (`recorded`: eventID, hash, batches), then each batch's new sealed head (`heads`,
        by batch); False, with nothing left behind, when another writer took one of the
        ids or seqs meanwhile."""
        claimed, written = [], []
        try:
            for event in recorded:
                key = f"{tenant}|{event['eventID']}"
                # pending until its links are written: a retry after the database went
                # away in between finds out which (recorded())
                self.db.event_ids.insert_one({**event, "_id": key, "tenant": tenant,
                                              "pending": True, "claimed_at": now()})
                claimed.append(key)
            for link in links:
                written.append(self._insert_with_events("links", link,
                                                        announcements[link["_id"]]))
        except DuplicateKeyError:
            self.db.links.delete_many({"_id": {"$in": [r.document_id for r in written]}})
            self.outbox.cancel(*written)
            self.db.event_ids.delete_many({"_id": {"$in": claimed}})
            return False
        self.db.event_ids.update_many({"_id": {"$in": claimed}}, {"$unset": {"pending": ""}})
        # A head only moves forward: a slower writer must not put back a shorter one.
        self.db.batches.bulk_write([
            UpdateOne({"_id": b, "seq": {"$lt": h["count"]}},
                      {"$set": {"seq": h["count"], "sealed_head": h}})
            for b, h in heads.items()])
        for link in written:
            self.outbox.send(link, announce)
        return True

    # --- the public page's snapshot ----------------------------------------------------

    def save_provenance(self, snapshot: dict) -> None:
        self.db.provenance.replace_one({"_id": snapshot["_id"]}, snapshot, upsert=True)

    def provenance(self, batch: str) -> dict | None:
        return self.db.provenance.find_one({"_id": batch})

    def shown_verifications(self) -> list[dict]:
        """What every public snapshot shows of its batch's verification (_id, tenant,
        verification)."""
        return list(self.db.provenance.find({}, {"tenant": 1, "verification": 1}))

    def record_verification(self, batch: str, verification: dict, event: Envelope,
                            announce: Publisher | None = None) -> str:
        self.db.provenance.update_one({"_id": batch}, {"$set": {"verification": verification}})
        key = str(uuid.uuid4())
        self.outbox.send(self._insert_with_events(
            "verifications", {"_id": key, "batch": batch, "tenant": event.tenant,
                              **verification}, [event]), announce)
        return key

    # --- scans -------------------------------------------------------------------------

    def add_scan_tally(self, rows: list[dict], at: dt.datetime, events: list[Envelope],
                       announce: Publisher | None = None) -> str:
        """One document per flush: the scans counted since the last one."""
        key = str(uuid.uuid4())
        self.outbox.send(self._insert_with_events(
            "scan_tallies", {"_id": key, "at": at, "rows": rows}, events), announce)
        return key

    def scans(self, tenant: str, batch: str) -> list[dict]:
        """A batch's scans summed per day and origin."""
        match = {"rows.tenant": tenant, "rows.batch": batch}
        return list(self.db.scan_tallies.aggregate([
            {"$match": match}, {"$unwind": "$rows"}, {"$match": match},
            {"$group": {"_id": {"day": "$rows.day", "origin": "$rows.origin"},
                        "count": {"$sum": "$rows.count"}}},
            {"$sort": {"_id.day": 1}}]))

    # --- outbox ------------------------------------------------------------------------


    def _insert_with_events(self, collection: str, document: dict, events,
                            duplicate=None) -> Recorded:
        """Insert a document with its events; the caller sends them (Outbox.send)."""
        recorded = self.outbox.record(collection, document["_id"], *events)
        try:
            self.db[collection].insert_one({**document, **recorded.fields})
        except DuplicateKeyError:
            self.outbox.cancel(recorded)
            if duplicate is not None:
                raise duplicate from None
            raise
        return recorded
