"""Task rules and shapes; pure (no I/O).

A task moves draft -> assigned -> in_progress -> done, may be paused and resumed, and
ends stopped (with a reason) or replaced (pointing to its successor). Overdue is derived
from the deadline and the status whenever a task is read, never stored. Every change
returns the fields to set and one history entry (who, when, what)."""
import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict, Field, model_validator

from commune.v1 import events_pb2, tasks_pb2
from services.common import periods
from services.common.envelope import Envelope
from services.common.errors import FailedPrecondition, InvalidArgument, named_once, validated

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
TENANT_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
# Roles that may write and read a commune's tasks.
WRITERS = ("admin", "officer")
READERS = ("admin", "officer", "operator", "province")

ACTIVE = ("assigned", "in_progress", "paused")
CLOSED = ("done", "stopped", "replaced")
TRANSITIONS = {
    "draft": {"assigned", "stopped"},
    "assigned": {"in_progress", "paused", "done", "stopped", "replaced"},
    "in_progress": {"paused", "done", "stopped", "replaced"},
    "paused": {"in_progress", "stopped", "replaced"},
    "done": set(), "stopped": set(), "replaced": set(),
}
PRIORITIES = ("low", "normal", "high")
# A task is slow when its progress trails the share of its time already spent by more
# than this many percentage points.
SLOW_MARGIN = 15


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    url: str = Field(min_length=1, max_length=1000)
    description: str = Field("", max_length=500)


class NewTask(BaseModel):
    """What a caller gives to create a task."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    tenant: str = Field(pattern=TENANT_PATTERN)
    code: str = Field(pattern=CODE_PATTERN)
    title: str = Field(min_length=3, max_length=500)
    plan: str = Field("", max_length=200)
    group: str = Field("", max_length=200)
    lead_unit: str = Field("", max_length=100)
    coordinating_units: list[str] = Field(default_factory=list, max_length=50)
    owner: str = Field("", max_length=200)
    deliverable: str = Field("", max_length=1000)
    priority: str = Field("normal", pattern="^(low|normal|high)$")
    start: dt.date | None = None
    deadline: dt.date | None = None
    period_text: str = Field("", max_length=100)

    @model_validator(mode="after")
    def _deadline_from_period_and_after_start(self):
        if self.deadline is None and self.period_text:
            try:
                period = periods.parse(self.period_text)
            except InvalidArgument as exc:
                raise InvalidArgument(str(exc), {"period_text": str(exc)}) from None
            self.deadline = period.last_day if period else None
        if self.start and self.deadline and self.deadline < self.start:
            raise ValueError("deadline is before start")
        return self


@dataclass(frozen=True)
class Directory:
    """A commune's units and officers, for checking references."""

    units: frozenset[str]
    officers: dict[str, str] = field(default_factory=dict)  # officer code -> unit code

    def check(self, lead_unit: str = "", coordinating_units=(), owner: str = "") -> None:
        wrong = {}
        for name, unit in [("lead_unit", lead_unit)] + [
                (f"coordinating_units.{i}", u) for i, u in enumerate(coordinating_units)]:
            if unit and unit not in self.units:
                wrong[name] = f"unknown unit {unit!r}"
        if owner and owner not in self.officers:
            wrong["owner"] = f"unknown officer {owner!r}"
        if wrong:
            raise InvalidArgument("; ".join(f"{k}: {v}" for k, v in wrong.items()), wrong)


class Unit(BaseModel):
    """A unit (đơn vị) of a commune that leads or coordinates work."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(min_length=2, max_length=200)
    short: str = Field("", max_length=50)


class Officer(BaseModel):
    """An officer who can own tasks, in one unit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(min_length=2, max_length=200)
    unit: str = Field(min_length=1)


def unit(fields: object) -> dict:
    return validated(Unit, fields, "unit").model_dump()


def officer(fields: object, directory: Directory) -> dict:
    checked = validated(Officer, fields, "officer").model_dump()
    directory.check(lead_unit=checked["unit"])
    return checked




def _entry(by: str, now: dt.datetime, what: str, **details) -> dict:
    return {"at": now, "by": by, "what": what, **details}


