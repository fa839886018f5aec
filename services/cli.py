"""commune: the operator's command line (readiness, demo data, tokens, RPC calls, tasks
in and out of Excel, sealing trace chains)."""
import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from kombu.exceptions import OperationalError

from services import catalog
from services.common import errors, logs
from services.common.pipeline_launcher import metrics_port
from services.common.publisher import Publisher
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


def _declare_topology():
    from services import topology as platform

    try:
        return platform.declare(get_settings())
    except platform.Mismatch as exc:
        _fail(str(exc))
    except (OSError, OperationalError) as exc:
        _fail(f"broker out of reach: {type(exc).__name__}: {exc}")


@app.command()
def topology():
    """Declare the exchanges, every consumer's queue and its dead-letter queue
    (idempotent): run it before anything publishes, so that no event is dropped."""
    declared = _declare_topology()
    typer.echo(f"{len(declared.exchanges)} exchanges; {len(declared.consumer_queues)} "
               f"consumer, {len(declared.pipeline_queues)} pipeline and "
               f"{len(declared.rpc_queues)} RPC queues, each with its dead-letter queue")


@app.command()
def seed():
    """Load every service's demo data (idempotent), in the order of catalog.DEMO_SEEDS.
    The topology first: the seed publishes, perhaps before any worker has run (a
    Kubernetes Job beside the topology Job)."""
    _declare_topology()
    settings = get_settings()
    for name, path in catalog.DEMO_SEEDS.items():
        typer.echo(f"{name}: {catalog.load(path)(settings)}")


@app.command()
def token(
    role: Annotated[str, typer.Option(
        help="admin, officer, operator, province, citizen or reviewer")],
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
    """Call a service's RPC method, e.g. commune call tasks get_task
    '[{"tenant": "binh-lu", "id": "<id>"}]' (tasks' methods take one request object)."""
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
    for name in catalog.PIPELINES:
        typer.echo(f"{name + '-pipeline':<13} metrics "
                   f"http://{host}:{metrics_port(settings, name)}/metrics")
    from services.console.config import get_console_settings
    typer.echo(f"{'console':<13} http://{host}:{get_console_settings().port}/login")
    assert set(catalog.WORKERS) <= set(SERVICE_PORTS)


@app.command()
def openapi(out: Annotated[Path | None, typer.Option(
        help="write <worker>.json for each worker into this directory (contracts/openapi "
             "is the published copy)")] = None):
    """Print the OpenAPI 3.1 documents of the workers' HTTP APIs, as each serves them at
    /openapi.json ({worker: document})."""
    from services.common.api import openapi as documents

    found = documents.of_workers(catalog.WORKERS)
    if out is None:
        typer.echo(documents.published(found), nl=False)
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, document in found.items():
            (out / f"{name}.json").write_text(documents.published(document), encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}", 2)
    typer.echo(f"wrote {len(found)} documents into {out}")


@app.command()
def asyncapi(out: Annotated[Path | None, typer.Option(
        help="write it to this file (contracts/asyncapi.json is the published copy)")] = None):
    """Print the AsyncAPI 3.0 document of the event streams in this namespace."""
    from services.asyncapi import document, to_json

    settings = get_settings()
    text = to_json(document(settings.namespace, settings.max_delivery_attempts))
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}", 2)
    typer.echo(f"wrote {out}")


tasks_app = typer.Typer(no_args_is_help=True, add_completion=False,
                        help="A commune's tasks in and out of Excel (.xlsx) workbooks.")


def _task_store():
    from services.common.mongo import database_name, make_client
    from services.tasks.store import TaskStore

    settings = get_settings()
    return TaskStore(make_client(settings)[database_name(settings, "tasks")])


def _tasks_operation(name: str, store, fields: dict, by: str = "", events=None):
    """A tasks operation run the way the HTTP door runs it (its table, its use case), as
    the commune's admin `by` (the importer when none is named)."""
    from services.common.api.operations import invoke, parse
    from services.common.auth import Principal
    from services.tasks import excel
    from services.tasks.app import OPERATIONS, TasksApp

    operation = OPERATIONS[name]
    principal = Principal(by or excel.IMPORTER, "admin", frozenset({fields["tenant"]}))
    return invoke(TasksApp(store, events=events), operation, principal,
                  parse(operation, fields))


