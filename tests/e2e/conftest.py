"""The platform's processes for the end-to-end tests, started once for tests/e2e (and
stopped before other tests start workers on the same queues), and the
ways a user reaches them."""
import datetime as dt

import grpc
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from commune.v1 import tasks_pb2_grpc
from services.asyncapi import document
from services.directory import tree
from services.directory.store import DirectoryStore
from services.iocevents import demo as ioc_demo
from services.iocevents.store import IocStore
from services.tasks.store import TaskStore
from tests.asyncapi_validation import WireTap
from tests.helpers import CALL_TIMEOUT_S, Process, start_grpc, start_worker

UNITS = [{"code": "phong-van-hoa-xa-hoi", "name": "Phòng Văn hóa - Xã hội"},
         {"code": "trung-tam-phuc-vu-hanh-chinh-cong",
          "name": "Trung tâm Phục vụ hành chính công"},
         {"code": "van-phong", "name": "Văn phòng HĐND - UBND"}]
OFFICERS = [{"code": "can-bo-vhxh-01", "name": "Cán bộ Phòng Văn hóa - Xã hội",
             "unit": "phong-van-hoa-xa-hoi"},
            {"code": "can-bo-vp-01", "name": "Cán bộ Văn phòng", "unit": "van-phong"}]
# Communes only the tests use and their provinces, loaded into the directory beside the
# real tree before the workers start (kpi checks units against it). Each is alone in its
# province but the pair's: a token can then name part of a province (each real province
# holds one commune), and a province's token meet a commune outside it.
TEST_PROVINCES = {"access-own": "access-own-province",
                  "access-foreign": "access-foreign-province",
                  "openapi-examples": "openapi-examples-province",
                  # the fuzzers' writes stay away from the communes other tests read
                  "fuzz-commune": "fuzz-province",
                  "pair-east": "pair-province", "pair-west": "pair-province"}


def directory_units() -> list[dict]:
    units = list(tree.units())
    units += [{"code": province, "name": province, "kind": "province", "parent_code": ""}
              for province in sorted(set(TEST_PROVINCES.values()))]
    units += [{"code": commune, "name": commune, "kind": "commune", "parent_code": province}
              for commune, province in TEST_PROVINCES.items()]
    return units


@pytest.fixture(scope="package", autouse=True)
def published_as_documented(settings):
    """Everything the platform publishes during the end-to-end tests is what the
    AsyncAPI document says (routing keys, properties, headers, bodies): checked at the end."""
    tap = WireTap(settings, document(settings.namespace, settings.max_delivery_attempts))
    yield
    try:
        _, problems = tap.check()
    finally:
        tap.close()
    assert problems == []


@pytest.fixture(scope="package")
def platform(settings, mongo):
    store = TaskStore(mongo[f"{settings.namespace}_tasks"])
    for commune in ("binh-lu", "lung-phinh"):
        store.load_directory(commune, UNITS, OFFICERS)
    DirectoryStore(mongo[f"{settings.namespace}_directory"]).load(directory_units())
    processes = {"tasks": start_worker(settings, "tasks", COMMUNE_OVERDUE_CHECK_S=1,
                                       COMMUNE_GAUGES_REFRESH_S=1),
                 "kpi": start_worker(settings, "kpi"),
                 "tasks-grpc": start_grpc(settings, "tasks"),
                 "kpi-grpc": start_grpc(settings, "kpi"),
                 "trace": start_worker(settings, "trace"),
                 "trace-grpc": start_grpc(settings, "trace"),
                 # every caller of the table-driven tests comes from one address
                 "assistant": start_worker(settings, "assistant",
                                           COMMUNE_ASSISTANT_RATE_LIMIT="10000/minute"),
                 "assistant-grpc": start_grpc(settings, "assistant"),
                 "iocevents": start_worker(settings, "iocevents"),
                 "iocevents-grpc": start_grpc(settings, "iocevents")}
    yield processes
    for process in processes.values():
        process.stop()


def rpc(settings, token, service, method, *args, correlation_id=""):
    context = {"authorization": f"Bearer {token}", "correlation_id": correlation_id}
    with ClusterRpcProxy(settings.nameko_config(), timeout=CALL_TIMEOUT_S,
                         context_data=context) as proxy:
        return getattr(getattr(proxy, service), method)(*args)


def tasks_stub(platform, channel_holder: list):
    """A TasksService stub on the platform's tasks-grpc; the channel goes in the list so
    the caller can close it."""
    channel = grpc.insecure_channel(f"127.0.0.1:{platform['tasks-grpc'].grpc_port}")
    channel_holder.append(channel)
    return tasks_pb2_grpc.TasksServiceStub(channel)


@pytest.fixture(scope="module")
def ioc(settings, mongo, platform):
    """The platform's iocevents worker and gRPC process, the demo communes' IOC set-up,
    and a pipeline of the module's (the session's clean-up drops their queues); for the
    modules whose events end as operator alerts."""
    store = IocStore(mongo[f"{settings.namespace}_iocevents"])
    store.ensure_indexes()
    ioc_demo.load(store, dt.date.today())
    pipeline = Process(settings, "commune-pipeline", "iocevents", COMMUNE_IOC_FLUSH_S=0.2,
                       COMMUNE_IOC_SWEEP_S=1)
    try:
        pipeline.wait_ready(f"http://127.0.0.1:{pipeline.metrics_port}/metrics")
        yield {"pipeline": pipeline, "worker": platform["iocevents"],
               "grpc": platform["iocevents-grpc"]}, store
    finally:
        pipeline.stop()
