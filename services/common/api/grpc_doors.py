"""A service's operations that have a gRPC method, as a servicer: the proto request
becomes the operation's request model through proto3 JSON (the same names the HTTP API
reads), the response model becomes the proto response the same way. A server stream's
use case yields response models, and None now and then so that the door can end the
stream once its caller has gone."""
from google.protobuf import json_format, message_factory

from ..grpc_ext.interceptors import current_principal
from .operations import Operation, Operations, invoke, parse


def to_request(operation: Operation, message):
    return parse(operation, json_format.MessageToDict(message))


def to_message(model, message_class):
    return json_format.ParseDict(model.model_dump(mode="json", by_alias=True, exclude_none=True),
                                 message_class(), ignore_unknown_fields=True)


def _method(operation: Operation, response_class):
    def method(self, request, context):
        result = invoke(self.application, operation, current_principal(),
                        to_request(operation, request))
        return to_message(result, response_class)
    method.__name__ = operation.grpc
    return method


def _stream_method(operation: Operation, response_class):
    def method(self, request, context):
        items = invoke(self.application, operation, current_principal(),
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


def servicer(operations: Operations, base: type, service_descriptor) -> type:
    """A subclass of the generated servicer `base` whose methods run the table's
    operations on `self.application`."""
    namespace = {}
    for op in operations:
        if op.grpc:
            method = service_descriptor.methods_by_name[op.grpc]
            make = _stream_method if method.server_streaming else _method
            namespace[op.grpc] = make(op, message_factory.GetMessageClass(method.output_type))
    return type(f"{operations.service.title()}Servicer", (base,), namespace)
