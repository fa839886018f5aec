"""A camera gateway simulator replaying realistic traffic for a commune's registry:
mostly vehicles and plate reads, some violations and abnormal behaviour, now and then
a watchlisted plate, barn-temperature readings around their limit. Each tick, every
location's gateway publishes what its cameras saw as one message (as edge gateways
batch), at `rate` detections per second in all. While the broker is out of reach a
gateway holds what it saw and sends it when the broker is back, as real ones do."""
import datetime as dt
import random
import time
import uuid
from collections.abc import Callable

from services.common import logs
from services.common.broker_lost import BROKER_LOST
from services.common.publisher import Publisher

from .broker import publish_detections
from .model import Camera, DetectionKind, Registry

log = logs.get_logger(__name__)
TICK_S = 0.1
OUTAGE_PAUSE_S = 1.0
WATCHED_SHARE = 0.01
# How often each kind appears, among what a camera can detect.
KIND_WEIGHTS = {DetectionKind.VEHICLE: 50, DetectionKind.PLATE_READ: 35,
                DetectionKind.TRAFFIC_VIOLATION: 5, DetectionKind.ABNORMAL_BEHAVIOUR: 3,
                DetectionKind.FACE_MATCH: 1}
OBJECTS = {"vehicle": ["motorbike", "car", "truck", "bicycle"], "person": ["person"]}


def random_plate(rng: random.Random) -> str:
    """A Lai Châu plate (25), as written: 25A-123.45 or 25B1-234.56."""
    series = rng.choice(["A", "B1", "C", "D1", "LD"])
    number = rng.randrange(10000, 99999)
    return f"25{series}-{number // 100:03d}.{number % 100:02d}"


class CameraSimulator:
    def __init__(self, tenant: str, registry: Registry, watched_plates: list[str],
                 seed: int | None = None, watched_share: float = WATCHED_SHARE):
        self.tenant = tenant
        self.registry = registry
        self.watched = watched_plates
        self.watched_share = watched_share
        self.rng = random.Random(seed)
        self.cameras = list(registry.cameras)
        self.temperature = {s.code: 30.0 for s in registry.sensors}

    def detection(self, now: dt.datetime) -> dict:
        rng = self.rng
        if self.temperature and rng.random() < 0.02:
            return self._reading(now)
        camera: Camera = rng.choice(self.cameras)
        kinds = [k for k in KIND_WEIGHTS if k in camera.capabilities]
        kind = rng.choices(kinds, [KIND_WEIGHTS[k] for k in kinds])[0]
        row = {"id": uuid.uuid4().hex, "tenant": self.tenant, "deviceId": camera.code,
               "time": now.isoformat(), "kind": kind.value,
               "confidence": round(rng.uniform(0.55, 0.99), 2),
               "objectClass": rng.choice(OBJECTS["person" if kind in (
                   DetectionKind.FACE_MATCH, DetectionKind.ABNORMAL_BEHAVIOUR) else "vehicle"]),
               "objectId": str(rng.randrange(1, 10**6)),
               "box": {"left": 0.2, "top": 0.3, "right": 0.45, "bottom": 0.7}}
        if camera.kind == "barn":
            row["zone"] = "barn"
        if kind is DetectionKind.PLATE_READ:
            watched = self.watched and rng.random() < self.watched_share
            row["plate"] = {"text": rng.choice(self.watched) if watched
                            else random_plate(rng), "country": "VN"}
        if kind is DetectionKind.FACE_MATCH:
            row["watchlistId"] = f"enrol-{rng.randrange(1, 50)}"
        return row

    def _reading(self, now: dt.datetime) -> dict:
        code = self.rng.choice(list(self.temperature))
        value = self.temperature[code] = round(
            min(38.0, max(24.0, self.temperature[code] + self.rng.gauss(0, 0.8))), 1)
        return {"id": uuid.uuid4().hex, "tenant": self.tenant, "deviceId": code,
                "time": now.isoformat(), "kind": "sensor_reading", "confidence": 1.0,
                "value": value, "unit": "Cel"}

    def tick(self, count: int, now: dt.datetime) -> dict[str, list[dict]]:
        """`count` detections grouped by the location (gateway) that saw them."""
        by_location: dict[str, list[dict]] = {}
        for _ in range(count):
            row = self.detection(now)
            place = self.registry.device(row["deviceId"]).location
            by_location.setdefault(place, []).append(row)
        return by_location


def replay(publisher: Publisher, simulator: CameraSimulator, rate: float,
           duration: float, confirmed: Callable[[list[dict]], None] = lambda rows: None
           ) -> int:
    """Publish at `rate` detections/s for `duration` s (0: until interrupted); returns
    how many were sent, and hands each batch the broker confirmed to `confirmed`. A tick
    that falls behind is made up in the next; the time lost to a broker outage is not
    (the held detections go out, then the pace resumes)."""
    started, sent, owed = time.monotonic(), 0, 0.0
    paced_from, paced_sent = started, 0
    while duration <= 0 or time.monotonic() - started < duration:
        owed += rate * TICK_S
        count, owed = int(owed), owed - int(owed)
        for rows in simulator.tick(count, dt.datetime.now(dt.UTC)).values():
            if not send_when_accepted(publisher, simulator.tenant, rows):
                paced_from, paced_sent = time.monotonic(), sent
            confirmed(rows)
            sent += len(rows)
        behind = paced_from + ((sent - paced_sent) / rate if rate else 0) - time.monotonic()
        time.sleep(max(0.0, min(TICK_S, behind)) if rate else TICK_S)
    return sent


def send_when_accepted(publisher: Publisher, tenant: str, rows: list[dict]) -> bool:
    """Publish one gateway's batch, retrying for as long as the broker is out of reach;
    False when it had to wait."""
    waited = False
    while True:
        try:
            publish_detections(publisher, tenant, rows)
        except BROKER_LOST as exc:
            if not waited:
                log.warning("broker unreachable; holding detections until it answers",
                            error=f"{type(exc).__name__}: {exc}")
            waited = True
            time.sleep(OUTAGE_PAUSE_S)
            continue
        if waited:
            log.info("broker back; sending again")
        return not waited
