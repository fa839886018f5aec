"""The detection pipeline: batches of detections (and operators' commands) off the broker
-> validation -> rules -> folding -> one journal write -> alert events -> ack.

It is the only writer of alert documents, so FerretDB never sees two writers on one
alert: run exactly one pipeline process per broker namespace (`commune-pipeline
iocevents`; in Kubernetes one replica with the Recreate strategy). Operators' moves,
timers and other services' alerts reach it as commands on its own queue, applied in
order with the detections.

Per batch: every valid detection of the commune its routing key names (a gateway
publishes for its own commune only; one naming another is dead-lettered) is checked
against its commune's registry and rules (cached in memory per commune, reloaded on a
"reload" command), folded into the alert book, then the batch is journaled in one
insert (the commit point; see store.py), its raised/escalated/resolved events are
published with confirms, and the batch is acked.
Alert documents are rewritten, and updates announced, at most every `ioc_flush_s` by
the AlertWriter thread (writer.py): the journal since its last flush is replayed at
start, so a crash loses nothing, and redelivered detections are recognised by id (the
ids of the last journaled batch are remembered at start). Rate and movement rules'
windows are saved by each sweep and, at start, restored and brought up to date from the
journal.

The journal is not the outbox of services/common (outbox.py), though both keep events
with the write that makes them: it is this one writer's write-ahead log, a batch's
detections, alerts and events in one insert, read back in sequence at start (the events
of the batches after the last flush are published again then). A batch is acked only
after its events are published, so a failed publish leaves the batch to the broker's
redelivery, and a crash to the replay: no relay and no listing per event are needed,
and the hot path keeps its one insert per batch."""
import datetime as dt
import json
import re
import signal
import sys
import time
from collections import Counter, OrderedDict

import kombu
from prometheus_client import start_http_server

from services.common import json_body, logs, metrics
from services.common.batch_consumer import BatchConsumer, Incoming
from services.common.broker_lost import BROKER_LOST
from services.common.envelope import Envelope
from services.common.errors import CommuneError, InvalidArgument
from services.common.memory import pin_mmap_threshold
from services.common.mongo import database_name, make_client
from services.common.pipeline_launcher import metrics_port
from services.common.publisher import Publisher
from services.common.readiness import NotReady, wait_until_ready

from . import alerts as al
from .broker import (
    MAX_PER_MESSAGE,
    RECEIVED_HEADER,
    SOURCE,
    commands_queue,
    detections_queue,
    queues,
)
from .contract import alert_event
from .model import TENANT, Registry, WatchlistEntry, check_against, parse_detection
from .rules import CommuneConfig, Evaluator, parse_rule
from .settings import IocSettings, ioc_settings
from .store import IocStore, journal_name, unpack
from .writer import AlertWriter

log = logs.get_logger(__name__)

detections_in = metrics.counter(SOURCE, "detections_total", "Detections taken in, by outcome",
                                ("tenant", "kind", "outcome"))
rule_evaluations = metrics.counter(SOURCE, "rule_evaluations_total",
                                   "Rules evaluated against detections", ("tenant",))
alerts_live = metrics.gauge(SOURCE, "alerts_open", "Alerts not resolved, by status and severity",
                            ("tenant", "status", "severity"))
latency = metrics.histogram(SOURCE, "detection_to_alert_seconds",
                            "From a detection entering the platform to its alert event sent")
batch_seconds = metrics.histogram(SOURCE, "batch_seconds", "Time to handle one batch")
queue_depth = metrics.gauge(SOURCE, "queue_depth", "Messages waiting in the pipeline's queues",
                            ("queue",))
dead_lettered = metrics.counter(SOURCE, "dead_lettered_total",
                                "Messages and detections dead-lettered, by what they were",
                                ("what",))
commands_done = metrics.counter(SOURCE, "commands_total", "Commands applied, by outcome",
                                ("action", "outcome"))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RecentIds:
    """A bounded set: the oldest ids go first."""

    def __init__(self, size: int):
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, key: str) -> bool:
        """True when the id is new."""
        if key in self._ids:
            return False
        self._ids[key] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True

    def discard(self, keys) -> None:
        for key in keys:
            self._ids.pop(key, None)


