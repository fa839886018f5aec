"""The OpenAPI 3.1 document of a worker's HTTP API, made from its operations table and
their models (never written by hand): each operation's route, request (path and query
parameters, or a JSON body), response, the roles allowed (x-roles), its example; the
worker's health, metrics and documentation routes, the pages it serves beside its
operations (HTML, images); problem+json for every error."""
import dataclasses
import json
import pkgutil
import re

from pydantic import BaseModel

from . import problems
from .operations import FILE_FIELD, Operation, Operations

DOCUMENT_PATH = "/openapi.json"
REF = "#/components/schemas/{model}"
# Routes every worker serves beside its operations.
# (METHOD, path) -> (summary, media type of the answer; "*/*": the file's own)
INFRASTRUCTURE = {
    ("GET", "/health/live"): ("Liveness: the process is up", "text/plain"),
    ("GET", "/health/ready"): ("Readiness: the broker and the database answer",
                               "application/json"),
    ("GET", "/metrics"): ("Prometheus metrics", "text/plain"),
    ("GET", DOCUMENT_PATH): ("This document", "application/json"),
    ("GET", "/docs"): ("The API browser", "text/html"),
    ("GET", "/docs/{asset}"): ("The API browser's files", "*/*"),
}


@dataclasses.dataclass(frozen=True)
class Page:
    """A route a worker serves beside its operations that answers no JSON (an HTML page
    for phones, an image): documented here, served by the service's own @http method."""

    method: str
    path: str  # OpenAPI template, as Route.path
    summary: str
    media_type: str
    public: bool = False
    other_media_types: tuple[str, ...] = ()  # the same route in another form (qr.png)
    slashes: tuple[str, ...] = ()  # path parameters whose values may hold "/", as Route's


def _register(components: dict, schemas: dict) -> None:
    """Add named schemas; two different models of one name would make the document lie."""
    for name, schema in schemas.items():
        if components.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are named {name!r}: rename a model")


def _schema(model: type[BaseModel], mode: str, components: dict, drop=()) -> dict:
    """A reference to the model's schema (without the fields in `drop`), its nested
    models registered in `components`."""
    schema = model.model_json_schema(ref_template=REF, mode=mode)
    _register(components, schema.pop("$defs", {}))
    name = model.__name__
    if drop:
        schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in drop}
        schema["required"] = [k for k in schema.get("required", []) if k not in drop]
        if not schema["required"]:
            del schema["required"]
        name += "Body"
    _register(components, {name: schema})
    return {"$ref": REF.format(model=name)}


def _path_schema(schema: dict, slashes: bool) -> dict:
    """A path parameter's schema as the router takes it: never empty, without "/" unless
    the route lets it hold one, and then not at its ends nor twice in a row (another value
    reaches no route; nor a line break, which werkzeug's path converter does not take)."""
    shape = {"type": "string", "pattern": r"^[^/\n]+(/[^/\n]+)*$" if slashes else "^[^/]+$"}
    if "pattern" in schema:
        return {"allOf": [schema, shape]}
    return {**schema, **shape}


def _file_schema(media_type: str) -> dict:
    return {"type": "string", "contentMediaType": media_type}


