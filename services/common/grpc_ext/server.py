"""commune-grpc SERVICE: the province-facing gRPC server of one service, with
grpc.health.v1, server reflection, Prometheus /metrics, and the interceptors.

No eventlet here: grpcio blocks every greenthread of an eventlet process."""
import signal
import sys
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import start_http_server

from services import catalog

from .. import logs
from ..readiness import NotReady, check_broker, check_database, wait_until_ready
from ..settings import Settings, get_settings
from .interceptors import AuthInterceptor, ErrorInterceptor, ObservabilityInterceptor

log = logs.get_logger(__name__)
READINESS_INTERVAL_S = 10


def _credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """Mutual TLS when a certificate, key and client CA are configured."""
    paths = (settings.grpc_tls_cert, settings.grpc_tls_key, settings.grpc_tls_client_ca)
    if not any(paths):
        return None
    if not all(paths):
        raise SystemExit("mutual TLS needs COMMUNE_GRPC_TLS_CERT, _KEY and _CLIENT_CA together")
    cert, key, ca = (open(p, "rb").read() for p in paths)
    return grpc.ssl_server_credentials([(key, cert)], root_certificates=ca,
                                       require_client_auth=True)


def build_server(service: str, settings: Settings
                 ) -> tuple[grpc.Server, health.HealthServicer, str]:
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16),
        interceptors=[ObservabilityInterceptor(service), ErrorInterceptor(),
                      AuthInterceptor(settings)],
    )
    service_name = catalog.load(catalog.GRPC_SERVERS[service])(server, settings)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [service_name, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    address = f"{settings.bind_host}:{settings.ports(service)[1]}"
    credentials = _credentials(settings)
    if credentials:
        server.add_secure_port(address, credentials)
    else:
        server.add_insecure_port(address)
    return server, health_servicer, service_name


def _watch_readiness(settings: Settings, health_servicer, names: tuple[str, ...],
                     stopped: threading.Event) -> None:
    """Serve while the broker and database answer; NOT_SERVING while they do not."""
    serving = health_pb2.HealthCheckResponse.SERVING
    not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
    while not stopped.is_set():
        try:
            check_broker(settings)
            check_database(settings)
            status = serving
        except NotReady as exc:
            log.warning("not ready", reason=str(exc))
            status = not_serving
        for name in names:
            health_servicer.set(name, status)
        stopped.wait(READINESS_INTERVAL_S)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in catalog.GRPC_SERVERS:
        sys.exit(f"usage: commune-grpc {{{'|'.join(catalog.GRPC_SERVERS)}}}")
    service = argv[0]
    settings = get_settings()
    logs.configure(f"{service}-grpc", settings.log_level)
    try:
        wait_until_ready(settings, settings.startup_timeout_s)
    except NotReady as exc:
        print(f"{service}-grpc: {exc}", file=sys.stderr)
        sys.exit(2)
    _, grpc_port, metrics_port = settings.ports(service)
    server, health_servicer, service_name = build_server(service, settings)
    start_http_server(metrics_port, addr=settings.bind_host)
    server.start()
    stopped = threading.Event()
    threading.Thread(target=_watch_readiness, args=(settings, health_servicer, (service_name, ""),
                                           stopped),
                     daemon=True).start()
    log.info("grpc serving", port=grpc_port, metrics_port=metrics_port)

    def stop(*_):
        stopped.set()
        health_servicer.enter_graceful_shutdown()
        server.stop(grace=5)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