@tasks_app.command("import")
def import_tasks(
    file: Annotated[Path, typer.Argument(help="the .xlsx workbook; its first sheet is read")],
    tenant: Annotated[str, typer.Option(help="commune code, e.g. binh-lu")],
    by: Annotated[str, typer.Option(help="the officer code recorded as creator")] = "",
):
    """Import a plan's tasks from a workbook, all rows or none.

    A row with a new code is a new task; a row of a stored task (an exported plan edited
    and imported again) changes it where the row differs. Informative columns of the
    export (status, progress, overdue, last update) are ignored, and the output says so.
    Every row is checked first; nothing is stored unless all are right (exit 1 with the
    row-by-row report). A file that cannot be read: one line, exit 2."""
    settings = get_settings()
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    with _one_line_errors(f"{file}: "), contextlib.closing(publisher):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise errors.InvalidArgument(exc.strerror or str(exc)) from None
        store = _task_store()
        store.ensure_indexes()
        if by and by not in store.directory(tenant).officers:
            _fail(f"commune {tenant!r} has no officer {by!r}", 2)
        report = _tasks_operation("import_tasks", store,
                                  {"tenant": tenant, "content": content}, by, publisher)
    if report.ignored_columns:
        typer.echo("ignored columns (informative only, as export writes them): "
                   + ", ".join(repr(c) for c in report.ignored_columns))
    if not report.complete:
        for row in (r for r in report.rows if r.outcome == "rejected"):
            typer.echo(f"row {row.row}" + (f" ({row.code})" if row.code else "") + ":")
            for problem in row.problems:
                typer.echo(f"  {problem.column}: {problem.reason}")
        done = report.created + report.updated
        stored = f"{done} rows were stored before it" if done else "nothing was imported"
        rows = "1 row has" if report.rejected == 1 else f"{report.rejected} rows have"
        _fail(f"{rows} errors; {stored}")
    typer.echo(f"imported {report.created} tasks, updated {report.updated}, "
               f"{report.unchanged} unchanged ({report.assigned} assigned by this import)")


@tasks_app.command("export")
def export_tasks(
    out: Annotated[Path, typer.Argument(help="the .xlsx file to write")],
    tenant: Annotated[str, typer.Option(help="commune code, e.g. binh-lu")],
    period: Annotated[str, typer.Option(help="only tasks due in it, e.g. 'Năm 2025'")] = "",
):
    """Write the commune's tasks and their summary to a workbook.

    Sheet "Nhiệm vụ": one row per task; sheet "Tổng hợp": the commune, each lead unit and
    each group."""
    from services.tasks import excel

    with _one_line_errors():
        workbook = _tasks_operation("export_tasks", _task_store(),
                                    {"tenant": tenant, "period": period})
        path = excel.save(workbook.content, out)
    typer.echo(f"{path}: {workbook.tasks} tasks, {workbook.units} units, "
               f"{workbook.groups} groups")


@contextlib.contextmanager
def _one_line_errors(about: str = ""):
    """Bad input (exit 2, the line begins with `about`) and an unreachable database
    (exit 1) as one line each."""
    from pymongo.errors import PyMongoError

    from services.tasks.excel import UnreadableFile

    try:
        yield
    except (UnreadableFile, errors.InvalidArgument) as exc:
        _fail(about + str(exc), 2)
    except PyMongoError as exc:
        _fail(f"database: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")


app.add_typer(tasks_app, name="tasks")


kpi_app = typer.Typer(no_args_is_help=True, add_completion=False,
                      help="The kpi service's derived data.")


@kpi_app.command("rebuild-task-facts")
def rebuild_task_facts(
    tenant: Annotated[str, typer.Option(help="commune code; every commune with tasks "
                                             "when left out")] = "",
):
    """Rebuild kpi's task facts (created tasks, the task boards) from the tasks store, for
    tasks stored before kpi's queues existed; idempotent."""
    from services.common.mongo import database_name, make_client
    from services.kpi.rebuild import rebuild
    from services.kpi.store import KpiStore

    settings = get_settings()
    with _one_line_errors():
        tasks = _task_store()
        communes = tasks.tenants()
        if tenant and tenant not in communes:
            _fail(f"no tasks are stored for commune {tenant!r} (communes with tasks: "
                  f"{', '.join(communes) or 'none'})", 2)
        kpi = KpiStore(make_client(settings)[database_name(settings, "kpi")])
        kpi.ensure_indexes()
        for commune in [tenant] if tenant else communes:
            done = rebuild(tasks, kpi, commune)
            typer.echo(f"{commune}: {done.tasks} tasks, {done.facts} created-task facts and "
                       f"{done.states} task states were missing")