def _commune_routed(routing_key: str) -> str:
    """The commune a message of detections was published for: "detection.<commune>" (a
    gateway may publish for its own commune only; every detection must be of it)."""
    commune = routing_key.removeprefix("detection.")
    if commune == routing_key or not re.fullmatch(TENANT, commune):
        raise InvalidArgument(f"routing key {routing_key!r} names no commune "
                              "(detection.<commune>)")
    return commune


def _detections_in(body: bytes) -> list:
    try:
        decoded = json_body.loads(body)
    except ValueError as exc:
        raise InvalidArgument(f"body is not JSON: {exc}") from None
    items = decoded.get("detections") if isinstance(decoded, dict) else decoded
    if isinstance(decoded, dict) and items is None:
        items = [decoded]
    if not isinstance(items, list) or not 0 < len(items) <= MAX_PER_MESSAGE:
        raise InvalidArgument(f"a message carries 1-{MAX_PER_MESSAGE} detections")
    return items


class Pipeline:
    def __init__(self, store: IocStore, publisher: Publisher, settings: IocSettings,
                 clock=utcnow):
        self.store = store
        self.publisher = publisher
        self.settings = settings
        self.clock = clock
        self.book = al.AlertBook()
        self.evaluator = Evaluator()
        self.configs: dict[str, CommuneConfig] = {}
        self.seen = RecentIds(settings.ioc_recent_ids)
        self.heard: dict[str, dict[str, dt.datetime]] = {}
        # How far into the stream of detections the pipeline has got (see sweep), and
        # whether it took any since the last sweep.
        self.taken_up_to = clock()
        self.took_detections = False
        self.seq, self.collection = 0, ""
        # Set while a batch or sweep changes memory ahead of the journal: when its commit
        # fails, the book, rule windows and sequence are not the journal's any more.
        self.stale = False
        self.taken_ids: list[str] = []  # the ids the batch under way added to `seen`
        self.writer = AlertWriter(store, publisher, settings.ioc_flush_s)
        self.last_sweep = time.monotonic()
        self.windows_saved = 0  # the journal entry the saved rule windows are as of
        self._depth_channel = None
        self.detections_queue_name = detections_queue(settings.namespace).name
        self.commands_queue_name = commands_queue(settings.namespace).name

    # --- start: replay what the last run journaled but did not flush ---------------------

    def recover(self) -> None:
        state = self.store.state()
        self.seq, self.collection = state["seq"], state["collection"]
        places = [self.collection, journal_name(self.clock().date())]
        replayed, latest, batches = {}, self.store.journal_entry(places, self.seq), 0
        while (entry := self.store.journal_entry(places, self.seq + 1)) is not None:
            self.seq, latest, batches = self.seq + 1, entry, batches + 1
            replayed.update({a["_id"]: a for a in entry["alerts"]})
            for event in entry["events"]:
                self.publisher.publish(Envelope.model_validate(event))
        if replayed:
            self.store.write_alerts(list(replayed.values()))
            for document in replayed.values():  # the updates the writer may not have sent
                self.publisher.publish(alert_event(al.UPDATED, document))
            log.warning("pipeline replayed its journal", batches=batches, seq=self.seq)
        if latest is not None:
            for row in unpack(latest["detections"]):
                self.seen.add(f"{row['tenant']}:{row['id']}")
            self.collection = journal_name(latest["at"].date())
        self.store.save_state(self.seq, self.collection)
        if moved := self.store.move_resolved_left():
            log.warning("resolved alerts moved out of the live ones", count=moved)
        self.book = al.AlertBook(self.store.live_alerts())
        self._restore_windows(places)

    def _restore_windows(self, places: list[str]) -> None:
        """The rules' memories as the last sweep saved them, brought up to date with the
        detections journaled since (their alerts are in the journal already: only the
        memories move)."""
        saved = self.store.windows()
        if saved is None:
            return
        self.evaluator.restore(saved)
        self.windows_saved = saved["seq"]
        now = self.clock()
        for seq in range(saved["seq"] + 1, self.seq + 1):
            entry = self.store.journal_entry(places, seq)
            for row in unpack(entry["detections"]) if entry else ():
                try:
                    detection = parse_detection({k: v for k, v in row.items()
                                                 if k != "location"})
                    config = self.config(detection.tenant)
                    device = check_against(detection, config.registry, now)
                except InvalidArgument:  # its device or commune has gone since
                    continue
                self.evaluator.evaluate(detection, device, config)

    # --- configuration, cached per commune ------------------------------------------------

    def config(self, tenant: str) -> CommuneConfig:
        config = self.commune_config(tenant)
        if config is None:
            raise InvalidArgument(f"unknown commune {tenant!r}", {"tenant": "unknown"})
        return config

    def commune_config(self, tenant: str) -> CommuneConfig | None:
        """The commune's configuration; None for a commune with no devices (not cached: a
        gateway sending for communes that do not exist must not grow it)."""
        config = self.configs.get(tenant)
        if config is None:
            registry = self.store.registry(tenant)
            if not (registry.cameras or registry.sensors):
                return None
            config = self.configs[tenant] = self._load(tenant, registry)
        return config

    def _load(self, tenant: str, registry: Registry) -> CommuneConfig:
        rules = []
        for raw in self.store.rules(tenant):
            try:
                rules.append(parse_rule(raw, registry))
            except InvalidArgument as exc:
                log.error("stored rule skipped", tenant=tenant, rule=raw.get("id"),
                          error=str(exc))
        now = self.clock()
        devices = {d.code for d in (*registry.cameras, *registry.sensors)}
        heard = self.heard.setdefault(tenant, {})
        for code in devices - set(heard):
            heard[code] = now  # a device's silence counts from when we started expecting it
        for code in set(heard) - devices:
            del heard[code]
        return CommuneConfig(
            tenant, registry, tuple(rules),
            tuple(WatchlistEntry.model_validate(w) for w in self.store.watchlist(tenant)),
            tuple(al.Silence.model_validate(s) for s in self.store.silences(tenant)))

    # --- a batch ------------------------------------------------------------------------------

    def reload(self) -> None:
        """After a batch or sweep whose commit failed (the database out of reach): forget
        what it did in memory and start again from the journal, as a restart would. Its
        detection ids leave `seen` (else the redelivered batch would be dropped as
        duplicates and lost), its folds leave the book (else counted twice when it comes
        back), and an entry journaled although its insert reported a failure is replayed."""
        self.seen.discard(self.taken_ids)
        self.writer.flush()  # what earlier batches journaled, so the replay starts after it
        self.book, self.evaluator, self.configs = al.AlertBook(), Evaluator(), {}
        self.recover()
        self.stale, self.taken_ids = False, []
        log.warning("pipeline memory reloaded from the journal after a failed batch",
                    seq=self.seq)

    def handle(self, batch: list[Incoming]) -> None:
        if self.stale:
            self.reload()
        self.stale = True
        started = time.perf_counter()
        now = self.clock()
        rows, outcomes = [], Counter()
        for incoming in batch:
            if incoming.routing_key.startswith("command."):
                self._command(incoming, now)
            else:
                rows += self._detections(incoming, now, outcomes)
        for (tenant, kind, outcome), n in outcomes.items():
            detections_in.labels(tenant, kind, outcome).inc(n)
        self.commit(rows, now)
        self.stale, self.taken_ids = False, []
        batch_seconds.observe(time.perf_counter() - started)

    def _detections(self, incoming: Incoming, now: dt.datetime, outcomes: Counter) -> list:
        try:
            routed_for = _commune_routed(incoming.routing_key)
            items = _detections_in(incoming.body)
        except InvalidArgument as exc:
            self._dead_letter(incoming.body, incoming.headers, str(exc), "message")
            return []
        received = incoming.headers.get(RECEIVED_HEADER)
        stamped = isinstance(received, int | float)
        received_at = dt.datetime.fromtimestamp(received, dt.UTC) if stamped else now
        # Unstamped (a gateway publishing straight to the exchange), its newest detection
        # tells how far into the stream this message is.
        newest = received_at if stamped else None
        rows = []
        for raw in items:
            try:
                detection = parse_detection(raw)
                if detection.tenant != routed_for:
                    raise InvalidArgument(
                        f"detection of commune {detection.tenant!r} published for commune "
                        f"{routed_for!r} (routing key {incoming.routing_key!r})",
                        {"tenant": "not the routing key's commune"})
                config = self.config(detection.tenant)
                device = check_against(detection, config.registry, now)
            except InvalidArgument as exc:
                self._dead_letter(json.dumps(raw).encode(), incoming.headers, str(exc),
                                  "detection")
                tenant = raw.get("tenant") if isinstance(raw, dict) else None
                # Only known communes become label values: bad input must not grow them
                # (nor, unhashable, fail the batch for good).
                known = isinstance(tenant, str) and tenant in self.configs
                outcomes[(tenant if known else "unknown", "unknown", "rejected")] += 1
                continue
            tenant = detection.tenant
            if not self.seen.add(key := f"{tenant}:{detection.id}"):
                outcomes[(tenant, detection.kind.value, "duplicate")] += 1
                continue
            self.taken_ids.append(key)
            outcomes[(tenant, detection.kind.value, "accepted")] += 1
            heard = self.heard[tenant]
            heard[device.code] = max(heard.get(device.code, detection.time), detection.time)
            if not stamped:
                newest = max(newest or detection.time, detection.time)
            rows.append({**raw, "location": device.location})
            rule_evaluations.labels(tenant).inc(len(config.rules))
            for found in self.evaluator.evaluate(detection, device, config, received_at):
                self.book.apply(found, now, config.silences)
        if newest is not None:
            self.taken_up_to = max(self.taken_up_to, min(newest, now))
            self.took_detections = True
        return rows

    def _dead_letter(self, body: bytes, headers: dict, reason: str, what: str) -> None:
        log.warning("dead-lettered", what=what, reason=reason[:300])
        queue = self.commands_queue_name if what == "command" else self.detections_queue_name
        self.publisher.dead_letter(queue, body, headers, reason)
        dead_lettered.labels(what).inc()

    # --- commands: operators' moves, configuration changes, other services' alerts -------

    def _command(self, incoming: Incoming, now: dt.datetime) -> None:
        try:
            command = json_body.loads(incoming.body)
            action = command["action"]
            tenant = command["tenant"]
            outcome = "applied"
            if incoming.routing_key != f"command.{action}":
                raise InvalidArgument(f"action {action!r} sent as {incoming.routing_key!r}")
            if "alert_id" in command and self.book.get(command["alert_id"]).tenant != tenant:
                raise InvalidArgument(f"alert {command['alert_id']!r} is not of commune "
                                      f"{tenant!r}")
            if action == "reload":
                self.configs.pop(tenant, None)
            elif action == "acknowledge":
                self.book.acknowledge(command["alert_id"], command["by"], command.get("note", ""),
                                      now)
            elif action in ("resolve", "false_positive"):
                self.book.resolve(command["alert_id"], command["by"], command.get("note", ""),
                                  now, false_positive=action == "false_positive")
            elif action in ("task_overdue", "kpi_target", "handoff"):
                signal = (al.task_overdue_signal(tenant, command["task_id"], command["code"],
                                                 command["title"], now)
                          if action == "task_overdue" else
                          al.kpi_missed_signal(tenant, command["indicator"], command["unit"],
                                               command["period"], command["name"],
                                               command["status"], now)
                          if action == "kpi_target" else
                          al.handoff_unclaimed_signal(tenant, command["ticket_id"],
                                                      command["question"],
                                                      command["claimed"], now))
                config = self.commune_config(tenant)
                if config is None:  # a commune with no IOC has no operator to tell
                    outcome = "no_ioc"
                else:
                    self.book.apply(signal, now, config.silences)
            else:
                raise InvalidArgument(f"unknown action {action!r}")
        except (ValueError, KeyError, TypeError, InvalidArgument) as exc:
            self._dead_letter(incoming.body, incoming.headers, f"bad command: {exc!r}",
                              "command")
            return
        except CommuneError as exc:  # the alert moved meanwhile: nothing to do
            log.info("command not applied", action=action, reason=str(exc))
            commands_done.labels(action, "refused").inc()
            return
        commands_done.labels(action, outcome).inc()

    # --- commit and timers ---------------------------------------------------------------

    def commit(self, rows: list[dict], now: dt.datetime) -> None:
        """Journal the batch (the commit point), announce its alerts raised, escalated or
        resolved, and stage its alerts for the writer (which announces the updates)."""
        changes = self.book.take_changes()
        if not rows and not changes:
            return
        documents = [c.alert.document() for c in changes]
        events = [alert_event(e, d) for c, d in zip(changes, documents, strict=True)
                  for e in c.events if e != al.UPDATED]
        self.seq += 1
        self.collection = journal_name(now.date())
        self.store.journal(self.collection, self.seq, now, rows, documents,
                           [e.model_dump(mode="json") for e in events])
        for event in events:
            self.publisher.publish(event)
        sent = time.time()
        for change in changes:
            if change.received_at and al.RAISED in change.events:
                latency.observe(max(0.0, sent - change.received_at.timestamp()))
        self.writer.stage(documents, {c.alert.id for c in changes if al.UPDATED in c.events},
                          self.seq, self.collection)

    def tick(self) -> None:
        """Between batches, every `ioc_sweep_s`: escalate, forget old sightings, save the
        rules' windows, check devices' health, measure the queues."""
        if time.monotonic() - self.last_sweep >= self.settings.ioc_sweep_s:
            if self.stale:
                self.reload()
            self.stale = True
            now = self.clock()
            self.sweep(now)
            self.commit([], now)
            self.stale = False
            self.last_sweep = time.monotonic()

    def sweep(self, now: dt.datetime) -> None:
        self.book.escalate_due(now)
        self.evaluator.forget(now)
        if self.seq != self.windows_saved:
            self.store.save_windows(self.seq, self.evaluator.windows())
            self.windows_saved = self.seq
        # Silence is judged as of how far into the stream the pipeline has got: behind a
        # backlog (waiting in the queue, or delivered and not yet handled) the devices'
        # latest detections are still to come, and a flood's drain would report every
        # camera silent. Only an idle pipeline (nothing taken since the last sweep, nothing
        # waiting) goes by the clock; a broker that did not answer (None) is not idle.
        waiting = self._measure_queues()
        idle = not self.took_detections and waiting == 0
        self.took_detections = False
        heard_up_to = now if idle else min(now, self.taken_up_to)
        for tenant, config in self.configs.items():
            for found in al.silent_devices(tenant, config.registry, self.heard[tenant],
                                           heard_up_to):
                self.book.apply(found, now, config.silences)
        live = Counter((a.tenant, a.status, a.severity) for a in self.book.live())
        alerts_live.clear()
        for labels, n in live.items():
            alerts_live.labels(*labels).set(n)

    def _measure_queues(self) -> int | None:
        """Backlog of the pipeline's queues, on a connection kept for it (opening one
        each time would hold up the batch behind it); returns the detections waiting, None
        when the broker did not answer."""
        if self._depth_channel is None:
            self._depth_channel = kombu.Connection(self.settings.amqp_uri).channel()
        names = [queue.name for queue in queues(self.settings.namespace)]
        try:
            depths = {name: self._depth_channel.queue_declare(name, passive=True).message_count
                      for name in names}
        except BROKER_LOST as exc:
            log.warning("queue depth not measured", error=str(exc))
            self._depth_channel = None
            return None
        for name, depth in depths.items():
            queue_depth.labels(name).set(depth)
        return depths[self.detections_queue_name]


