"""Calling an operation of a service's table through each door that exposes it (nameko
RPC, HTTP, gRPC), the way an outside client would, for the tests that are driven from the
operations tables."""
import io
import json
import urllib.parse

import grpc
import openpyxl
from google.protobuf import json_format, message_factory
from nameko.exceptions import RemoteError

from services.common import periods
from services.common.api.operations import Operation
from services.tasks.app import XLSX
from tests.helpers import http_call

REFUSED = {"PERMISSION_DENIED", "UNAUTHENTICATED"}
# How long a stream must stay open to count as let through (a refusal comes at once).
STREAM_OPEN_S = 10


def for_tenant(example: dict, tenant: str) -> dict:
    """An operation's example request for another commune: its code replaced wherever the
    example names it (the places of an EPCIS document name their commune too). An example
    that names no commune (its items name theirs) stays as it is."""
    if "tenant" not in example:
        return example
    return json.loads(json.dumps(example, ensure_ascii=False).replace(example["tenant"], tenant))


def example_workbook() -> bytes:
    """The file an operation taking a workbook is sent: a plan of one task."""
    book = openpyxl.Workbook()
    book.active.append(["Mã", "Nhiệm vụ"])
    book.active.append(["XL-EXAMPLE-01", "Nhiệm vụ nhập từ bảng tính"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXAMPLE_FILES = {XLSX: example_workbook}


def http_parts(operation: Operation, request: dict) -> tuple[str, str, dict | bytes | None]:
    """(method, path with query, JSON body or the example file) of the operation's route
    for a request."""
    route = operation.http
    path = route.path
    for name in route.path_params:
        path = path.replace("{" + name + "}", urllib.parse.quote(str(request[name]), safe=""))
    rest = {k: v for k, v in request.items() if k not in route.path_params}
    query = "?" + urllib.parse.urlencode(rest) if rest else ""
    if route.method == "GET":
        return route.method, path + query, None
    if route.upload:
        return route.method, path + query, EXAMPLE_FILES[route.upload]()
    return route.method, path, rest


def http_headers(operation: Operation) -> dict | None:
    """The headers a body of the operation goes with, beyond JSON's."""
    return {"Content-Type": operation.http.upload} if operation.http.upload else None


def over_http(worker, operation: Operation, request: dict, token: str) -> tuple[str, object]:
    """("OK" or the problem's code, the body: a file as its bytes)."""
    method, path, body = http_parts(operation, request)
    status, headers, content = http_call(worker, method, path, body, token,
                                         http_headers(operation))
    if status < 400 and operation.http.download:
        assert headers["Content-Type"] == operation.http.download, headers
        return "OK", content
    answer = json.loads(content)
    if status < 400:
        assert status == operation.http.status, (operation.name, status, answer)
        return "OK", answer
    assert headers["Content-Type"] == "application/problem+json", headers
    return answer["code"], answer


_RPC_CODES = {"InvalidArgument": "INVALID_ARGUMENT", "PermissionDenied": "PERMISSION_DENIED",
              "Unauthenticated": "UNAUTHENTICATED", "NotFound": "NOT_FOUND",
              "AlreadyExists": "ALREADY_EXISTS", "FailedPrecondition": "FAILED_PRECONDITION"}


def over_rpc(proxy, service: str, operation: Operation, request: dict) -> tuple[str, object]:
    try:
        return "OK", getattr(getattr(proxy, service), operation.name)(request)
    except RemoteError as error:
        return _RPC_CODES.get(error.exc_type, error.exc_type), error.value


def grpc_request(operation: Operation, service_descriptor, request: dict):
    """The proto request of a table request: the fields the proto has, scalars as they
    are, a period's text as a commune.v1.Period, the tenant as `unit` where the contract
    names it so (kpi's reports: a commune or a province); other messages stay out."""
    descriptor = service_descriptor.methods_by_name[operation.grpc].input_type
    named = descriptor.fields_by_camelcase_name
    if "tenant" not in named and "unit" in named and "tenant" in request:
        request = {**{k: v for k, v in request.items() if k != "tenant"},
                   "unit": request["tenant"]}
    fields = {}
    for name, value in request.items():
        field = named.get(name)
        if field is not None and field.message_type is None:
            fields[name] = value
        elif field is not None and field.message_type.full_name == "commune.v1.Period":
            period = periods.parse(value)
            fields[name] = {"kind": f"PERIOD_KIND_{period.kind.upper()}",
                            "year": period.year, "number": period.number}
    message = message_factory.GetMessageClass(descriptor)()
    return json_format.ParseDict(fields, message)


def over_grpc(channel, service_descriptor, operation: Operation, request: dict,
              token: str) -> tuple[str, object]:
    """("OK" or the status name, the answer). A stream that is let through stays open with
    nothing to send (nothing changes meanwhile): still open at its deadline is "OK"; a
    refused one ends at once."""
    method = service_descriptor.methods_by_name[operation.grpc]
    kind = (channel.unary_stream if method.server_streaming else
            channel.stream_unary if method.client_streaming else channel.unary_unary)
    call = kind(
        f"/{service_descriptor.full_name}/{method.name}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=message_factory.GetMessageClass(method.output_type).FromString)
    metadata = [("authorization", f"Bearer {token}")] if token else []
    message = grpc_request(operation, service_descriptor, request)
    if method.client_streaming:
        message = iter([message])
    try:
        if method.server_streaming:
            return "OK", next(call(message, metadata=metadata, timeout=STREAM_OPEN_S))
        return "OK", call(message, metadata=metadata, timeout=30)
    except grpc.RpcError as error:
        if method.server_streaming and error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            return "OK", "open until its deadline"
        return error.code().name, error.details()