app.add_typer(kpi_app, name="kpi")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question, in Vietnamese, Hmong or Thái")],
    tenant: Annotated[str, typer.Option(help="commune code")] = "binh-lu",
    session: Annotated[str, typer.Option(help="session id of earlier questions, for "
                                              "follow-ups")] = "",
    timeout: float = 10.0,
):
    """Ask the assistant (the running worker, which keeps the trace) from a terminal."""
    from nameko.exceptions import RemoteError
    from nameko.standalone.rpc import ClusterRpcProxy

    try:
        with ClusterRpcProxy(get_settings().nameko_config(), timeout=timeout) as proxy:
            answer = proxy.assistant.ask({"tenant": tenant, "question": question,
                                          "sessionId": session})["answer"]
    except RemoteError as exc:
        _fail(f"{exc.exc_type}: {exc.value}", 2 if exc.exc_type == "InvalidArgument" else 1)
    except Exception as exc:  # timeout, unreachable broker: one line, not a traceback
        _fail(f"{type(exc).__name__}: {exc} (is the assistant worker running?)")
    typer.echo(answer["text"])
    typer.secho(f"[{answer['language']}, confidence {answer['confidence']}, trace "
                f"{answer['traceId']}, session {answer['sessionId']}]", dim=True)


assistant_app = typer.Typer(no_args_is_help=True, add_completion=False,
                            help="The assistant's data files.")


@assistant_app.command("check-data")
def check_assistant_data():
    """Load and validate the knowledge base, language and wording files (exit 2 naming
    the file and entry at fault)."""
    from services.assistant.domain import default_assistant
    from services.assistant.knowledge import KnowledgeError

    try:
        assistant = default_assistant()
    except KnowledgeError as exc:
        _fail(str(exc), 2)
    languages = ", ".join(f"{code} ({len(lang.glossary)} glossary entries)"
                          for code, lang in assistant.languages.by_code.items())
    said = [text for p in assistant.kb.procedures for text in p.said()]
    wordings = ", ".join(
        f"{code} ({len(w.terms)} terms, {sum(e.reviewed for *_, e in w.entries())} of "
        f"{len(w.entries())} entries reviewed, {len(w.lacking(said))} phrases of the "
        "procedures still in Vietnamese)"
        for code, w in assistant.wordings.items() if w.translated)
    typer.echo(f"{len(assistant.kb.procedures)} procedures, "
               f"{len(assistant.kb.papers.kinds)} kinds of paper, version {assistant.kb.version}; "
               f"languages: {languages}; answer wording: {wordings}")


app.add_typer(assistant_app, name="assistant")


trace_app = typer.Typer(no_args_is_help=True, add_completion=False,
                        help="Traceability records.")


def _trace_seal():
    """The trace seal of COMMUNE_TRACE_SEAL_KEY, or exit 2 saying what is wrong with it."""
    from services.trace.config import seal_of
    from services.trace.seal import SealKeyError

    try:
        return seal_of(get_settings())
    except SealKeyError as exc:
        _fail(str(exc), 2)


@trace_app.command("seal-key")
def trace_seal_key():
    """Print the public half of COMMUNE_TRACE_SEAL_KEY (before a rotation: list it in
    COMMUNE_TRACE_SEAL_RETIRED_KEYS, so that the seals it made still verify)."""
    typer.echo(_trace_seal().public_key)


@trace_app.command("seal-existing")
def seal_existing_chains():
    """Seal the batch chains recorded before the service sealed them (once, after
    upgrading; needs COMMUNE_TRACE_SEAL_KEY). A chain whose hashes do not check or whose
    length is not its batch's count is left unsealed and named (exit 1)."""
    from services.common.mongo import database_name, make_client
    from services.trace.ledger import Ledger
    from services.trace.store import TraceStore

    seal = _trace_seal()
    settings = get_settings()
    store = TraceStore(make_client(settings)[database_name(settings, "trace")])
    sealed, refused = Ledger(store, None, seal).seal_existing()
    typer.echo(f"{len(sealed)} chains sealed")
    for batch, problem in refused.items():
        typer.secho(f"{batch}: not sealed: {problem}", fg="red", err=True)
    if refused:
        raise typer.Exit(1)


app.add_typer(trace_app, name="trace")


backup_app = typer.Typer(no_args_is_help=True, add_completion=False,
                         help="The namespace's databases to a directory and back.")


@backup_app.command("dump")
def backup_dump(directory: Annotated[Path, typer.Argument(help="an empty or new directory")]):
    """Dump every database of the namespace (mongodump's layout), the platform running."""
    from services.backup import BackupError, dump

    try:
        counted = dump(get_settings(), directory)
    except BackupError as exc:
        _fail(str(exc), 2)
    typer.echo(f"{sum(counted.values())} documents of {len(counted)} databases in {directory}")


@backup_app.command("restore")
def backup_restore(directory: Annotated[Path, typer.Argument(help="what `dump` wrote")]):
    """Load a dump into the namespace, whose databases must not exist yet (start the
    processes after it)."""
    from services.backup import BackupError, restore

    try:
        counted = restore(get_settings(), directory)
    except BackupError as exc:
        _fail(str(exc), 2)
    typer.echo(f"{sum(counted.values())} documents of {len(counted)} databases restored")


