"""The AsyncAPI 3.0 document of the platform's event streams, made from what the code
holds: the events in services/catalog.py, the names in services/common/topology.py, the
envelope model, the proto messages' descriptors and the services' event handlers.

`commune asyncapi` prints it; contracts/asyncapi.json is the copy for outside
subscribers (a test keeps it equal to this)."""
import json

import kombu

from services import catalog
from services import topology as platform
from services.common import proto_schema, topology
from services.common.envelope import Envelope
from services.common.nameko_ext.consumer import ATTEMPTS_HEADER
from services.iocevents import broker as ioc_broker

VERSION = "1.0.0"  # the proto package commune.v1: additive changes only
AMQP = {"bindingVersion": "0.3.0"}
SCHEMAS = "#/components/schemas/"
ENVELOPE = "CloudEvent"
EVENT_HEADERS = "EventHeaders"

DESCRIPTION = """\
The domain events of the commune platform on RabbitMQ (AMQP 0-9-1).

**Subscribing.** Each service publishes on its own durable topic exchange,
`{namespace}.<service>.events`, with the event type as the routing key (the channels
below). Declare a durable queue of your own and bind it to that exchange with the event
types you want (`task.*` takes every task event). Never consume from the platform's own
queues: you would take their work.

**The message.** A persistent JSON message whose AMQP `type` is the event type,
`message_id` the event id, and headers `tenant` and `correlationid`. The body is a
CloudEvents 1.0 envelope (structured mode, extension attributes `tenant` and
`correlationid`); `data` is the proto3 JSON (lowerCamelCase names, enums by name, 64-bit
integers as strings, fields at their default left out) of the proto message that
`dataschema` names, from proto/commune/v1. Delivery is at least once: handle each `id`
once. Unknown fields may appear (v1 only grows).

**Dead letters.** A platform consumer that cannot handle a message (it does not parse,
the handler rejects it, or it failed {attempts} times) republishes it unchanged on the
direct exchange `{namespace}.dead-letter` with the consumer's queue name as routing key,
into `<queue>.dead-letter` (the dead-letter channels below), with the headers
`x-dead-letter-reason` and `x-original-queue` added. The services' RPC queues,
`{namespace}.rpc-<service>` (internal: nameko's requests), park a request that cannot
be answered (no `reply_to`, a content type not accepted, a body that does not decode)
the same way, in `{namespace}.rpc-<service>.dead-letter`. The names here are those of
the namespace `{namespace}`; another deployment's namespace replaces that prefix."""


def document(namespace: str, max_delivery_attempts: int = 3) -> dict:
    channels, operations, messages = {}, {}, {}
    for event_type, event in catalog.EVENTS.items():
        exchange = topology.events_exchange(namespace, event.source)
        messages[event_type] = _event_message(event_type, event)
        channels[event_type] = {
            "address": event_type,
            "title": f"{event_type} on {exchange.name}",
            "messages": {event_type: {"$ref": f"#/components/messages/{event_type}"}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": _exchange(exchange), **AMQP}},
        }
        operations[f"{event_type}.publish"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{event_type}"},
            "summary": f"{event.source} publishes {event_type}.",
            "messages": [{"$ref": f"#/channels/{event_type}/messages/{event_type}"}],
            "bindings": {"amqp": {"deliveryMode": 2, **AMQP}},
        }
    derived = platform.derive(namespace)
    for queue in derived.consumer_queues + derived.pipeline_queues + derived.rpc_queues:
        _consumer(namespace, queue, channels, operations)
    _detections(namespace, channels, operations, messages)
    messages["dead-letter"] = _dead_letter_message()
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Commune platform events", "version": VERSION,
                 "description": DESCRIPTION.format(namespace=namespace,
                                                   attempts=max_delivery_attempts)},
        "defaultContentType": "application/json",
        "servers": {"broker": {
            "host": "{host}", "protocol": "amqp", "protocolVersion": "0.9.1",
            "description": "The deployment's RabbitMQ.",
            "variables": {"host": {"default": "127.0.0.1:5672",
                                   "description": "host:port of the broker"}}}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": _schemas(), "messages": messages},
    }


