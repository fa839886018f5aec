"""What the trace service does, once, for every entry point (nameko RPC and HTTP, gRPC,
the demo loader): registry writes, batches, recording and capturing events against each
batch's history, verification, the public provenance snapshot, export and scan counts.
No nameko, no eventlet: the gRPC process runs the same code."""

from commune.v1 import trace_pb2
from services.common import paging
from services.common.clock import now
from services.common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Unavailable,
    validated,
)
from services.common.publisher import Publisher

from . import chain, domain, epcis, gs1
from .seal import Seal
from .store import TraceStore, link_id

APPEND_ATTEMPTS = 3
SCANS_PER_EVENT = 200


def _batch_message(batch: dict) -> trace_pb2.Batch:
    return trace_pb2.Batch(
        id=batch["_id"], tenant=batch["tenant"], gtin=batch["gtin"], lot=batch["lot"],
        producer=batch["producer"], area=batch.get("area") or "",
        produced_on=batch["produced_on"], expires_on=batch.get("expires_on") or "",
        quantity=batch["quantity"], unit=batch["unit"], event_count=batch.get("seq", 0))


def batch_view(batch: dict) -> dict:
    return {k: v for k, v in batch.items()
            if k not in ("_id", "outbox", "created_at", "sealed_head")} | {
        "id": batch["_id"], "created_at": batch["created_at"].isoformat()}


