"""A commune's alert rules as validated data, and their evaluation (pure, no I/O).

Evaluating a detection gives signals: "this condition holds for this subject" (raise) or
"it is over" (clear, from a sensor back inside its band by the hysteresis). alerts.py
folds the signals into alerts. Rate and movement rules remember recent detections in
the Evaluator (windows() and restore(): the pipeline saves them, so a restart keeps
them); a movement signal carries every sighting of its window, which the alert folds
into its track once each."""
import bisect
import datetime as dt
import re
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, Field, TypeAdapter, WithJsonSchema, model_validator

from services.common.errors import InvalidArgument, validated

from .model import (
    CODE,
    Camera,
    Detection,
    DetectionKind,
    Registry,
    Sensor,
    Strict,
    Thresholds,
    WatchlistEntry,
)
from .model import normalise_plate as plate_key

# Sightings a movement rule remembers per subject (within its window): the longest track.
MAX_SIGHTINGS = 50
# The commune's wall clock, for time windows such as "at night" (Vietnam has no DST).
LOCAL_TIME = dt.timezone(dt.timedelta(hours=7))
K = DetectionKind
WALL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _wall_time(value):
    """A time of day as the commune's wall clock shows it: an offset or a count of seconds
    would name another time, and an aware time cannot be compared with the clock's."""
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and re.fullmatch(WALL_TIME, value):
        return dt.time.fromisoformat(value)
    raise ValueError("a time of day is written HH:MM or HH:MM:SS (local time, no offset)")


WallTime = Annotated[dt.time, BeforeValidator(_wall_time),
                     WithJsonSchema({"type": "string", "pattern": WALL_TIME})]


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class RuleBase(Strict):
    ALLOWED_KINDS: ClassVar[frozenset] = frozenset(K)

    id: str = Field(pattern=CODE)
    name: str = Field(min_length=3, max_length=200)
    severity: Severity = Severity.MEDIUM
    enabled: bool = True
    # Empty: every kind the rule type takes / every location of the commune.
    kinds: frozenset[DetectionKind] = frozenset()
    locations: frozenset[str] = frozenset()
    min_confidence: float = Field(0.6, ge=0, le=1)
    # Repeats within this long of the last one fold into the open alert.
    fold_minutes: int = Field(30, ge=1, le=1440)

    @model_validator(mode="after")
    def _kinds_of_type(self):
        wrong = sorted(self.kinds - self.ALLOWED_KINDS)
        if wrong:
            raise ValueError(f"a {self.type} rule does not take {', '.join(wrong)}")
        return self

    @property
    def fold_window(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.fold_minutes)

    def applies(self, detection: Detection, location: str) -> bool:
        return (self.enabled and detection.confidence >= self.min_confidence
                and detection.kind in (self.kinds or self.ALLOWED_KINDS)
                and (not self.locations or location in self.locations))


class ThresholdRule(RuleBase):
    """Any detection of these kinds (and object classes) above the confidence."""
    type: Literal["threshold"]
    object_classes: frozenset[str] = frozenset()


class WatchlistRule(RuleBase):
    """A plate or a person on the commune's watchlist (persons by watchlist id only)."""
    ALLOWED_KINDS: ClassVar[frozenset] = frozenset({K.PLATE_READ, K.FACE_MATCH})
    type: Literal["watchlist"]


class ZoneTimeRule(RuleBase):
    """Detections in these zones between `start` and `end` local time (the window may
    cross midnight): movement at a barn at night."""
    ALLOWED_KINDS: ClassVar[frozenset] = frozenset(K) - {K.SENSOR_READING}
    type: Literal["zone_time"]
    zones: frozenset[str] = Field(min_length=1)
    start: WallTime
    end: WallTime
    object_classes: frozenset[str] = frozenset()

    def in_window(self, at: dt.datetime) -> bool:
        local = at.astimezone(LOCAL_TIME).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class SensorRule(RuleBase):
    """A sensor outside its band; without thresholds here, the sensor's own apply."""
    ALLOWED_KINDS: ClassVar[frozenset] = frozenset({K.SENSOR_READING})
    type: Literal["sensor"]
    sensor_kind: str = Field(pattern=r"^(temperature|humidity|ammonia|water_level)$")
    thresholds: Thresholds | None = None
    min_confidence: float = Field(0.0, ge=0, le=1)


class RateRule(RuleBase):
    """At least `count` detections within `minutes` at one location."""
    type: Literal["rate"]
    count: int = Field(ge=2, le=10000)
    minutes: int = Field(ge=1, le=1440)


class MovementRule(RuleBase):
    """The same plate or watchlist id at `min_locations` places within `minutes`: one
    alert carrying the track (one point per sighting, in time order)."""
    ALLOWED_KINDS: ClassVar[frozenset] = frozenset({K.PLATE_READ, K.FACE_MATCH})
    type: Literal["movement"]
    min_locations: int = Field(2, ge=2, le=50)
    minutes: int = Field(60, ge=1, le=1440)
    watchlisted_only: bool = True


