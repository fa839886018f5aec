"""A province client of the KPI service on gRPC, across processes: task events from the
tasks service change the task-derived indicators it reads (each event counted once), a
figure an officer enters is seen only once approved, and approvals reach its stream."""
import queue
import threading

import grpc
import pytest

from commune.v1 import common_pb2, kpi_pb2, kpi_pb2_grpc
from services.common.auth import issue_token
from tests.e2e.conftest import rpc
from tests.helpers import CALL_TIMEOUT_S, start_grpc, wait_for

pytestmark = pytest.mark.e2e

# A quarter no other test gives tasks to, in Lùng Phình (province Lào Cai).
Q2_2027 = common_pb2.Period(kind=common_pb2.PERIOD_KIND_QUARTER, year=2027, number=2)


@pytest.fixture(scope="module")
def kpi_grpc(settings, platform):
    process = start_grpc(settings, "kpi")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def stub(kpi_grpc):
    channel = grpc.insecure_channel(f"127.0.0.1:{kpi_grpc.grpc_port}")
    yield kpi_pb2_grpc.KpiServiceStub(channel)
    channel.close()


@pytest.fixture(scope="module")
def lao_cai(settings):
    token = issue_token(settings, "so-khcn-lao-cai", "province", ["lung-phinh"])
    return [("authorization", f"Bearer {token}")]


@pytest.fixture(scope="module")
def officer(settings):
    return issue_token(settings, "cb-vhxh-01", "officer", ["lung-phinh"])


def rows(stub, metadata, unit="lao-cai", period=Q2_2027, drafts=False):
    reply = stub.GetReport(kpi_pb2.GetReportRequest(unit=unit, period=period,
                                                    include_drafts=drafts,
                                                    include_communes=True),
                           metadata=metadata, timeout=CALL_TIMEOUT_S)
    return {r.indicator: r for r in reply.rows}, reply


def figure_at(figure: dict) -> dict:
    """Which figure a submit or an approval names."""
    return {k: figure[k] for k in ("tenant", "indicator", "unit", "period")}


def counts(row) -> tuple:
    return (row.has_value, row.numerator, row.denominator)


def test_task_events_change_what_the_province_reads(settings, platform, stub, lao_cai,
                                                    officer):
    before, reply = rows(stub, lao_cai)
    assert reply.kind == common_pb2.ORG_UNIT_KIND_PROVINCE
    assert counts(before["task-completion-rate"]) == (False, 0, 0)

    task = {"tenant": "lung-phinh", "code": "KPI-E2E-01", "title": "Số hóa hồ sơ một cửa",
            "lead_unit": "phong-van-hoa-xa-hoi", "owner": "can-bo-vhxh-01",
            "deadline": "2027-05-31"}
    created = rpc(settings, officer, "tasks", "create_task", task)
    rpc(settings, officer, "tasks", "assign_task", {"tenant": "lung-phinh", "id": created["id"]})
    wait_for(lambda: counts(rows(stub, lao_cai)[0]["task-completion-rate"]) == (True, 0, 1),
             what="the assigned task to count as due")

    rpc(settings, officer, "tasks", "change_status",
        {"tenant": "lung-phinh", "id": created["id"], "status": "TASK_STATUS_DONE"})
    wait_for(lambda: counts(rows(stub, lao_cai)[0]["task-completion-rate"]) == (True, 1, 1),
             what="the done task to count as completed")
    after, reply = rows(stub, lao_cai)
    assert after["task-completion-rate"].value == 100.0
    assert counts(after["task-on-time-rate"]) == (True, 1, 1)
    [commune] = reply.communes
    assert commune.commune == "lung-phinh"
    assert {r.indicator: r for r in commune.rows}["task-completion-rate"].denominator == 1


