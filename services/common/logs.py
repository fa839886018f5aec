"""structlog JSON logs to stdout, with the service, tenant and correlation id of the
work in hand bound through context variables."""
import logging
import sys

import structlog

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
]


def configure(service: str, level: str = "INFO") -> None:
    """JSON lines for our own logs and for the libraries' (nameko, kombu, grpc) alike."""

    def add_service(_, __, event_dict):
        # A processor, not a context variable: each eventlet greenthread has a context
        # of its own, and the process's service holds for all of them.
        event_dict.setdefault("service", service)
        return event_dict

    shared = [*_SHARED, add_service]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # nameko logs every expected error with its traceback; Observability logs the rest.
    logging.getLogger("nameko.containers").setLevel(logging.ERROR)
    structlog.contextvars.clear_contextvars()


def bind(**values) -> None:
    """Bind request-scoped values (tenant, correlation_id, ...) to every later log line."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in values.items() if v})


def unbind(*keys: str) -> None:
    structlog.contextvars.unbind_contextvars(*keys)


get_logger = structlog.get_logger


def current_correlation_id() -> str:
    """The correlation id bound to the work in hand, or '' outside of any."""
    return structlog.contextvars.get_contextvars().get("correlation_id", "")
