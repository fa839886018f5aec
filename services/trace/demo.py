"""Demo traceability data of Bình Lư (demo/binh-lu.yaml, citing its sources): the
arrowroot vermicelli chain from the raw-material area to packed and shipped batches, one
batch of wild honey and one of Séng Cù rice. Everything goes through the ledger's rules;
loading twice adds nothing (fixed event ids, existing batches kept). Events wait in the
outbox for the trace worker's relay."""
import uuid
from importlib import resources

import yaml

from services.common.errors import AlreadyExists
from services.common.mongo import database_name, make_client

from .config import seal_of
from .ledger import Ledger
from .store import TraceStore

BY = "demo-loader"


def read() -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("demo", "binh-lu.yaml")
                          .read_text("utf-8"))


def event_id(key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'commune-platform/trace/demo/{key}')}"


def load(ledger: Ledger, data: dict | None = None) -> dict:
    data = data or read()
    tenant = data["tenant"]
    for producer in data["producers"]:
        ledger.save_producer(tenant, producer)
    for area in data["areas"]:
        ledger.save_area(tenant, area)
    for product in data["products"]:
        ledger.save_product(tenant, product)
    new_batches = 0
    for batch in data["batches"]:
        try:
            ledger.create_batch(tenant, batch, BY)
            new_batches += 1
        except AlreadyExists:
            pass
    new_events = 0
    for fields in data["events"]:
        fields = {k: v for k, v in fields.items() if k != "key"} | {
            "event_id": event_id(fields["key"])}
        new_events += sum(not r["duplicate"] for r in ledger.record(tenant, fields, BY))
    return {"products": len(data["products"]), "new_batches": new_batches,
            "new_events": new_events}


def seed(settings) -> str:
    """Demo data for `commune seed` (catalog.DEMO_SEEDS)."""
    store = TraceStore(make_client(settings)[database_name(settings, "trace")])
    store.ensure_indexes()
    loaded = load(Ledger(store, None, seal_of(settings)))
    return "{products} products, {new_batches} new batches, {new_events} new events".format(
        **loaded)
