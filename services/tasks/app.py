"""The tasks use cases and their table of operations. Each use case takes the caller and
its request model, applies the domain's rules (domain.py) to what the store loads, stores
the change with the events that announce it, and answers a response model. Every door
(nameko RPC and HTTP in service.py, gRPC in grpc_api.py) runs them through OPERATIONS,
which says who may do what; nothing else checks roles."""
import datetime as dt
import io
from collections.abc import Iterator

from google.protobuf import json_format

from commune.v1 import events_pb2
from services.common.api.operations import Operation, Operations, Route
from services.common.auth import Principal
from services.common.clock import now
from services.common.errors import InvalidArgument
from services.common.fanout import EventFanout
from services.common.periods import VIETNAM
from services.common.periods import parse as parse_period
from services.common.publisher import Publisher

from . import domain, excel, listing
from . import schemas as s
from .excel.reading import MAX_FILE_BYTES
from .listing import Criteria
from .store import TaskStore

# The events that carry a task as it is after the change.
TASK_EVENTS = ("task.created", "task.assigned", "task.updated", "task.progress_reported",
               "task.status_changed", "task.overdue", "task.completed", "task.review_decided")
WATCH_POLL_S = 1.0


class TasksApp:
    """`reader` answers lists and summaries: the store in the worker, the in-memory read
    model in the gRPC process (read_model.py). `events` is None where nothing is written;
    `changes` (the tasks' events fanned out) only where tasks are watched."""

    def __init__(self, store: TaskStore, reader=None, events: Publisher | None = None,
                 changes: EventFanout | None = None):
        self.store = store
        self.reader = reader or store
        self.events = events
        self.changes = changes

    # --- commands ----------------------------------------------------------------------

    def create_task(self, principal: Principal, request: s.CreateTaskRequest) -> s.Task:
        document = domain.new_task(request.fields(), principal.subject, now(),
                                   self.store.directory(request.tenant))
        self.store.create(document, *domain.arrival_events(document), announce=self.events)
        return _task(document)

    def assign_task(self, principal: Principal, request: s.AssignTaskRequest) -> s.Task:
        task = self.store.get(request.tenant, request.id)
        changes, entry = domain.assign(
            task, principal.subject, now(), self.store.directory(request.tenant),
            lead_unit=request.lead_unit, owner=request.owner,
            deadline=request.deadline.isoformat() if request.deadline else "")
        preview = {**task, **changes}
        event = domain.event("task.assigned", preview,
                             events_pb2.TaskAssigned(task=domain.task_message(preview)))
        return _task(self._store_change(task, changes, entry, event))

    def report_progress(self, principal: Principal, request: s.ReportProgressRequest) -> s.Task:
        task = self.store.get(request.tenant, request.id)
        report = request.model_dump(include={"percent", "note", "evidence"})
        changes, entry = domain.report_progress(task, report, principal.subject, now())
        preview = {**task, **{k: v for k, v in changes.items() if k != "_push"}}
        event = domain.event("task.progress_reported", preview, events_pb2.TaskProgressReported(
            task=domain.task_message(preview), previous_percent=task["progress"],
            note=entry.get("note", "")))
        return _task(self._store_change(task, changes, entry, event))

    def change_status(self, principal: Principal, request: s.ChangeStatusRequest) -> s.Task:
        task = self.store.get(request.tenant, request.id)
        status = s.domain_status(request.status)
        changes, entry = domain.change_status(task, status, principal.subject, now(),
                                              request.reason)
        preview = {**task, **changes}
        message = domain.task_message(preview)
        events = [domain.event("task.status_changed", preview, events_pb2.TaskStatusChanged(
            task=message, previous_status=domain.task_message(task).status,
            reason=entry.get("reason", "")))]
        if status == "done":
            events.append(domain.event("task.completed", preview, events_pb2.TaskCompleted(
                task=message, on_time=domain.done_on_time(preview))))
        return _task(self._store_change(task, changes, entry, *events))

    def decide_review(self, principal: Principal, request: s.DecideReviewRequest) -> s.Task:
        task = self.store.get(request.tenant, request.id)
        decision = domain.review_decision({
            **request.model_dump(include={"decision", "note", "deadline"}),
            "replacement": _replacement(request)})
        by = principal.subject
        changes, entry, successor = domain.decide(task, decision, by, now(),
                                                  self.store.directory(request.tenant))
        if successor is not None:
            self.store.create(successor, *domain.arrival_events(successor),
                              announce=self.events)
        preview = {**task, **changes}
        message = domain.task_message(preview)
        events = [domain.event("task.review_decided", preview, events_pb2.TaskReviewDecided(
            task=message, decided_by=by, note=decision.note,
            decision=events_pb2.ReviewDecision.Value(
                f"REVIEW_DECISION_{decision.decision.upper()}"),
            replacement_id=successor["_id"] if successor else ""))]
        if changes.get("status"):
            events.append(domain.event("task.status_changed", preview,
                                       events_pb2.TaskStatusChanged(
                                           task=message, reason=decision.note,
                                           previous_status=domain.task_message(task).status)))
        return _task(self._store_change(task, changes, entry, *events))

    def save_unit(self, principal: Principal, request: s.SaveUnitRequest) -> s.Unit:
        saved = domain.unit(request.model_dump(exclude={"tenant"}))
        self.store.load_directory(request.tenant, [saved], [])
        return s.Unit.model_validate(saved)

    def save_officer(self, principal: Principal, request: s.SaveOfficerRequest) -> s.Officer:
        saved = domain.officer(request.model_dump(exclude={"tenant"}),
                               self.store.directory(request.tenant))
        self.store.load_directory(request.tenant, [], [saved])
        return s.Officer.model_validate(saved)

    def import_tasks(self, principal: Principal,
                     request: s.ImportTasksRequest) -> s.ImportTasksResponse:
        """A workbook's rows into the commune's tasks, all or none, and what became of
        each row (excel/importing.py); the caller is recorded as who imported them."""
        if not request.content:
            raise InvalidArgument("the file is empty", {"content": "empty"})
        try:
            result = excel.import_tasks(self.store, request.tenant, io.BytesIO(request.content),
                                        principal.subject, now(), announce=self.events)
        except excel.UnreadableFile as exc:
            raise InvalidArgument(exc.plain, {"content": exc.plain}) from None
        return _import_report(result)

    def export_tasks(self, principal: Principal, request: s.ExportTasksRequest) -> s.TaskWorkbook:
        """The commune's tasks the filters keep, and their summary, as a workbook."""
        today = now().date()
        done = excel.export_tasks(self.store, _criteria(request, today), today, self.reader)
        return s.TaskWorkbook(content=done.content, tasks=done.tasks, units=done.units,
                              groups=done.groups, filename=excel.filename(request.tenant, today))

    def announce_overdue(self) -> None:
        """task.overdue, once per task, for active tasks whose deadline has passed (the
        worker's timer; no caller)."""
        today = now().date()
        for task in self.store.overdue_unannounced(today):
            message = events_pb2.TaskOverdue(task=domain.task_message(task, today))
            event = domain.event("task.overdue", task, message)
            entry = {"at": now(), "by": "system", "what": "overdue"}
            self._store_change(task, {"overdue_announced": True}, entry, event)

    def _store_change(self, task: dict, changes: dict, entry: dict, *events) -> dict:
        return self.store.apply(task, changes, entry, now(), *events, announce=self.events)

    # --- queries -----------------------------------------------------------------------

    def get_task(self, principal: Principal, request: s.GetTaskRequest) -> s.GetTaskResponse:
        return s.GetTaskResponse(task=_task(self.store.get(request.tenant, request.id)))

    def _selected(self, criteria: Criteria, as_of: dt.date | None) -> list[dict]:
        """The tasks the criteria select as they are now or, on `as_of`, as they stood at
        the start of that day (selected by what they were then)."""
        if as_of is None:
            return self.reader.select(criteria)
        moment = dt.datetime.combine(as_of, dt.time(), VIETNAM)
        then = (domain.as_of(t, moment) for t in self.store.recorded(criteria.tenant))
        return [t for t in then if t is not None and criteria.matches(t)]

    def list_tasks(self, principal: Principal, request: s.ListTasksRequest) -> s.ListTasksResponse:
        today = request.as_of or now().date()
        rows, next_token, total = listing.page(self._selected(_criteria(request, today),
                                                              request.as_of),
                                               request.page_size, request.page_token)
        return s.ListTasksResponse(tasks=[_task(r, today) for r in rows],
                                   next_page_token=next_token, total_size=total)

    def get_task_summary(self, principal: Principal,
                         request: s.GetTaskSummaryRequest) -> s.GetTaskSummaryResponse:
        period = parse_period(request.period) if request.period else None
        rows = self._selected(Criteria(request.tenant, period=period), request.as_of)
        return s.GetTaskSummaryResponse.model_validate(
            domain.summaries(rows, request.as_of or now().date()))

    def review_tasks(self, principal: Principal,
                     request: s.ReviewTasksRequest) -> s.ReviewTasksResponse:
        today = request.as_of or now().date()
        flagged = [(domain.review_flags(t, today), t)
                   for t in self._selected(Criteria(request.tenant), request.as_of)]
        return s.ReviewTasksResponse(flagged=[s.FlaggedTask(task=_task(t, today), flags=flags)
                                              for flags, t in flagged if flags])

    def watch_tasks(self, principal: Principal,
                    request: s.WatchTasksRequest) -> Iterator[s.TaskChange | None]:
        """The commune's task changes as their events go out, and None after each second
        without one (the door checks then that its caller is still there)."""
        subscription = self.changes.subscribe(request.tenant)
        try:
            while True:
                envelope = subscription.next(WATCH_POLL_S)
                if envelope is None or envelope.type not in TASK_EVENTS:
                    yield None
                    continue
                yield s.TaskChange(event_type=envelope.type, event_time=envelope.time,
                                   task=s.Task.model_validate(envelope.data["task"]))
        finally:
            self.changes.unsubscribe(subscription)

    def list_directory(self, principal: Principal, request: s.ListDirectoryRequest) -> s.Directory:
        return s.Directory(units=self.store.units(request.tenant),
                           officers=self.store.officers(request.tenant))


