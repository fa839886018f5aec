"""A service's operations that have a gRPC method, as a servicer: the proto request
becomes the operation's request model through proto3 JSON (the same names the HTTP API
reads), the response model becomes the proto response the same way. A server stream's
use case yields response models, and None now and then so that the door can end the
stream once its caller has gone; a client stream's use case takes an iterator of request
models."""
import re

from google.protobuf import json_format, message_factory

from .. import errors
from ..grpc_ext.interceptors import caller
from .limits import PublicLimit, grpc_client
from .models import ApiModel
from .operations import Operation, Operations, invoke, parse


def to_request(operation: Operation, message):
    try:
        fields = json_format.MessageToDict(message)
    except json_format.SerializeToJsonError as exc:  # a Timestamp before year 1 or after 9999
        field = re.search(r"serialize (\w+) field", str(exc))
        name = field[1] if field else "(input)"
        raise errors.InvalidArgument(f"invalid {operation.name} request: {name} is out of "
                                     "the range its type allows", {name: "out of range"}) from None
    return parse(operation, fields)


def to_message(model: ApiModel, message_class):
    """The proto message of a response model: the message it was made from when there is
    one, else field by field (proto and model fields share their snake_case names),
    nested models the same way and the rest through proto3 JSON."""
    if isinstance(model._message, message_class):
        return model._message
    message, nested = message_class(), {}
    for field in message_class.DESCRIPTOR.fields:
        value = getattr(model, field.name, None)
        items = value if isinstance(value, list) else [value]
        if field.message_type is not None and items and isinstance(items[0], ApiModel):
            nested[field] = items
    plain = model.model_dump(mode="json", exclude_none=True,
                             exclude={field.name for field in nested})
    json_format.ParseDict(plain, message, ignore_unknown_fields=True)
    for field, items in nested.items():
        converted = [to_message(item, message_factory.GetMessageClass(field.message_type))
                     for item in items]
        if field.is_repeated:
            getattr(message, field.name).extend(converted)
        else:
            getattr(message, field.name).CopyFrom(converted[0])
    return message


def _caller(operation: Operation, context, limit: PublicLimit):
    """The call's principal; a caller without a token is counted against the public
    limit."""
    principal = caller()
    limit.check(operation, principal, grpc_client(context))
    return principal


def _method(operation: Operation, response_class, limit: PublicLimit):
    def method(self, request, context):
        result = invoke(self.application, operation, _caller(operation, context, limit),
                        to_request(operation, request))
        return to_message(result, response_class)
    method.__name__ = operation.grpc
    return method


def _stream_method(operation: Operation, response_class, limit: PublicLimit):
    def method(self, request, context):
        items = invoke(self.application, operation, _caller(operation, context, limit),
                       to_request(operation, request))
        try:
            for item in items:
                if not context.is_active():
                    return
                if item is not None:
                    yield to_message(item, response_class)
        finally:
            items.close()
    method.__name__ = operation.grpc
    return method


def _client_stream_method(operation: Operation, response_class, limit: PublicLimit):
    """A client stream: the use case takes the requests as they come, after the table has
    let the caller in."""
    def method(self, request_iterator, context):
        requests = (to_request(operation, request) for request in request_iterator)
        result = invoke(self.application, operation, _caller(operation, context, limit),
                        requests)
        return to_message(result, response_class)
    method.__name__ = operation.grpc
    return method


def servicer(operations: Operations, base: type, service_descriptor,
             public_limit: str = "") -> type:
    """A subclass of the generated servicer `base` whose methods run the table's
    operations on `self.application`; `public_limit` ("30/minute") bounds how often one
    client without a token may call the public operations."""
    limit = PublicLimit(public_limit, operations.service)
    namespace = {}
    for op in operations:
        if op.grpc:
            method = service_descriptor.methods_by_name[op.grpc]
            make = (_stream_method if method.server_streaming else
                    _client_stream_method if method.client_streaming else _method)
            namespace[op.grpc] = make(op, message_factory.GetMessageClass(method.output_type),
                                     limit)
    return type(f"{operations.service.title()}Servicer", (base,), namespace)
