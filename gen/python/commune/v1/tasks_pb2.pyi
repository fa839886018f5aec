import datetime

from commune.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATUS_UNSPECIFIED: _ClassVar[TaskStatus]
    TASK_STATUS_DRAFT: _ClassVar[TaskStatus]
    TASK_STATUS_ASSIGNED: _ClassVar[TaskStatus]
    TASK_STATUS_IN_PROGRESS: _ClassVar[TaskStatus]
    TASK_STATUS_DONE: _ClassVar[TaskStatus]
    TASK_STATUS_PAUSED: _ClassVar[TaskStatus]
    TASK_STATUS_STOPPED: _ClassVar[TaskStatus]
    TASK_STATUS_REPLACED: _ClassVar[TaskStatus]

class TaskPriority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_PRIORITY_UNSPECIFIED: _ClassVar[TaskPriority]
    TASK_PRIORITY_LOW: _ClassVar[TaskPriority]
    TASK_PRIORITY_NORMAL: _ClassVar[TaskPriority]
    TASK_PRIORITY_HIGH: _ClassVar[TaskPriority]
TASK_STATUS_UNSPECIFIED: TaskStatus
TASK_STATUS_DRAFT: TaskStatus
TASK_STATUS_ASSIGNED: TaskStatus
TASK_STATUS_IN_PROGRESS: TaskStatus
TASK_STATUS_DONE: TaskStatus
TASK_STATUS_PAUSED: TaskStatus
TASK_STATUS_STOPPED: TaskStatus
TASK_STATUS_REPLACED: TaskStatus
TASK_PRIORITY_UNSPECIFIED: TaskPriority
TASK_PRIORITY_LOW: TaskPriority
TASK_PRIORITY_NORMAL: TaskPriority
TASK_PRIORITY_HIGH: TaskPriority

class Evidence(_message.Message):
    __slots__ = ("url", "description", "added_by", "add_time")
    URL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ADDED_BY_FIELD_NUMBER: _ClassVar[int]
    ADD_TIME_FIELD_NUMBER: _ClassVar[int]
    url: str
    description: str
    added_by: str
    add_time: _timestamp_pb2.Timestamp
    def __init__(self, url: _Optional[str] = ..., description: _Optional[str] = ..., added_by: _Optional[str] = ..., add_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("id", "tenant", "code", "title", "plan", "group", "lead_unit", "coordinating_units", "owner", "deliverable", "deadline", "period_text", "status", "create_time", "created_by", "start", "priority", "progress_percent", "evidence", "overdue", "replaces", "replaced_by", "stop_reason", "update_time", "done_time", "last_progress_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    LEAD_UNIT_FIELD_NUMBER: _ClassVar[int]
    COORDINATING_UNITS_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    REPLACES_FIELD_NUMBER: _ClassVar[int]
    REPLACED_BY_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DONE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_PROGRESS_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    code: str
    title: str
    plan: str
    group: str
    lead_unit: str
    coordinating_units: _containers.RepeatedScalarFieldContainer[str]
    owner: str
    deliverable: str
    deadline: str
    period_text: str
    status: TaskStatus
    create_time: _timestamp_pb2.Timestamp
    created_by: str
    start: str
    priority: TaskPriority
    progress_percent: int
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    overdue: bool
    replaces: str
    replaced_by: str
    stop_reason: str
    update_time: _timestamp_pb2.Timestamp
    done_time: _timestamp_pb2.Timestamp
    last_progress_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., code: _Optional[str] = ..., title: _Optional[str] = ..., plan: _Optional[str] = ..., group: _Optional[str] = ..., lead_unit: _Optional[str] = ..., coordinating_units: _Optional[_Iterable[str]] = ..., owner: _Optional[str] = ..., deliverable: _Optional[str] = ..., deadline: _Optional[str] = ..., period_text: _Optional[str] = ..., status: _Optional[_Union[TaskStatus, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., start: _Optional[str] = ..., priority: _Optional[_Union[TaskPriority, str]] = ..., progress_percent: _Optional[int] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., overdue: _Optional[bool] = ..., replaces: _Optional[str] = ..., replaced_by: _Optional[str] = ..., stop_reason: _Optional[str] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., done_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_progress_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("tenant", "page_size", "page_token", "lead_unit", "status", "group", "period", "overdue_only")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEAD_UNIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    page_size: int
    page_token: str
    lead_unit: str
    status: TaskStatus
    group: str
    period: _common_pb2.Period
    overdue_only: bool
    def __init__(self, tenant: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., lead_unit: _Optional[str] = ..., status: _Optional[_Union[TaskStatus, str]] = ..., group: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.Period, _Mapping]] = ..., overdue_only: _Optional[bool] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token", "total_size")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    next_page_token: str
    total_size: int
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("tenant", "id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    id: str
    def __init__(self, tenant: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: Task
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ...) -> None: ...

class TaskSummary(_message.Message):
    __slots__ = ("key", "assigned", "done", "done_on_time", "overdue", "in_progress", "completion_rate", "on_time_rate", "updated_this_month", "active", "monthly_update_compliance", "due", "due_done", "due_overdue")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ASSIGNED_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    DONE_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_RATE_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_THIS_MONTH_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_UPDATE_COMPLIANCE_FIELD_NUMBER: _ClassVar[int]
    DUE_FIELD_NUMBER: _ClassVar[int]
    DUE_DONE_FIELD_NUMBER: _ClassVar[int]
    DUE_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    assigned: int
    done: int
    done_on_time: int
    overdue: int
    in_progress: int
    completion_rate: float
    on_time_rate: float
    updated_this_month: int
    active: int
    monthly_update_compliance: float
    due: int
    due_done: int
    due_overdue: int
    def __init__(self, key: _Optional[str] = ..., assigned: _Optional[int] = ..., done: _Optional[int] = ..., done_on_time: _Optional[int] = ..., overdue: _Optional[int] = ..., in_progress: _Optional[int] = ..., completion_rate: _Optional[float] = ..., on_time_rate: _Optional[float] = ..., updated_this_month: _Optional[int] = ..., active: _Optional[int] = ..., monthly_update_compliance: _Optional[float] = ..., due: _Optional[int] = ..., due_done: _Optional[int] = ..., due_overdue: _Optional[int] = ...) -> None: ...

class GetTaskSummaryRequest(_message.Message):
    __slots__ = ("tenant", "period")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    period: _common_pb2.Period
    def __init__(self, tenant: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.Period, _Mapping]] = ...) -> None: ...

class GetTaskSummaryResponse(_message.Message):
    __slots__ = ("total", "by_unit", "by_group")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BY_UNIT_FIELD_NUMBER: _ClassVar[int]
    BY_GROUP_FIELD_NUMBER: _ClassVar[int]
    total: TaskSummary
    by_unit: _containers.RepeatedCompositeFieldContainer[TaskSummary]
    by_group: _containers.RepeatedCompositeFieldContainer[TaskSummary]
    def __init__(self, total: _Optional[_Union[TaskSummary, _Mapping]] = ..., by_unit: _Optional[_Iterable[_Union[TaskSummary, _Mapping]]] = ..., by_group: _Optional[_Iterable[_Union[TaskSummary, _Mapping]]] = ...) -> None: ...

class WatchTasksRequest(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    def __init__(self, tenant: _Optional[str] = ...) -> None: ...

class WatchTasksResponse(_message.Message):
    __slots__ = ("event_type", "task", "event_time")
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    event_type: str
    task: Task
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, event_type: _Optional[str] = ..., task: _Optional[_Union[Task, _Mapping]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
