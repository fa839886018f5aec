"""The IOC's HTTP JSON API for the web UI, under /api/v1/communes/<tenant>/ioc/. Each
endpoint checks the caller and hands over to Operations."""
from nameko.web.handlers import http

from services.common.nameko_ext.web import caller, json_api, request_json

from .operations import OPERATORS, READERS, WATCHLIST_ROLES

BASE = "/api/v1/communes/<tenant>/ioc"


class IocHttpApi:
    @http("GET", BASE + "/alerts")
    @json_api
    def http_list_alerts(self, request, tenant):
        caller(request, tenant, READERS)
        return 200, self.operations.list_alerts(tenant, request.args.to_dict())

    @http("GET", BASE + "/alerts/<alert_id>")
    @json_api
    def http_get_alert(self, request, tenant, alert_id):
        caller(request, tenant, READERS)
        return 200, self.operations.get_alert(tenant, alert_id)

    @http("POST", BASE + "/alerts/<alert_id>/<action>")
    @json_api
    def http_move_alert(self, request, tenant, alert_id, action):
        """action: acknowledge, resolve or false_positive; body {"note": "..."}."""
        principal = caller(request, tenant, OPERATORS)
        body = request_json(request)
        return 202, self.operations.move(tenant, alert_id, action, principal.subject,
                                         body.get("note", ""))

    @http("GET", BASE + "/stats")
    @json_api
    def http_stats(self, request, tenant):
        caller(request, tenant, READERS)
        return 200, self.operations.stats(tenant)

    @http("GET", BASE + "/rules")
    @json_api
    def http_rules(self, request, tenant):
        caller(request, tenant, READERS)
        return 200, self.operations.rules(tenant)

    @http("PUT", BASE + "/rules")
    @json_api
    def http_save_rule(self, request, tenant):
        principal = caller(request, tenant, OPERATORS)
        return 200, self.operations.save_rule(tenant, request_json(request), principal.subject)

    @http("DELETE", BASE + "/rules/<rule_id>")
    @json_api
    def http_delete_rule(self, request, tenant, rule_id):
        principal = caller(request, tenant, OPERATORS)
        self.operations.delete_rule(tenant, rule_id, principal.subject)
        return 200, {"deleted": rule_id}

    @http("GET", BASE + "/silences")
    @json_api
    def http_silences(self, request, tenant):
        caller(request, tenant, READERS)
        return 200, self.operations.silences(tenant)

    @http("PUT", BASE + "/silences")
    @json_api
    def http_save_silence(self, request, tenant):
        principal = caller(request, tenant, OPERATORS)
        return 200, self.operations.save_silence(tenant, request_json(request),
                                                 principal.subject)

    @http("POST", BASE + "/silences/<silence_id>/end")
    @json_api
    def http_end_silence(self, request, tenant, silence_id):
        principal = caller(request, tenant, OPERATORS)
        return 200, self.operations.end_silence(tenant, silence_id, principal.subject)

    @http("GET", BASE + "/registry")
    @json_api
    def http_registry(self, request, tenant):
        caller(request, tenant, READERS)
        return 200, self.operations.registry(tenant)

    @http("PUT", BASE + "/registry")
    @json_api
    def http_save_registry(self, request, tenant):
        principal = caller(request, tenant, OPERATORS)
        return 200, self.operations.save_registry(tenant, request_json(request),
                                                  principal.subject)

    @http("GET", BASE + "/watchlist")
    @json_api
    def http_watchlist(self, request, tenant):
        principal = caller(request, tenant, WATCHLIST_ROLES)
        return 200, self.operations.watchlist(tenant, principal.subject)

    @http("PUT", BASE + "/watchlist")
    @json_api
    def http_save_watchlist_entry(self, request, tenant):
        principal = caller(request, tenant, WATCHLIST_ROLES)
        return 200, self.operations.save_watchlist_entry(tenant, request_json(request),
                                                         principal.subject)

    @http("GET", BASE + "/audit")
    @json_api
    def http_audit(self, request, tenant):
        caller(request, tenant, WATCHLIST_ROLES)
        return 200, self.operations.audit_trail(tenant)