def _operation(op: Operation, components: dict) -> dict:
    route = op.http
    example = op.example or {}
    path_params = route.path_params
    request = op.request.model_json_schema(ref_template=REF)
    _register(components, request.pop("$defs", {}))
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": _path_schema(request["properties"][name], name in route.slashes),
                   **({"example": example[name]} if name in example else {})}
                  for name in path_params]
    entry = {"operationId": op.name, "summary": op.summary, "tags": [op.scope],
             "x-roles": list(op.roles), "x-scope": op.scope}
    if route.method == "GET" or route.upload:  # the fields are in the query
        required = set(request.get("required", []))
        parameters += [{"name": name, "in": "query", "required": name in required,
                        "schema": schema,
                        **({"example": example[name]} if name in example else {})}
                       for name, schema in request["properties"].items()
                       if name not in path_params and name != FILE_FIELD]
    if route.upload:
        entry["requestBody"] = {
            "required": True,
            "description": f"the file itself, at most {route.upload_limit // 2**20} MB",
            "content": {route.upload: {"schema": _file_schema(route.upload)}}}
    elif route.method != "GET":
        body = {k: v for k, v in example.items() if k not in path_params}
        entry["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _schema(op.request, "validation", components, path_params),
            **({"example": body} if op.example is not None else {})}}}
    entry["parameters"] = parameters
    answer = ({route.download: {"schema": _file_schema(route.download)}} if route.download
              else {"application/json": {
                  "schema": _schema(op.response, "serialization", components)}})
    entry["responses"] = {
        str(route.status): {"description": op.response.__doc__ or op.response.__name__,
                            "content": answer},
        "default": {"description": "An error (RFC 9457)",
                    "content": {problems.MEDIA_TYPE: {
                        "schema": {"$ref": REF.format(model="Problem")}}}},
    }
    entry["security"] = [] if op.public else [{"bearer": []}]
    return entry


def _infrastructure(path: str, summary: str, media_type: str) -> dict:
    entry = {"operationId": path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
             .replace(".", "_"), "summary": summary, "tags": ["worker"], "security": [],
             "responses": {"200": {"description": summary, "content": {media_type: {}}}}}
    if path == "/health/ready":
        entry["responses"]["503"] = {"description": "Not ready, and why",
                                     "content": {media_type: {}}}
    if "{asset}" in path:
        entry["parameters"] = [{"name": "asset", "in": "path", "required": True,
                                "schema": _path_schema({"type": "string"}, False)}]
        entry["responses"]["404"] = {"description": "No such file", "content": {
            problems.MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}}}
    return entry


def _page(page: Page) -> dict:
    entry = {"operationId": re.sub(r"\W+", "_", f"{page.method} {page.path}".lower()).strip("_"),
             "summary": page.summary, "tags": ["pages"],
             "security": [] if page.public else [{"bearer": []}],
             "responses": {"200": {"description": page.summary, "content": {
                 media_type: {} for media_type in (page.media_type, *page.other_media_types)}}}}
    entry["parameters"] = [{"name": name, "in": "path", "required": True,
                            "schema": _path_schema({"type": "string"}, name in page.slashes)}
                           for name in re.findall(r"{(\w+)}", page.path)]
    if page.public:  # a phone's browser is shown a page saying what was wrong
        entry["responses"]["default"] = {"description": "An error page (not found, too many "
                                                        "requests)",
                                         "content": {"text/html": {}}}
    else:
        entry["responses"]["default"] = {"description": "An error (RFC 9457)", "content": {
            problems.MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}}}
    return entry


def document(operations: Operations, title: str, pages: tuple[Page, ...] = ()) -> dict:
    components = {"Problem": problems.SCHEMA}
    paths: dict[str, dict] = {}
    for op in operations:
        if op.http:
            paths.setdefault(op.http.path, {})[op.http.method.lower()] = _operation(op,
                                                                                    components)
    for page in pages:
        paths.setdefault(page.path, {})[page.method.lower()] = _page(page)
    for (method, path), (summary, media_type) in INFRASTRUCTURE.items():
        paths.setdefault(path, {})[method.lower()] = _infrastructure(path, summary, media_type)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "v1",
                 "description": "Field names are proto3 JSON's lowerCamelCase; every error "
                                "is application/problem+json."},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }


def of_workers(workers: dict[str, str]) -> dict[str, dict]:
    """Each worker's document, as it serves it: {name: document} for catalog.WORKERS."""
    return {name: pkgutil.resolve_name(where).OPENAPI for name, where in workers.items()}


def published(document_: dict) -> str:
    """A document as contracts/openapi/<worker>.json holds it: indented, so that a change
    of an API reads as a diff of its contract."""
    return json.dumps(document_, ensure_ascii=False, indent=2) + "\n"


def served_routes(document_: dict) -> set[tuple[str, str]]:
    """(METHOD, path) of every route the document describes."""
    return {(method.upper(), path) for path, item in document_["paths"].items()
            for method in item}