Rule = Annotated[ThresholdRule | WatchlistRule | ZoneTimeRule | SensorRule | RateRule
                 | MovementRule, Field(discriminator="type")]
_rule_adapter = TypeAdapter(Rule)


def parse_rule(raw, registry: Registry) -> Rule:
    """A rule from its JSON, checked against the commune's registry; InvalidArgument
    naming the fields at fault otherwise."""
    return placed(validated(_rule_adapter, raw, "rule"), registry)


def placed(rule: Rule, registry: Registry) -> Rule:
    """The rule, once every location it names is one of the commune's registry."""
    unknown = sorted(code for code in rule.locations if registry.location(code) is None)
    if unknown:
        raise InvalidArgument(f"unknown locations: {', '.join(unknown)}",
                              {"locations": "unknown"})
    return rule


def rule_document(rule: Rule) -> dict:
    return rule.model_dump(mode="json")


@dataclass(frozen=True)
class CommuneConfig:
    """What the pipeline needs of one commune, cached and reloaded when edited."""
    tenant: str
    registry: Registry = field(default_factory=Registry)
    rules: tuple = ()
    watchlist: tuple[WatchlistEntry, ...] = ()
    silences: tuple = ()

    _watch_index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        index: dict[tuple[str, str], list[WatchlistEntry]] = {}
        for entry in self.watchlist:
            index.setdefault((entry.kind, entry.match_key), []).append(entry)
        object.__setattr__(self, "_watch_index", index)

    def watched(self, kind: str, key: str, now: dt.datetime) -> WatchlistEntry | None:
        for entry in self._watch_index.get((kind, key), ()):
            if entry.active(now):
                return entry
        return None


@dataclass(frozen=True)
class Signal:
    """A rule's verdict on one detection (or a sweep): the alert key is
    (tenant, rule_id, subject)."""
    tenant: str
    rule_id: str
    subject: str
    severity: Severity
    title: str
    fold_window: dt.timedelta
    at: dt.datetime
    clear: bool = False
    location: str = ""
    device: str = ""
    kind: str = ""
    detection_id: str = ""
    received_at: dt.datetime | None = None
    track: tuple[tuple[str, dt.datetime], ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.tenant, self.rule_id, self.subject)


def _identity(detection: Detection) -> tuple[str, str] | None:
    """(watchlist kind, match key) of what a detection identifies, if anything."""
    if detection.kind is K.PLATE_READ and detection.plate:
        return "plate", plate_key(detection.plate.text)
    if detection.kind is K.FACE_MATCH:
        return "person", detection.watchlist_id
    return None


