"""The console's own settings (COMMUNE_CONSOLE_*), beside the platform's."""
import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.common.settings import DEV_SECRET, Settings

ROOT = Path(__file__).resolve().parents[2]


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMUNE_CONSOLE_", extra="ignore")

    port: int = Field(8080, ge=1, le=65535)
    # How long a signed-in session (and the bearer token minted for it) lasts.
    session_hours: float = Field(8.0, gt=0, le=24)
    # Failed passwords in a row before an account is locked (an admin's reset unlocks).
    max_failed_logins: int = Field(5, ge=1)
    # Cookies only over HTTPS: set behind a TLS-terminating proxy.
    secure_cookie: bool = False
    # Where htmx and its SSE extension are (scripts/setup-console-assets.sh puts them).
    assets_dir: str = str(ROOT / "var" / "tools" / "node_modules")
    # The iocevents gRPC endpoint (WatchAlerts, the live alerts); unset: this host.
    ioc_grpc: str | None = None
    # Reverse proxies in front of the console (addresses or networks, comma-separated)
    # whose X-Forwarded-For tells the kiosk's citizens apart; none: the peer address.
    trusted_proxies: Annotated[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...],
                               NoDecode] = ()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value):
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    def ioc_grpc_target(self, settings: Settings) -> str:
        return self.ioc_grpc or f"127.0.0.1:{settings.ports('iocevents')[1]}"


@lru_cache
def get_console_settings() -> ConsoleSettings:
    return ConsoleSettings()


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_development_key(settings: Settings) -> None:
    """The console mints bearer tokens: with the development key it serves only a local
    run, never a network (anyone could mint the same tokens)."""
    if settings.auth_secret.get_secret_value() == DEV_SECRET and not _loopback(settings.bind_host):
        raise SystemExit(f"COMMUNE_AUTH_SECRET is the development key, which serves only a "
                         f"local run (COMMUNE_BIND_HOST is {settings.bind_host}, not "
                         "localhost): set a key of its own")
