"""The kpi worker, a real process on the real broker and database: its HTTP JSON API
(figures through approval, clear errors, nothing stored from bad input), its gauges of
value and target per commune and indicator, the approval event leaving its outbox, and a
changed target announced for the approved line it moves."""

import pytest

from services.common.auth import issue_token
from services.common.envelope import Envelope
from tests.helpers import Broker, http_json, metric_value, start_worker, wait_for

pytestmark = pytest.mark.integration

BASE = "/api/v1/communes/binh-lu/kpi"
FIGURE = {"indicator": "online-dossiers", "unit": "binh-lu", "period": "2026-Q3"}


@pytest.fixture(scope="module")
def kpi(settings):
    process = start_worker(settings, "kpi", COMMUNE_GAUGES_REFRESH_S=1)
    yield process
    process.stop()


def http(kpi, method, path, token=None, body=None):
    return http_json(kpi, method, path, body, token or "")


def test_a_figure_goes_through_approval_over_http(settings, kpi, mongo):
    officer = issue_token(settings, "cb-tthcc-01", "officer", ["binh-lu"])
    chair = issue_token(settings, "chu-tich-binh-lu", "admin", ["binh-lu"])
    broker = Broker(settings)
    approvals = broker.capture("kpi", "kpi.measurement_approved")

    status, error = http(kpi, "POST", f"{BASE}/measurements", officer,
                         {**FIGURE, "numerator": 903, "denominator": 902})
    assert status == 400 and "numerator" in error["fields"]
    assert mongo[f"{settings.namespace}_kpi"].measurements_2026_Q3.find_one(
        {"_id": "binh-lu|online-dossiers|binh-lu|2026-Q3|r0001"}) is None

    status, entered = http(kpi, "POST", f"{BASE}/measurements", officer,
                           {**FIGURE, "numerator": 900, "denominator": 902,
                            "sourceDocument": "BC Quý III/2026"})
    assert status == 201 and entered["current"]["status"] == "entered"
    assert (entered["current"]["numerator"], entered["approved"]) == (900, None)
    assert http(kpi, "POST", f"{BASE}/measurements/approve", officer, FIGURE)[0] == 403
    assert http(kpi, "POST", f"{BASE}/measurements/approve", chair, FIGURE)[0] == 409
    assert http(kpi, "POST", f"{BASE}/measurements/submit", officer, FIGURE)[0] == 200
    status, approved = http(kpi, "POST", f"{BASE}/measurements/approve", chair, FIGURE)
    assert status == 200 and approved["approved"]["revision"] == 3

    event = Envelope.parse(broker.take(approvals).body)
    assert (event.type, event.tenant, event.data["numerator"]) == (
        "kpi.measurement_approved", "binh-lu", 900)
    broker.close()

    status, report = http(kpi, "GET", f"{BASE}/report?period=2026-Q3", officer)
    row = {r["indicator"]: r for r in report["rows"]}["online-dossiers"]
    assert status == 200 and (row["value"], row["numerator"]) == (99.78, 900)
    assert row["hasCounts"] and row["kind"] == "INDICATOR_KIND_RATIO"
    status, history = http(kpi, "GET", f"{BASE}/measurements/history?indicator="
                                       f"online-dossiers&unit=binh-lu&period=2026-Q3", officer)
    revisions = history["revisions"]
    assert [r["status"] for r in revisions] == ["entered", "submitted", "approved"]
    # the history names the counts as the figure was entered: numerator, denominator
    assert [(r["numerator"], r["denominator"]) for r in revisions] == [(900, 902)] * 3
    assert not {"num", "den", "rev", "by", "at"} & set(revisions[0])
    assert (revisions[0]["changedBy"], revisions[0]["sourceDocument"]) == (
        "cb-tthcc-01", "BC Quý III/2026")
    assert http(kpi, "GET", "/api/v1/communes/lung-phinh/kpi/report?period=2026-Q3",
                officer)[0] == 403


