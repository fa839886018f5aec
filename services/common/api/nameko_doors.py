"""A service's operations as nameko entrypoints: one RPC method per operation (taking one
request object, a JSON object in wire names), one HTTP route per operation that has one,
and the worker's /openapi.json and /docs. Inherit `doors(OPERATIONS)` in the service
class; the service's `use_cases()` gives the application the operations run on."""
import json

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from .. import errors
from ..auth import Principal, principal_from_header
from ..nameko_ext.rpc import rpc
from ..nameko_ext.web import client_address, json_api, json_response, request_json
from ..settings import get_settings
from . import browser, openapi, problems
from .limits import PublicLimit
from .operations import Operation, Operations, invoke, parse


def principal_of(authorization: str | None) -> Principal | None:
    """The caller named by an Authorization value; None when there is none (a public
    operation may still run), Unauthenticated when it is not valid."""
    if not authorization:
        return None
    return principal_from_header(get_settings(), authorization)


class Caller(DependencyProvider):
    """The RPC caller's Authorization value, passed in the context data."""

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get("authorization")


def _http_input(operation: Operation, request, params: dict) -> dict:
    if operation.http.method == "GET":
        data = request.args.to_dict()
    else:  # no body at all is an empty object (POST …/assign keeps what the task has)
        data = request_json(request) if request.get_data() else {}
    clash = sorted(set(data) & set(params))
    if clash:
        raise errors.InvalidArgument(f"{', '.join(clash)} is given by the path, not the "
                                     f"{'query' if operation.http.method == 'GET' else 'body'}",
                                     {name: "given by the path" for name in clash})
    return {**data, **params}


def _rpc_method(operation: Operation):
    def method(self, request=None):
        try:
            parsed = parse(operation, request)
            return invoke(self.use_cases(), operation, principal_of(self.caller),
                          parsed).wire()
        except errors.CommuneError:
            raise
        except Exception as exc:  # the caller gets an id, the log the exception
            raise problems.failure(exc) from None
    method.__name__ = operation.name
    return rpc(expected_exceptions=errors.EXPECTED)(method)


def _http_method(operation: Operation, limit: PublicLimit):
    def method(self, request, **params):
        principal = principal_of(request.headers.get("Authorization"))
        limit.check(operation, principal, client_address(request))
        parsed = parse(operation, _http_input(operation, request, params))
        return operation.http.status, invoke(self.use_cases(), operation, principal,
                                             parsed).wire()
    method.__name__ = f"http_{operation.name}"
    return http(operation.http.method, operation.http.werkzeug_path)(json_api(method))


def doors(operations: Operations, title: str, pages: tuple[openapi.Page, ...] = (),
          public_limit: str = "") -> type:
    """A mixin with the service's RPC methods and HTTP routes, its /openapi.json (which
    also describes `pages`, the service's other routes) and its /docs page.
    `public_limit` ("30/minute") bounds how often one client without a token may call
    the public operations over HTTP."""
    limit = PublicLimit(public_limit, operations.service)
    document = json.dumps(openapi.document(operations, title, pages), ensure_ascii=False)
    namespace = {"caller": Caller()}
    for operation in operations:
        if operation.rpc:
            namespace[operation.name] = _rpc_method(operation)
        if operation.http:
            namespace[f"http_{operation.name}"] = _http_method(operation, limit)

    def openapi_json(self, request):
        return Response(document, mimetype="application/json")

    def docs_page(self, request):
        return Response(browser.page("/openapi.json", title), mimetype="text/html")

    def docs_asset(self, request, asset):
        found = browser.asset(asset)
        if found is None:
            return json_response(404, problems.problem(404, "NOT_FOUND", browser.missing(asset)),
                                 problems.MEDIA_TYPE)
        content, media_type = found
        return Response(content, mimetype=media_type)

    for path, view in ((openapi.DOCUMENT_PATH, openapi_json), (browser.PAGE_PATH, docs_page),
                       (browser.ASSET_PATH, docs_asset)):
        namespace[view.__name__] = http("GET", path)(view)
    return type(f"{operations.service.title()}Doors", (), namespace)

