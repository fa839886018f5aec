"""What the IOC knows and receives, as validated data (pure, no I/O): the registry of a
commune's locations, cameras and sensors; watchlist entries; and the detection contract
(modelled on ONVIF analytics: Likelihood 0-1, ObjectID, BoundingBox, plate number and
country, watchlist label; no image, no face data, only watchlist ids)."""
import datetime as dt
import re
from enum import StrEnum

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from services.common.errors import InvalidArgument, validated

CODE = r"^[a-z0-9][a-z0-9._-]{0,63}$"
TENANT = r"^[a-z0-9][a-z0-9-]{1,62}$"
# How far a detection's time may stray from the clock of the pipeline that receives it.
MAX_FUTURE = dt.timedelta(minutes=5)
MAX_PAST = dt.timedelta(hours=24)


class DetectionKind(StrEnum):
    FACE_MATCH = "face_match"
    PLATE_READ = "plate_read"
    VEHICLE = "vehicle"
    TRAFFIC_VIOLATION = "traffic_violation"
    ABNORMAL_BEHAVIOUR = "abnormal_behaviour"
    SENSOR_READING = "sensor_reading"


PROTO_KIND_PREFIX = "DETECTION_KIND_"


def kind_of(value) -> DetectionKind:
    """A kind from its name in any spelling a client sends: plate_read,
    DETECTION_KIND_PLATE_READ (proto3 JSON)."""
    text = str(value).strip()
    return DetectionKind(text.removeprefix(PROTO_KIND_PREFIX).lower())


class Strict(BaseModel):
    """Fields are read in either spelling (snake_case as stored, lowerCamelCase as the
    HTTP API writes them) and written snake_case unless asked by_alias (the API)."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True,
                              alias_generator=to_camel, populate_by_name=True)


class Location(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    village: str = Field(min_length=1, max_length=200)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Camera(Strict):
    code: str = Field(pattern=CODE)
    location: str = Field(pattern=CODE)
    kind: str = Field(pattern=r"^(fixed|ptz|anpr|barn)$")
    capabilities: frozenset[DetectionKind] = Field(min_length=1)
    # A camera heard from less often than this is reported silent (device health).
    expected_interval_s: int = Field(300, ge=10, le=86400)

    @field_validator("capabilities", mode="before")
    @classmethod
    def _kinds(cls, value):
        return [kind_of(v) for v in value] if isinstance(value, list | tuple | set) else value


class Thresholds(Strict):
    """A sensor's alarm band: above `high` or below `low`; it clears only once the value
    is back inside by `hysteresis`, so a value hovering at the limit does not flap."""
    high: float | None = None
    low: float | None = None
    hysteresis: float = Field(0.5, ge=0)

    @model_validator(mode="after")
    def _band(self):
        if self.high is None and self.low is None:
            raise ValueError("a threshold needs high, low or both")
        if self.high is not None and self.low is not None and self.low >= self.high:
            raise ValueError("low must be below high")
        return self


class Sensor(Strict):
    code: str = Field(pattern=CODE)
    location: str = Field(pattern=CODE)
    kind: str = Field(pattern=r"^(temperature|humidity|ammonia|water_level)$")
    unit: str = Field(min_length=1, max_length=20)
    thresholds: Thresholds
    expected_interval_s: int = Field(600, ge=10, le=86400)


class Registry(Strict):
    """One commune's devices; a device code is unique across cameras and sensors."""
    locations: tuple[Location, ...] = ()
    cameras: tuple[Camera, ...] = ()
    sensors: tuple[Sensor, ...] = ()
    _devices: dict = PrivateAttr(default_factory=dict)
    _locations: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references(self):
        places = {loc.code for loc in self.locations}
        codes = [d.code for d in (*self.cameras, *self.sensors)]
        if len(codes) != len(set(codes)):
            raise ValueError("device codes must be unique")
        unknown = sorted({d.location for d in (*self.cameras, *self.sensors)} - places)
        if unknown:
            raise ValueError(f"devices at unknown locations: {', '.join(unknown)}")
        return self

    def device(self, code: str) -> Camera | Sensor | None:
        return self._devices.get(code)

    def location(self, code: str) -> Location | None:
        return self._locations.get(code)

    def model_post_init(self, _):
        self._devices = {d.code: d for d in (*self.cameras, *self.sensors)}
        self._locations = {loc.code: loc for loc in self.locations}


