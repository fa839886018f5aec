"""commune: the operator's command line (readiness, demo data, tokens, RPC calls)."""
import json
import sys
from typing import Annotated

import typer

from services import catalog
from services.common import errors
from services.common.readiness import NotReady, check_broker, check_database, wait_until_ready
from services.common.settings import SERVICE_PORTS, get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Operate the commune platform.")


def _fail(message: str, code: int = 1):
    typer.secho(message, fg="red", err=True)
    raise typer.Exit(code)


@app.command()
def wait(timeout: Annotated[float, typer.Option(help="seconds to wait")] = 60.0):
    """Wait until the broker and the database answer."""
    settings = get_settings()
    try:
        wait_until_ready(settings, timeout)
    except NotReady as exc:
        _fail(str(exc))
    typer.echo("broker and database are ready")


@app.command()
def check():
    """Say whether the broker and the database answer now (exit 1 when not)."""
    settings = get_settings()
    try:
        check_broker(settings)
        check_database(settings)
    except NotReady as exc:
        _fail(str(exc))
    typer.echo("ok")


@app.command()
def seed():
    """Load the demo data (idempotent): the organisation tree of the two real communes,
    Bình Lư's units, its 2026 plan and its 92 tasks of 2025."""
    import datetime as dt

    from services.common.mongo import database_name, make_client
    from services.directory import tree
    from services.directory.store import DirectoryStore
    from services.tasks import demo as tasks_demo
    from services.tasks.store import TaskStore

    settings = get_settings()
    client = make_client(settings)
    directory = DirectoryStore(client[database_name(settings, "directory")])
    directory.ensure_indexes()
    added = directory.load(tree.units())
    counts = ", ".join(f"{directory.count(k)} {k}s" for k in ("province", "commune", "village"))
    typer.echo(f"directory: {counts} ({added} new)")
    tasks = TaskStore(client[database_name(settings, "tasks")])
    tasks.ensure_indexes()
    loaded = tasks_demo.load(tasks, dt.datetime.now(dt.UTC))
    typer.echo("tasks: {units} units, {officers} officers, {new_tasks} new tasks".format(**loaded))


@app.command()
def token(
    role: Annotated[str, typer.Option(help="admin, officer, operator, province or citizen")],
    tenant: Annotated[list[str], typer.Option(help="commune or province code; repeatable")],
    subject: Annotated[str, typer.Option(help="who the token is for")] = "demo",
    hours: Annotated[float, typer.Option(help="lifetime")] = 12.0,
):
    """Print a signed bearer token (a province code stands for all its communes)."""
    import datetime as dt

    from services.common.auth import issue_token
    from services.directory.tree import communes_of

    try:
        typer.echo(issue_token(get_settings(), subject, role, communes_of(tenant),
                               dt.timedelta(hours=hours)))
    except errors.InvalidArgument as exc:
        _fail(str(exc), 2)


@app.command()
def call(
    service: str, method: str,
    args: Annotated[str, typer.Argument(help="JSON list of positional arguments")] = "[]",
    bearer: Annotated[str, typer.Option("--token", envvar="COMMUNE_TOKEN",
                                        help="bearer token")] = "",
    timeout: float = 10.0,
):
    """Call a service's RPC method, e.g. commune call tasks get_task '["binh-lu", "<id>"]'."""
    from nameko.exceptions import RemoteError
    from nameko.standalone.rpc import ClusterRpcProxy

    try:
        arguments = json.loads(args)
        assert isinstance(arguments, list)
    except (ValueError, AssertionError):
        _fail("ARGS must be a JSON list, e.g. '[\"binh-lu\"]'", 2)
    settings = get_settings()
    context = {"authorization": f"Bearer {bearer}"} if bearer else {}
    try:
        with ClusterRpcProxy(settings.nameko_config(), timeout=timeout,
                             context_data=context) as proxy:
            result = getattr(getattr(proxy, service), method)(*arguments)
    except RemoteError as exc:
        _fail(f"{exc.exc_type}: {exc.value}")
    except Exception as exc:  # timeout, unreachable broker: one line, not a traceback
        _fail(f"{type(exc).__name__}: {exc}")
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    typer.echo()


@app.command()
def urls():
    """Print where every process listens."""
    settings = get_settings()
    host = settings.bind_host
    typer.echo(f"RabbitMQ      {settings.amqp_uri.rsplit('@', 1)[-1]}")
    typer.echo(f"database      {settings.mongo_uri.rsplit('@', 1)[-1]}")
    for name in catalog.WORKERS:
        http, grpc, metrics = settings.ports(name)
        typer.echo(f"{name:<13} http://{host}:{http}/health/ready  /metrics")
        if name in catalog.GRPC_SERVERS:
            typer.echo(f"{name + '-grpc':<13} grpc {host}:{grpc}  metrics http://{host}:{metrics}/metrics")
    assert set(catalog.WORKERS) <= set(SERVICE_PORTS)


if __name__ == "__main__":
    app()
