"""The IOC's names on the broker and the one way to hand it detections and commands.

Camera gateways (and the gRPC ingestion endpoint) publish detections to the ingest
exchange with routing key "detection.<commune>"; the body is one detection (proto3 JSON
of commune.v1.Detection) or {"detections": [...]}, each of that commune (the pipeline
dead-letters one that names another: the broker's topic permissions are what limit a
gateway to its own commune's routing key). The nameko service publishes operators'
moves and configuration changes with "command.<action>". The pipeline consumes both
queues; alert events go out on the "iocevents" events exchange."""
import json
import time

import kombu

from services.common.publisher import Publisher
from services.common.topology import QUEUE_ARGUMENTS

SOURCE = "iocevents"
# When the detection entered the platform (epoch seconds): detection -> alert latency.
RECEIVED_HEADER = "x-received-at"
# Detections one message may carry.
MAX_PER_MESSAGE = 500


def ingest_exchange(namespace: str) -> kombu.Exchange:
    return kombu.Exchange(f"{namespace}.iocevents.ingest", type="topic", durable=True)


def detections_queue(namespace: str) -> kombu.Queue:
    return kombu.Queue(f"{namespace}.iocevents.detections", ingest_exchange(namespace),
                       routing_key="detection.#", durable=True,
                       queue_arguments=QUEUE_ARGUMENTS)


def commands_queue(namespace: str) -> kombu.Queue:
    return kombu.Queue(f"{namespace}.iocevents.commands", ingest_exchange(namespace),
                       routing_key="command.#", durable=True, queue_arguments=QUEUE_ARGUMENTS)


def queues(namespace: str) -> list[kombu.Queue]:
    return [commands_queue(namespace), detections_queue(namespace)]


def publish_detections(publisher: Publisher, tenant: str, detections: list[dict]) -> None:
    """One message carrying a batch of detections of one commune (confirmed)."""
    exchange = ingest_exchange(publisher.namespace)
    publisher.publish_raw(json.dumps({"detections": detections}).encode(), exchange,
                          f"detection.{tenant}", {RECEIVED_HEADER: time.time()},
                          declare=queues(publisher.namespace))


def publish_command(publisher: Publisher, action: str, command: dict) -> None:
    exchange = ingest_exchange(publisher.namespace)
    publisher.publish_raw(json.dumps({**command, "action": action}).encode(), exchange,
                          f"command.{action}", {}, declare=queues(publisher.namespace))
