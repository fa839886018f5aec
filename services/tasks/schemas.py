"""What the tasks operations take and give, in the names of the contract (proto3 JSON:
lowerCamelCase on the wire, enum values by their proto names). Requests reuse the
domain's models, so a rule on a field is written once."""
import datetime as dt
from typing import Literal

from pydantic import Field

from services.common.api.models import ApiModel, PeriodText, Request, TenantRequest

from . import domain

TASK_ID = Field(min_length=1, max_length=64, description="the task's id")
TaskStatus = Literal["TASK_STATUS_DRAFT", "TASK_STATUS_ASSIGNED", "TASK_STATUS_IN_PROGRESS",
                     "TASK_STATUS_DONE", "TASK_STATUS_PAUSED", "TASK_STATUS_STOPPED",
                     "TASK_STATUS_REPLACED"]
TaskPriority = Literal["TASK_PRIORITY_LOW", "TASK_PRIORITY_NORMAL", "TASK_PRIORITY_HIGH"]


def status_name(status: str) -> str:
    """The domain's status ("in_progress") as the contract names it."""
    return f"TASK_STATUS_{status.upper()}"


def domain_status(name: str) -> str:
    return name.removeprefix("TASK_STATUS_").lower() if name != "TASK_STATUS_UNSPECIFIED" else ""


# --- responses -------------------------------------------------------------------------

class Evidence(ApiModel):
    url: str
    description: str = ""
    added_by: str = ""
    add_time: dt.datetime | None = None


class Task(ApiModel):
    """A task (commune.v1.Task)."""

    id: str
    tenant: str
    code: str
    title: str
    plan: str = ""
    group: str = ""
    lead_unit: str = ""
    coordinating_units: list[str] = []
    owner: str = ""
    deliverable: str = ""
    deadline: str = ""
    period_text: str = ""
    status: TaskStatus
    create_time: dt.datetime
    created_by: str = ""
    start: str = ""
    priority: TaskPriority = "TASK_PRIORITY_NORMAL"
    progress_percent: int = 0
    evidence: list[Evidence] = []
    overdue: bool = False
    replaces: str = ""
    replaced_by: str = ""
    stop_reason: str = ""
    update_time: dt.datetime | None = None
    done_time: dt.datetime | None = None
    last_progress_time: dt.datetime | None = None


class GetTaskResponse(ApiModel):
    """One task."""

    task: Task


class ListTasksResponse(ApiModel):
    """One page of tasks by deadline then code."""

    tasks: list[Task]
    next_page_token: str = Field("", description="the next page's token; empty after the last")
    total_size: int


class TaskSummary(ApiModel):
    key: str = Field("", description="the lead unit or group; empty for the total")
    assigned: int = 0
    done: int = 0
    done_on_time: int = 0
    overdue: int = 0
    in_progress: int = 0
    completion_rate: float = 0.0
    on_time_rate: float = 0.0
    updated_this_month: int = 0
    active: int = 0
    monthly_update_compliance: float = 0.0
    due: int = 0
    due_done: int = 0
    due_overdue: int = 0


class GetTaskSummaryResponse(ApiModel):
    """Counts and rates: the total, per lead unit, per group."""

    total: TaskSummary
    by_unit: list[TaskSummary]
    by_group: list[TaskSummary]


class ImportProblem(ApiModel):
    column: str = Field(description='the column at fault as export heads it ("Thời hạn"); '
                                    '"Cột" for the header row, "Dòng" for the row as a whole')
    reason: str


class ImportedRow(ApiModel):
    row: int = Field(description="the row's number as Excel shows it")
    code: str = ""
    outcome: Literal["created", "updated", "unchanged", "rejected", "not_stored"] = Field(
        description="not_stored: a right row left out because another was rejected")
    problems: list[ImportProblem] = []


class ImportTasksResponse(ApiModel):
    """What became of every row of the workbook: every row stored, or none (and why)."""

    complete: bool = Field(description="every row was stored (or had nothing to change)")
    created: int
    updated: int
    unchanged: int
    rejected: int
    assigned: int = Field(description="of the created, those the plan assigned")
    ignored_columns: list[str] = Field(description="informative columns of an export")
    rows: list[ImportedRow]