def new_task(fields: object, created_by: str, now: dt.datetime,
             directory: Directory | None = None) -> dict:
    """The stored document of a new task; InvalidArgument naming each bad field."""
    task = validated(NewTask, fields, "task")
    if directory is not None:
        directory.check(task.lead_unit, task.coordinating_units, task.owner)
    return {
        "_id": uuid.uuid4().hex,
        **task.model_dump(mode="json"),
        "status": "draft",
        "progress": 0,
        "evidence": [],
        "progress_log": [],
        "replaces": "", "replaced_by": "", "stop_reason": "",
        "created_at": now, "created_by": created_by, "updated_at": now,
        "done_at": None, "closed_at": None, "overdue_announced": False,
        "version": 1,
        "history": [_entry(created_by, now, "created")],
    }


# What assigns a task: once it is assigned these change only through the quarterly
# review (a new deadline, or a replacement task), never by revising its plan.
ASSIGNMENT_FIELDS = ("lead_unit", "owner", "deadline", "period_text")


def revise(task: dict, fields: dict, by: str, now: dt.datetime,
           directory: Directory) -> tuple[dict, dict]:
    """A task's plan changed (an edited plan imported again): `fields`, those that
    changed, among NewTask's. Any of them while it is a draft; once it is assigned, all
    but ASSIGNMENT_FIELDS; none once it is closed. Deadline and period_text go together
    (a new period gives the deadline its last day)."""
    code, status = task["code"], task["status"]
    if status in CLOSED:
        raise FailedPrecondition(f"task {code!r} is {status}; a closed task does not change")
    moved = [f for f in ASSIGNMENT_FIELDS if f in fields]
    if status != "draft" and moved:
        raise FailedPrecondition(
            f"task {code!r} is {status}: its lead unit, owner and deadline change only "
            "through the quarterly review, not by revising its plan")
    if fixed := [k for k in ("tenant", "code") if k in fields]:
        raise InvalidArgument("a task's commune and code do not change",
                              dict.fromkeys(fixed, "does not change"))
    current = {k: task.get(k) for k in NewTask.model_fields}
    if "deadline" in fields or "period_text" in fields:
        current.update(deadline=None, period_text="")
    checked = validated(NewTask, {**current, **fields}, "task").model_dump(mode="json")
    directory.check(fields.get("lead_unit", ""), fields.get("coordinating_units", ()),
                    fields.get("owner", ""))
    changes = {k: v for k, v in checked.items() if v != task.get(k)}
    return changes, _entry(by, now, "revised", fields=sorted(changes))


# --- lifecycle -------------------------------------------------------------------------

def _move(task: dict, target: str) -> None:
    if target not in TRANSITIONS[task["status"]]:
        allowed = ", ".join(sorted(TRANSITIONS[task["status"]])) or "none (it is closed)"
        raise FailedPrecondition(f"task {task['code']!r} is {task['status']}; it cannot become "
                                 f"{target} (allowed: {allowed})")


def assign(task: dict, by: str, now: dt.datetime, directory: Directory, *,
           lead_unit: str = "", owner: str = "", deadline: str = "") -> tuple[dict, dict]:
    """draft -> assigned: a lead unit, a named owner and a deadline, all clear."""
    _move(task, "assigned")
    lead_unit = lead_unit or task["lead_unit"]
    owner = owner or task["owner"]
    deadline = deadline or task["deadline"] or ""
    missing = {f: "required to assign" for f, v in
               (("lead_unit", lead_unit), ("owner", owner), ("deadline", deadline)) if not v}
    if missing:
        raise InvalidArgument(f"cannot assign {task['code']!r}: "
                              f"{', '.join(missing)} missing", missing)
    directory.check(lead_unit=lead_unit, owner=owner)
    day = _date(deadline, "deadline")
    if task["start"] and day < _date(task["start"], "start"):
        raise InvalidArgument("deadline is before start", {"deadline": "before start"})
    changes = {"status": "assigned", "lead_unit": lead_unit, "owner": owner,
               "deadline": day.isoformat()}
    return changes, _entry(by, now, "assigned", lead_unit=lead_unit, owner=owner,
                           deadline=day.isoformat())


def change_status(task: dict, target: str, by: str, now: dt.datetime,
                  reason: str = "") -> tuple[dict, dict]:
    """A lifecycle move other than assigning and replacing (see review_replace)."""
    if target in ("assigned", "replaced"):
        raise InvalidArgument(f"use {'assign' if target == 'assigned' else 'the review'} "
                              f"to make a task {target}")
    _move(task, target)
    if target == "stopped" and not reason.strip():
        raise InvalidArgument("a stopped task needs a reason", {"reason": "required"})
    changes: dict = {"status": target}
    if target == "done":
        changes.update(done_at=now, closed_at=now, progress=100)
    elif target == "stopped":
        changes.update(closed_at=now, stop_reason=reason.strip())
    return changes, _entry(by, now, f"status {task['status']} -> {target}",
                           **({"reason": reason.strip()} if reason.strip() else {}))


