"""The manifests agree with the code: every process of services/catalog.py and the
console run, on the ports they serve, probed on the endpoints they answer; every variable
a manifest sets is one the settings read, with a value they accept; every command a Job
runs exists."""
import importlib
import inspect
import pkgutil
import re

import pytest
import typer.main
from pydantic_settings import BaseSettings

import services
from services import catalog
from services.cli import app
from services.common.nameko_ext.health import HealthEndpoints
from services.common.pipeline_launcher import metrics_port
from services.common.settings import Settings
from services.console.config import ConsoleSettings
from services.console.server import create_app
from tests.deploy.manifests import (
    OVERLAYS,
    build,
    name,
    of_kind,
    platform_containers,
    pod_spec,
)

# The console is one process, not a catalog's family: its command takes no name.
CONSOLE = "commune-console"
LAUNCHERS = {"commune-worker": catalog.WORKERS, "commune-grpc": catalog.GRPC_SERVERS,
             "commune-pipeline": catalog.PIPELINES, CONSOLE: {"console": "console"}}


# Importing the worker launcher monkey-patches the test process with eventlet, which
# breaks every later test that uses the standard library's sockets; it reads no settings
# of its own.
NOT_IMPORTED = {"services.common.nameko_ext.worker"}


def settings_classes() -> list[type[BaseSettings]]:
    for module in pkgutil.walk_packages(services.__path__, "services."):
        if module.name not in NOT_IMPORTED:
            importlib.import_module(module.name)
    found, todo = [], [BaseSettings]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("services."):
                found.append(sub)
            todo.append(sub)
    return found


def environment_names() -> set[str]:
    """Every variable some settings class reads (pydantic-settings: the prefix and the
    field's name, or the field's aliases)."""
    names = set()
    for cls in settings_classes():
        prefix = cls.model_config.get("env_prefix", "")
        for field_name, field in cls.model_fields.items():
            alias = field.validation_alias
            if alias is None:
                names.add(f"{prefix}{field_name}".upper())
            else:
                names.update(a.upper() for a in getattr(alias, "choices", [alias]))
    return names


def config_map(objects: list[dict], name_prefix: str) -> dict:
    [found] = [c for c in of_kind(objects, "ConfigMap")
               if c["metadata"]["name"].startswith(name_prefix)]
    return found["data"]


def container_env(objects: list[dict], container: dict) -> dict[str, str]:
    """The variables a container gets with a literal value: its ConfigMaps and its env."""
    env = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_map(objects, source["configMapRef"]["name"]))
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env


def process_of(container: dict) -> tuple[str, str]:
    command = container["command"]
    if command == [CONSOLE]:
        return CONSOLE, "console"
    assert len(command) == 2 and command[0] in LAUNCHERS, f"unexpected command {command}"
    return command[0], command[1]


def ports(container: dict) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in container.get("ports", [])}


def probe_port(container: dict, probe: dict) -> int:
    action = probe.get("httpGet") or probe.get("grpc") or probe.get("tcpSocket")
    port = action["port"]
    return ports(container)[port] if isinstance(port, str) else port


@pytest.fixture(scope="module", params=OVERLAYS)
def objects(request) -> list[dict]:
    return build(request.param)


def long_running(objects):
    return [(w, c) for w, c in platform_containers(objects) if w["kind"] == "Deployment"]


def test_every_catalog_process_has_exactly_one_deployment(objects):
    running = sorted(process_of(c) for _, c in long_running(objects))
    expected = sorted((launcher, process) for launcher, processes in LAUNCHERS.items()
                      for process in processes)
    assert running == expected


def test_ports_are_those_the_processes_serve(objects):
    for workload, container in long_running(objects):
        launcher, process = process_of(container)
        set_ports = {k.lower().removeprefix("commune_"): v for k, v in
                     container_env(objects, container).items()
                     if k.startswith("COMMUNE_") and k.endswith("_PORT")}
        if launcher == CONSOLE:
            port = ConsoleSettings(**{k.removeprefix("console_"): v for k, v in
                                      set_ports.items() if k.startswith("console_")}).port
            assert ports(container) == {"http": port}, name(workload)
            continue
        settings = Settings(**set_ports)
        http, grpc, metrics = settings.ports(process)
        expected = {"commune-worker": {"http": http},
                    "commune-grpc": {"grpc": grpc, "metrics": metrics},
                    "commune-pipeline": {"metrics": metrics_port(settings, process)}}[launcher]
        assert ports(container) == expected, name(workload)


