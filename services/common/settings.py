"""Settings from the environment, with defaults for a local run."""
from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .topology import rpc_exchange

# (nameko HTTP port, gRPC port) per service; the gRPC process serves /metrics on
# its HTTP port + 1000.
SERVICE_PORTS = {
    "tasks": (8001, 50051),
    "kpi": (8002, 50052),
    "iocevents": (8003, 50053),
    "trace": (8004, 50054),
    "assistant": (8005, 50055),
}

DEV_SECRET = "dev-only-secret-change-me-before-deploying"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMUNE_", extra="ignore")

    amqp_uri: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/",
        validation_alias=AliasChoices("AMQP_URI", "COMMUNE_AMQP_URI"),
    )
    mongo_uri: str = Field(
        "mongodb://127.0.0.1:27017/?retryWrites=false",
        validation_alias=AliasChoices("MONGO_URI", "COMMUNE_MONGO_URI"),
    )
    # Prefixes database, exchange and queue names, so that one broker and one database
    # can hold several independent platforms (tests use a namespace of their own).
    namespace: str = Field("commune", pattern=r"^[a-z][a-z0-9_]{0,30}$")
    auth_secret: SecretStr = SecretStr(DEV_SECRET)
    token_issuer: str = "commune-platform"
    log_level: str = "INFO"
    bind_host: str = "127.0.0.1"
    # Overrides of the per-service defaults in SERVICE_PORTS.
    http_port: int | None = None
    grpc_port: int | None = None
    metrics_port: int | None = None
    # How long a process waits for the broker and database at start before giving up;
    # 0: as long as it takes (an outage is waited out, not turned into a crash).
    startup_timeout_s: float = Field(0.0, ge=0)
    # How often the tasks worker looks for newly overdue tasks and refreshes its gauges.
    overdue_check_s: float = Field(60.0, gt=0)
    gauges_refresh_s: float = Field(30.0, gt=0)
    # Questions one client may send the assistant's public endpoints ("limits" syntax).
    assistant_rate_limit: str = "30/minute"
    # Answer traces kept (whole days dropped by the assistant worker at start and then
    # every check period; they hold citizens' questions: keep no longer than needed).
    assistant_trace_retention_days: int = Field(90, ge=1, le=3650)
    assistant_trace_retention_check_s: float = Field(3600.0, gt=0)
    # A handoff ticket no officer claimed this long after it was opened is announced
    # (assistant.handoff_unclaimed: an IOC alert); the assistant worker checks this often.
    handoff_claim_within_s: float = Field(1800.0, gt=0)
    handoff_check_s: float = Field(60.0, gt=0)
    # Reverse proxies (an ingress) in front of the HTTP endpoints whose X-Forwarded-For
    # entries are believed when telling clients apart; 0: the peer address.
    trusted_proxies: int = Field(0, ge=0)
    # Workers a nameko process runs at once, and so the unacked messages each of its
    # event queues takes: event handlers mostly wait on the database, and the more of
    # them wait at once the more of their inserts share a round trip (write_lane).
    worker_concurrency: int = Field(40, ge=1)
    # Handler failures retried this many times in all before a message is dead-lettered.
    max_delivery_attempts: int = 3
    # Each worker prunes the records of events its handlers took (handled_events) once
    # they are this old, at start and then every prune period (idempotency.py: why it is
    # safe).
    handled_events_retention_days: float = Field(7.0, gt=0)
    handled_events_prune_s: float = Field(3600.0, gt=0)
    # Where swagger-ui-dist is (the workers' /docs); unset: var/tools of this checkout,
    # where `make setup` puts it.
    api_browser_dir: str | None = None
    # Base URLs of the services' HTTP APIs for the edge processes (the console, the
    # report writer), as JSON: {"kpi": "http://kpi:8002"}; a service left out is reached
    # on this host at its port in SERVICE_PORTS.
    api_urls: dict[str, str] = {}
    # Optional mutual TLS for the province gRPC endpoints (all three or none).
    grpc_tls_cert: str | None = None
    grpc_tls_key: str | None = None
    grpc_tls_client_ca: str | None = None

    def nameko_config(self) -> dict:
        """What nameko needs, for workers and standalone RPC proxies alike. The RPC
        exchange is namespaced like everything else: nameko routes calls by service
        name, and two platforms on one broker must not answer each other's calls."""
        return {"AMQP_URI": self.amqp_uri, "rpc_exchange": rpc_exchange(self.namespace).name,
                "SERIALIZER": "json", "max_workers": self.worker_concurrency}

    def api_url(self, service: str) -> str:
        """Where an edge process reaches a service's HTTP API (no trailing slash)."""
        if service in self.api_urls:
            return self.api_urls[service].rstrip("/")
        return f"http://127.0.0.1:{SERVICE_PORTS[service][0]}"

    def ports(self, service: str) -> tuple[int, int, int]:
        """(nameko HTTP, gRPC, gRPC-process metrics) ports of a service."""
        http, grpc = SERVICE_PORTS[service]
        return (
            self.http_port or http,
            self.grpc_port or grpc,
            self.metrics_port or http + 1000,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