def test_report_rows_say_no_target_apart_from_no_data_over_http(settings, kpi):
    chair = issue_token(settings, "chu-tich-binh-lu", "admin", ["binh-lu"])
    status, report = http(kpi, "GET", f"{BASE}/report?period=2031-Q2", chair)
    assert status == 200 and {r["status"] for r in report["rows"]} == {"KPI_STATUS_NO_TARGET"}
    assert http(kpi, "PUT", f"{BASE}/targets", chair,
                {"indicator": "online-dossiers", "period": "2031",
                 "comparison": "COMPARISON_GREATER", "value": 90})[0] == 200
    status, report = http(kpi, "GET", f"{BASE}/report?period=2031-Q2", chair)
    statuses = {r["indicator"]: r["status"] for r in report["rows"]}
    assert statuses.pop("online-dossiers") == "KPI_STATUS_NO_DATA"
    assert set(statuses.values()) == {"KPI_STATUS_NO_TARGET"}


def test_gauges_show_value_and_target_per_commune_and_indicator(settings, kpi):
    chair = issue_token(settings, "chu-tich-binh-lu", "admin", ["binh-lu"])
    status, _ = http(kpi, "PUT", f"{BASE}/targets", chair,
                     {"indicator": "online-dossiers", "period": "2026",
                      "comparison": "COMPARISON_GREATER", "value": 90})
    assert status == 200

    def gauges():
        text = kpi.metrics()
        labels = {"tenant": "binh-lu", "indicator": "online-dossiers"}
        return (metric_value(text, "commune_kpi_indicator_value", **labels),
                metric_value(text, "commune_kpi_indicator_target", **labels))
    wait_for(lambda: gauges() == (99.78, 90.0), what="the gauges of Q3/2026")


def test_a_changed_target_is_announced_for_the_approved_line_it_moves(settings, kpi):
    officer = issue_token(settings, "cb-tthcc-01", "officer", ["binh-lu"])
    chair = issue_token(settings, "chu-tich-binh-lu", "admin", ["binh-lu"])
    where = {"indicator": "e-results", "unit": "binh-lu", "period": "2027-Q2"}
    broker = Broker(settings)
    missed = broker.capture("kpi", "kpi.target_missed")
    recovered = broker.capture("kpi", "kpi.target_recovered")

    def set_year_target(value):
        status, _ = http(kpi, "PUT", f"{BASE}/targets", chair,
                         {"indicator": "e-results", "period": "2027",
                          "comparison": "COMPARISON_GREATER_OR_EQUAL", "value": value})
        assert status == 200
    set_year_target(80)
    assert http(kpi, "POST", f"{BASE}/measurements", officer,
                {**where, "numerator": 90, "denominator": 100})[0] == 201
    assert http(kpi, "POST", f"{BASE}/measurements/submit", officer, where)[0] == 200
    assert http(kpi, "POST", f"{BASE}/measurements/approve", chair, where)[0] == 200

    set_year_target(100)  # 90% misses it by more than the 5 points at risk
    # published before the answer (not left to the relay, which runs every 10 s)
    event = Envelope.parse(broker.take(missed).body)
    assert (event.type, event.tenant, event.subject) == ("kpi.target_missed", "binh-lu",
                                                         "e-results|binh-lu")
    assert event.data["period"] == {"kind": "PERIOD_KIND_QUARTER", "year": 2027,
                                    "number": 2}
    assert (event.data["row"]["value"], event.data["row"]["status"],
            event.data["row"]["target"]["value"]) == (90.0, "KPI_STATUS_MISSED", 100.0)
    assert event.data["targetSetBy"] == "chu-tich-binh-lu"
    assert "approvedUnit" not in event.data  # no approval caused it

    set_year_target(85)  # met again
    event = Envelope.parse(broker.take(recovered).body)
    assert (event.data["row"]["status"], event.data["row"]["target"]["value"]) == (
        "KPI_STATUS_MET", 85.0)
    set_year_target(85)  # the same target again: nothing moves
    assert missed.get() is None and recovered.get() is None
    broker.close()