class Evaluator:
    """Evaluates detections against their commune's rules; holds the short memories of
    rate and movement rules."""

    def __init__(self):
        self._rates: dict[tuple, deque] = {}
        # (tenant, rule, subject) -> (the rule's window, its sightings within it:
        # (location, time), in time order, each once)
        self._sightings: dict[tuple, tuple[dt.timedelta, list[tuple[str, dt.datetime]]]] = {}

    def forget(self, now: dt.datetime) -> None:
        """Drop the subjects not seen within their movement rule's window of `now` (the
        pipeline's sweep): with watchlisted_only off, every plate ever read would stay."""
        for key, (window, seen) in list(self._sightings.items()):
            if not seen or seen[-1][1] < now - window:
                del self._sightings[key]

    def windows(self) -> dict:
        """The rate and movement memories, as a document (saved by the pipeline's sweep so
        that a restart does not forget them; FerretDB stores no nested arrays)."""
        return {
            "rates": [{"tenant": tenant, "rule": rule, "location": location,
                       "count": times.maxlen, "times": list(times)}
                      for (tenant, rule, location), times in self._rates.items()],
            "sightings": [{"tenant": tenant, "rule": rule, "subject": subject,
                           "window_s": window.total_seconds(),
                           "seen": [{"location": place, "at": at} for place, at in seen]}
                          for (tenant, rule, subject), (window, seen) in self._sightings.items()]}

    def restore(self, windows: dict) -> None:
        for r in windows.get("rates", []):
            self._rates[(r["tenant"], r["rule"], r["location"])] = deque(r["times"],
                                                                         maxlen=r["count"])
        for s in windows.get("sightings", []):
            self._sightings[(s["tenant"], s["rule"], s["subject"])] = (
                dt.timedelta(seconds=s["window_s"]),
                sorted({(p["location"], p["at"]) for p in s["seen"]}, key=_time_of))

    def evaluate(self, detection: Detection, device: Camera | Sensor, config: CommuneConfig,
                 received_at: dt.datetime | None = None) -> list[Signal]:
        signals = []
        for rule in config.rules:
            if not rule.applies(detection, device.location):
                continue
            verdict = self._verdict(rule, detection, device, config)
            if verdict is None:
                continue
            subject, title, clear, track = verdict
            signals.append(Signal(
                tenant=detection.tenant, rule_id=rule.id, subject=subject,
                severity=rule.severity, title=title, fold_window=rule.fold_window,
                at=detection.time, clear=clear, location=device.location,
                device=device.code, kind=detection.kind.value, detection_id=detection.id,
                received_at=received_at, track=track))
        return signals

    def _verdict(self, rule, detection: Detection, device, config: CommuneConfig):
        """(subject, title, clear, track) when the rule fires or clears, else None."""
        location = device.location
        match rule:
            case ThresholdRule():
                if rule.object_classes and detection.object_class not in rule.object_classes:
                    return None
                return location, f"{rule.name} tại {location}", False, ()
            case WatchlistRule():
                identity = _identity(detection)
                entry = identity and config.watched(*identity, detection.time)
                if not entry:
                    return None
                return entry.id, f"{rule.name}: {entry.id} tại {location}", False, ()
            case ZoneTimeRule():
                if (detection.zone not in rule.zones or not rule.in_window(detection.time)
                        or (rule.object_classes
                            and detection.object_class not in rule.object_classes)):
                    return None
                return (f"{location}/{detection.zone}", f"{rule.name} tại {location} "
                        f"({detection.zone})", False, ())
            case SensorRule():
                return self._sensor(rule, detection, device)
            case RateRule():
                return self._rate(rule, detection, location)
            case MovementRule():
                return self._movement(rule, detection, location, config)
        return None

    @staticmethod
    def _sensor(rule: SensorRule, detection: Detection, device):
        if not isinstance(device, Sensor) or device.kind != rule.sensor_kind:
            return None
        band = rule.thresholds or device.thresholds
        value = detection.value
        too_high = band.high is not None and value >= band.high
        too_low = band.low is not None and value <= band.low
        if too_high or too_low:
            side = "vượt ngưỡng trên" if too_high else "dưới ngưỡng dưới"
            return device.code, f"{rule.name}: {device.code} {side}", False, ()
        back_inside = ((band.high is None or value <= band.high - band.hysteresis)
                       and (band.low is None or value >= band.low + band.hysteresis))
        if back_inside:
            return device.code, f"{rule.name}: {device.code} trở lại bình thường", True, ()
        return None

    def _rate(self, rule: RateRule, detection: Detection, location: str):
        # Only the last `count` times decide whether `count` fell within the window, so
        # a busy location holds no more than that.
        key = (detection.tenant, rule.id, location)
        times = self._rates.get(key)
        if times is None or times.maxlen != rule.count:  # new, or the rule was edited
            times = self._rates[key] = deque(times or (), maxlen=rule.count)
        times.append(detection.time)
        horizon = detection.time - dt.timedelta(minutes=rule.minutes)
        if len(times) < rule.count or times[0] < horizon:
            return None
        return (location, f"{rule.name}: từ {rule.count} lần trong {rule.minutes} phút "
                f"tại {location}", False, ())

    def _movement(self, rule: MovementRule, detection: Detection, location: str,
                  config: CommuneConfig):
        identity = _identity(detection)
        if identity is None:
            return None
        if rule.watchlisted_only and not config.watched(*identity, detection.time):
            return None
        subject, window = identity[1], dt.timedelta(minutes=rule.minutes)
        key = (detection.tenant, rule.id, subject)
        seen = self._sightings.get(key, (window, []))[1]
        self._sightings[key] = (window, seen)
        sighting = (location, _stored_time(detection.time))
        if sighting not in seen:  # the same read twice (a gateway's retry) is one sighting
            bisect.insort(seen, sighting, key=_time_of)
        horizon = seen[-1][1] - window
        del seen[:sum(1 for _, at in seen if at < horizon)]
        if len(seen) > MAX_SIGHTINGS:
            _drop_oldest_repeat(seen)
        places = {place for place, _ in seen}
        if sighting not in seen or len(places) < rule.min_locations:
            return None
        return (subject, f"{rule.name}: {subject} xuất hiện tại {len(places)} địa điểm", False,
                tuple(seen))


def _time_of(sighting: tuple[str, dt.datetime]) -> dt.datetime:
    return sighting[1]


def _stored_time(at: dt.datetime) -> dt.datetime:
    """`at` as the database gives it back (BSON keeps milliseconds): a sighting remembered
    or tracked before a restart is still recognised after it."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _drop_oldest_repeat(seen: list[tuple[str, dt.datetime]]) -> None:
    """Make room: drop the oldest sighting of a place that was seen again since (every
    place keeps its latest sighting, which is what the rule counts), else the oldest."""
    later: set[str] = set()
    oldest_repeat = 0
    for n in range(len(seen) - 1, -1, -1):
        if seen[n][0] in later:
            oldest_repeat = n
        later.add(seen[n][0])
    del seen[oldest_repeat]