def _criteria(request: s.TaskFilters, today) -> Criteria:
    return Criteria(
        request.tenant, lead_unit=request.lead_unit, status=s.domain_status(request.status)
        if request.status else "", group=request.group,
        period=parse_period(request.period) if request.period else None,
        overdue_on=today if request.overdue_only else None)


def _import_report(result: excel.ImportResult) -> s.ImportTasksResponse:
    rows = [s.ImportedRow(row=r.row, code=r.code, outcome=r.outcome, problems=[
        s.ImportProblem(column=excel.LABELS.get(name, name), reason=reason)
        for name, reason in r.problems.items()]) for r in result.rows]
    return s.ImportTasksResponse(
        complete=result.ok, created=result.imported, updated=result.updated,
        unchanged=result.unchanged, rejected=len(result.errors), assigned=result.assigned,
        ignored_columns=result.ignored_columns, rows=rows)


def _task(document: dict, today=None) -> s.Task:
    message = domain.task_message(document, today)
    return s.Task.of_message(message, json_format.MessageToDict(message))


def _replacement(request: s.DecideReviewRequest) -> dict | None:
    """The replacing task's fields as the domain names them, checked as a new task."""
    if request.replacement is None:
        return None
    fields = s.CreateTaskRequest.model_validate(
        {**request.replacement, "tenant": request.tenant}).fields()
    return {k: v for k, v in fields.items() if k != "tenant"}


