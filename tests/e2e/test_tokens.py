"""Token attacks on every operation of every service's table, through every door that
exposes it (nameko RPC, HTTP, gRPC): no token where one is needed, an expired one, one
signed with another key, `alg: none`, another issuer, claims edited after signing (the
tenant list, the role), garbage. Each is refused as UNAUTHENTICATED, public operations
included (a caller that sends a token is held to it), and no answer repeats what the
token library said. Then a commune's token against another commune's objects by their
direct ids, and a province's token against another province and its communes."""
import base64
import datetime as dt
import itertools
import json
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

import grpc
import jwt
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from pydantic import SecretStr

from commune.v1 import tasks_pb2, tasks_pb2_grpc
from services.common.auth import issue_token
from services.directory.tree import communes_of
from services.iocevents.app import OPERATIONS as IOC
from services.tasks.app import OPERATIONS as TASKS
from services.tasks.store import TaskStore
from services.trace import gs1
from services.trace.app import OPERATIONS as TRACE
from tests.api_doors import for_tenant, over_grpc, over_http, over_rpc
from tests.e2e.conftest import OFFICERS, TEST_PROVINCES, UNITS
from tests.e2e.test_access_matrix import (
    COMMUNES,
    FOREIGN,
    OWN,
    SERVICES,
    outcome,
    tenants,
)
from tests.helpers import wait_for

pytestmark = pytest.mark.e2e


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _edited(token: str, **changes) -> str:
    """The token with its claims changed and its signature kept."""
    header, _, signature = token.split(".")
    claims = {**_claims(token), **changes}
    return f"{header}.{_b64(claims)}.{signature}"


def attacks(settings, own: str) -> dict[str, str]:
    """Authorization values, each of which must be refused; an admin of `own` otherwise."""
    good = issue_token(settings, "attacker", "admin", [own])
    claims = _claims(good)
    other_key = settings.model_copy(update={"auth_secret": SecretStr("not-the-platforms-key" * 2)})
    other_issuer = settings.model_copy(update={"token_issuer": "someone-else"})
    foreign = issue_token(settings, "attacker", "citizen", [FOREIGN])
    return {
        "expired": issue_token(settings, "attacker", "admin", [own], dt.timedelta(seconds=-5)),
        "wrong signature": issue_token(other_key, "attacker", "admin", [own]),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "alg none, signature kept": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
                                    f"{good.split('.')[2]}",
        "wrong issuer": issue_token(other_issuer, "attacker", "admin", [own]),
        "tenants edited": _edited(foreign, tenants=[own]),
        "role edited": _edited(issue_token(settings, "attacker", "citizen", [own]),
                               role="admin"),
        "no expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"},
                                settings.auth_secret.get_secret_value(), algorithm="HS256"),
        "unknown role": jwt.encode({**claims, "role": "root"},
                                   settings.auth_secret.get_secret_value(), algorithm="HS256"),
        "garbage": "not.a.token",
    }


# What the token library's exceptions say; an answer must not carry it.
LIBRARY_WORDS = ("Signature has expired", "Signature verification failed", "Invalid issuer",
                 "alg value is not allowed", "Not enough segments", "Invalid header",
                 "Invalid payload", "Token is missing")


def cases():
    for service, operations, worker, grpc_process, descriptor in SERVICES:
        for door in ("rpc", "http", "grpc"):
            yield pytest.param(service, operations, door,
                               grpc_process if door == "grpc" else worker, descriptor,
                               id=f"{service}-{door}")


@pytest.mark.parametrize("service, operations, door, process, descriptor", list(cases()))
def test_every_token_attack_is_refused_on_every_operation(settings, platform, service,
                                                          operations, door, process,
                                                          descriptor):
    own = COMMUNES.get(service, (OWN,))[0]
    forged = attacks(settings, own)
    ops = [op for op in operations if {"rpc": op.rpc, "http": op.http, "grpc": op.grpc}[door]]
    calls = [(op, name) for op in ops for name in forged]

    def call(op, attack: str) -> tuple[str, object]:
        request = for_tenant(op.example, tenants(service, op)[0])
        token = forged[attack]
        if door == "http":
            return over_http(platform[process], op, request, token)
        if door == "grpc":
            with grpc.insecure_channel(f"127.0.0.1:{platform[process].grpc_port}") as channel:
                return over_grpc(channel, descriptor, op, request, token)
        with ClusterRpcProxy(settings.nameko_config(), timeout=30,
                             context_data={"authorization": f"Bearer {token}"}) as proxy:
            return over_rpc(proxy, service, op, request)

    # refusals come at once, so the calls may run side by side (nothing is written)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda case: call(*case), calls))
    wrong = [f"{op.name} with {attack}: {code} ({answer})"
             for (op, attack), (code, answer) in zip(calls, answers, strict=True)
             if code != "UNAUTHENTICATED"
             or any(word.lower() in str(answer).lower() for word in LIBRARY_WORDS)]
    assert calls and not wrong, "\n".join(wrong)


# --- another commune's objects by their direct ids ---------------------------------------------

