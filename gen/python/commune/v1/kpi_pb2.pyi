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

class IndicatorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INDICATOR_KIND_UNSPECIFIED: _ClassVar[IndicatorKind]
    INDICATOR_KIND_RATIO: _ClassVar[IndicatorKind]
    INDICATOR_KIND_COUNT: _ClassVar[IndicatorKind]
    INDICATOR_KIND_AMOUNT: _ClassVar[IndicatorKind]

class KpiStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KPI_STATUS_UNSPECIFIED: _ClassVar[KpiStatus]
    KPI_STATUS_MET: _ClassVar[KpiStatus]
    KPI_STATUS_AT_RISK: _ClassVar[KpiStatus]
    KPI_STATUS_MISSED: _ClassVar[KpiStatus]
    KPI_STATUS_NO_DATA: _ClassVar[KpiStatus]
    KPI_STATUS_NO_TARGET: _ClassVar[KpiStatus]

class KpiTrend(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KPI_TREND_UNSPECIFIED: _ClassVar[KpiTrend]
    KPI_TREND_IMPROVING: _ClassVar[KpiTrend]
    KPI_TREND_STEADY: _ClassVar[KpiTrend]
    KPI_TREND_WORSENING: _ClassVar[KpiTrend]
    KPI_TREND_NO_DATA: _ClassVar[KpiTrend]

class Comparison(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPARISON_UNSPECIFIED: _ClassVar[Comparison]
    COMPARISON_GREATER: _ClassVar[Comparison]
    COMPARISON_GREATER_OR_EQUAL: _ClassVar[Comparison]
    COMPARISON_EQUAL: _ClassVar[Comparison]
    COMPARISON_LESS_OR_EQUAL: _ClassVar[Comparison]
INDICATOR_KIND_UNSPECIFIED: IndicatorKind
INDICATOR_KIND_RATIO: IndicatorKind
INDICATOR_KIND_COUNT: IndicatorKind
INDICATOR_KIND_AMOUNT: IndicatorKind
KPI_STATUS_UNSPECIFIED: KpiStatus
KPI_STATUS_MET: KpiStatus
KPI_STATUS_AT_RISK: KpiStatus
KPI_STATUS_MISSED: KpiStatus
KPI_STATUS_NO_DATA: KpiStatus
KPI_STATUS_NO_TARGET: KpiStatus
KPI_TREND_UNSPECIFIED: KpiTrend
KPI_TREND_IMPROVING: KpiTrend
KPI_TREND_STEADY: KpiTrend
KPI_TREND_WORSENING: KpiTrend
KPI_TREND_NO_DATA: KpiTrend
COMPARISON_UNSPECIFIED: Comparison
COMPARISON_GREATER: Comparison
COMPARISON_GREATER_OR_EQUAL: Comparison
COMPARISON_EQUAL: Comparison
COMPARISON_LESS_OR_EQUAL: Comparison

class KpiTarget(_message.Message):
    __slots__ = ("comparison", "value", "period")
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    comparison: Comparison
    value: float
    period: _common_pb2.Period
    def __init__(self, comparison: _Optional[_Union[Comparison, str]] = ..., value: _Optional[float] = ..., period: _Optional[_Union[_common_pb2.Period, _Mapping]] = ...) -> None: ...

class IndicatorRow(_message.Message):
    __slots__ = ("indicator", "name_vi", "name_en", "kind", "unit", "source", "has_value", "value", "has_counts", "numerator", "denominator", "parts", "uncounted_parts", "target", "status", "has_previous_value", "previous_value", "trend")
    INDICATOR_FIELD_NUMBER: _ClassVar[int]
    NAME_VI_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    HAS_VALUE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HAS_COUNTS_FIELD_NUMBER: _ClassVar[int]
    NUMERATOR_FIELD_NUMBER: _ClassVar[int]
    DENOMINATOR_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    UNCOUNTED_PARTS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HAS_PREVIOUS_VALUE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VALUE_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    indicator: str
    name_vi: str
    name_en: str
    kind: IndicatorKind
    unit: str
    source: str
    has_value: bool
    value: float
    has_counts: bool
    numerator: float
    denominator: float
    parts: int
    uncounted_parts: int
    target: KpiTarget
    status: KpiStatus
    has_previous_value: bool
    previous_value: float
    trend: KpiTrend
    def __init__(self, indicator: _Optional[str] = ..., name_vi: _Optional[str] = ..., name_en: _Optional[str] = ..., kind: _Optional[_Union[IndicatorKind, str]] = ..., unit: _Optional[str] = ..., source: _Optional[str] = ..., has_value: _Optional[bool] = ..., value: _Optional[float] = ..., has_counts: _Optional[bool] = ..., numerator: _Optional[float] = ..., denominator: _Optional[float] = ..., parts: _Optional[int] = ..., uncounted_parts: _Optional[int] = ..., target: _Optional[_Union[KpiTarget, _Mapping]] = ..., status: _Optional[_Union[KpiStatus, str]] = ..., has_previous_value: _Optional[bool] = ..., previous_value: _Optional[float] = ..., trend: _Optional[_Union[KpiTrend, str]] = ...) -> None: ...

class CommuneReport(_message.Message):
    __slots__ = ("commune", "rows")
    COMMUNE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    commune: str
    rows: _containers.RepeatedCompositeFieldContainer[IndicatorRow]
    def __init__(self, commune: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[IndicatorRow, _Mapping]]] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("unit", "period", "include_drafts", "include_communes")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DRAFTS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_COMMUNES_FIELD_NUMBER: _ClassVar[int]
    unit: str
    period: _common_pb2.Period
    include_drafts: bool
    include_communes: bool
    def __init__(self, unit: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.Period, _Mapping]] = ..., include_drafts: _Optional[bool] = ..., include_communes: _Optional[bool] = ...) -> None: ...

