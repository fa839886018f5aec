import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Certification(_message.Message):
    __slots__ = ("kind", "label", "issuer", "number", "stars", "valid_from", "valid_until", "status")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    label: str
    issuer: str
    number: str
    stars: int
    valid_from: str
    valid_until: str
    status: str
    def __init__(self, kind: _Optional[str] = ..., label: _Optional[str] = ..., issuer: _Optional[str] = ..., number: _Optional[str] = ..., stars: _Optional[int] = ..., valid_from: _Optional[str] = ..., valid_until: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class Product(_message.Message):
    __slots__ = ("gtin", "tenant", "name_vi", "name_en", "category", "producer", "description_vi", "description_en", "internal_code", "shelf_life_days", "certifications", "demo")
    GTIN_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAME_VI_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_VI_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_EN_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_CODE_FIELD_NUMBER: _ClassVar[int]
    SHELF_LIFE_DAYS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    DEMO_FIELD_NUMBER: _ClassVar[int]
    gtin: str
    tenant: str
    name_vi: str
    name_en: str
    category: str
    producer: str
    description_vi: str
    description_en: str
    internal_code: str
    shelf_life_days: int
    certifications: _containers.RepeatedCompositeFieldContainer[Certification]
    demo: bool
    def __init__(self, gtin: _Optional[str] = ..., tenant: _Optional[str] = ..., name_vi: _Optional[str] = ..., name_en: _Optional[str] = ..., category: _Optional[str] = ..., producer: _Optional[str] = ..., description_vi: _Optional[str] = ..., description_en: _Optional[str] = ..., internal_code: _Optional[str] = ..., shelf_life_days: _Optional[int] = ..., certifications: _Optional[_Iterable[_Union[Certification, _Mapping]]] = ..., demo: _Optional[bool] = ...) -> None: ...

class Producer(_message.Message):
    __slots__ = ("code", "name", "kind", "village", "address")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    kind: str
    village: str
    address: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., village: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class Area(_message.Message):
    __slots__ = ("code", "name", "village", "crop", "area_ha")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VILLAGE_FIELD_NUMBER: _ClassVar[int]
    CROP_FIELD_NUMBER: _ClassVar[int]
    AREA_HA_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    village: str
    crop: str
    area_ha: float
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., village: _Optional[str] = ..., crop: _Optional[str] = ..., area_ha: _Optional[float] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("id", "tenant", "gtin", "lot", "producer", "area", "produced_on", "expires_on", "quantity", "unit", "event_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    GTIN_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    PRODUCED_ON_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant: str
    gtin: str
    lot: str
    producer: str
    area: str
    produced_on: str
    expires_on: str
    quantity: float
    unit: str
    event_count: int
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., gtin: _Optional[str] = ..., lot: _Optional[str] = ..., producer: _Optional[str] = ..., area: _Optional[str] = ..., produced_on: _Optional[str] = ..., expires_on: _Optional[str] = ..., quantity: _Optional[float] = ..., unit: _Optional[str] = ..., event_count: _Optional[int] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("seq", "time", "step", "label_vi", "label_en", "where", "disposition", "hash")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    LABEL_VI_FIELD_NUMBER: _ClassVar[int]
    LABEL_EN_FIELD_NUMBER: _ClassVar[int]
    WHERE_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    seq: int
    time: _timestamp_pb2.Timestamp
    step: str
    label_vi: str
    label_en: str
    where: str
    disposition: str
    hash: str
    def __init__(self, seq: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step: _Optional[str] = ..., label_vi: _Optional[str] = ..., label_en: _Optional[str] = ..., where: _Optional[str] = ..., disposition: _Optional[str] = ..., hash: _Optional[str] = ...) -> None: ...

class Verification(_message.Message):
    __slots__ = ("intact", "checked", "broken_at", "reason", "head", "anchored_events", "anchor_signed", "missing_events")
    INTACT_FIELD_NUMBER: _ClassVar[int]
    CHECKED_FIELD_NUMBER: _ClassVar[int]
    BROKEN_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    ANCHORED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    ANCHOR_SIGNED_FIELD_NUMBER: _ClassVar[int]
    MISSING_EVENTS_FIELD_NUMBER: _ClassVar[int]
    intact: bool
    checked: int
    broken_at: int
    reason: str
    head: str
    anchored_events: int
    anchor_signed: bool
    missing_events: int
    def __init__(self, intact: _Optional[bool] = ..., checked: _Optional[int] = ..., broken_at: _Optional[int] = ..., reason: _Optional[str] = ..., head: _Optional[str] = ..., anchored_events: _Optional[int] = ..., anchor_signed: _Optional[bool] = ..., missing_events: _Optional[int] = ...) -> None: ...

class ListProductsRequest(_message.Message):
    __slots__ = ("tenant", "page_size", "page_token")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    page_size: int
    page_token: str
    def __init__(self, tenant: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProductsResponse(_message.Message):
    __slots__ = ("products", "next_page_token")
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[Product]
    next_page_token: str
    def __init__(self, products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetProductRequest(_message.Message):
    __slots__ = ("tenant", "gtin")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    GTIN_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    gtin: str
    def __init__(self, tenant: _Optional[str] = ..., gtin: _Optional[str] = ...) -> None: ...

class GetProductResponse(_message.Message):
    __slots__ = ("product", "producer")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    product: Product
    producer: Producer
    def __init__(self, product: _Optional[_Union[Product, _Mapping]] = ..., producer: _Optional[_Union[Producer, _Mapping]] = ...) -> None: ...

class GetBatchProvenanceRequest(_message.Message):
    __slots__ = ("tenant", "gtin", "lot")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    GTIN_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    gtin: str
    lot: str
    def __init__(self, tenant: _Optional[str] = ..., gtin: _Optional[str] = ..., lot: _Optional[str] = ...) -> None: ...

class GetBatchProvenanceResponse(_message.Message):
    __slots__ = ("batch", "product", "producer", "area", "timeline", "back", "forward", "verification")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    BACK_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    product: Product
    producer: Producer
    area: Area
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    back: _containers.RepeatedScalarFieldContainer[str]
    forward: _containers.RepeatedScalarFieldContainer[str]
    verification: Verification
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ..., product: _Optional[_Union[Product, _Mapping]] = ..., producer: _Optional[_Union[Producer, _Mapping]] = ..., area: _Optional[_Union[Area, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., back: _Optional[_Iterable[str]] = ..., forward: _Optional[_Iterable[str]] = ..., verification: _Optional[_Union[Verification, _Mapping]] = ...) -> None: ...

class VerifyBatchRequest(_message.Message):
    __slots__ = ("tenant", "gtin", "lot")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    GTIN_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    gtin: str
    lot: str
    def __init__(self, tenant: _Optional[str] = ..., gtin: _Optional[str] = ..., lot: _Optional[str] = ...) -> None: ...

class VerifyBatchResponse(_message.Message):
    __slots__ = ("verification",)
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    verification: Verification
    def __init__(self, verification: _Optional[_Union[Verification, _Mapping]] = ...) -> None: ...

class TraceBatchCreated(_message.Message):
    __slots__ = ("batch", "product_name")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_NAME_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    product_name: str
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ..., product_name: _Optional[str] = ...) -> None: ...

class TraceEventRecorded(_message.Message):
    __slots__ = ("batch_id", "event_id", "event_type", "step", "seq", "hash", "event_time")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    event_id: str
    event_type: str
    step: str
    seq: int
    hash: str
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, batch_id: _Optional[str] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., step: _Optional[str] = ..., seq: _Optional[int] = ..., hash: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TraceBatchVerified(_message.Message):
    __slots__ = ("batch_id", "verification")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    verification: Verification
    def __init__(self, batch_id: _Optional[str] = ..., verification: _Optional[_Union[Verification, _Mapping]] = ...) -> None: ...

class ScanCount(_message.Message):
    __slots__ = ("batch_id", "gtin", "day", "count", "origin")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    GTIN_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    gtin: str
    day: str
    count: int
    origin: str
    def __init__(self, batch_id: _Optional[str] = ..., gtin: _Optional[str] = ..., day: _Optional[str] = ..., count: _Optional[int] = ..., origin: _Optional[str] = ...) -> None: ...

class TraceScanned(_message.Message):
    __slots__ = ("counts",)
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[ScanCount]
    def __init__(self, counts: _Optional[_Iterable[_Union[ScanCount, _Mapping]]] = ...) -> None: ...
