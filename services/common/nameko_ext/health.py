"""/health/live, /health/ready and /metrics on a nameko service's HTTP port: inherit
HealthEndpoints in the service class."""
import json

from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from .. import logs
from ..readiness import NotReady, check_broker, check_database
from ..settings import get_settings

log = logs.get_logger(__name__)


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class HealthEndpoints:
    @http("GET", "/health/live")
    def health_live(self, request):
        return 200, "ok"

    @http("GET", "/health/ready")
    def health_ready(self, request):
        settings = get_settings()
        try:
            check_broker(settings, timeout=2)
            check_database(settings, timeout=2)
        except NotReady as exc:
            log.warning("not ready", reason=str(exc))
            return _json(503, {"ready": False, "reason": exc.reason})
        return _json(200, {"ready": True})

    @http("GET", "/metrics")
    def metrics(self, request):
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
