"""commune-pipeline NAME: a batch pipeline process of a service (catalog.PIPELINES):
kombu and threads, no nameko, no eventlet."""
import sys

from services import catalog

from .settings import Settings


def metrics_port(settings: Settings, service: str) -> int:
    """A pipeline's /metrics port: COMMUNE_METRICS_PORT, else its service's HTTP port
    + 2000 (the nameko worker has the HTTP port, its gRPC process HTTP + 1000)."""
    return settings.metrics_port or settings.ports(service)[0] + 2000


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in catalog.PIPELINES:
        sys.exit(f"usage: commune-pipeline {{{'|'.join(catalog.PIPELINES)}}}")
    catalog.load(catalog.PIPELINES[argv[0]])()


if __name__ == "__main__":
    main()
