"""kpi's task facts rebuilt from the tasks store, their source of truth: for tasks stored
while kpi had no queue to receive their events (they went nowhere), or to repair the
view. Each stored task gives what its events would have: its created-task fact and its
state on the commune's board (through the inbox, folded by one writer at a time).
Idempotent: a fact is kept once, a state the board already holds changes nothing, and
an event that arrives afterwards is ordered against the task's update time."""
import datetime as dt
from dataclasses import dataclass

from services.tasks.domain import task_message
from services.tasks.listing import Criteria
from services.tasks.store import TaskStore

from . import derived
from .keys import board_id
from .store import KpiStore


@dataclass(frozen=True)
class Rebuilt:
    tenant: str
    tasks: int  # tasks read from the tasks store
    facts: int  # created-task facts that were missing
    states: int  # task states the board did not hold


def created_fact(document: dict) -> dict:
    """The created-task fact of a stored task (not from an event: no event id)."""
    return {"tenant": document["tenant"], "task_id": document["_id"],
            "code": document["code"], "created_at": document["created_at"], "event_id": ""}


def board_state(document: dict) -> dict:
    """A stored task's state as its latest event would put it on the board, with every
    month it had a progress update in."""
    months = {entry["at"].astimezone(dt.UTC).strftime("%Y-%m")
              for entry in document.get("progress_log", [])}
    return derived.state_of(task_message(document), document["updated_at"], months)


def rebuild(tasks: TaskStore, kpi: KpiStore, tenant: str) -> Rebuilt:
    documents = tasks.select(Criteria(tenant))
    facts = sum(kpi.record_created_task(created_fact(d)) for d in documents)
    board = kpi.read_packed("boards", board_id(tenant, "tasks"))
    for pending in kpi.pending_task_states(tenant).get(tenant, []):
        derived.apply_task(board, pending)
    missing = [s for s in map(board_state, documents) if derived.apply_task(board, s)]
    for state in missing:
        kpi.add_task_state(tenant, f"rebuild:{state['id']}:{state['changed']}", state)
    # Folded now if no worker is folding this commune (else its timer does it); reports
    # read what is still in the inbox, so they are exact either way.
    kpi.fold_task_inbox(tenant, derived.apply_task)
    return Rebuilt(tenant, len(documents), facts, len(missing))
