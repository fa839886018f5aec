"""commune-worker SERVICE: run one nameko service in its own process.

eventlet must patch the standard library before anything imports socket or ssl,
hence the first lines."""
import eventlet

import services  # noqa: F401  (quiets eventlet's deprecation banner)

eventlet.monkey_patch()

import sys  # noqa: E402

from nameko.cli.run import run  # noqa: E402

from services import catalog  # noqa: E402

from .. import logs  # noqa: E402
from ..readiness import NotReady, wait_until_ready  # noqa: E402
from ..settings import get_settings  # noqa: E402


def nameko_config(settings, service: str) -> dict:
    http_port, _, _ = settings.ports(service)
    return {**settings.nameko_config(),
            "WEB_SERVER_ADDRESS": f"{settings.bind_host}:{http_port}"}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in catalog.WORKERS:
        sys.exit(f"usage: commune-worker {{{'|'.join(catalog.WORKERS)}}}")
    service = argv[0]
    settings = get_settings()
    logs.configure(service, settings.log_level)
    try:
        wait_until_ready(settings, settings.startup_timeout_s)
    except NotReady as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        sys.exit(2)
    run([catalog.load(catalog.WORKERS[service])], nameko_config(settings, service))


if __name__ == "__main__":
    main()