BASE = "/api/v1/communes/{tenant}"
TASK = BASE + "/tasks/{id}"
TENANT, TASK_ID = "binh-lu", "7f3c1e0a9b2d4c5e8f6a1b2c3d4e5f60"
WRITERS, READERS = domain.WRITERS, domain.READERS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

OPERATIONS = Operations(
    "tasks",
    Operation("create_task", "Create a task (a draft until assigned)", s.CreateTaskRequest,
              s.Task, WRITERS, Route("POST", BASE + "/tasks", 201),
              example={"tenant": TENANT, "code": "NQ57-2026-01",
                       "title": "Đưa trợ lý ảo vào hoạt động", "plan": "Kế hoạch 104-KH/ĐU",
                       "leadUnit": "van-phong", "owner": "can-bo-vp-01",
                       "periodText": "Quý III/2027"}),
    Operation("assign_task", "Assign a draft: lead unit, owner and deadline",
              s.AssignTaskRequest, s.Task, WRITERS, Route("POST", TASK + "/assign"),
              example={"tenant": TENANT, "id": TASK_ID, "deadline": "2027-09-30"}),
    Operation("report_progress", "Report progress, with evidence",
              s.ReportProgressRequest, s.Task, WRITERS, Route("POST", TASK + "/progress"),
              example={"tenant": TENANT, "id": TASK_ID, "percent": 40,
                       "note": "Đã cài đặt thử nghiệm",
                       "evidence": [{"url": "https://binhlu.example/bien-ban-01.pdf"}]}),
    Operation("decide_review", "Record the quarterly review's decision on a task",
              s.DecideReviewRequest, s.Task, WRITERS, Route("POST", TASK + "/review"),
              example={"tenant": TENANT, "id": TASK_ID, "decision": "keep",
                       "note": "Đúng tiến độ"}),
    Operation("change_status", "Move a task along its lifecycle", s.ChangeStatusRequest,
              s.Task, WRITERS, Route("POST", TASK + "/status"),
              example={"tenant": TENANT, "id": TASK_ID, "status": "TASK_STATUS_DONE"}),
    Operation("get_task", "One task", s.GetTaskRequest, s.GetTaskResponse, READERS,
              Route("GET", TASK), grpc="GetTask", example={"tenant": TENANT, "id": TASK_ID}),
    Operation("list_tasks", "A page of tasks, filtered", s.ListTasksRequest,
              s.ListTasksResponse, READERS, Route("GET", BASE + "/tasks"), grpc="ListTasks",
              example={"tenant": TENANT, "period": "Năm 2026", "pageSize": 20}),
    Operation("get_task_summary", "Counts and rates: total, per unit, per group",
              s.GetTaskSummaryRequest, s.GetTaskSummaryResponse, READERS,
              Route("GET", BASE + "/task-summary"), grpc="GetTaskSummary",
              example={"tenant": TENANT, "period": "Năm 2025"}),
    Operation("watch_tasks", "A commune's task changes, live", s.WatchTasksRequest,
              s.TaskChange, READERS, grpc="WatchTasks", rpc=False,
              example={"tenant": TENANT}),
    Operation("review_tasks", "Active tasks the quarterly review should look at (now, or "
              "as they stood on a day)",
              s.ReviewTasksRequest, s.ReviewTasksResponse, READERS,
              Route("GET", BASE + "/task-review"),
              example={"tenant": TENANT, "asOf": "2026-04-01"}),
    Operation("import_tasks", "Import a plan's tasks from an .xlsx workbook (all rows or "
              "none) and say what became of each row", s.ImportTasksRequest,
              s.ImportTasksResponse, WRITERS, Route("POST", BASE + "/task-workbook",
                                                   upload=XLSX, upload_limit=MAX_FILE_BYTES),
              rpc=False, example={"tenant": TENANT}),
    Operation("export_tasks", "The tasks the filters keep, and their summary, as an .xlsx "
              "workbook", s.ExportTasksRequest, s.TaskWorkbook, READERS,
              Route("GET", BASE + "/task-workbook", download=XLSX), rpc=False,
              example={"tenant": TENANT, "period": "Năm 2026"}),
    Operation("list_directory", "The commune's units and officers", s.ListDirectoryRequest,
              s.Directory, READERS, Route("GET", BASE + "/units"), example={"tenant": TENANT}),
    Operation("save_unit", "Add or change a unit", s.SaveUnitRequest, s.Unit, WRITERS,
              Route("PUT", BASE + "/units"),
              example={"tenant": TENANT, "code": "tram-y-te", "name": "Trạm y tế xã"}),
    Operation("save_officer", "Add or change an officer", s.SaveOfficerRequest, s.Officer,
              WRITERS, Route("PUT", BASE + "/officers"),
              example={"tenant": TENANT, "code": "cb-yt-01", "name": "Cán bộ Trạm y tế",
                       "unit": "tram-y-te"}),
)
