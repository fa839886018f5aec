"""The assistant's HTTP JSON API. Asking, feedback, handoff and reading a procedure are
public (no token) and limited per client; the dossier checker is for officers."""
from nameko.web.handlers import http

from services.common.errors import ResourceExhausted
from services.common.nameko_ext.web import (
    ClientLimit,
    caller,
    client_address,
    json_api,
    request_json,
)
from services.common.settings import get_settings

BASE = "/api/v1/communes/<tenant>/assistant"
OFFICERS = ("officer", "admin")

_limit = ClientLimit(get_settings().assistant_rate_limit, "assistant")


def _too_many(request) -> None:
    """ResourceExhausted (429) when this client has used up its allowance (per worker
    process)."""
    if not _limit.allow(client_address(request)):
        raise ResourceExhausted(f"too many questions from this client (limit {_limit.spec}); "
                                "wait a moment and ask again")


class AssistantHttpApi:
    @http("POST", BASE + "/ask")
    @json_api
    def http_ask(self, request, tenant):
        _too_many(request)
        return 200, self.desk.ask(tenant, request_json(request))

    @http("POST", BASE + "/feedback")
    @json_api
    def http_feedback(self, request, tenant):
        _too_many(request)
        return 201, self.desk.feedback(tenant, request_json(request))

    @http("POST", BASE + "/handoff")
    @json_api
    def http_handoff(self, request, tenant):
        _too_many(request)
        return 201, self.desk.handoff(tenant, request_json(request))

    @http("GET", BASE + "/procedures/<code>")
    @json_api
    def http_procedure(self, request, tenant, code):
        _too_many(request)
        return 200, self.desk.procedure(tenant, code)

    @http("POST", BASE + "/check-dossier")
    @json_api
    def http_check_dossier(self, request, tenant):
        caller(request, tenant, OFFICERS)
        return 200, self.desk.check_dossier(tenant, request_json(request))
