"""The tasks HTTP JSON API the web UI uses, in one place so that the gateway can mount
it. Each endpoint checks the caller and hands over to the service's operations."""
from nameko.web.handlers import http

from services.common.errors import named_once
from services.common.nameko_ext.web import caller, json_api, request_json

from . import domain

BASE = "/api/v1/communes/<tenant>/tasks"


class TasksHttpApi:
    @http("POST", BASE)
    @json_api
    def http_create_task(self, request, tenant):
        principal = caller(request, tenant, domain.WRITERS)
        return 201, self._create(named_once(request_json(request), "tenant", tenant),
                                 principal.subject)

    @http("GET", BASE)
    @json_api
    def http_list_tasks(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._list(tenant, request.args.to_dict())

    @http("GET", "/api/v1/communes/<tenant>/task-summary")
    @json_api
    def http_task_summary(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._summary(tenant, request.args.get("period", ""))

    @http("GET", "/api/v1/communes/<tenant>/units")
    @json_api
    def http_list_directory(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._directory(tenant)

    @http("PUT", "/api/v1/communes/<tenant>/units")
    @json_api
    def http_save_unit(self, request, tenant):
        caller(request, tenant, domain.WRITERS)
        return 200, self._save_unit(tenant, request_json(request))

    @http("PUT", "/api/v1/communes/<tenant>/officers")
    @json_api
    def http_save_officer(self, request, tenant):
        caller(request, tenant, domain.WRITERS)
        return 200, self._save_officer(tenant, request_json(request))

    @http("GET", "/api/v1/communes/<tenant>/task-review")
    @json_api
    def http_review_tasks(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._review(tenant)

    @http("POST", BASE + "/<task_id>/review")
    @json_api
    def http_decide_review(self, request, tenant, task_id):
        principal = caller(request, tenant, domain.WRITERS)
        return 200, self._decide(tenant, task_id, request_json(request), principal.subject)

    @http("GET", BASE + "/<task_id>")
    @json_api
    def http_get_task(self, request, tenant, task_id):
        caller(request, tenant, domain.READERS)
        return 200, domain.task_view(self.store.get(tenant, task_id))

    @http("POST", BASE + "/<task_id>/assign")
    @json_api
    def http_assign_task(self, request, tenant, task_id):
        principal = caller(request, tenant, domain.WRITERS)
        return 200, self._assign(tenant, task_id, request_json(request), principal.subject)

    @http("POST", BASE + "/<task_id>/progress")
    @json_api
    def http_report_progress(self, request, tenant, task_id):
        principal = caller(request, tenant, domain.WRITERS)
        return 200, self._report_progress(tenant, task_id, request_json(request),
                                          principal.subject)

    @http("POST", BASE + "/<task_id>/status")
    @json_api
    def http_change_status(self, request, tenant, task_id):
        principal = caller(request, tenant, domain.WRITERS)
        body = request_json(request)
        return 200, self._change_status(tenant, task_id, body.get("status"),
                                        body.get("reason", ""), principal.subject)
