"""A broker or database outage is waited out, not turned into a crash: the camera
simulator, the IOC pipeline, a nameko worker and a gRPC server, reaching RabbitMQ and
FerretDB through proxies that the test cuts and restores (the shared servers are never
stopped), stay up and carry on when the servers are back; started during an outage, they
wait for it to end.
"""
import datetime as dt
import urllib.parse

import grpc
import pymongo
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nameko.standalone.rpc import ClusterRpcProxy

from services.common.auth import issue_token
from services.common.settings import Settings
from services.iocevents import demo
from services.iocevents.store import IocStore, journal_name
from tests.helpers import Process, remove_namespace, wait_for
from tests.proxy import TcpProxy

pytestmark = pytest.mark.integration
# Longer than what the processes used to give an outage: the publisher's retries (about
# 6 s) and the wait at start (10 s).
OUTAGE_S = 15
TENANT = "binh-lu"


def _through(uri: str, port: int) -> str:
    parts = urllib.parse.urlsplit(uri)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def outage(settings):
    """Proxies to the broker and database, and settings of a namespace of its own that
    reach the servers through them; the IOC demo registry loaded."""
    broker = urllib.parse.urlsplit(settings.amqp_uri)
    database = pymongo.uri_parser.parse_uri(settings.mongo_uri)["nodelist"][0]
    proxies = (TcpProxy(broker.hostname, broker.port or 5672).start(),
               TcpProxy(*database).start())
    namespace = f"{settings.namespace}_outage"
    direct = settings.model_copy(update={"namespace": namespace})
    proxied = Settings(amqp_uri=_through(settings.amqp_uri, proxies[0].port),
                       mongo_uri=_through(settings.mongo_uri, proxies[1].port),
                       namespace=namespace)
    demo.seed(direct)
    yield direct, proxied, proxies
    for proxy in proxies:
        proxy.close()
    remove_namespace(direct)


def _journaled_since(settings: Settings, since: dt.datetime) -> int:
    """Detections the IOC pipeline journaled after `since`."""
    client = pymongo.MongoClient(settings.mongo_uri, tz_aware=True)
    try:
        journal = IocStore(client[f"{settings.namespace}_iocevents"]).journal_db
        entries = journal[journal_name(dt.datetime.now(dt.UTC).date())].find(
            {"at": {"$gt": since}}, {"count": 1})
        return sum(entry["count"] for entry in entries)
    finally:
        client.close()


def _task_summary(settings: Settings):
    token = issue_token(settings, "outage-test", "admin", [TENANT])
    with ClusterRpcProxy(settings.nameko_config(), timeout=60,
                         context_data={"authorization": f"Bearer {token}"}) as proxy:
        return proxy.tasks.get_task_summary({"tenant": TENANT})


def _start(proxied: Settings) -> dict[str, Process]:
    return {
        "pipeline": Process(proxied, "commune-pipeline", "iocevents", COMMUNE_IOC_FLUSH_S=0.2),
        "worker": Process(proxied, "commune-worker", "tasks", COMMUNE_OVERDUE_CHECK_S=1,
                          COMMUNE_GAUGES_REFRESH_S=1),
        "grpc": Process(proxied, "commune-grpc", "tasks"),
        "cameras": Process(proxied, "commune", "simulate-cameras", "--rate", "20",
                           "--tenant", TENANT),
    }


def _grpc_serving(process: Process) -> bool:
    """grpc.health.v1 says SERVING (it says NOT_SERVING while the servers are away)."""
    with grpc.insecure_channel(f"127.0.0.1:{process.grpc_port}") as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                               timeout=5)
        except grpc.RpcError:
            return False
    return answer.status == health_pb2.HealthCheckResponse.SERVING


def _all_running(processes: dict[str, Process]) -> None:
    for name, process in processes.items():
        assert process.popen.poll() is None, (
            f"{name} exited with {process.popen.returncode}:\n"
            f"{process.log_path.read_text()[-3000:]}")


def _wait_out(seconds: float, processes: dict[str, Process]) -> None:
    """The outage lasts `seconds`; every process must still be there at its end."""
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    wait_for(lambda: dt.datetime.now(dt.UTC) >= deadline, seconds + 5, 0.5, "the outage")
    _all_running(processes)


def _cut(proxies) -> None:
    for proxy in proxies:
        proxy.cut()


def _restore(proxies) -> None:
    for proxy in proxies:
        proxy.restore()


def test_processes_live_through_an_outage_and_resume(outage):
    direct, proxied, proxies = outage
    processes = _start(proxied)
    try:
        processes["worker"].wait_ready(
            f"http://127.0.0.1:{processes['worker'].http_port}/health/ready", 120)
        started = dt.datetime.now(dt.UTC)
        wait_for(lambda: _journaled_since(direct, started) > 0, 120, 1,
                 "the simulator's detections to be journaled")
        summary = _task_summary(direct)

        _cut(proxies)
        _wait_out(OUTAGE_S, processes)
        _restore(proxies)
        restored = dt.datetime.now(dt.UTC)

        wait_for(lambda: _journaled_since(direct, restored) > 0, 120, 1,
                 "detections to be journaled again after the outage")
        assert _task_summary(direct) == summary  # the worker answers RPC from the database
        wait_for(lambda: _grpc_serving(processes["grpc"]), 120, 1, "gRPC health SERVING")
        _all_running(processes)
    finally:
        for process in processes.values():
            process.stop()


def test_processes_started_during_an_outage_wait_for_its_end(outage):
    direct, proxied, proxies = outage
    _cut(proxies)
    processes = _start(proxied)
    try:
        _wait_out(OUTAGE_S, processes)
        _restore(proxies)
        processes["worker"].wait_ready(
            f"http://127.0.0.1:{processes['worker'].http_port}/health/ready", 120)
        restored = dt.datetime.now(dt.UTC)
        wait_for(lambda: _journaled_since(direct, restored) > 0, 120, 1,
                 "the simulator's detections to be journaled")
        wait_for(lambda: _grpc_serving(processes["grpc"]), 120, 1, "gRPC health SERVING")
        _all_running(processes)
    finally:
        for process in processes.values():
            process.stop()