def normalise_plate(text: str) -> str:
    """Vietnamese plates are written 25A-123.45 or 25A12345: compare letters and digits."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


class WatchlistEntry(Strict):
    """A plate or a person (by an enrolment id, never face data) that the commune may
    watch for, with the legal basis of the watching (Decree 13/2023), who approved it and
    when it expires."""
    id: str = Field(pattern=CODE)
    kind: str = Field(pattern=r"^(plate|person)$")
    # The plate text, or the person's enrolment id in the face-matching system.
    value: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=3, max_length=500)
    legal_basis: str = Field(min_length=3, max_length=500)
    approved_by: str = Field(min_length=1, max_length=100)
    expires_at: AwareDatetime

    @property
    def match_key(self) -> str:
        return normalise_plate(self.value) if self.kind == "plate" else self.value

    def active(self, now: dt.datetime) -> bool:
        return now < self.expires_at


class Plate(Strict):
    text: str = Field(min_length=2, max_length=16)
    # ISO 3166-1 alpha-2; empty (proto3's default, as a gRPC client sends it) means VN.
    country: str = Field("VN", pattern=r"^[A-Z]{2}$")

    @field_validator("country", mode="before")
    @classmethod
    def _vietnam_when_empty(cls, value):
        return "VN" if value in ("", None) else value


class Box(Strict):
    """Normalised to the frame: 0-1 from the top left, as ONVIF's BoundingBox."""
    left: float = Field(ge=0, le=1)
    top: float = Field(ge=0, le=1)
    right: float = Field(ge=0, le=1)
    bottom: float = Field(ge=0, le=1)


class Detection(Strict):
    """One analytics event from a camera or a sensor reading. Field names in JSON are
    the proto3 JSON names of commune.v1.Detection (deviceId, objectClass, ...)."""
    id: str = Field(min_length=1, max_length=100)
    tenant: str = Field(pattern=TENANT)
    device_id: str = Field(pattern=CODE)
    time: AwareDatetime
    kind: DetectionKind
    confidence: float = Field(ge=0, le=1)
    object_class: str = Field("", max_length=40)
    object_id: str = Field("", max_length=64)
    plate: Plate | None = None
    watchlist_id: str = Field("", max_length=64)
    value: float | None = None
    unit: str = Field("", max_length=20)
    zone: str = Field("", max_length=64)
    box: Box | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value):
        try:
            return kind_of(value)
        except ValueError:
            raise ValueError(f"unknown kind {value!r}") from None

    @model_validator(mode="after")
    def _fields_of_kind(self):
        if self.kind is DetectionKind.PLATE_READ and self.plate is None:
            raise ValueError("a plate read needs plate.text")
        if self.kind is DetectionKind.FACE_MATCH and not self.watchlist_id:
            raise ValueError("a face match carries the watchlist id it matched, nothing else")
        if self.kind is DetectionKind.SENSOR_READING and (self.value is None or not self.unit):
            raise ValueError("a sensor reading needs value and unit")
        return self


def parse_detection(raw) -> Detection:
    """A Detection from a dict (proto3 JSON names), or InvalidArgument naming the fields."""
    return validated(Detection, raw, "detection")


def check_against(detection: Detection, registry: Registry, now: dt.datetime) -> Camera | Sensor:
    """The device that sent the detection, once the detection is plausible for it;
    InvalidArgument otherwise (unknown device, a kind it cannot detect, a wrong unit, a
    time too far from now)."""
    device = registry.device(detection.device_id)
    if device is None:
        raise InvalidArgument(f"unknown device {detection.device_id!r} in commune "
                              f"{detection.tenant!r}", {"deviceId": "unknown"})
    if detection.time > now + MAX_FUTURE or detection.time < now - MAX_PAST:
        raise InvalidArgument(f"time {detection.time.isoformat()} is too far from now",
                              {"time": "out of range"})
    if isinstance(device, Sensor):
        if detection.kind is not DetectionKind.SENSOR_READING:
            raise InvalidArgument(f"sensor {device.code!r} only sends sensor readings",
                                  {"kind": "not a sensor reading"})
        if detection.unit != device.unit:
            raise InvalidArgument(f"sensor {device.code!r} measures in {device.unit!r}, "
                                  f"not {detection.unit!r}", {"unit": "wrong unit"})
    elif detection.kind not in device.capabilities:
        raise InvalidArgument(f"camera {device.code!r} does not detect {detection.kind}",
                              {"kind": "not a capability of the camera"})
    return device