class Ledger:
    def __init__(self, store: TraceStore, publisher: Publisher | None, seal: Seal):
        self.store = store
        self.publisher = publisher  # None: events wait in the outbox for a relay
        self.seal = seal

    # --- registry ----------------------------------------------------------------------

    def save_producer(self, tenant: str, fields) -> dict:
        producer = validated(domain.Producer, fields, "producer").model_dump()
        if producer["public_key"]:
            chain.load_public_key(producer["public_key"])
        return self.store.save_registry("producers", tenant, producer)

    def save_area(self, tenant: str, fields) -> dict:
        area = validated(domain.Area, fields, "area").model_dump()
        return self.store.save_registry("areas", tenant, area)

    def save_product(self, tenant: str, fields) -> dict:
        product = validated(domain.Product, fields, "product").model_dump(mode="json")
        self.store.registry("producers", tenant, product["producer"])
        self.store.save_product(tenant, product)
        return domain.product_view(product, now().date())

    def product(self, tenant: str, gtin: str) -> dict:
        return domain.product_view(self.store.product(gs1.normalise_gtin(gtin), tenant),
                                   now().date())

    def products(self, tenant: str, page_token: str = "", page_size: int = 0
                 ) -> tuple[list[dict], str]:
        """A page of a commune's products by GTIN, and the next page's token ("" at the
        end)."""
        offset, size = paging.offset(page_token), paging.page_size(page_size)
        rows = self.store.products(tenant, offset, size + 1)
        today = now().date()
        return ([domain.product_view(r, today) for r in rows[:size]],
                paging.page_token(offset + size) if len(rows) > size else "")

    def product_public(self, gtin: str) -> dict:
        """A product with its producer's public details, for the product page."""
        product = self.store.product(gtin)
        producer = self.store.registry("producers", product["tenant"], product["producer"])
        return {**domain.product_view(product, now().date()),
                "producer_view": {k: producer[k] for k in ("code", "name", "address")}}

    # --- batches -----------------------------------------------------------------------

    def create_batch(self, tenant: str, fields, by: str) -> dict:
        batch = validated(domain.Batch, fields, "batch")
        product = self.store.product(batch.gtin, tenant)
        self.store.registry("producers", tenant, batch.producer)
        if batch.area:
            self.store.registry("areas", tenant, batch.area)
        document = domain.new_batch(tenant, batch, product, by, now())
        document["sealed_head"] = self.seal.genesis(document["_id"])
        message = trace_pb2.TraceBatchCreated(batch=_batch_message(document),
                                              product_name=product["name_vi"])
        self.store.create_batch(document, domain.envelope("trace.batch_created", tenant,
                                                          document["_id"], message),
                                announce=self.publisher)
        self.rebuild(document["_id"])
        return batch_view(document)

    def batch_id(self, gtin: str, lot: str) -> str:
        return domain.batch_id(gs1.normalise_gtin(gtin), gs1.validate_lot(lot))

    # --- events ------------------------------------------------------------------------

    def record(self, tenant: str, fields, by: str) -> list[dict]:
        """Record one event typed in the short form (domain.EventInput)."""
        fields = dict(fields) if isinstance(fields, dict) else fields
        signature = fields.pop("signature", None) if isinstance(fields, dict) else None
        event = domain.event_from_input(tenant, fields, now())
        if signature:
            event["cv:signature"] = signature
        return self.append(tenant, [event], by)

    def capture(self, tenant: str, document, by: str) -> list[dict]:
        """Store every event of an EPCIS 2.0 JSON-LD document, or none of them."""
        return self.append(tenant, epcis.events_of(document, now()), by)

    def append(self, tenant: str, events: list[dict], by: str) -> list[dict]:
        """Check every event against its batches' histories (as the earlier events of the
        same call leave them), then store all of them; a retried event id with the same
        content is not stored twice. Returns one result per event."""
        for _ in range(APPEND_ATTEMPTS):
            results, recorded, links, announcements = self._plan(tenant, events, by)
            heads = {link["batch"]: self.seal.head(link["batch"], link["seq"], link["hash"])
                     for link in links}  # the last link of each batch wins
            if not links or self.store.append(tenant, recorded, links, announcements, heads,
                                              announce=self.publisher):
                break
        else:
            raise Unavailable("another writer kept appending to these batches; retry")
        for batch in dict.fromkeys(link["batch"] for link in links):
            self.rebuild(batch)
        return results

    def _plan(self, tenant: str, events: list[dict], by: str):
        chains: dict[str, list[dict]] = {}
        places: dict[str, dict] = {}
        results, recorded, links, announcements = [], [], [], {}
        at = now()
        for index, event in enumerate(map(dict, events)):
            epcis.check_commune(event, tenant, index)
            signature = event.pop("cv:signature", None)
            content = chain.content_hash(event)
            seen = self.store.recorded(tenant, event["eventID"])
            if seen:
                if seen["hash"] != content:
                    raise AlreadyExists(f"event {event['eventID']} was recorded with other "
                                        "content; give a new eventID", {"eventID": "reused"})
                results.append({"eventID": event["eventID"], "duplicate": True,
                                "batches": seen["batches"]})
                continue
            self._check_places(tenant, event, places)
            if signature:
                self._check_signature(tenant, signature, content)
            batches = []
            for uri, role in epcis.roles(event):
                batch = domain.batch_of_class(uri)
                if batch not in chains:
                    chains[batch] = self._intact_chain(self.store.batch(batch, tenant))
                history = chains[batch]
                epcis.check_history(event, role, [x["event"] for x in history], f"batch {batch}")
                fields = chain.link(history[-1]["hash"] if history else chain.GENESIS, event)
                seq = len(history) + 1
                link = {"_id": link_id(batch, seq), "tenant": tenant, "batch": batch,
                        "seq": seq, "event": event, **fields,
                        "seal": self.seal.link(batch, seq, fields["hash"]),
                        "recorded_at": at, "recorded_by": by}
                if signature:
                    link["signature"] = signature
                history.append(link)
                links.append(link)
                batches.append({"batch": batch, "seq": link["seq"], "hash": link["hash"]})
                message = trace_pb2.TraceEventRecorded(
                    batch_id=batch, event_id=event["eventID"], event_type=event["type"],
                    step=event["bizStep"], seq=link["seq"], hash=link["hash"])
                message.event_time.FromDatetime(epcis.parse_time(event["eventTime"]))
                announcements[link["_id"]] = [domain.envelope("trace.event_recorded", tenant,
                                                              batch, message)]
            recorded.append({"eventID": event["eventID"], "hash": content,
                             "batches": [b["batch"] for b in batches]})
            results.append({"eventID": event["eventID"], "duplicate": False,
                            "step": event["bizStep"], "batches": [b["batch"] for b in batches],
                            "links": batches})
        return results, recorded, links, announcements

    def _check_places(self, tenant: str, event: dict, places: dict[str, dict]) -> None:
        for field in ("readPoint", "bizLocation"):
            uri = (event.get(field) or {}).get("id")
            if not uri or uri in places:
                continue
            _, kind, code = epcis.parse_location(uri)
            places[uri] = self.store.registry("areas" if kind == "area" else "producers",
                                              tenant, code)

    def _check_signature(self, tenant: str, signature, content: str) -> None:
        if not isinstance(signature, dict) or not signature.get("signer"):
            raise InvalidArgument("a signature is {signer, value}", {"signature": "form"})
        producer = self.store.registry("producers", tenant, signature["signer"])
        problem = chain.signature_problem(signature, content, producer.get("public_key", ""))
        if problem:
            raise InvalidArgument(f"the event's {problem}", {"signature": problem})

    # --- verification, provenance, export ---------------------------------------------

    def _links(self, batch: dict) -> list[dict]:
        """A batch's links as stored: through the count of its sealed head (when the seal
        verifies: a forged count must not make us read forever), then on to the first
        missing one."""
        head = batch.get("sealed_head")
        through = head["count"] if self.seal.head_sealed(batch["_id"], head) else 0
        return self.store.links(batch, through)

    def _intact_chain(self, batch: dict) -> list[dict]:
        """A batch's links to append to; FailedPrecondition when they fail verification:
        a chain found broken takes no new events until its records are restored."""
        links = self._links(batch)
        result = self._verification(batch, links)
        if not result.intact:
            raise FailedPrecondition(
                f"batch {batch['_id']} fails verification ({result.reason}); it takes no new "
                "events until its records are restored")
        return links

    def _verification(self, batch: dict, links: list[dict]) -> chain.Verification:
        signers = {link["signature"]["signer"] for link in links if link.get("signature")}
        keys = {}
        for signer in signers:
            try:
                keys[signer] = self.store.registry("producers", batch["tenant"],
                                                   signer).get("public_key", "")
            except NotFound:
                pass
        return chain.verify(batch["_id"], links, batch.get("sealed_head"), self.seal, keys)

    def verify(self, tenant: str, batch_id: str) -> dict:
        batch = self.store.batch(batch_id, tenant)
        return self._record_verification(batch, self._verification(batch, self._links(batch)))

    def reverify(self) -> list[dict]:
        """Verify every batch, and record each result that differs from what its public
        snapshot shows, so that the page warns of records changed behind the service's
        back without waiting for an officer to ask; a snapshot whose batch record is
        gone says so, a batch whose snapshot is gone gets it back. Returns the results
        recorded."""
        shown = {s["_id"]: s for s in self.store.shown_verifications()}
        checks = []
        for batch in self.store.all_batches():
            snapshot = shown.pop(batch["_id"], None)
            if snapshot is None:
                self.rebuild(batch["_id"])
            else:
                checks.append((batch, snapshot.get("verification") or {},
                               self._verification(batch, self._links(batch))))
        for orphan in shown.values():
            shown_before = orphan.get("verification") or {}
            checks.append((orphan, shown_before, chain.Verification(
                False, 0, 1, "the batch's record is missing",
                anchored_events=shown_before.get("anchored_events") or 0)))
        return [{"batch": batch["_id"], "tenant": batch["tenant"],
                 **self._record_verification(batch, result)}
                for batch, verification, result in checks
                if any(verification.get(k) != v for k, v in result.as_dict().items())]

    def seal_existing(self) -> tuple[list[str], dict[str, str]]:
        """Seal the chains recorded before the service sealed them (batches without a
        sealed head) whose hashes check and whose length is the batch's own count: an
        operator's step once after upgrading, with the key. Returns the batches sealed,
        and those refused with the reason."""
        sealed, refused = [], {}
        for batch in self.store.all_batches():
            if batch.get("sealed_head") is not None:
                continue
            links = self.store.links(batch)
            problem = chain.unsealed_problem(links)
            if not problem and len(links) != batch.get("seq", 0):
                problem = f"the batch counts {batch.get('seq', 0)} events, {len(links)} found"
            if problem:
                refused[batch["_id"]] = problem
                continue
            self.store.seal_chain(batch["_id"], {
                link["_id"]: self.seal.link(batch["_id"], link["seq"], link["hash"])
                for link in links}, self.seal.head(batch["_id"], len(links),
                                                   links[-1]["hash"] if links
                                                   else chain.GENESIS))
            self.rebuild(batch["_id"])
            sealed.append(batch["_id"])
        return sealed, refused

    def _record_verification(self, batch: dict, result: chain.Verification) -> dict:
        """Store and announce a verification of `batch` (its record, or the snapshot of
        one whose record is gone), and show it on the public page."""
        tenant, batch_id = batch["tenant"], batch["_id"]
        view = {**result.as_dict(), "checked_at": now().isoformat()}
        message = trace_pb2.TraceBatchVerified(batch_id=batch_id, verification=trace_pb2.
                                               Verification(**result.as_dict()))
        self.store.record_verification(
            batch_id, view, domain.envelope("trace.batch_verified", tenant, batch_id, message),
            announce=self.publisher)
        return view

    def rebuild(self, batch_id: str) -> dict:
        """The public page's snapshot of a batch, from the registry and its chain."""
        batch = self.store.batch(batch_id)
        tenant = batch["tenant"]
        product = self.store.product(batch["gtin"])
        producer = self.store.registry("producers", tenant, batch["producer"])
        area = self.store.registry("areas", tenant, batch["area"]) if batch.get("area") else None
        links = self._links(batch)
        names = {}
        for link in links:
            for field in ("readPoint", "bizLocation"):
                uri = (link["event"].get(field) or {}).get("id")
                if uri and uri not in names:
                    _, kind, code = epcis.parse_location(uri)
                    try:
                        names[uri] = self.store.registry(
                            "areas" if kind == "area" else "producers", tenant, code)["name"]
                    except NotFound:
                        names[uri] = code
        back, forward = domain.neighbours(batch_id, links)
        snapshot = {
            "_id": batch_id, "tenant": tenant, "seq": len(links),
            "batch": batch_view(batch),
            "product": domain.product_view(product, now().date()),
            "producer": {k: producer[k] for k in ("code", "name", "kind", "village",
                                                  "address", "contact")},
            "area": ({k: area.get(k) for k in ("code", "name", "village", "crop", "area_ha",
                                               "location")} if area else None),
            "timeline": [domain.timeline_entry(x["event"], x, names) for x in links],
            "back": [self._neighbour(b) for b in back],
            "forward": [self._neighbour(f) for f in forward],
            "verification": {**self._verification(batch, links).as_dict(),
                             "checked_at": now().isoformat()},
            "updated_at": now()}
        self.store.save_provenance(snapshot)
        return snapshot

    def _neighbour(self, ref: str) -> dict:
        if ref.startswith("carton:"):
            return {"id": ref, "carton": ref.removeprefix("carton:")}
        try:
            batch = self.store.batch(ref)
            product = self.store.product(batch["gtin"])
        except NotFound:
            return {"id": ref}
        return {"id": ref, "gtin": batch["gtin"], "lot": batch["lot"],
                "name_vi": product["name_vi"], "name_en": product["name_en"],
                "path": gs1.DigitalLink(batch["gtin"], batch["lot"]).path()}

    def provenance(self, batch_id: str, tenant: str | None = None) -> dict:
        snapshot = self.store.provenance(batch_id)
        if snapshot is None or (tenant and snapshot["tenant"] != tenant):
            raise NotFound(f"no batch {batch_id}")
        return snapshot

    def export(self, tenant: str, batch_id: str) -> dict:
        """The batch's events as an EPCIS 2.0 JSON-LD document."""
        links = self._links(self.store.batch(batch_id, tenant))
        events = [{**x["event"], **({"cv:signature": x["signature"]}
                                    if x.get("signature") else {})} for x in links]
        return epcis.document(events, now())

    # --- scans -------------------------------------------------------------------------

    def add_scans(self, counts: dict[tuple[str, str, str, str], int]) -> None:
        """Store scan counts {(tenant, batch, day, origin): n} gathered since the last call
        as one document, announced as trace.scanned per commune (up to SCANS_PER_EVENT
        counts each)."""
        rows = [{"tenant": tenant, "batch": batch, "gtin": batch.split(":")[0], "day": day,
                 "origin": origin, "count": count}
                for (tenant, batch, day, origin), count in counts.items()]
        events = []
        for tenant in sorted({r["tenant"] for r in rows}):
            mine = [r for r in rows if r["tenant"] == tenant]
            # Bounded events: a flush after a burst of scans of many batches would
            # otherwise make one huge message (and one long pause to encode it).
            for start in range(0, len(mine), SCANS_PER_EVENT):
                message = trace_pb2.TraceScanned(counts=[trace_pb2.ScanCount(
                    batch_id=r["batch"], gtin=r["gtin"], day=r["day"], count=r["count"],
                    origin=r["origin"]) for r in mine[start:start + SCANS_PER_EVENT]])
                events.append(domain.envelope("trace.scanned", tenant, "", message))
        self.store.add_scan_tally(rows, now(), events, announce=self.publisher)

    def scan_report(self, tenant: str, batch_id: str) -> dict:
        batch = self.store.batch(batch_id, tenant)
        rows = self.store.scans(tenant, batch_id)
        per_day: dict[str, int] = {}
        for row in rows:
            per_day[row["_id"]["day"]] = per_day.get(row["_id"]["day"], 0) + row["count"]
        total = sum(per_day.values())
        origins = {row["_id"]["origin"] for row in rows}
        flags = domain.counterfeit_flags(batch, total, len(origins))
        return {"batch": batch_id, "total": total, "per_day": per_day,
                "origins": sorted(origins), "possible_counterfeit": bool(flags),
                "flags": flags}