GTIN = gs1.with_check_digit("893999900077")  # made in FOREIGN only, never in OWN
LOT = "FUZZ-ONLY-FOREIGN"


def _example(operations, name: str, tenant: str, **changes) -> tuple:
    op = operations[name]
    return op, {**for_tenant(op.example, tenant), **changes}


def _call(platform, service: str, op, request: dict, token: str) -> tuple[str, object]:
    return over_http(platform[service], op, request, token)


def test_a_commune_token_reaches_no_object_of_another_commune_by_its_id(settings, platform,
                                                                         mongo):
    store = TaskStore(mongo[f"{settings.namespace}_tasks"])
    for tenant in (OWN, FOREIGN):
        store.load_directory(tenant, UNITS, OFFICERS)
    theirs = issue_token(settings, "their-admin", "admin", [FOREIGN])
    ours = issue_token(settings, "our-admin", "admin", [OWN])
    made = {}
    # FOREIGN's objects, made by FOREIGN's admin
    setup = [("tasks", TASKS, "create_task", {"code": "FUZZ-FOREIGN-1"}),
             ("trace", TRACE, "save_producer", {}), ("trace", TRACE, "save_area", {}),
             ("trace", TRACE, "save_product", {"gtin": GTIN}),
             ("trace", TRACE, "create_batch", {"gtin": GTIN, "lot": LOT}),
             ("iocevents", IOC, "save_registry", {}),
             ("iocevents", IOC, "save_rule", {"rule": {**IOC["save_rule"].example["rule"],
                                                       "id": "fuzz-only-foreign"}}),
             ("iocevents", IOC, "save_silence", {"id": "fuzz-only-foreign", "ruleIds": []})]
    for service, operations, name, changes in setup:
        op, request = _example(operations, name, FOREIGN, **changes)
        code, answer = _call(platform, service, op, request, theirs)
        assert code in ("OK", "ALREADY_EXISTS"), (name, code, answer)
        made[name] = answer
    task = made["create_task"]["id"]
    get_theirs = {"tenant": FOREIGN, "id": task}
    before = _call(platform, "tasks", TASKS["get_task"], get_theirs, theirs)
    # OWN's admin names each of them under its own commune: nothing is found, nothing moves
    probes = [("tasks", TASKS, name, {"id": task}) for name in
              ("get_task", "assign_task", "report_progress", "decide_review", "change_status")]
    probes += [("trace", TRACE, "get_product", {"gtin": GTIN})]
    probes += [("trace", TRACE, name, {"gtin": GTIN, "lot": LOT}) for name in
               ("get_batch_provenance", "export_epcis", "verify_batch", "get_scan_report")]
    probes += [("iocevents", IOC, "delete_rule", {"id": "fuzz-only-foreign"}),
               ("iocevents", IOC, "end_silence", {"id": "fuzz-only-foreign"})]
    leaks = []
    for service, operations, name, ids in probes:
        op, request = _example(operations, name, OWN, **ids)
        code, answer = _call(platform, service, op, request, ours)
        if code not in ("NOT_FOUND", "INVALID_ARGUMENT"):
            leaks.append(f"{name}: {code} {answer}")
        # the same call for the right commune with the right token finds it (the probe is real)
        if op.http.method == "GET":
            code, answer = _call(platform, service, op, {**request, "tenant": FOREIGN}, theirs)
            assert code == "OK", (name, code, answer)
    assert not leaks, "\n".join(leaks)
    after = _call(platform, "tasks", TASKS["get_task"], get_theirs, theirs)
    assert before == after, "OWN's calls changed FOREIGN's task"
    code, answer = _call(platform, "iocevents", IOC["list_rules"], {"tenant": FOREIGN}, theirs)
    assert "fuzz-only-foreign" in [rule["id"] for rule in answer["rules"]]


def test_a_province_token_reaches_no_commune_outside_its_province(settings, platform):
    """lai-chau's token (all of its communes) against lao-cai and its commune, on every
    operation of province scope, over each door."""
    token = issue_token(settings, "lai-chau-officer", "province", communes_of(["lai-chau"]))
    cases = []
    for _, operations, worker, grpc_process, descriptor in SERVICES:
        for op in (op for op in operations if op.scope == "province"):
            for tenant in ("lao-cai", *communes_of(["lao-cai"])):
                request = {**op.example, "tenant": tenant}
                if op.http:
                    cases.append((op.name, "http", tenant,
                                  over_http(platform[worker], op, request, token)))
                if op.grpc:
                    with grpc.insecure_channel(
                            f"127.0.0.1:{platform[grpc_process].grpc_port}") as channel:
                        cases.append((op.name, "grpc", tenant,
                                      over_grpc(channel, descriptor, op, request, token)))
    wrong = [f"{name} over {door} for {tenant}: {code} {answer}"
             for name, door, tenant, (code, answer) in cases if code != "PERMISSION_DENIED"]
    assert cases and not wrong, "\n".join(wrong)


# --- part of a province, and a province's token outside it -----------------------------------

PAIR, PAIR_EAST, PAIR_WEST = "pair-province", "pair-east", "pair-west"  # e2e conftest


