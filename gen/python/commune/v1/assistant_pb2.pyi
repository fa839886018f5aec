import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaperForm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAPER_FORM_UNSPECIFIED: _ClassVar[PaperForm]
    PAPER_FORM_ORIGINAL: _ClassVar[PaperForm]
    PAPER_FORM_CERTIFIED_COPY: _ClassVar[PaperForm]
    PAPER_FORM_PHOTOCOPY: _ClassVar[PaperForm]
PAPER_FORM_UNSPECIFIED: PaperForm
PAPER_FORM_ORIGINAL: PaperForm
PAPER_FORM_CERTIFIED_COPY: PaperForm
PAPER_FORM_PHOTOCOPY: PaperForm

class Citation(_message.Message):
    __slots__ = ("procedure_code", "field")
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    procedure_code: str
    field: str
    def __init__(self, procedure_code: _Optional[str] = ..., field: _Optional[str] = ...) -> None: ...

class AssistantAnswer(_message.Message):
    __slots__ = ("text", "language", "declined", "procedure_code", "procedure_name", "citations", "confidence", "vietnamese_fallback", "trace_id", "session_id", "alternative_codes", "vietnamese_terms", "wording_reviewed")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_NAME_FIELD_NUMBER: _ClassVar[int]
    CITATIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    VIETNAMESE_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVE_CODES_FIELD_NUMBER: _ClassVar[int]
    VIETNAMESE_TERMS_FIELD_NUMBER: _ClassVar[int]
    WORDING_REVIEWED_FIELD_NUMBER: _ClassVar[int]
    text: str
    language: str
    declined: bool
    procedure_code: str
    procedure_name: str
    citations: _containers.RepeatedCompositeFieldContainer[Citation]
    confidence: float
    vietnamese_fallback: bool
    trace_id: str
    session_id: str
    alternative_codes: _containers.RepeatedScalarFieldContainer[str]
    vietnamese_terms: _containers.RepeatedScalarFieldContainer[str]
    wording_reviewed: bool
    def __init__(self, text: _Optional[str] = ..., language: _Optional[str] = ..., declined: _Optional[bool] = ..., procedure_code: _Optional[str] = ..., procedure_name: _Optional[str] = ..., citations: _Optional[_Iterable[_Union[Citation, _Mapping]]] = ..., confidence: _Optional[float] = ..., vietnamese_fallback: _Optional[bool] = ..., trace_id: _Optional[str] = ..., session_id: _Optional[str] = ..., alternative_codes: _Optional[_Iterable[str]] = ..., vietnamese_terms: _Optional[_Iterable[str]] = ..., wording_reviewed: _Optional[bool] = ...) -> None: ...

class SubmittedPaper(_message.Message):
    __slots__ = ("document", "form")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    document: str
    form: PaperForm
    def __init__(self, document: _Optional[str] = ..., form: _Optional[_Union[PaperForm, str]] = ...) -> None: ...

class RequiredDocument(_message.Message):
    __slots__ = ("id", "name", "form", "problem")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    form: str
    problem: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., form: _Optional[str] = ..., problem: _Optional[str] = ...) -> None: ...

class RejectedPaper(_message.Message):
    __slots__ = ("paper", "kind", "kind_name", "document_id", "problem")
    PAPER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KIND_NAME_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    paper: str
    kind: str
    kind_name: str
    document_id: str
    problem: str
    def __init__(self, paper: _Optional[str] = ..., kind: _Optional[str] = ..., kind_name: _Optional[str] = ..., document_id: _Optional[str] = ..., problem: _Optional[str] = ...) -> None: ...

