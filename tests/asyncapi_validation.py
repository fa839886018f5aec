"""Checking messages against the AsyncAPI document: the schema of a part of one of its
messages (the document's own references resolved), and a wire tap that takes what is
published into queues bound as the document says and finds where it differs."""
import json

import jsonschema
import kombu
import referencing
from google.protobuf import json_format
from google.protobuf.message_factory import GetMessageClass
from jsonschema.protocols import Validator
from referencing.jsonschema import DRAFT7

from services import catalog
from services.common import proto_schema
from services.common.settings import Settings
from tests.helpers import INJECTED

BASE = "urn:commune:asyncapi"


def validator(document: dict, message: str, part: str = "payload") -> Validator:
    """The validator of `part` (payload or headers) of components/messages/<message>."""
    registry = referencing.Registry().with_resource(BASE, DRAFT7.create_resource(document))
    schema = {"$ref": f"{BASE}#/components/messages/{message}/{part}"}
    return jsonschema.Draft7Validator(schema, registry=registry,
                                      format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def errors(validator: Validator, instance) -> list[str]:
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(instance)]


class WireTap:
    """A queue per routing-key channel the platform publishes on, bound as the document
    says, and one taking every routing key of each events exchange (to find undocumented
    ones); with `received`, the channels it takes from outside publishers too. Messages
    that tests inject (tests.helpers.Broker.publish) are left out. The queues are durable
    and each step has a connection of its own, so a broker restarted meanwhile loses
    nothing."""

    def __init__(self, settings: Settings, document: dict, received: bool = False):
        self.document = document
        self.amqp_uri = settings.amqp_uri
        self.queues: dict[str, kombu.Queue] = {}
        self.documented: dict[str, set[str]] = {}  # events exchange -> its routing keys
        sent = {op["channel"]["$ref"].removeprefix("#/channels/")
                for op in document["operations"].values() if op["action"] == "send"}
        for name, spec in document["channels"].items():
            amqp = spec["bindings"]["amqp"]
            if amqp["is"] != "routingKey" or not (received or name in sent):
                continue
            binding = amqp["exchange"]
            exchange = kombu.Exchange(binding["name"], type=binding["type"],
                                      durable=binding["durable"],
                                      auto_delete=binding["autoDelete"])
            self.queues[name] = kombu.Queue(
                f"{settings.namespace}.asyncapi-tap.{name}", exchange,
                routing_key=spec["address"].replace("{tenant}", "*"))
            if name in catalog.EVENTS:
                self.documented.setdefault(binding["name"], set()).add(spec["address"])
                self.queues[f"all:{binding['name']}"] = kombu.Queue(
                    f"{settings.namespace}.asyncapi-tap.all.{binding['name']}", exchange,
                    routing_key="#")
        with kombu.Connection(self.amqp_uri) as connection:
            for queue in self.queues.values():
                queue(connection.default_channel).declare()
        self.validators = {}

    def check(self) -> tuple[set[str], list[str]]:
        """(the channels that carried a message, what differed from the document) of
        everything published since the last check."""
        seen, problems = set(), []
        with kombu.Connection(self.amqp_uri) as connection:
            for name, queue in self.queues.items():
                problems += self._drain(name, queue(connection.default_channel), seen)
        return seen, problems

    def _drain(self, name: str, queue: kombu.Queue, seen: set[str]) -> list[str]:
        problems = []
        while (message := queue.get(no_ack=True)) is not None:
            if message.properties.get("app_id") == INJECTED:
                continue
            key = message.delivery_info["routing_key"]
            if name.startswith("all:"):
                if key not in self.documented[name.removeprefix("all:")]:
                    problems.append(f"{key} on {name[4:]}: not in the document")
                continue
            seen.add(name)
            problems += [f"{key}: {p}" for p in self._differences(name, message)]
        return problems

    def close(self) -> None:
        with kombu.Connection(self.amqp_uri) as connection:
            for queue in self.queues.values():
                queue(connection.default_channel).delete()

    def _validator(self, message: str, part: str) -> Validator:
        if (message, part) not in self.validators:
            self.validators[message, part] = validator(self.document, message, part)
        return self.validators[message, part]

    def _differences(self, channel: str, message) -> list[str]:
        try:
            body = json.loads(message.body)
        except ValueError:
            return ["the body is not JSON"]
        if channel not in catalog.EVENTS:
            return errors(self._validator("detections", "payload"), body)
        spec = self.document["components"]["messages"][channel]
        found = [f"body {e}" for e in errors(self._validator(channel, "payload"), body)]
        found += [f"headers {e}" for e in errors(self._validator(channel, "headers"),
                                                 message.headers)]
        properties = message.properties
        if (properties.get("type"), properties.get("message_id"),
                properties.get("delivery_mode"), message.content_type) != (
                spec["bindings"]["amqp"]["messageType"], body.get("id"), 2,
                self.document["defaultContentType"]):
            found.append(f"AMQP properties {properties}, content type {message.content_type}")
        if not found:  # what a subscriber does with data: parse it as dataschema says
            descriptor = proto_schema.message_descriptor(body["dataschema"])
            try:
                json_format.ParseDict(body["data"], GetMessageClass(descriptor)())
            except json_format.ParseError as exc:
                found.append(f"data does not parse: {exc}")
        return found