class ProgressReport(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    percent: int = Field(ge=0, le=100)
    note: str = Field("", max_length=2000)
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)


def report_progress(task: dict, report: object, by: str, now: dt.datetime) -> tuple[dict, dict]:
    """A progress update; an assigned task starts with its first one. Progress may go
    down only with a note saying why."""
    report = validated(ProgressReport, report, "progress report")
    if task["status"] not in ("assigned", "in_progress"):
        raise FailedPrecondition(f"task {task['code']!r} is {task['status']}; progress is "
                                 "reported on assigned or in-progress tasks")
    if report.percent < task["progress"] and not report.note:
        raise InvalidArgument(f"progress goes down from {task['progress']}% to "
                              f"{report.percent}%: say why in a note", {"note": "required"})
    evidence = [{**e.model_dump(), "added_by": by, "added_at": now} for e in report.evidence]
    changes = {"progress": report.percent, "last_progress_at": now,
               "status": "in_progress"}
    log = {"at": now, "by": by, "percent": report.percent, "note": report.note}
    entry = _entry(by, now, f"progress {task['progress']}% -> {report.percent}%",
                   **({"note": report.note} if report.note else {}))
    return {**changes, "_push": {"progress_log": log, "evidence": evidence}}, entry


class ReviewDecision(BaseModel):
    """A quarterly review's decision on one task."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: str = Field(pattern="^(keep|adjust_deadline|stop|replace)$")
    note: str = Field("", max_length=2000)
    deadline: dt.date | None = None
    # The new task's fields (as for a new task, without the tenant) when replacing.
    replacement: dict | None = None

    @model_validator(mode="after")
    def _what_each_decision_needs(self):
        if self.decision == "adjust_deadline" and self.deadline is None:
            raise ValueError("adjust_deadline needs the new deadline")
        if self.decision in ("stop", "replace") and not self.note:
            raise ValueError(f"{self.decision} needs a note saying why")
        if self.decision == "replace" and not self.replacement:
            raise ValueError("replace needs the replacement task")
        return self


def review_decision(fields: object) -> ReviewDecision:
    return validated(ReviewDecision, fields, "review decision")


def decide(task: dict, decision: ReviewDecision, by: str, now: dt.datetime,
           directory: Directory) -> tuple[dict, dict, dict | None]:
    """The change a review decision makes to a task, its history entry, and the new task
    when the decision replaces it (the two point at each other)."""
    if task["status"] not in ACTIVE:
        raise FailedPrecondition(f"task {task['code']!r} is {task['status']}; the review "
                                 "decides on assigned, in-progress or paused tasks")
    entry = _entry(by, now, f"review: {decision.decision}", note=decision.note)
    if decision.decision == "keep":
        return {}, entry, None
    if decision.decision == "adjust_deadline":
        start = task.get("start")
        if start and decision.deadline < _date(start, "start"):
            raise InvalidArgument("deadline is before start", {"deadline": "before start"})
        entry["deadline"] = decision.deadline.isoformat()
        return ({"deadline": decision.deadline.isoformat(), "overdue_announced": False},
                entry, None)
    if decision.decision == "stop":
        changes, _ = change_status(task, "stopped", by, now, decision.note)
        return changes, entry, None
    _move(task, "replaced")
    successor = new_task(named_once(decision.replacement, "tenant", task["tenant"]), by, now,
                         directory)
    successor["replaces"] = task["_id"]
    entry["replaced_by"] = successor["_id"]
    return ({"status": "replaced", "replaced_by": successor["_id"], "closed_at": now},
            entry, successor)


# --- derived state ---------------------------------------------------------------------

def _date(value, name: str) -> dt.date:
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{name} must be a date YYYY-MM-DD", {name: "not a date"}) from None


# The status each kind of history entry leaves a task in, beside "status a -> b" (b)
# and "progress a% -> b%" (in progress); other entries leave it as it was.
_ENTRY_STATUS = {"created": "draft", "assigned": "assigned", "review: stop": "stopped",
                 "review: replace": "replaced"}


def _status_after(entry: dict, status: str) -> str:
    what = entry.get("what", "")
    if what.startswith("status "):
        return what.rpartition(" -> ")[2]
    if what.startswith("progress "):
        return "in_progress"
    return _ENTRY_STATUS.get(what, status)


def as_of(task: dict, moment: dt.datetime) -> dict | None:
    """The task as it stood at `moment`, what it went through later undone: its status and
    deadline from its history, its progress from its log; None if it was not created yet.
    Its other plan fields (title, unit, deliverable) are today's."""
    if task["created_at"] >= moment:
        return None
    earlier = [e for e in task.get("history", []) if e["at"] < moment]
    status, deadline = "draft", task.get("deadline")
    for entry in earlier:
        status = _status_after(entry, status)
        deadline = entry.get("deadline", deadline)
    log = [e for e in task.get("progress_log", []) if e["at"] < moment]

    def before(stamp):
        return stamp if stamp is not None and stamp < moment else None

    done_at = before(task.get("done_at"))
    return {**task, "status": status, "deadline": deadline,
            "progress": 100 if done_at else (log[-1]["percent"] if log else 0),
            "progress_log": log, "last_progress_at": log[-1]["at"] if log else None,
            "done_at": done_at, "closed_at": before(task.get("closed_at")),
            "updated_at": earlier[-1]["at"] if earlier else task["created_at"],
            "history": earlier}


