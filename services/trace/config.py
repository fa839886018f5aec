"""Settings of the trace service, from COMMUNE_TRACE_* variables."""
import ipaddress
from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.settings import Settings

from .seal import Seal, SealKeyError

# Base64 of a published Ed25519 private key: anyone can forge seals with it, so it is
# accepted only by a process that listens on the loopback interface (a local run).
DEV_SEAL_KEY = "LL0EcYZHMMm0WwBjroKe7weIZad/dH/INh+wWm6IuZM="


class TraceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMUNE_TRACE_", extra="ignore")

    # Where buyers' phones reach the resolver (the QR codes point here), e.g.
    # https://truyxuat.example.gov.vn; empty: this worker's own address.
    public_base: str = ""
    # Public pages per client (IP address), in the limits library's notation: a burst
    # and a sustained rate.
    rate_limit: str = "30 per 10 seconds;120/minute"
    # How long a rendered page is served from memory at most; events invalidate sooner.
    page_cache_s: float = Field(60, ge=0)
    # How often the worker re-reads every provenance snapshot into memory (events keep
    # it current in between).
    mirror_refresh_s: float = Field(300, gt=0)
    # How often counted scans are stored (and announced as trace.scanned).
    scan_flush_s: float = Field(5, gt=0)
    # How long an event may stay unsent before the relay republishes it.
    relay_s: float = Field(10, gt=0)
    # The Ed25519 private key (base64 of its 32 raw bytes) that seals each batch's links
    # and head: `python -c "import base64,os; print(base64.b64encode(os.urandom(32))
    # .decode())"`. Every process that records or verifies events needs the same key.
    seal_key: SecretStr = SecretStr(DEV_SEAL_KEY)
    # After a rotation: the public keys of earlier seal keys (`commune trace seal-key`
    # prints one), comma-separated, whose seals still verify.
    seal_retired_keys: str = ""
    # How often the worker verifies every batch's chain, so that the public page warns
    # of records removed or changed in the database without an officer asking.
    reverify_s: float = Field(900, gt=0)


@lru_cache
def get_trace_settings() -> TraceSettings:
    return TraceSettings()


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def seal_of(settings: Settings, trace: TraceSettings | None = None) -> Seal:
    """The service's seal; refuses the development key unless the process listens on
    the loopback interface only."""
    trace = trace or get_trace_settings()
    key = trace.seal_key.get_secret_value()
    if key == DEV_SEAL_KEY and not _loopback(settings.bind_host):
        raise SealKeyError(f"COMMUNE_TRACE_SEAL_KEY is the development key, which serves "
                           f"only a local run (COMMUNE_BIND_HOST is {settings.bind_host}, "
                           "not localhost): set a key of its own")
    return Seal(key, [k.strip() for k in trace.seal_retired_keys.split(",") if k.strip()])