class TaskWorkbook(ApiModel):
    """A commune's tasks and their summary as an .xlsx workbook."""

    content: bytes
    filename: str
    tasks: int
    units: int  # in the summary sheet
    groups: int


class FlaggedTask(ApiModel):
    task: Task
    flags: list[Literal["slow", "overdue", "no_deliverable"]]


class ReviewTasksResponse(ApiModel):
    """The active tasks the quarterly review should look at, with why."""

    flagged: list[FlaggedTask]


class TaskChange(ApiModel):
    """A change of a task, as its event announced it."""

    event_type: str = Field(description="task.created, task.assigned, …")
    task: Task
    event_time: dt.datetime


class Unit(ApiModel):
    """A unit of the commune."""

    code: str
    name: str
    short: str = ""


class Officer(ApiModel):
    """An officer, in one unit."""

    code: str
    name: str
    unit: str


class Directory(ApiModel):
    """The commune's units and officers."""

    units: list[Unit]
    officers: list[Officer]


# --- requests --------------------------------------------------------------------------

class CreateTaskRequest(TenantRequest, domain.NewTask):
    priority: TaskPriority = "TASK_PRIORITY_NORMAL"

    def fields(self) -> dict:
        """The task's fields as the domain names them."""
        return {**self.model_dump(), "priority": self.priority.removeprefix(
            "TASK_PRIORITY_").lower()}


class TaskRequest(TenantRequest):
    id: str = TASK_ID


class GetTaskRequest(TaskRequest):
    pass


class AssignTaskRequest(TaskRequest):
    lead_unit: str = Field("", description="kept from the task when empty")
    owner: str = Field("", description="kept from the task when empty")
    deadline: dt.date | None = Field(None, description="kept from the task when empty")


class NewEvidence(Request, domain.Evidence):
    """A link to what shows the progress."""


class ReportProgressRequest(TaskRequest, domain.ProgressReport):
    evidence: list[NewEvidence] = Field(default_factory=list, max_length=20)


class ChangeStatusRequest(TaskRequest):
    status: Literal["TASK_STATUS_IN_PROGRESS", "TASK_STATUS_DONE", "TASK_STATUS_PAUSED",
                    "TASK_STATUS_STOPPED"]
    reason: str = Field("", max_length=2000, description="required to stop a task")


class DecideReviewRequest(TaskRequest, domain.ReviewDecision):
    replacement: dict | None = Field(None, description="replace: the new task, with the "
                                                       "fields of CreateTaskRequest but tenant")


AS_OF = Field(None, description="the tasks as they stood at the start of this day (the "
                                "commune's calendar), later changes undone; none: as they "
                                "are now", examples=["2026-04-01"])


class TaskFilters(TenantRequest):
    """Which of a commune's tasks: the task list's filters, the export's too."""

    lead_unit: str = ""
    status: Literal[TaskStatus, "TASK_STATUS_UNSPECIFIED", ""] = ""
    group: str = ""
    period: PeriodText = ""
    overdue_only: bool = False


class ListTasksRequest(TaskFilters):
    as_of: dt.date | None = AS_OF
    page_size: int = Field(0, ge=0, description="0 for 50; at most 200")
    page_token: str = ""


class ExportTasksRequest(TaskFilters):
    pass


class ImportTasksRequest(TenantRequest):
    content: bytes = Field(description="the .xlsx workbook (the HTTP body)")


class GetTaskSummaryRequest(TenantRequest):
    period: PeriodText = ""
    as_of: dt.date | None = AS_OF


class WatchTasksRequest(TenantRequest):
    pass


class ReviewTasksRequest(TenantRequest):
    as_of: dt.date | None = AS_OF


class ListDirectoryRequest(TenantRequest):
    pass


class SaveUnitRequest(TenantRequest, domain.Unit):
    pass


class SaveOfficerRequest(TenantRequest, domain.Officer):
    pass