def run(settings: IocSettings) -> None:
    store = IocStore(make_client(settings)[database_name(settings, SOURCE)])
    store.ensure_indexes()
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    publisher.declare(*queues(settings.namespace))
    pipeline = Pipeline(store, publisher, settings)
    pipeline.recover()
    consumer = BatchConsumer(settings.amqp_uri, [commands_queue(settings.namespace),
                                                 detections_queue(settings.namespace)],
                             pipeline.handle, prefetch=settings.ioc_prefetch,
                             max_bytes=settings.ioc_batch_bytes, linger=settings.ioc_linger_s,
                             on_idle=pipeline.tick)
    signal.signal(signal.SIGTERM, lambda *_: consumer.stop())
    signal.signal(signal.SIGINT, lambda *_: consumer.stop())
    pipeline.writer.start()
    log.info("pipeline consuming", seq=pipeline.seq, live_alerts=len(pipeline.book.live()))
    consumer.run()
    pipeline.writer.stop()
    publisher.close()


def main() -> None:
    settings = ioc_settings()
    logs.configure(f"{SOURCE}-pipeline", settings.log_level)
    if not pin_mmap_threshold():
        log.warning("not glibc: large buffers stay on the heap (memory may creep in a flood)")
    try:
        wait_until_ready(settings, settings.startup_timeout_s)
    except NotReady as exc:
        sys.exit(f"{SOURCE}-pipeline: {exc}")
    start_http_server(metrics_port(settings, SOURCE), addr=settings.bind_host)
    run(settings)
