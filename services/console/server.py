"""`commune-console`: the web console on :8080 (COMMUNE_CONSOLE_PORT)."""
import logging
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.gzip import GZipMiddleware

from services.common import errors, logs
from services.common.readiness import NotReady, check_database
from services.common.settings import Settings, get_settings
from services.trace.config import get_trace_settings

from . import (
    pages_auth,
    pages_desk,
    pages_ioc,
    pages_kpi,
    pages_public,
    pages_resolver,
    pages_tasks,
    pages_trace,
    pages_villages,
)
from .accounts import AccountStore, console_db
from .citizens import CitizenLimit
from .config import ConsoleSettings, get_console_settings, refuse_development_key
from .sessions import SessionStore
from .web import Console, SignInNeeded, error_page

# The browser files the console serves from var/tools, by the name pages use; each page
# loads only those it uses (Leaflet: the IOC map; ECharts, its line/bar/pie build: the
# KPI trend).
ASSETS = {"htmx.min.js": "htmx.org/dist/htmx.min.js",
          "sse.js": "htmx-ext-sse/dist/sse.min.js",
          "leaflet.js": "leaflet/dist/leaflet.js",
          "leaflet.css": "leaflet/dist/leaflet.css",
          "echarts.js": "echarts/dist/echarts.simple.min.js"}


def create_app(settings: Settings, console: ConsoleSettings) -> FastAPI:
    db = console_db(settings)
    app = FastAPI(title="Commune console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = Console(settings, console, AccountStore(db, console),
                                SessionStore(db, console.session_hours),
                                CitizenLimit(settings.assistant_rate_limit, "console-kiosk"),
                                CitizenLimit(get_trace_settings().rate_limit, "console-scans"))
    for router in (pages_auth.router, pages_ioc.router, pages_kpi.router, pages_villages.router,
                   pages_tasks.router, pages_trace.router, pages_desk.router,
                   pages_public.router, pages_resolver.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), "static")
    # The trace service's label sheets name its stylesheet; the console serves the same.
    app.mount("/trace-static", StaticFiles(directory=Path(__file__).parents[1] / "trace" /
                                           "static"), "trace-static")
    assets = Path(console.assets_dir)
    # Pages gzip to a fifth of their size: it matters on a 3G phone (the event stream is
    # left as it is by the middleware).
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_exception_handler(SignInNeeded, error_page)
    app.add_exception_handler(errors.CommuneError, error_page)
    app.add_exception_handler(RequestValidationError, error_page)
    app.add_exception_handler(Exception, error_page)

    @app.get("/assets/{name}")
    def asset(name: str):
        if name not in ASSETS or not (assets / ASSETS[name]).is_file():
            raise errors.NotFound(f"no asset {name!r} (make setup installs them)")
        return FileResponse(assets / ASSETS[name], headers={"Cache-Control": "max-age=86400"})

    @app.get("/health/live")
    def live():
        return {"status": "ok"}

    @app.get("/metrics")
    def metrics():  # the process's own figures, as every process of the platform serves
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health/ready")
    def ready():
        """The console's own database answers (accounts, sessions); the services have
        probes of their own."""
        try:
            check_database(settings, timeout=2)
        except NotReady as exc:
            return JSONResponse({"ready": False, "reason": str(exc)}, 503)
        return {"ready": True}
    return app


def main() -> None:
    settings, console = get_settings(), get_console_settings()
    logs.configure("console", settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per API call otherwise
    refuse_development_key(settings)
    uvicorn.run(create_app(settings, console), host=settings.bind_host, port=console.port,
                log_level="warning", proxy_headers=False,
                # open event streams end with the process, not hold it up
                timeout_graceful_shutdown=2)