app.add_typer(backup_app, name="backup")


report_app = typer.Typer(no_args_is_help=True, add_completion=False,
                         help="Reports written from the platform's data.")


@report_app.command("quarterly")
def quarterly_report(
    commune: Annotated[str, typer.Option(help="commune code, e.g. binh-lu")],
    year: Annotated[int, typer.Option(help="e.g. 2026")],
    quarter: Annotated[int, typer.Option(help="1 to 4")],
    out: Annotated[Path, typer.Option(help="directory for the .docx and the .pdf")] = Path("."),
    bearer: Annotated[str, typer.Option(
        "--token", envvar="COMMUNE_TOKEN",
        help="bearer token; when left out, an officer token of the commune signed with "
             "this machine's COMMUNE_AUTH_SECRET")] = "",
):
    """Write a commune's quarterly report to the province, an editable .docx and a PDF,
    from the figures the services' HTTP APIs give the token (COMMUNE_API_URLS); what the
    platform lacks is a yellow […] for the officer."""
    import datetime as dt

    from services.common.auth import issue_token
    from services.reports import quarterly

    settings = get_settings()
    try:
        token = bearer or issue_token(settings, "report-cli", "officer", [commune],
                                      dt.timedelta(hours=1))
        typer.echo(f"{commune}: reading the figures of Q{quarter}/{year} from the services")
        document = quarterly.draft(settings, token, commune, year, quarter)
        out.mkdir(parents=True, exist_ok=True)
        for fmt in quarterly.FORMATS:
            path = out / quarterly.filename(commune, year, quarter, fmt)
            path.write_bytes(quarterly.render(document, fmt))
            typer.echo(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    except errors.InvalidArgument as exc:
        _fail(str(exc), 2)
    except errors.CommuneError as exc:
        _fail(f"{type(exc).__name__}: {exc}")
    except OSError as exc:
        _fail(f"cannot write to {out}: {exc.strerror}", 2)
    typer.echo(f"{len(document.blanks())} blanks […] for the officer to fill")


app.add_typer(report_app, name="report")


@app.command("simulate-cameras")
def simulate_cameras(
    rate: Annotated[float, typer.Option(help="detections per second", min=0.1)] = 5.0,
    duration: Annotated[float, typer.Option(help="seconds; 0 runs until Ctrl-C")] = 0.0,
    tenant: Annotated[str, typer.Option(help="commune code (its registry must be seeded)")]
    = "binh-lu",
    seed: Annotated[int | None, typer.Option(help="random seed, for a repeatable run")] = None,
    watched_share: Annotated[float, typer.Option(
        help="share of plate reads that are of a watchlisted plate", min=0, max=1)] = 0.01,
    record: Annotated[Path | None, typer.Option(
        help="append the id of every detection the broker confirmed to this file, one a "
             "line (the gateway's record of what it handed over)")] = None,
):
    """Replay realistic camera and sensor traffic into the IOC pipeline."""
    import datetime as dt

    from services.common.mongo import database_name, make_client
    from services.iocevents.simulator import CameraSimulator, replay
    from services.iocevents.store import IocStore

    settings = get_settings()
    logs.configure("camera-simulator", settings.log_level)
    try:
        wait_until_ready(settings, settings.startup_timeout_s)
    except NotReady as exc:
        _fail(str(exc), 2)
    store = IocStore(make_client(settings)[database_name(settings, "iocevents")])
    registry = store.registry(tenant)
    if not registry.cameras:
        _fail(f"commune {tenant!r} has no cameras registered; run 'commune seed' first", 2)
    # It replays watched plates now and then; reading the watchlist is audited as always.
    store.audit(tenant, "camera-simulator", "read", "watchlist", dt.datetime.now(dt.UTC))
    plates = [w["value"] for w in store.watchlist(tenant) if w["kind"] == "plate"]
    try:
        confirmed = open(record, "a", encoding="ascii") if record else None
    except OSError as exc:
        _fail(f"cannot write to {record}: {exc.strerror}", 2)

    def write_down(rows: list[dict]) -> None:
        if confirmed is not None:
            confirmed.write("".join(f"{row['id']}\n" for row in rows))
            confirmed.flush()  # a gateway killed next keeps its record
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    simulator = CameraSimulator(tenant, registry, plates, seed, watched_share)
    try:
        sent = replay(publisher, simulator, rate, duration, write_down)
    except KeyboardInterrupt:
        sent = None
    finally:
        publisher.close()
        if confirmed is not None:
            confirmed.close()
    typer.echo(f"sent {sent} detections" if sent is not None else "stopped")


if __name__ == "__main__":
    app()
