import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DetectionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETECTION_KIND_UNSPECIFIED: _ClassVar[DetectionKind]
    DETECTION_KIND_FACE_MATCH: _ClassVar[DetectionKind]
    DETECTION_KIND_PLATE_READ: _ClassVar[DetectionKind]
    DETECTION_KIND_VEHICLE: _ClassVar[DetectionKind]
    DETECTION_KIND_TRAFFIC_VIOLATION: _ClassVar[DetectionKind]
    DETECTION_KIND_ABNORMAL_BEHAVIOUR: _ClassVar[DetectionKind]
    DETECTION_KIND_SENSOR_READING: _ClassVar[DetectionKind]

class AlertSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_SEVERITY_UNSPECIFIED: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_LOW: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_MEDIUM: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_HIGH: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_CRITICAL: _ClassVar[AlertSeverity]

class AlertStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_STATUS_UNSPECIFIED: _ClassVar[AlertStatus]
    ALERT_STATUS_OPEN: _ClassVar[AlertStatus]
    ALERT_STATUS_ACKNOWLEDGED: _ClassVar[AlertStatus]
    ALERT_STATUS_RESOLVED: _ClassVar[AlertStatus]
    ALERT_STATUS_SUPPRESSED: _ClassVar[AlertStatus]
DETECTION_KIND_UNSPECIFIED: DetectionKind
DETECTION_KIND_FACE_MATCH: DetectionKind
DETECTION_KIND_PLATE_READ: DetectionKind
DETECTION_KIND_VEHICLE: DetectionKind
DETECTION_KIND_TRAFFIC_VIOLATION: DetectionKind
DETECTION_KIND_ABNORMAL_BEHAVIOUR: DetectionKind
DETECTION_KIND_SENSOR_READING: DetectionKind
ALERT_SEVERITY_UNSPECIFIED: AlertSeverity
ALERT_SEVERITY_LOW: AlertSeverity
ALERT_SEVERITY_MEDIUM: AlertSeverity
ALERT_SEVERITY_HIGH: AlertSeverity
ALERT_SEVERITY_CRITICAL: AlertSeverity
ALERT_STATUS_UNSPECIFIED: AlertStatus
ALERT_STATUS_OPEN: AlertStatus
ALERT_STATUS_ACKNOWLEDGED: AlertStatus
ALERT_STATUS_RESOLVED: AlertStatus
ALERT_STATUS_SUPPRESSED: AlertStatus

class Plate(_message.Message):
    __slots__ = ("text", "country")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    text: str
    country: str
    def __init__(self, text: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class BoundingBox(_message.Message):
    __slots__ = ("left", "top", "right", "bottom")
    LEFT_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    RIGHT_FIELD_NUMBER: _ClassVar[int]
    BOTTOM_FIELD_NUMBER: _ClassVar[int]
    left: float
    top: float
    right: float
    bottom: float
    def __init__(self, left: _Optional[float] = ..., top: _Optional[float] = ..., right: _Optional[float] = ..., bottom: _Optional[float] = ...) -> None: ...

class Detection(_message.Message):
    __slots__ = ("id", "tenant", "device_id", "time", "kind", "confidence", "object_class", "object_id", "plate", "watchlist_id", "value", "unit", "zone", "box")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_CLASS_FIELD_NUMBER: _ClassVar[int]
    OBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PLATE_FIELD_NUMBER: _ClassVar[int]
    WATCHLIST_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    device_id: str
    time: _timestamp_pb2.Timestamp
    kind: DetectionKind
    confidence: float
    object_class: str
    object_id: str
    plate: Plate
    watchlist_id: str
    value: float
    unit: str
    zone: str
    box: BoundingBox
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., device_id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[DetectionKind, str]] = ..., confidence: _Optional[float] = ..., object_class: _Optional[str] = ..., object_id: _Optional[str] = ..., plate: _Optional[_Union[Plate, _Mapping]] = ..., watchlist_id: _Optional[str] = ..., value: _Optional[float] = ..., unit: _Optional[str] = ..., zone: _Optional[str] = ..., box: _Optional[_Union[BoundingBox, _Mapping]] = ...) -> None: ...

