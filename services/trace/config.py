"""Settings of the trace service, from COMMUNE_TRACE_* variables."""
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


@lru_cache
def get_trace_settings() -> TraceSettings:
    return TraceSettings()
