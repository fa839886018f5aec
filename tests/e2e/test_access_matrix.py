"""Every operation of each migrated service's table × every role (and no token) × its
own and a foreign commune, through every door that exposes it: allowed or refused
exactly as the table says. The calls come from the table, so nothing here can drift
from the code: a new operation is checked the day it is added."""
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from commune.v1 import assistant_pb2, ioc_pb2, kpi_pb2, tasks_pb2, trace_pb2
from services.assistant.app import OPERATIONS as ASSISTANT
from services.common.api.operations import Operation, Operations
from services.common.auth import ROLES, issue_token
from services.iocevents.app import OPERATIONS as IOC
from services.kpi.app import OPERATIONS as KPI
from services.tasks.app import OPERATIONS as TASKS
from services.tasks.store import TaskStore
from services.trace.app import OPERATIONS as TRACE
from tests.api_doors import REFUSED, for_tenant, over_grpc, over_http, over_rpc
from tests.e2e.conftest import OFFICERS, TEST_PROVINCES, UNITS

pytestmark = pytest.mark.e2e

OWN, FOREIGN = "access-own", "access-foreign"
# service name, its table, its worker and gRPC process in the platform, its gRPC service
SERVICES = [("tasks", TASKS, "tasks", "tasks-grpc",
             tasks_pb2.DESCRIPTOR.services_by_name["TasksService"]),
            ("trace", TRACE, "trace", "trace-grpc",
             trace_pb2.DESCRIPTOR.services_by_name["TraceService"]),
            ("assistant", ASSISTANT, "assistant", "assistant-grpc",
             assistant_pb2.DESCRIPTOR.services_by_name["AssistantService"]),
            ("kpi", KPI, "kpi", "kpi-grpc", kpi_pb2.DESCRIPTOR.services_by_name["KpiService"]),
            ("iocevents", IOC, "iocevents", "iocevents-grpc",
             ioc_pb2.DESCRIPTOR.services_by_name["IocService"])]
# The own and foreign commune of a service that answers only communes the directory knows
# (others: OWN and FOREIGN).
COMMUNES = {"assistant": ("binh-lu", "lung-phinh")}
CALLERS = (*ROLES, "")  # "" calls without a token


def tenants(service: str, operation: Operation) -> tuple[str, str]:
    """The own and the foreign tenant: the communes, or for an operation of province scope
    their provinces (each holds only its commune: the token's one commune covers it)."""
    if operation.scope == "province":
        return TEST_PROVINCES[OWN], TEST_PROVINCES[FOREIGN]
    return COMMUNES.get(service, (OWN, FOREIGN))


def expected(operations: Operations, name: str, role: str, own: bool) -> str:
    operation = operations[name]
    if operation.public:
        return "allowed"
    if not role:
        return "UNAUTHENTICATED"
    if operation.scope == "item":  # the call names no commune: its items do, one by one
        return "allowed" if role in operation.roles else "PERMISSION_DENIED"
    return "allowed" if role in operation.roles and own else "PERMISSION_DENIED"


def outcome(code: str) -> str:
    """What a door's answer says of the table: refused, or let through to the use case
    (which may still find no such task, the task created by an earlier call, or a figure
    an earlier call moved on: the examples are valid requests, so a let-through call
    answers nothing else)."""
    if code in REFUSED:
        return code
    return "allowed" if code in ("OK", "NOT_FOUND", "ALREADY_EXISTS",
                                 "FAILED_PRECONDITION") else f"failed: {code}"


@pytest.fixture(scope="module", autouse=True)
def directory(settings, mongo):
    """The commune's units and officers, so that the examples that name them are valid."""
    store = TaskStore(mongo[f"{settings.namespace}_tasks"])
    for tenant in (OWN, FOREIGN):
        store.load_directory(tenant, [*UNITS, {"code": "tram-y-te", "name": "Trạm y tế xã"}],
                             OFFICERS)


@pytest.fixture(scope="module")
def tokens(settings):
    """Each caller's token for each own commune."""
    owns = {OWN, *(own for own, _ in COMMUNES.values())}
    return {(role, own): issue_token(settings, f"{role}-access", role, [own]) if role else ""
            for role in CALLERS for own in owns}


def cases():
    for service, operations, worker, grpc_process, descriptor in SERVICES:
        for op in operations:
            if op.rpc:
                yield pytest.param(service, operations, op.name, "rpc", worker, None,
                                   id=f"{service}.{op.name}-rpc")
            if op.http:
                yield pytest.param(service, operations, op.name, "http", worker, None,
                                   id=f"{service}.{op.name}-http")
            if op.grpc:
                yield pytest.param(service, operations, op.name, "grpc", grpc_process,
                                   descriptor, id=f"{service}.{op.name}-grpc")


@pytest.mark.parametrize("service, operations, name, door, process, descriptor",
                         list(cases()))
def test_the_table_decides_who_may_call(settings, platform, tokens, service, operations,
                                        name, door, process, descriptor):
    operation = operations[name]
    own, foreign = tenants(service, operation)

    def call(role: str, tenant: str) -> tuple[str, object]:
        request = for_tenant(operation.example, tenant)
        token = tokens[role, COMMUNES.get(service, (OWN,))[0]]
        if door == "http":
            return over_http(platform[process], operation, request, token)
        if door == "grpc":
            with grpc.insecure_channel(f"127.0.0.1:{platform[process].grpc_port}") as channel:
                return over_grpc(channel, descriptor, operation, request, token)
        context = {"authorization": f"Bearer {token}"} if role else {}
        with ClusterRpcProxy(settings.nameko_config(), timeout=30,
                             context_data=context) as proxy:
            return over_rpc(proxy, service, operation, request)

    callers = [(role, tenant) for role in CALLERS for tenant in (own, foreign)]
    # streams at once (one let through takes its whole deadline to tell), the rest one
    # by one (two writers let through would race each other, not the table)
    streams = door == "grpc" and descriptor.methods_by_name[operation.grpc].server_streaming
    with ThreadPoolExecutor(len(callers) if streams else 1) as pool:
        answers = list(pool.map(lambda caller: call(*caller), callers))
    wrong = [f"{role or 'no token'} on {tenant}: {code} ({answer}), table says {want}"
             for (role, tenant), (code, answer) in zip(callers, answers, strict=True)
             if outcome(code) != (want := expected(operations, name, role, tenant == own))]
    assert not wrong, "\n".join(wrong)