def test_probes_ask_the_endpoints_the_processes_answer(objects):
    served = {(e.method, e.url) for _, f in inspect.getmembers(HealthEndpoints)
              for e in getattr(f, "nameko_entrypoints", ())}
    for workload, container in long_running(objects):
        launcher, process = process_of(container)
        assert process in LAUNCHERS[launcher]
        liveness, readiness = container["livenessProbe"], container.get("readinessProbe")
        if launcher == "commune-worker":
            assert issubclass(catalog.load(catalog.WORKERS[process]), HealthEndpoints)
            assert ("GET", liveness["httpGet"]["path"]) in served
            assert liveness["httpGet"]["path"] == "/health/live", name(workload)
            assert readiness["httpGet"]["path"] == "/health/ready", name(workload)
            assert probe_port(container, readiness) == ports(container)["http"]
        elif launcher == CONSOLE:
            routes = {getattr(route, "path", "")  # an included router has none of its own
                      for route in create_app(Settings(), ConsoleSettings()).routes}
            assert liveness["httpGet"]["path"] == "/health/live" in routes
            assert readiness["httpGet"]["path"] == "/health/ready" in routes
            assert probe_port(container, readiness) == ports(container)["http"]
        elif launcher == "commune-grpc":
            # grpc.health.v1 on the gRPC port, whose overall status the server sets
            # from its broker and database checks.
            assert readiness["grpc"].get("service", "") == ""
            assert probe_port(container, readiness) == ports(container)["grpc"]
            assert liveness["httpGet"]["path"] == "/metrics"
            assert probe_port(container, liveness) == ports(container)["metrics"]
        else:
            assert readiness is None  # nothing routes to a pipeline
            assert probe_port(container, liveness) == ports(container)["metrics"]


def test_every_variable_set_is_one_the_settings_read(objects):
    known = environment_names()
    for workload, container in platform_containers(objects):
        composed_from = {ref for e in container.get("env", [])
                         for ref in re.findall(r"\$\((\w+)\)", e.get("value", ""))}
        for entry in container.get("env", []):
            assert entry["name"] in known, f"{name(workload)} sets {entry['name']}, which no " \
                                           "settings class reads"
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                unknown = set(config_map(objects, source["configMapRef"]["name"])) - known
                assert not unknown, f"{name(workload)}'s ConfigMap sets {unknown}"
            else:
                # A secret taken whole only to compose another variable ($(NAME)).
                prefix = source["prefix"]
                assert any(ref.startswith(prefix) for ref in composed_from), name(workload)


def test_configuration_values_are_accepted_by_the_settings(objects, monkeypatch):
    for _, container in platform_containers(objects):
        for variable, value in container_env(objects, container).items():
            monkeypatch.setenv(variable, value)
        for cls in settings_classes():
            cls()  # raises a ValidationError naming the variable


def test_jobs_run_commands_of_the_cli(objects):
    commands = typer.main.get_command(app).commands
    for workload, container in platform_containers(objects):
        if workload["kind"] != "Job":
            continue
        program, command = container["command"][:2]
        assert program == "commune", name(workload)
        assert command in commands, f"{name(workload)} runs 'commune {command}', no such command"


def test_services_route_to_named_ports_of_their_pods(objects):
    workloads = of_kind(objects, "Deployment", "StatefulSet")
    for service in of_kind(objects, "Service"):
        selector = service["spec"]["selector"]
        targets = [w for w in workloads
                   if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()]
        assert len(targets) == 1, f"{name(service)} selects {[name(t) for t in targets]}"
        container_ports = {p["name"] for c in pod_spec(targets[0])["containers"]
                           for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in container_ports, f"{name(service)}: {port}"


def test_the_processes_that_seal_trace_chains_get_the_key_from_the_secret(objects):
    """Beyond localhost the development seal key is refused (services/trace/config.py):
    trace's processes and the seed Job need a key of their own, and no other process
    holds it."""
    for workload, container in platform_containers(objects):
        command = container["command"]
        needs = command[-1] == "trace" or command == ["commune", "seed"]
        given = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef")
                 for e in container.get("env", [])}
        assert ("COMMUNE_TRACE_SEAL_KEY" in given) == needs, name(workload)
        if needs:
            assert given["COMMUNE_TRACE_SEAL_KEY"] == {"name": "commune-auth",
                                                       "key": "trace-seal-key"}
