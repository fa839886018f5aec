from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrgUnitKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORG_UNIT_KIND_UNSPECIFIED: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_PROVINCE: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_COMMUNE: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_VILLAGE: _ClassVar[OrgUnitKind]

class PeriodKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERIOD_KIND_UNSPECIFIED: _ClassVar[PeriodKind]
    PERIOD_KIND_YEAR: _ClassVar[PeriodKind]
    PERIOD_KIND_QUARTER: _ClassVar[PeriodKind]
    PERIOD_KIND_MONTH: _ClassVar[PeriodKind]

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_ARGUMENT: _ClassVar[ErrorReason]
    ERROR_REASON_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_ALREADY_EXISTS: _ClassVar[ErrorReason]
    ERROR_REASON_TOKEN_MISSING_OR_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_TENANT_NOT_ALLOWED: _ClassVar[ErrorReason]
    ERROR_REASON_ROLE_NOT_ALLOWED: _ClassVar[ErrorReason]
    ERROR_REASON_FAILED_PRECONDITION: _ClassVar[ErrorReason]
ORG_UNIT_KIND_UNSPECIFIED: OrgUnitKind
ORG_UNIT_KIND_PROVINCE: OrgUnitKind
ORG_UNIT_KIND_COMMUNE: OrgUnitKind
ORG_UNIT_KIND_VILLAGE: OrgUnitKind
PERIOD_KIND_UNSPECIFIED: PeriodKind
PERIOD_KIND_YEAR: PeriodKind
PERIOD_KIND_QUARTER: PeriodKind
PERIOD_KIND_MONTH: PeriodKind
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_INVALID_ARGUMENT: ErrorReason
ERROR_REASON_NOT_FOUND: ErrorReason
ERROR_REASON_ALREADY_EXISTS: ErrorReason
ERROR_REASON_TOKEN_MISSING_OR_INVALID: ErrorReason
ERROR_REASON_TENANT_NOT_ALLOWED: ErrorReason
ERROR_REASON_ROLE_NOT_ALLOWED: ErrorReason
ERROR_REASON_FAILED_PRECONDITION: ErrorReason

class OrgUnit(_message.Message):
    __slots__ = ("code", "name", "kind", "parent_code")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: OrgUnitKind
    parent_code: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[OrgUnitKind, str]] = ..., parent_code: _Optional[str] = ...) -> None: ...

class Tenant(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class Period(_message.Message):
    __slots__ = ("kind", "year", "number")
    KIND_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    kind: PeriodKind
    year: int
    number: int
    def __init__(self, kind: _Optional[_Union[PeriodKind, str]] = ..., year: _Optional[int] = ..., number: _Optional[int] = ...) -> None: ...

class PageRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class PageResponse(_message.Message):
    __slots__ = ("next_page_token", "total_size")
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    total_size: int
    def __init__(self, next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...
