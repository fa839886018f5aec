"""Server interceptors, outermost first: observability (correlation id, log line,
latency), errors (domain errors -> canonical codes), auth (bearer token -> principal)."""
import contextvars
import time
import uuid

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from commune.v1 import common_pb2

from .. import errors, logs, metrics
from ..api.problems import failure
from ..auth import Principal, principal_from_header
from ..settings import Settings

log = logs.get_logger(__name__)

_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal",
                                                                               default=None)
PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")


def caller() -> Principal | None:
    """The caller of the gRPC call in hand; None when it sent no token (a public
    operation may still run: the operations table decides, services/common/api)."""
    return _principal.get()


def current_principal() -> Principal:
    """The authenticated caller of the gRPC call in hand."""
    principal = _principal.get()
    if principal is None:
        raise errors.Unauthenticated("missing bearer token (Authorization: Bearer <token>)")
    return principal


def _wrap(handler, method: str, around):
    """The same handler, its behaviour run through around(behaviour, method, streaming)."""
    for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
        behaviour = getattr(handler, kind)
        if behaviour is not None:
            return handler._replace(**{kind: around(behaviour, method, kind.endswith("stream"))})
    return handler


class _Interceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation, details):
        handler = continuation(details)
        return None if handler is None else _wrap(handler, details.method, self.around)

    def around(self, behaviour, method: str, streaming: bool):
        raise NotImplementedError


def _run(behaviour, streaming, request, context, before, after):
    """Call a behaviour with before()/after(error) around it, for unary and streamed
    responses alike (a stream is only done when its last message is sent)."""
    if not streaming:
        token = before()
        error = None
        try:
            return behaviour(request, context)
        except BaseException as exc:
            error = exc
            raise
        finally:
            after(token, error)

    def stream():
        token = before()
        error = None
        try:
            yield from behaviour(request, context)
        except BaseException as exc:
            error = exc
            raise
        finally:
            after(token, error)
    return stream()


class ObservabilityInterceptor(_Interceptor):
    def __init__(self, service: str):
        self.latency = metrics.request_seconds(service)

    def around(self, behaviour, method, streaming):
        def call(request, context):
            metadata = dict(context.invocation_metadata())
            started = time.perf_counter()

            def before():
                logs.bind(correlation_id=metadata.get("x-correlation-id") or str(uuid.uuid4()),
                          grpc_method=method)

            def after(_, error):
                code = context.code() or (grpc.StatusCode.UNKNOWN if error else grpc.StatusCode.OK)
                elapsed = time.perf_counter() - started
                self.latency.labels("grpc", method, code.name.lower()).observe(elapsed)
                log.info("grpc call", code=code.name, ms=round(elapsed * 1000, 2))
                logs.unbind("correlation_id", "grpc_method", "tenant")
            return _run(behaviour, streaming, request, context, before, after)
        return call


_CODES = {
    errors.InvalidArgument: (code_pb2.INVALID_ARGUMENT, common_pb2.ERROR_REASON_INVALID_ARGUMENT),
    errors.NotFound: (code_pb2.NOT_FOUND, common_pb2.ERROR_REASON_NOT_FOUND),
    errors.AlreadyExists: (code_pb2.ALREADY_EXISTS, common_pb2.ERROR_REASON_ALREADY_EXISTS),
    errors.FailedPrecondition: (code_pb2.FAILED_PRECONDITION,
                                common_pb2.ERROR_REASON_FAILED_PRECONDITION),
    errors.Unauthenticated: (code_pb2.UNAUTHENTICATED,
                             common_pb2.ERROR_REASON_TOKEN_MISSING_OR_INVALID),
    errors.PermissionDenied: (code_pb2.PERMISSION_DENIED,
                              common_pb2.ERROR_REASON_TENANT_NOT_ALLOWED),
    errors.ResourceExhausted: (code_pb2.RESOURCE_EXHAUSTED,
                               common_pb2.ERROR_REASON_UNSPECIFIED),
    errors.Unavailable: (code_pb2.UNAVAILABLE, common_pb2.ERROR_REASON_UNSPECIFIED),
    errors.Internal: (code_pb2.INTERNAL, common_pb2.ERROR_REASON_UNSPECIFIED),
}


def to_status(error: errors.CommuneError) -> status_pb2.Status:
    """The google.rpc.Status of a domain error: canonical code, message, ErrorInfo and,
    for field errors, BadRequest."""
    code, reason = _CODES.get(type(error), (code_pb2.INTERNAL, 0))
    details = [error_details_pb2.ErrorInfo(reason=common_pb2.ErrorReason.Name(reason),
                                           domain="commune.v1")]
    if getattr(error, "fields", None):
        details.append(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
            for f, d in error.fields.items()]))
    packed = []
    for detail in details:
        any_detail = any_pb2.Any()
        any_detail.Pack(detail)
        packed.append(any_detail)
    return status_pb2.Status(code=code, message=str(error), details=packed)


def _abort(context, exc: Exception) -> None:
    """End the call with the error's status; a server out of reach becomes UNAVAILABLE, a
    failure nobody planned for INTERNAL with an error id (logged with the exception). An
    abort already made stands."""
    if context.code() not in (None, grpc.StatusCode.OK):
        raise exc
    if not isinstance(exc, errors.CommuneError):
        exc = failure(exc)
    context.abort_with_status(rpc_status.to_status(to_status(exc)))


class ErrorInterceptor(_Interceptor):
    def around(self, behaviour, method, streaming):
        def call(request, context):
            try:
                result = behaviour(request, context)
                if streaming:
                    return self._guard_stream(result, context)
                return result
            except Exception as exc:
                _abort(context, exc)
        return call

    @staticmethod
    def _guard_stream(stream, context):
        try:
            yield from stream
        except Exception as exc:
            _abort(context, exc)


class AuthInterceptor(_Interceptor):
    """The caller named by 'authorization: Bearer <token>': a token that is not valid is
    refused here; a call without one runs with no caller, and the method refuses it
    unless it is public (current_principal, or the operations table's check)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def around(self, behaviour, method, streaming):
        if method.startswith(PUBLIC_PREFIXES):
            return behaviour

        def call(request, context):
            authorization = dict(context.invocation_metadata()).get("authorization")
            principal = (principal_from_header(self.settings, authorization)
                         if authorization else None)

            def before():
                return _principal.set(principal)

            def after(token, _):
                _principal.reset(token)
            return _run(behaviour, streaming, request, context, before, after)
        return call
