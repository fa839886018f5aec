"""Task rules and shapes; pure (no I/O)."""
import datetime as dt
import uuid

from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from commune.v1 import tasks_pb2
from services.common.errors import InvalidArgument, from_pydantic

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
TENANT_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
# Roles that may write and read a commune's tasks.
WRITERS = ("admin", "officer")
READERS = ("admin", "officer", "operator", "province")
STATUSES = ("draft", "assigned", "in_progress", "done", "paused", "stopped", "replaced")


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
    start: dt.date | None = None
    deadline: dt.date | None = None
    period_text: str = Field("", max_length=100)

    @model_validator(mode="after")
    def _deadline_after_start(self):
        if self.start and self.deadline and self.deadline < self.start:
            raise ValueError("deadline is before start")
        return self


def new_task(fields: object, created_by: str, now: dt.datetime) -> dict:
    """The stored document of a new task; InvalidArgument naming each bad field."""
    if not isinstance(fields, dict):
        raise InvalidArgument("a task must be a JSON object")
    try:
        task = NewTask.model_validate(fields)
    except ValidationError as exc:
        raise from_pydantic(exc, "invalid task") from None
    return {
        "_id": uuid.uuid4().hex,
        **task.model_dump(mode="json"),
        "status": "draft",
        "created_at": now,
        "created_by": created_by,
        "history": [{"at": now, "by": created_by, "what": "created"}],
    }


def task_message(document: dict) -> tasks_pb2.Task:
    """The contract's Task for a stored document."""
    task = tasks_pb2.Task(
        id=document["_id"], tenant=document["tenant"], code=document["code"],
        title=document["title"], plan=document["plan"], group=document["group"],
        lead_unit=document["lead_unit"], coordinating_units=document["coordinating_units"],
        owner=document["owner"], deliverable=document["deliverable"],
        deadline=document["deadline"] or "", period_text=document["period_text"],
        status=tasks_pb2.TaskStatus.Value(f"TASK_STATUS_{document['status'].upper()}"),
        created_by=document["created_by"],
    )
    task.create_time.FromDatetime(document["created_at"])
    return task


def task_view(document: dict) -> dict:
    """A task as proto3 JSON, the shape RPC and HTTP callers get."""
    return json_format.MessageToDict(task_message(document))
