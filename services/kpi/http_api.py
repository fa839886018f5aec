"""The KPI HTTP JSON API the web UI uses, in one place so that the gateway can mount it.
Each endpoint checks the caller and hands over to the service's operations."""
from nameko.web.handlers import http

from services.common.nameko_ext.web import caller, json_api, request_json

from . import domain
from .indicators import parse_period

BASE = "/api/v1/communes/<tenant>/kpi"


class KpiHttpApi:
    @http("GET", BASE + "/indicators")
    @json_api
    def http_list_indicators(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._indicators()

    @http("POST", BASE + "/measurements")
    @json_api
    def http_enter_measurement(self, request, tenant):
        principal = caller(request, tenant, domain.WRITERS)
        return 201, self._enter(tenant, request_json(request), principal.subject)

    @http("POST", BASE + "/measurements/<action>")
    @json_api
    def http_move_measurement(self, request, tenant, action):
        roles = domain.APPROVERS if action == "approve" else domain.WRITERS
        principal = caller(request, tenant, roles)
        return 200, self._move(tenant, request_json(request), action, principal.subject)

    @http("GET", BASE + "/measurements/history")
    @json_api
    def http_measurement_history(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._ledger().history(tenant, request.args.to_dict())

    @http("PUT", BASE + "/targets")
    @json_api
    def http_set_target(self, request, tenant):
        principal = caller(request, tenant, domain.APPROVERS)
        return 200, self._set_target(tenant, request_json(request), principal.subject)

    @http("POST", BASE + "/dossier-events")
    @json_api
    def http_record_dossier_events(self, request, tenant):
        caller(request, tenant, domain.WRITERS)
        return 200, self._record_dossiers(tenant, request_json(request).get("events"))

    @http("GET", BASE + "/dossier-table")
    @json_api
    def http_dossier_table(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._reports().dossier_table(tenant,
                                                  parse_period(request.args.get("period")))

    @http("GET", BASE + "/report")
    @json_api
    def http_report(self, request, tenant):
        caller(request, tenant, domain.READERS)
        drafts = request.args.get("drafts", "") in ("1", "true", "yes")
        return 200, self._report(tenant, request.args.get("period"), drafts, False)