def _every_door(settings, platform, service: str, op, request: dict, token: str):
    """(door, code, answer) of the call over each door that exposes the operation."""
    _, _, worker, grpc_process, descriptor = next(s for s in SERVICES if s[0] == service)
    answers = []
    if op.rpc:
        with ClusterRpcProxy(settings.nameko_config(), timeout=30,
                             context_data={"authorization": f"Bearer {token}"}) as proxy:
            answers.append(("rpc", *over_rpc(proxy, service, op, request)))
    if op.http:
        answers.append(("http", *over_http(platform[worker], op, request, token)))
    if op.grpc:
        with grpc.insecure_channel(f"127.0.0.1:{platform[grpc_process].grpc_port}") as channel:
            answers.append(("grpc", *over_grpc(channel, descriptor, op, request, token)))
    return answers


def pair_cells(settings) -> list[tuple]:
    """(service, operation, tenant, which token, its token, the table's word) for every
    operation a province's staff may call: a token naming one of the pair's communes
    against the province and the other commune (refused), the token naming both against
    the same (let through: the probe is real), and against another province and a commune
    outside its own (refused)."""
    part = issue_token(settings, "pair-east-staff", "province", [PAIR_EAST])
    whole = issue_token(settings, "pair-staff", "province", [PAIR_EAST, PAIR_WEST])
    cells = []
    for service, operations, *_ in SERVICES:
        for op in operations:
            if op.public or op.scope == "item" or "province" not in op.roles:
                continue
            if op.scope == "province":
                targets = [(PAIR, "part", "PERMISSION_DENIED"), (PAIR, "whole", "allowed"),
                           (TEST_PROVINCES[FOREIGN], "whole", "PERMISSION_DENIED")]
            elif service in COMMUNES:  # it answers only the real communes
                continue
            else:
                targets = [(PAIR_WEST, "part", "PERMISSION_DENIED"),
                           (PAIR_WEST, "whole", "allowed"),
                           (FOREIGN, "whole", "PERMISSION_DENIED")]
            cells += [(service, op, tenant, which, {"part": part, "whole": whole}[which], want)
                      for tenant, which, want in targets]
    return cells


def test_a_province_token_is_held_to_the_communes_it_names(settings, platform, mongo):
    """Each real province holds one commune, so "part of a province" and "a province's
    token against a commune outside it" were cells no test could make; the test
    directory's pair-province holds two."""
    store = TaskStore(mongo[f"{settings.namespace}_tasks"])
    for tenant in (PAIR_EAST, PAIR_WEST):
        store.load_directory(tenant, UNITS, OFFICERS)
    cells = pair_cells(settings)

    def run(cell):
        service, op, tenant, _, token, _ = cell
        return _every_door(settings, platform, service, op, for_tenant(op.example, tenant),
                           token)
    # streams let through take their whole deadline to tell: side by side (the few
    # writes a province's staff may make name different operations)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(run, cells))
    wrong = [f"{op.name} over {door} on {tenant} with the {which} token: {code} ({answer}), "
             f"expected {want}"
             for (_, op, tenant, which, _, want), doors in zip(cells, answers, strict=True)
             for door, code, answer in doors if outcome(code) != want]
    refused = sum(want != "allowed" for *_, want in cells)
    assert refused >= 6 and not wrong, "\n".join(wrong)


def test_a_commune_watching_its_tasks_sees_no_other_communes_changes(settings, platform,
                                                                      mongo):
    """WatchTasks for OWN while FOREIGN and OWN each create tasks, FOREIGN's first: OWN's
    arrive, FOREIGN's never."""
    store = TaskStore(mongo[f"{settings.namespace}_tasks"])
    for tenant in (OWN, FOREIGN):
        store.load_directory(tenant, UNITS, OFFICERS)
    tokens = {tenant: issue_token(settings, f"{tenant}-admin", "admin", [tenant])
              for tenant in (OWN, FOREIGN)}
    channel = grpc.insecure_channel(f"127.0.0.1:{platform['tasks-grpc'].grpc_port}")
    stream = tasks_pb2_grpc.TasksServiceStub(channel).WatchTasks(
        tasks_pb2.WatchTasksRequest(tenant=OWN),
        metadata=[("authorization", f"Bearer {tokens[OWN]}")])
    received: queue.Queue = queue.Queue()

    def read():
        try:
            for change in stream:
                received.put(change.task.tenant)
        except grpc.RpcError:
            pass  # cancelled below
    threading.Thread(target=read, daemon=True).start()
    rounds = itertools.count()
    seen: list[str] = []

    def own_arrived():  # the stream subscribes asynchronously: create until one arrives
        n = next(rounds)
        for tenant in (FOREIGN, OWN):
            op, request = _example(TASKS, "create_task", tenant, code=f"WATCH-{tenant}-{n}")
            assert _call(platform, "tasks", op, request, tokens[tenant])[0] == "OK"
        while True:
            try:
                seen.append(received.get(timeout=2))
            except queue.Empty:
                return OWN in seen
    try:
        wait_for(own_arrived, what="OWN's own change on its stream")
    finally:
        stream.cancel()
        channel.close()
    assert set(seen) == {OWN}, seen
