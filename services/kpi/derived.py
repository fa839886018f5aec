"""Indicators derived from other services' events; pure.

Each source keeps a per-commune board of the objects its events describe (a task as it
is after its latest change); applying the same event twice leaves the board as it was,
and an older event never overwrites a newer state. The figures of a period are read
off the board. DERIVERS maps an indicator's source to the function that reads its
figures; IOC and trace indicators add their board and deriver here."""
import datetime as dt
from collections.abc import Callable, Iterable

from google.protobuf.message import Message

from commune.v1 import tasks_pb2
from services.common.envelope import Envelope, InvalidEvent
from services.common.periods import Period

from . import dossiers, satisfaction
from .domain import Figures
from .indicators import months_of

CLOSED = ("done", "stopped", "replaced")
NOT_COUNTED = ("draft", "stopped", "replaced")


def _day(stamp) -> str:
    return stamp.ToDatetime(dt.UTC).date().isoformat() if stamp.seconds else ""


def task_state(event: Message, envelope: Envelope) -> dict:
    """What the board keeps of the task an event carries (as it is after the change)."""
    task = event.task
    if not task.id:
        raise InvalidEvent(f"{envelope.type} without a task id")
    if task.tenant != envelope.tenant:
        raise InvalidEvent(f"task tenant {task.tenant!r} differs from envelope tenant "
                           f"{envelope.tenant!r}")
    # The order of changes: the time the tasks service announced each one (a task's own
    # update time can be the same for two changes in a row).
    return state_of(task, envelope.time)


def state_of(task: tasks_pb2.Task, changed: dt.datetime,
             updated_months: Iterable[str] = ()) -> dict:
    """What the board keeps of a task as it was at `changed`: an event gives the month
    of its last progress update; a rebuild from the tasks store gives every month with
    one (`updated_months`, "YYYY-MM")."""
    status = tasks_pb2.TaskStatus.Name(task.status).removeprefix("TASK_STATUS_").lower()
    progress_month = _day(task.last_progress_time)[:7]
    months = set(updated_months) | ({progress_month} if progress_month else set())
    return {"id": task.id, "status": status, "deadline": task.deadline,
            "created": _day(task.create_time), "done": _day(task.done_time),
            "closed": _day(task.update_time) if status in CLOSED else "",
            "updated_months": sorted(months),
            "changed": changed.astimezone(dt.UTC).isoformat()}


def apply_task(board: dict, state: dict) -> bool:
    """Put a task's state on the board; False when the board already knew it (a replay)
    or knows a newer one. Months with a progress update accumulate."""
    known = board.get(state["id"])
    months = sorted(set(state["updated_months"]) | set((known or {}).get("updated_months",
                                                                           [])))
    if known is not None and known["changed"] > state["changed"]:
        if months == known["updated_months"]:
            return False
        board[state["id"]] = {**known, "updated_months": months}
        return True
    merged = {**state, "updated_months": months}
    if merged == known:
        return False
    board[state["id"]] = merged
    return True


def _within(day: str, period: Period) -> bool:
    return bool(day) and period.first_day.isoformat() <= day <= period.last_day.isoformat()


def _active_in(task: dict, month: Period) -> bool:
    if task["status"] == "draft" or not task["created"]:
        return False
    if task["created"] > month.last_day.isoformat():
        return False
    return not task["closed"] or task["closed"] >= month.first_day.isoformat()


def task_figures(board: dict, period: Period) -> dict[str, Figures]:
    """completion (done / due in the period), on-time (done by the deadline / done,
    of the tasks due in the period) and monthly-update compliance (active tasks updated
    in a month / active tasks, summed over the period's months)."""
    due = [t for t in board.values() if t["status"] not in NOT_COUNTED
           and _within(t["deadline"], period)]
    done = [t for t in due if t["status"] == "done"]
    on_time = [t for t in done if t["done"] and t["done"] <= t["deadline"]]
    active = updated = 0
    for month in months_of(period):
        key = f"{month.year}-{month.number:02d}"
        for task in board.values():
            if _active_in(task, month):
                active += 1
                updated += key in task["updated_months"] or task["done"][:7] == key
    return {"task-completion-rate": Figures.ratio(len(done), len(due)),
            "task-on-time-rate": Figures.ratio(len(on_time), len(done)),
            "task-monthly-update-compliance": Figures.ratio(updated, active)}


# source -> function(board, period) -> {indicator code: Figures}
DERIVERS: dict[str, Callable[[dict, Period], dict[str, Figures]]] = {
    "tasks": task_figures,
    "dossiers": dossiers.figures,
    "assistant": satisfaction.figures,
}
