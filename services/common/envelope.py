"""The event envelope: CloudEvents 1.0 attribute names, `data` as the proto3 JSON of a
generated message named by `dataschema`. An event that does not parse is rejected, and so
is one whose `data` names a tenant other than the envelope's (at any depth: a task's, an
alert's): consumers route, claim and store by the envelope's tenant, so an event about
one commune must not be able to count for another."""
import datetime as dt
import uuid
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.catalog import EVENTS

from . import json_body
from .errors import InvalidArgument
from .logs import current_correlation_id

# A module-level name: inside Envelope, the field `type` shadows the builtin.
MessageClass = type[Message]


class InvalidEvent(InvalidArgument):
    """The message is not an envelope or event we can trust; the text says why."""


def tenants_named(data, path: str = ""):
    """(where, tenant) for every "tenant" key in a proto3 JSON value, at any depth."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "tenant":
                yield path, value
            else:
                yield from tenants_named(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from tenants_named(value, f"{path}[{n}]")


class Envelope(BaseModel):
    # Every field is written on the wire, defaults too: all required in its JSON Schema.
    model_config = ConfigDict(frozen=True, extra="ignore",
                              json_schema_serialization_defaults_required=True)

    specversion: str = "1.0"
    id: str = Field(min_length=1, max_length=100,
                    description="Unique per event; redeliveries and relays repeat it, so "
                                "consumers handle each id once.")
    type: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
                      description="The event type, also the routing key.")
    source: str = Field(min_length=1, description="The service that published it.")
    time: AwareDatetime = Field(description="When it happened (RFC 3339, UTC).")
    subject: str = Field("", description="What it is about (a task id, a batch, ...).")
    tenant: str = Field(min_length=1, description="The commune code.")
    correlationid: str = Field("", description="Carried from the request that caused it.")
    dataschema: str = Field(min_length=1, description="The proto message in `data`.")
    datacontenttype: str = "application/json"
    data: dict[str, Any] = Field(description="The proto3 JSON of `dataschema`.")

    @model_validator(mode="after")
    def _one_tenant(self):
        for where, tenant in tenants_named(self.data):
            if tenant != self.tenant:
                raise InvalidEvent(f"{where} tenant {tenant!r} differs from envelope tenant "
                                   f"{self.tenant!r}".lstrip())
        return self

    @classmethod
    def wrap(cls, type: str, source: str, tenant: str, message: Message, *,
             subject: str = "", correlation_id: str = "") -> "Envelope":
        """A new envelope around a generated proto message, of an event that the catalog
        (and so the AsyncAPI document) lists with this source and message."""
        listed, carried = EVENTS.get(type), message.DESCRIPTOR.full_name
        if listed is None or (listed.source, listed.message) != (source, carried):
            raise ValueError(f"event {type!r} from {source!r} carrying {carried} is not in "
                             "services.catalog.EVENTS")
        return cls(
            id=str(uuid.uuid4()), type=type, source=source, tenant=tenant,
            time=dt.datetime.now(dt.UTC), subject=subject,
            correlationid=correlation_id or current_correlation_id() or str(uuid.uuid4()),
            dataschema=message.DESCRIPTOR.full_name,
            data=json_format.MessageToDict(message),
        )

    @classmethod
    def parse(cls, body: bytes | str, routed_for: str | None = None) -> "Envelope":
        """The envelope of a message body; `routed_for`, the tenant its transport names
        (a message header), must then be the envelope's."""
        try:
            envelope = cls.model_validate(json_body.loads(body))
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                   for e in exc.errors())
                raise InvalidEvent(f"envelope: {detail}") from None
            raise InvalidEvent(f"body is not JSON: {exc}") from None
        if routed_for is not None and routed_for != envelope.tenant:
            raise InvalidEvent(f"sent for tenant {routed_for!r}, envelope tenant "
                               f"{envelope.tenant!r}")
        return envelope

    def payload(self, message_class: MessageClass) -> Message:
        """`data` as the expected message; InvalidEvent when it is anything else."""
        expected = message_class.DESCRIPTOR.full_name
        if self.dataschema != expected:
            raise InvalidEvent(f"dataschema {self.dataschema!r}, expected {expected!r}")
        try:
            return json_format.ParseDict(self.data, message_class())
        except json_format.ParseError as exc:
            raise InvalidEvent(f"data does not parse as {expected}: {exc}") from None

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()
