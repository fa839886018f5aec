from commune.v1 import tasks_pb2 as _tasks_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReviewDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_DECISION_UNSPECIFIED: _ClassVar[ReviewDecision]
    REVIEW_DECISION_KEEP: _ClassVar[ReviewDecision]
    REVIEW_DECISION_ADJUST_DEADLINE: _ClassVar[ReviewDecision]
    REVIEW_DECISION_STOP: _ClassVar[ReviewDecision]
    REVIEW_DECISION_REPLACE: _ClassVar[ReviewDecision]
REVIEW_DECISION_UNSPECIFIED: ReviewDecision
REVIEW_DECISION_KEEP: ReviewDecision
REVIEW_DECISION_ADJUST_DEADLINE: ReviewDecision
REVIEW_DECISION_STOP: ReviewDecision
REVIEW_DECISION_REPLACE: ReviewDecision

class TaskCreated(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _tasks_pb2.Task
    def __init__(self, task: _Optional[_Union[_tasks_pb2.Task, _Mapping]] = ...) -> None: ...

class TaskAssigned(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _tasks_pb2.Task
    def __init__(self, task: _Optional[_Union[_tasks_pb2.Task, _Mapping]] = ...) -> None: ...

class TaskProgressReported(_message.Message):
    __slots__ = ("task", "previous_percent", "note")
    TASK_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    task: _tasks_pb2.Task
    previous_percent: int
    note: str
    def __init__(self, task: _Optional[_Union[_tasks_pb2.Task, _Mapping]] = ..., previous_percent: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class TaskStatusChanged(_message.Message):
    __slots__ = ("task", "previous_status", "reason")
    TASK_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task: _tasks_pb2.Task
    previous_status: _tasks_pb2.TaskStatus
    reason: str
    def __init__(self, task: _Optional[_Union[_tasks_pb2.Task, _Mapping]] = ..., previous_status: _Optional[_Union[_tasks_pb2.TaskStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class TaskUpdated(_message.Message):
    __slots__ = ("task", "fields")
    TASK_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    task: _tasks_pb2.Task
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, task: _Optional[_Union[_tasks_pb2.Task, _Mapping]] = ..., fields: _Optional[_Iterable[str]] = ...) -> None: ...

class TaskOverdue(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _tasks_pb2.Task
    def __init__(self, task: _Optional[_Union[_tasks_pb2.Task, _Mapping]] = ...) -> None: ...

class TaskCompleted(_message.Message):
    __slots__ = ("task", "on_time")
    TASK_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    task: _tasks_pb2.Task
    on_time: bool
    def __init__(self, task: _Optional[_Union[_tasks_pb2.Task, _Mapping]] = ..., on_time: _Optional[bool] = ...) -> None: ...

class TaskReviewDecided(_message.Message):
    __slots__ = ("task", "decision", "decided_by", "note", "replacement_id")
    TASK_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    task: _tasks_pb2.Task
    decision: ReviewDecision
    decided_by: str
    note: str
    replacement_id: str
    def __init__(self, task: _Optional[_Union[_tasks_pb2.Task, _Mapping]] = ..., decision: _Optional[_Union[ReviewDecision, str]] = ..., decided_by: _Optional[str] = ..., note: _Optional[str] = ..., replacement_id: _Optional[str] = ...) -> None: ...