class GetReportResponse(_message.Message):
    __slots__ = ("unit", "kind", "period", "rows", "communes")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    COMMUNES_FIELD_NUMBER: _ClassVar[int]
    unit: str
    kind: _common_pb2.OrgUnitKind
    period: _common_pb2.Period
    rows: _containers.RepeatedCompositeFieldContainer[IndicatorRow]
    communes: _containers.RepeatedCompositeFieldContainer[CommuneReport]
    def __init__(self, unit: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.OrgUnitKind, str]] = ..., period: _Optional[_Union[_common_pb2.Period, _Mapping]] = ..., rows: _Optional[_Iterable[_Union[IndicatorRow, _Mapping]]] = ..., communes: _Optional[_Iterable[_Union[CommuneReport, _Mapping]]] = ...) -> None: ...

class WatchApprovalsRequest(_message.Message):
    __slots__ = ("unit",)
    UNIT_FIELD_NUMBER: _ClassVar[int]
    unit: str
    def __init__(self, unit: _Optional[str] = ...) -> None: ...

class WatchApprovalsResponse(_message.Message):
    __slots__ = ("approval", "event_time")
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    approval: KpiMeasurementApproved
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, approval: _Optional[_Union[KpiMeasurementApproved, _Mapping]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class KpiMeasurementApproved(_message.Message):
    __slots__ = ("tenant", "indicator", "unit", "period", "revision", "has_counts", "numerator", "denominator", "value", "approved_by", "entered_by", "source_document", "reason")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    INDICATOR_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    HAS_COUNTS_FIELD_NUMBER: _ClassVar[int]
    NUMERATOR_FIELD_NUMBER: _ClassVar[int]
    DENOMINATOR_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    ENTERED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    indicator: str
    unit: str
    period: _common_pb2.Period
    revision: int
    has_counts: bool
    numerator: float
    denominator: float
    value: float
    approved_by: str
    entered_by: str
    source_document: str
    reason: str
    def __init__(self, tenant: _Optional[str] = ..., indicator: _Optional[str] = ..., unit: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.Period, _Mapping]] = ..., revision: _Optional[int] = ..., has_counts: _Optional[bool] = ..., numerator: _Optional[float] = ..., denominator: _Optional[float] = ..., value: _Optional[float] = ..., approved_by: _Optional[str] = ..., entered_by: _Optional[str] = ..., source_document: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class KpiTargetMissed(_message.Message):
    __slots__ = ("tenant", "period", "row", "approved_unit", "revision", "approved_by", "target_set_by")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    APPROVED_UNIT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    TARGET_SET_BY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    period: _common_pb2.Period
    row: IndicatorRow
    approved_unit: str
    revision: int
    approved_by: str
    target_set_by: str
    def __init__(self, tenant: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.Period, _Mapping]] = ..., row: _Optional[_Union[IndicatorRow, _Mapping]] = ..., approved_unit: _Optional[str] = ..., revision: _Optional[int] = ..., approved_by: _Optional[str] = ..., target_set_by: _Optional[str] = ...) -> None: ...

class KpiTargetRecovered(_message.Message):
    __slots__ = ("tenant", "period", "row", "approved_unit", "revision", "approved_by", "target_set_by")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    APPROVED_UNIT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    TARGET_SET_BY_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    period: _common_pb2.Period
    row: IndicatorRow
    approved_unit: str
    revision: int
    approved_by: str
    target_set_by: str
    def __init__(self, tenant: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.Period, _Mapping]] = ..., row: _Optional[_Union[IndicatorRow, _Mapping]] = ..., approved_unit: _Optional[str] = ..., revision: _Optional[int] = ..., approved_by: _Optional[str] = ..., target_set_by: _Optional[str] = ...) -> None: ...