class TrackPoint(_message.Message):
    __slots__ = ("location", "time")
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    location: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, location: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("id", "tenant", "rule_id", "subject", "severity", "title", "status", "count", "first_seen_time", "last_seen_time", "open_time", "locations", "devices", "kinds", "detection_ids", "track", "escalation_level", "silenced_by", "acknowledged_by", "acknowledge_time", "resolved_by", "resolve_time", "false_positive", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    OPEN_TIME_FIELD_NUMBER: _ClassVar[int]
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    DETECTION_IDS_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    SILENCED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    FALSE_POSITIVE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    rule_id: str
    subject: str
    severity: AlertSeverity
    title: str
    status: AlertStatus
    count: int
    first_seen_time: _timestamp_pb2.Timestamp
    last_seen_time: _timestamp_pb2.Timestamp
    open_time: _timestamp_pb2.Timestamp
    locations: _containers.RepeatedScalarFieldContainer[str]
    devices: _containers.RepeatedScalarFieldContainer[str]
    kinds: _containers.RepeatedScalarFieldContainer[str]
    detection_ids: _containers.RepeatedScalarFieldContainer[str]
    track: _containers.RepeatedCompositeFieldContainer[TrackPoint]
    escalation_level: int
    silenced_by: str
    acknowledged_by: str
    acknowledge_time: _timestamp_pb2.Timestamp
    resolved_by: str
    resolve_time: _timestamp_pb2.Timestamp
    false_positive: bool
    version: int
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., rule_id: _Optional[str] = ..., subject: _Optional[str] = ..., severity: _Optional[_Union[AlertSeverity, str]] = ..., title: _Optional[str] = ..., status: _Optional[_Union[AlertStatus, str]] = ..., count: _Optional[int] = ..., first_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., open_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., locations: _Optional[_Iterable[str]] = ..., devices: _Optional[_Iterable[str]] = ..., kinds: _Optional[_Iterable[str]] = ..., detection_ids: _Optional[_Iterable[str]] = ..., track: _Optional[_Iterable[_Union[TrackPoint, _Mapping]]] = ..., escalation_level: _Optional[int] = ..., silenced_by: _Optional[str] = ..., acknowledged_by: _Optional[str] = ..., acknowledge_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_by: _Optional[str] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., false_positive: _Optional[bool] = ..., version: _Optional[int] = ...) -> None: ...

class AlertRaised(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class AlertUpdated(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class AlertEscalated(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class AlertResolved(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class IngestDetectionsRequest(_message.Message):
    __slots__ = ("detections",)
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    detections: _containers.RepeatedCompositeFieldContainer[Detection]
    def __init__(self, detections: _Optional[_Iterable[_Union[Detection, _Mapping]]] = ...) -> None: ...

class IngestDetectionsResponse(_message.Message):
    __slots__ = ("accepted", "rejected")
    class Rejection(_message.Message):
        __slots__ = ("index", "detection_id", "reason")
        INDEX_FIELD_NUMBER: _ClassVar[int]
        DETECTION_ID_FIELD_NUMBER: _ClassVar[int]
        REASON_FIELD_NUMBER: _ClassVar[int]
        index: int
        detection_id: str
        reason: str
        def __init__(self, index: _Optional[int] = ..., detection_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    rejected: _containers.RepeatedCompositeFieldContainer[IngestDetectionsResponse.Rejection]
    def __init__(self, accepted: _Optional[int] = ..., rejected: _Optional[_Iterable[_Union[IngestDetectionsResponse.Rejection, _Mapping]]] = ...) -> None: ...

class ListAlertsRequest(_message.Message):
    __slots__ = ("tenant", "status", "severity", "page_size", "page_token")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    status: AlertStatus
    severity: AlertSeverity
    page_size: int
    page_token: str
    def __init__(self, tenant: _Optional[str] = ..., status: _Optional[_Union[AlertStatus, str]] = ..., severity: _Optional[_Union[AlertSeverity, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAlertsResponse(_message.Message):
    __slots__ = ("alerts", "next_page_token", "total_size")
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    next_page_token: str
    total_size: int
    def __init__(self, alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetAlertRequest(_message.Message):
    __slots__ = ("tenant", "id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    id: str
    def __init__(self, tenant: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class GetAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class WatchAlertsRequest(_message.Message):
    __slots__ = ("tenant",)
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    def __init__(self, tenant: _Optional[str] = ...) -> None: ...

class WatchAlertsResponse(_message.Message):
    __slots__ = ("event_type", "event_time", "alert")
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    event_type: str
    event_time: _timestamp_pb2.Timestamp
    alert: Alert
    def __init__(self, event_type: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...