def to_json(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _exchange(exchange: kombu.Exchange) -> dict:
    return {"name": exchange.name, "type": exchange.type, "durable": exchange.durable,
            "autoDelete": exchange.auto_delete, "vhost": "/"}


def _event_message(event_type: str, event: catalog.Event) -> dict:
    return {
        "name": event_type, "title": event.message.rsplit(".", 1)[1], "summary": event.summary,
        "contentType": "application/json",
        "headers": {"$ref": SCHEMAS + EVENT_HEADERS},
        "payload": {"allOf": [{"$ref": SCHEMAS + ENVELOPE}, {
            "properties": {"type": {"const": event_type}, "source": {"const": event.source},
                           "dataschema": {"const": event.message},
                           "data": {"$ref": SCHEMAS + event.message}}}]},
        "correlationId": {"location": "$message.payload#/correlationid"},
        "bindings": {"amqp": {"messageType": event_type, **AMQP}},
    }


def _consumer(namespace: str, queue: kombu.Queue, channels: dict, operations: dict) -> None:
    """The platform's receive operation on a queue (on the event's channel when it
    takes an event), and the queue's dead-letter channel."""
    consumer = queue.name.removeprefix(f"{namespace}.")
    dead = topology.dead_letter_queue(namespace, queue.name)
    if queue.routing_key in catalog.EVENTS:
        operations[consumer] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{queue.routing_key}"},
            "summary": f"The platform's {consumer} takes {queue.routing_key}.",
            "description": f"From its durable quorum queue `{queue.name}`; what it cannot "
                           f"handle goes to `{dead.name}`.",
        }
    channels[f"{consumer}.dead-letter"] = {
        "address": dead.name,
        "title": f"Dead letters of {queue.name}",
        "description": f"Bound to `{dead.exchange.name}` with the routing key `{queue.name}`.",
        "messages": {"dead-letter": {"$ref": "#/components/messages/dead-letter"}},
        "bindings": {"amqp": {"is": "queue", "queue": {
            "name": dead.name, "durable": True, "exclusive": False, "autoDelete": False,
            "vhost": "/"}, **AMQP}},
    }
    operations[f"{consumer}.dead-letter"] = {
        "action": "send", "channel": {"$ref": f"#/channels/{consumer}.dead-letter"},
        "summary": f"Messages that {queue.name} cannot handle, with the reason.",
        "bindings": {"amqp": {"deliveryMode": 2, **AMQP}},
    }


def _detections(namespace: str, channels: dict, operations: dict, messages: dict) -> None:
    """The IOC's ingestion: camera gateways publish detections, the platform takes them."""
    exchange = ioc_broker.ingest_exchange(namespace)
    channels["iocevents.detections"] = {
        "address": "detection.{tenant}",
        "title": f"Detections on {exchange.name}",
        "parameters": {"tenant": {"description": "The commune code of the detections."}},
        "messages": {"detections": {"$ref": "#/components/messages/detections"}},
        "bindings": {"amqp": {"is": "routingKey", "exchange": _exchange(exchange), **AMQP}},
    }
    operations["iocevents.ingest"] = {
        "action": "receive", "channel": {"$ref": "#/channels/iocevents.detections"},
        "summary": "Camera gateways and sensors hand the IOC their detections.",
        "description": "The routing key `command.<action>` on the same exchange is the "
                       "IOC's own (operators' moves), not for outside publishers.",
    }
    detection = {"$ref": SCHEMAS + "commune.v1.Detection"}
    messages["detections"] = {
        "name": "detections", "contentType": "application/json",
        "summary": f"One detection, or up to {ioc_broker.MAX_PER_MESSAGE} of one commune.",
        "headers": {"type": "object", "properties": {ioc_broker.RECEIVED_HEADER: {
            "type": "number", "description": "When the detection entered the platform "
                                             "(epoch seconds); set by the platform's own "
                                             "ingestion endpoint."}}},
        "payload": {"oneOf": [{"allOf": [detection, {"not": {"required": ["detections"]}}]}, {
            "type": "object", "required": ["detections"],
            "properties": {"detections": {"type": "array", "items": detection, "minItems": 1,
                                          "maxItems": ioc_broker.MAX_PER_MESSAGE}}}]},
    }


def _dead_letter_message() -> dict:
    return {
        "name": "dead-letter", "title": "A message a consumer could not handle",
        "summary": "The original body and headers, unchanged, with the reason added.",
        "headers": {
            "type": "object", "required": ["x-dead-letter-reason", "x-original-queue"],
            "properties": {
                "x-dead-letter-reason": {"type": "string", "maxLength": 1000,
                                         "description": "Why it was parked."},
                "x-original-queue": {"type": "string",
                                     "description": "The queue it was taken from."},
                ATTEMPTS_HEADER: {"type": "integer", "minimum": 1,
                                  "description": "Deliveries so far, when it was retried."},
                "tenant": {"type": "string"}, "correlationid": {"type": "string"},
            }},
        "payload": {"description": "The body as it arrived: an event envelope, a batch of "
                                   "detections or a command, perhaps malformed."},
    }


def _schemas() -> dict:
    envelope = Envelope.model_json_schema(mode="serialization")
    envelope["description"] = ("A CloudEvents 1.0 envelope in structured JSON mode, with "
                               "the extension attributes tenant and correlationid.")
    roots = [proto_schema.message_descriptor(e.message) for e in catalog.EVENTS.values()]
    roots.append(proto_schema.message_descriptor("commune.v1.Detection"))
    return {
        ENVELOPE: envelope,
        EVENT_HEADERS: {"type": "object", "required": ["tenant", "correlationid"],
                        "properties": {"tenant": {"type": "string"},
                                       "correlationid": {"type": "string"}}},
        **proto_schema.schemas(roots, SCHEMAS),
    }