def test_drafts_are_hidden_until_approved_and_approvals_are_streamed(settings, stub, lao_cai,
                                                                      officer):
    chair = issue_token(settings, "chu-tich-lung-phinh", "admin", ["lung-phinh"])
    received: queue.Queue = queue.Queue()
    watch = stub.WatchApprovals(kpi_pb2.WatchApprovalsRequest(unit="lao-cai"),
                                metadata=lao_cai, timeout=60)

    def read():
        try:
            for change in watch:
                received.put(change)
        except grpc.RpcError:
            pass  # cancelled below
    threading.Thread(target=read, daemon=True).start()

    figure = {"tenant": "lung-phinh", "indicator": "party-member-records",
              "unit": "lung-phinh", "period": "2027-Q2", "numerator": 402, "denominator": 718}
    rpc(settings, officer, "kpi", "enter_measurement", figure)
    rpc(settings, officer, "kpi", "submit_measurement", figure_at(figure))
    assert not rows(stub, lao_cai)[0]["party-member-records"].has_value
    assert rows(stub, lao_cai, drafts=True)[0]["party-member-records"].value == 55.99

    rpc(settings, chair, "kpi", "approve_measurement", figure_at(figure))
    assert rows(stub, lao_cai)[0]["party-member-records"].value == 55.99

    # the stream subscribes asynchronously: revise and approve until an approval comes
    def seen():
        revised = {**figure, "numerator": 403 + received.qsize(), "reason": "đối chiếu"}
        rpc(settings, officer, "kpi", "enter_measurement", revised)
        rpc(settings, officer, "kpi", "submit_measurement", figure_at(revised))
        rpc(settings, chair, "kpi", "approve_measurement", figure_at(revised))
        try:
            return received.get(timeout=1)
        except queue.Empty:
            return None
    message = wait_for(seen, what="an approval on the watch stream")
    watch.cancel()
    approval = message.approval
    assert (approval.tenant, approval.indicator, approval.unit) == (
        "lung-phinh", "party-member-records", "lung-phinh")
    assert approval.denominator == 718 and approval.has_counts
    assert (approval.entered_by, approval.approved_by) == ("cb-vhxh-01", "chu-tich-lung-phinh")
    # the first approval, or a revision approved with its reason
    assert (approval.numerator, approval.revision, approval.reason) == (402, 3, "") or (
        approval.numerator >= 403 and approval.revision >= 6 and approval.reason == "đối chiếu")


def test_province_reads_only_its_own_communes(settings, stub, lao_cai):
    with pytest.raises(grpc.RpcError) as refused:
        rows(stub, lao_cai, unit="lai-chau")
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as invalid:
        rows(stub, lao_cai, period=common_pb2.Period())
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as unknown:
        rows(stub, lao_cai, unit="nowhere")
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_rpc_refuses_bad_figures_and_other_communes(settings, platform, officer):
    from nameko.exceptions import RemoteError
    bad = {"tenant": "lung-phinh", "indicator": "e-health-records", "unit": "lung-phinh",
           "period": "2027-Q2", "numerator": 11155, "denominator": 11154}
    with pytest.raises(RemoteError) as invalid:
        rpc(settings, officer, "kpi", "enter_measurement", bad)
    assert invalid.value.exc_type == "InvalidArgument"
    assert "larger than denominator" in invalid.value.value
    with pytest.raises(RemoteError) as foreign:
        rpc(settings, officer, "kpi", "enter_measurement",
            {**bad, "tenant": "binh-lu", "unit": "binh-lu", "numerator": 1})
    assert foreign.value.exc_type == "PermissionDenied"
    with pytest.raises(RemoteError) as approve:
        rpc(settings, officer, "kpi", "approve_measurement", figure_at(bad))
    assert approve.value.exc_type == "PermissionDenied"  # officers do not approve


def test_demo_figures_reach_the_provinces_exactly(settings, stub, lao_cai, officer):
    from services.kpi import demo
    # the kpi line of `commune seed` (the whole seed is test_tasks_seed's to run first)
    output = demo.seed(settings)
    assert "binh-lu Q1/2026 online-dossiers: 99.78% (900/902) met" in output
    assert "lung-phinh Q1/2026 e-health-records: 96.5% (10,766/11,154)" in output
    q1 = common_pb2.Period(kind=common_pb2.PERIOD_KIND_QUARTER, year=2026, number=1)
    lai_chau = [("authorization", "Bearer " + issue_token(settings, "so-khcn-lai-chau",
                                                          "province", ["binh-lu"]))]
    binh_lu, reply = rows(stub, lai_chau, unit="lai-chau", period=q1)
    assert (binh_lu["online-dossiers"].value, binh_lu["online-dossiers"].numerator,
            binh_lu["online-dossiers"].denominator) == (99.78, 900, 902)
    # the 2026 target is the commune's (its plan), not the province's
    assert binh_lu["online-dossiers"].status == kpi_pb2.KPI_STATUS_NO_TARGET
    [commune] = reply.communes
    online = {r.indicator: r for r in commune.rows}["online-dossiers"]
    assert online.status == kpi_pb2.KPI_STATUS_MET
    assert (online.target.comparison, online.target.value) == (kpi_pb2.COMPARISON_GREATER, 90)
    assert (binh_lu["full-online-dossiers"].value,
            binh_lu["full-online-dossiers"].denominator) == (100.0, 136)
    lung_phinh, _ = rows(stub, lao_cai, period=q1)
    assert (lung_phinh["e-health-records"].value, lung_phinh["e-health-records"].numerator,
            lung_phinh["e-health-records"].denominator) == (96.5, 10766, 11154)
    assert (lung_phinh["party-member-records"].value,
            lung_phinh["party-member-records"].numerator) == (55.99, 402)
    table = rpc(settings, officer, "kpi", "dossier_table",
                {"tenant": "lung-phinh", "period": "Quý I/2026"})
    land = next(r for r in table["fields"] if r["field"] == "Đất đai")
    assert (land["received"], land["online"], land["onTime"], land["late"],
            land["inProgress"]) == (26, 21, 14, 1, 11)