class AskRequest(_message.Message):
    __slots__ = ("tenant", "question", "session_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    question: str
    session_id: str
    def __init__(self, tenant: _Optional[str] = ..., question: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class AskResponse(_message.Message):
    __slots__ = ("answer",)
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    answer: AssistantAnswer
    def __init__(self, answer: _Optional[_Union[AssistantAnswer, _Mapping]] = ...) -> None: ...

class CheckDossierRequest(_message.Message):
    __slots__ = ("tenant", "procedure_code", "papers")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    PAPERS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    procedure_code: str
    papers: _containers.RepeatedCompositeFieldContainer[SubmittedPaper]
    def __init__(self, tenant: _Optional[str] = ..., procedure_code: _Optional[str] = ..., papers: _Optional[_Iterable[_Union[SubmittedPaper, _Mapping]]] = ...) -> None: ...

class CheckDossierResponse(_message.Message):
    __slots__ = ("complete", "missing", "needs_original", "optional_not_given", "unrecognised", "not_accepted")
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    NEEDS_ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    OPTIONAL_NOT_GIVEN_FIELD_NUMBER: _ClassVar[int]
    UNRECOGNISED_FIELD_NUMBER: _ClassVar[int]
    NOT_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    complete: bool
    missing: _containers.RepeatedCompositeFieldContainer[RequiredDocument]
    needs_original: _containers.RepeatedCompositeFieldContainer[RequiredDocument]
    optional_not_given: _containers.RepeatedCompositeFieldContainer[RequiredDocument]
    unrecognised: _containers.RepeatedScalarFieldContainer[str]
    not_accepted: _containers.RepeatedCompositeFieldContainer[RejectedPaper]
    def __init__(self, complete: _Optional[bool] = ..., missing: _Optional[_Iterable[_Union[RequiredDocument, _Mapping]]] = ..., needs_original: _Optional[_Iterable[_Union[RequiredDocument, _Mapping]]] = ..., optional_not_given: _Optional[_Iterable[_Union[RequiredDocument, _Mapping]]] = ..., unrecognised: _Optional[_Iterable[str]] = ..., not_accepted: _Optional[_Iterable[_Union[RejectedPaper, _Mapping]]] = ...) -> None: ...

class QuestionAnswered(_message.Message):
    __slots__ = ("trace_id", "session_hash", "language", "declined", "procedure_code", "citations", "confidence", "latency_ms", "knowledge_version")
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_HASH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    CITATIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_VERSION_FIELD_NUMBER: _ClassVar[int]
    trace_id: str
    session_hash: str
    language: str
    declined: bool
    procedure_code: str
    citations: _containers.RepeatedCompositeFieldContainer[Citation]
    confidence: float
    latency_ms: float
    knowledge_version: str
    def __init__(self, trace_id: _Optional[str] = ..., session_hash: _Optional[str] = ..., language: _Optional[str] = ..., declined: _Optional[bool] = ..., procedure_code: _Optional[str] = ..., citations: _Optional[_Iterable[_Union[Citation, _Mapping]]] = ..., confidence: _Optional[float] = ..., latency_ms: _Optional[float] = ..., knowledge_version: _Optional[str] = ...) -> None: ...

class FeedbackGiven(_message.Message):
    __slots__ = ("trace_id", "session_hash", "helpful", "procedure_code", "language")
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_HASH_FIELD_NUMBER: _ClassVar[int]
    HELPFUL_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    trace_id: str
    session_hash: str
    helpful: bool
    procedure_code: str
    language: str
    def __init__(self, trace_id: _Optional[str] = ..., session_hash: _Optional[str] = ..., helpful: _Optional[bool] = ..., procedure_code: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class HandoffRequested(_message.Message):
    __slots__ = ("ticket_id", "trace_id", "session_hash", "language", "procedure_code", "question")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_HASH_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    trace_id: str
    session_hash: str
    language: str
    procedure_code: str
    question: str
    def __init__(self, ticket_id: _Optional[str] = ..., trace_id: _Optional[str] = ..., session_hash: _Optional[str] = ..., language: _Optional[str] = ..., procedure_code: _Optional[str] = ..., question: _Optional[str] = ...) -> None: ...

class HandoffUnclaimed(_message.Message):
    __slots__ = ("ticket_id", "language", "procedure_code", "question", "open_time")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PROCEDURE_CODE_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    language: str
    procedure_code: str
    question: str
    open_time: _timestamp_pb2.Timestamp
    def __init__(self, ticket_id: _Optional[str] = ..., language: _Optional[str] = ..., procedure_code: _Optional[str] = ..., question: _Optional[str] = ..., open_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HandoffClaimed(_message.Message):
    __slots__ = ("ticket_id", "officer", "claim_time")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICER_FIELD_NUMBER: _ClassVar[int]
    CLAIM_TIME_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    officer: str
    claim_time: _timestamp_pb2.Timestamp
    def __init__(self, ticket_id: _Optional[str] = ..., officer: _Optional[str] = ..., claim_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