def due_date(task: dict) -> dt.date | None:
    return dt.date.fromisoformat(task["deadline"]) if task.get("deadline") else None


def is_overdue(task: dict, today: dt.date) -> bool:
    due = due_date(task)
    return task["status"] in ACTIVE and due is not None and due < today


def done_on_time(task: dict) -> bool:
    due = due_date(task)
    return task["status"] == "done" and (due is None or task["done_at"].date() <= due)


def time_spent(task: dict, today: dt.date) -> float | None:
    """The share (0-1) of the task's time already spent; None without a deadline."""
    due = due_date(task)
    if due is None:
        return None
    start = _date(task["start"], "start") if task.get("start") else task["created_at"].date()
    if due <= start:
        return 1.0
    return min(1.0, max(0.0, (today - start).days / (due - start).days))


def review_flags(task: dict, today: dt.date) -> list[str]:
    """Why the quarterly review should look at an active task: slow (progress behind the
    time spent), overdue, or no clear deliverable."""
    if task["status"] not in ACTIVE:
        return []
    flags = []
    spent = time_spent(task, today)
    if spent is not None and task["progress"] + SLOW_MARGIN < spent * 100:
        flags.append("slow")
    if is_overdue(task, today):
        flags.append("overdue")
    if not task.get("deliverable", "").strip():
        flags.append("no_deliverable")
    return flags


# --- summaries -------------------------------------------------------------------------

def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# What summarize counts, one 0/1 of each per task (_facts); the order of the columns.
_COUNTED = ("assigned", "done", "done_on_time", "overdue", "in_progress", "active",
            "updated_this_month", "due", "due_done", "due_overdue")
_NOT_COUNTED = (0,) * len(_COUNTED)


def _facts(task: dict, today: dt.date, month: tuple[dt.date, dt.date]) -> tuple[int, ...]:
    """A task's contribution to each _COUNTED column, as of `today`; `month` is the first
    and last day of today's month."""
    status = task["status"]
    if status == "draft":
        return _NOT_COUNTED
    first, last = month
    due = due_date(task)
    overdue = status in ACTIVE and due is not None and due < today
    done = status == "done"
    closed = task.get("closed_at")
    active = task["created_at"].date() <= last and (closed is None or closed.date() >= first)
    done_at = task.get("done_at")
    updated = active and (
        any(first <= e["at"].date() <= last for e in task.get("progress_log", []))
        or (done_at is not None and first <= done_at.date() <= last))
    is_due = status not in ("stopped", "replaced") and due is not None and due < today
    return (1, done, done and (due is None or done_at.date() <= due), overdue,
            status == "in_progress" and not overdue, active, updated, is_due,
            is_due and done, is_due and overdue)


