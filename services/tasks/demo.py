"""Demo data of Bình Lư from its own documents (demo/*.yaml, each citing its source):
its units, the 2026 plan's tasks, and the 92 tasks of 2025, all done. Loading twice
adds nothing. Tasks go through the domain rules like any other, and their events wait in
the outbox for the tasks worker's relay, so subscribers see them as created."""
import datetime as dt
from importlib import resources

import yaml

from services.common.errors import AlreadyExists
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher

from . import domain
from .store import TaskStore

BY = "demo-loader"
YEAR_2025_DONE_AT = dt.datetime(2025, 12, 31, 9, 0, tzinfo=dt.UTC)


def _read(name: str) -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("demo", name)
                          .read_text("utf-8"))


def _apply(document: dict, change: tuple[dict, dict]) -> dict:
    changes, entry = change
    return {**document, **changes, "history": document["history"] + [entry]}


def _owner_of(unit: str, officers: list[dict]) -> str:
    return next((o["code"] for o in officers if o["unit"] == unit), "")


def _store(store: TaskStore, document: dict, announce: Publisher | None) -> bool:
    try:
        store.create(document, *domain.arrival_events(document), announce=announce)
        return True
    except AlreadyExists:
        return False


def plan_2026(directory: domain.Directory, officers: list[dict], now: dt.datetime):
    plan = _read("binh-lu-2026.yaml")
    for row in plan["tasks"] + plan.get("unassigned_tasks", []):
        fields = {"tenant": plan["tenant"], "code": row["code"], "title": row["title"],
                  "plan": plan["plan"], "group": row.get("group", ""),
                  "lead_unit": row.get("lead_unit", ""),
                  "coordinating_units": row.get("coordinating_units", []),
                  "owner": _owner_of(row.get("lead_unit", ""), officers),
                  "deliverable": row.get("deliverable", ""),
                  "period_text": row.get("period", "")}
        document = domain.new_task(fields, BY, now, directory)
        if document["lead_unit"] and document["owner"] and document["deadline"]:
            document = _apply(document, domain.assign(document, BY, now, directory))
        yield document


def year_2025(directory: domain.Directory, officers: list[dict]):
    """The 92 tasks of 2025: the report gives the count and the result, not the tasks,
    so they are numbered and spread over the units that have an officer."""
    year = _read("binh-lu-2025.yaml")
    owners = [o for o in officers if o["unit"] in directory.units]
    start = dt.datetime(2025, 1, 2, 8, 0, tzinfo=dt.UTC)
    for number in range(1, year["assigned"] + 1):
        owner = owners[(number - 1) % len(owners)]
        fields = {"tenant": year["tenant"], "code": f"NV2025-{number:02d}",
                  "title": f"Nhiệm vụ năm 2025 số {number:02d}", "plan": year["plan"],
                  "lead_unit": owner["unit"], "owner": owner["code"],
                  "start": "2025-01-01", "deadline": "2025-12-31"}
        document = domain.new_task(fields, BY, start, directory)
        document = _apply(document, domain.assign(document, BY, start, directory))
        if number <= year["completed"]:
            document = _apply(document, domain.change_status(document, "done", BY,
                                                             YEAR_2025_DONE_AT))
        yield document


def load(store: TaskStore, now: dt.datetime, announce: Publisher | None = None) -> dict:
    """Load everything; returns how many units, officers and new tasks. With a publisher
    the new tasks' events go out at once (TaskStore.create)."""
    people = _read("units.yaml")
    tenant = _read("binh-lu-2026.yaml")["tenant"]
    store.load_directory(tenant, people["units"], people["officers"])
    directory = store.directory(tenant)
    added = sum(_store(store, d, announce)
                for d in plan_2026(directory, people["officers"], now))
    added += sum(_store(store, d, announce) for d in year_2025(directory, people["officers"]))
    return {"units": len(people["units"]), "officers": len(people["officers"]),
            "new_tasks": added}


def seed(settings) -> str:
    """Demo data for `commune seed` (catalog.DEMO_SEEDS)."""
    store = TaskStore(make_client(settings)[database_name(settings, "tasks")])
    store.ensure_indexes()
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    try:
        loaded = load(store, dt.datetime.now(dt.UTC), publisher)
    finally:
        publisher.close()
    return "{units} units, {officers} officers, {new_tasks} new tasks".format(**loaded)