def test_dossier_events_over_http(settings, kpi):
    officer = issue_token(settings, "cb-tthcc-01", "officer", ["binh-lu"])
    received = {"code": "BL-1", "kind": "received", "date": "2026-07-02", "field": "Hộ tịch",
                "online": True, "due": "2026-07-10"}
    def record(*events):
        return http(kpi, "POST", f"{BASE}/dossier-events", officer, {"events": list(events)})
    assert record(received) == (200, {"recorded": 1})
    assert record(received) == (200, {"recorded": 0})
    resolved = {"code": "BL-1", "kind": "resolved", "date": "2026-07-12"}
    status, error = record(resolved, {"code": "BL-2", "kind": "resolved",
                                      "date": "2026-07-03"})
    assert status == 409 and "never received" in error["detail"]
    assert record(resolved) == (200, {"recorded": 1})  # nothing of the refused batch stayed
    status, table = http(kpi, "GET", f"{BASE}/dossier-table?period=2026-Q3", officer)
    assert status == 200
    assert {k: table["total"][k] for k in ("received", "online", "resolved", "late")} == {
        "received": 1, "online": 1, "resolved": 1, "late": 1}


def test_a_province_sets_its_own_targets_and_reads_its_roll_up_over_rpc(settings, kpi):
    from nameko.exceptions import RemoteError

    from tests.e2e.conftest import rpc
    lao_cai = issue_token(settings, "so-khcn-lao-cai", "province", ["lung-phinh"])
    lai_chau = issue_token(settings, "so-khcn-lai-chau", "province", ["binh-lu"])
    target = {"tenant": "lao-cai", "indicator": "e-health-records", "period": "2026",
              "comparison": "COMPARISON_EQUAL", "value": 100}
    set_ = rpc(settings, lao_cai, "kpi", "set_province_target", target)
    assert (set_["unit"], set_["comparison"], set_["setBy"]) == (
        "lao-cai", "COMPARISON_EQUAL", "so-khcn-lao-cai")
    with pytest.raises(RemoteError) as refused:  # Lào Cai's communes are not in its token
        rpc(settings, lai_chau, "kpi", "set_province_target", target)
    assert refused.value.exc_type == "PermissionDenied"
    with pytest.raises(RemoteError) as invalid:
        rpc(settings, lao_cai, "kpi", "set_province_target", {**target, "value": 120})
    assert invalid.value.exc_type == "InvalidArgument"
    with pytest.raises(RemoteError) as commune:  # a commune's targets are its leadership's
        rpc(settings, lao_cai, "kpi", "set_target", {**target, "tenant": "lung-phinh"})
    assert commune.value.exc_type == "PermissionDenied"
    report = rpc(settings, lao_cai, "kpi", "get_report",
                 {"tenant": "lao-cai", "period": "Quý II/2026"})
    row = {r["indicator"]: r for r in report["rows"]}["e-health-records"]
    assert row["target"]["value"] == 100 and row["status"] == "KPI_STATUS_NO_DATA"
    assert report["kind"] == "ORG_UNIT_KIND_PROVINCE"


def test_a_province_sets_its_targets_over_http(settings, kpi):
    lao_cai = issue_token(settings, "so-khcn-lao-cai", "province", ["lung-phinh"])
    target = {"indicator": "e-health-records", "period": "2027",
              "comparison": "COMPARISON_GREATER_OR_EQUAL", "value": 95}
    status, set_ = http(kpi, "PUT", "/api/v1/provinces/lao-cai/kpi/targets", lao_cai, target)
    assert status == 200 and (set_["unit"], set_["value"]) == ("lao-cai", 95)
    status, error = http(kpi, "PUT", "/api/v1/provinces/lung-phinh/kpi/targets", lao_cai,
                         target)
    assert status == 400 and error["field"] == "tenant"  # a commune is no province