def _summary(facts: list[tuple[int, ...]], key: str) -> dict:
    counts = dict(zip(_COUNTED, (sum(column) for column in zip(*facts, _NOT_COUNTED, strict=True)),
                      strict=True))
    return {
        "key": key, **counts,
        "completion_rate": _rate(counts["done"], counts["assigned"]),
        "on_time_rate": _rate(counts["done_on_time"], counts["done"]),
        "monthly_update_compliance": _rate(counts["updated_this_month"], counts["active"]),
    }


def _month(today: dt.date) -> tuple[dt.date, dt.date]:
    month = periods.Period.month_of(today)
    return month.first_day, month.last_day


def summarize(tasks, today: dt.date, key: str = "") -> dict:
    """TaskSummary counts and rates for a set of tasks, as of `today`."""
    month = _month(today)
    return _summary([_facts(t, today, month) for t in tasks], key)


def summaries(tasks, today: dt.date) -> dict:
    """The total and one row per lead unit and per group; each task's facts are worked
    out once (a province reads a summary of 10,000 tasks in well under 200 ms)."""
    month = _month(today)
    every, by_unit, by_group = [], defaultdict(list), defaultdict(list)
    for task in tasks:
        facts = _facts(task, today, month)
        every.append(facts)
        by_unit[task["lead_unit"]].append(facts)
        by_group[task["group"]].append(facts)
    return {
        "total": _summary(every, ""),
        "by_unit": [_summary(fs, k) for k, fs in sorted(by_unit.items())],
        "by_group": [_summary(fs, k) for k, fs in sorted(by_group.items())],
    }


# --- contract shapes -------------------------------------------------------------------

def _timestamp(message, name: str, value) -> None:
    if value is not None:
        getattr(message, name).FromDatetime(value)


def task_message(document: dict, today: dt.date | None = None) -> tasks_pb2.Task:
    """The contract's Task for a stored document, overdue derived as of `today`."""
    today = today or dt.datetime.now(dt.UTC).date()
    task = tasks_pb2.Task(
        id=document["_id"], tenant=document["tenant"], code=document["code"],
        title=document["title"], plan=document["plan"], group=document["group"],
        lead_unit=document["lead_unit"], coordinating_units=document["coordinating_units"],
        owner=document["owner"], deliverable=document["deliverable"],
        deadline=document["deadline"] or "", period_text=document["period_text"],
        status=tasks_pb2.TaskStatus.Value(f"TASK_STATUS_{document['status'].upper()}"),
        created_by=document["created_by"], start=document.get("start") or "",
        priority=tasks_pb2.TaskPriority.Value(
            f"TASK_PRIORITY_{document.get('priority', 'normal').upper()}"),
        progress_percent=document.get("progress", 0),
        overdue=is_overdue(document, today),
        replaces=document.get("replaces", ""), replaced_by=document.get("replaced_by", ""),
        stop_reason=document.get("stop_reason", ""),
        evidence=[tasks_pb2.Evidence(url=e["url"], description=e["description"],
                                     added_by=e["added_by"]) for e in document.get("evidence", [])],
    )
    _timestamp(task, "create_time", document["created_at"])
    _timestamp(task, "update_time", document.get("updated_at"))
    _timestamp(task, "done_time", document.get("done_at"))
    _timestamp(task, "last_progress_time", document.get("last_progress_at"))
    for message, stored in zip(task.evidence, document.get("evidence", []), strict=True):
        _timestamp(message, "add_time", stored.get("added_at"))
    return task


def event(event_type: str, document: dict, message) -> Envelope:
    """An event of the tasks service about one task."""
    return Envelope.wrap(event_type, "tasks", document["tenant"], message,
                         subject=document["_id"])


def arrival_events(document: dict) -> list[Envelope]:
    """The events that announce a task newly stored: task.created, and task.completed
    when it arrives already done (a plan imported after the fact)."""
    task = task_message(document)
    events = [event("task.created", document, events_pb2.TaskCreated(task=task))]
    if document["status"] == "done":
        events.append(event("task.completed", document, events_pb2.TaskCompleted(
            task=task, on_time=done_on_time(document))))
    return events


def updated_event(document: dict, fields: list[str]) -> Envelope:
    """task.updated for a task as it is after `revise` changed `fields`."""
    return event("task.updated", document, events_pb2.TaskUpdated(
        task=task_message(document), fields=fields))


def task_view(document: dict, today: dt.date | None = None) -> dict:
    """A task as proto3 JSON, the shape RPC and HTTP callers get."""
    return json_format.MessageToDict(task_message(document, today))
