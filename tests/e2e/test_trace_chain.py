"""The vermicelli chain end to end: an officer records it over the HTTP JSON API, a phone
opens the QR's URL and finds the timeline, the batch exports as EPCIS 2.0 JSON-LD that
parses back to the same events, scans are counted and announced, the province reads the
provenance and verifies it over gRPC, and the public pages are rate-limited."""
import datetime as dt
import json
import re

import grpc
import pytest
from nameko.exceptions import RemoteError
from pydantic.alias_generators import to_camel

from commune.v1 import trace_pb2, trace_pb2_grpc
from services.common.auth import issue_token
from services.common.envelope import Envelope
from services.common.mongo import database_name
from services.trace import demo, epcis
from services.trace.store import link_id
from tests.e2e.conftest import rpc
from tests.helpers import CALL_TIMEOUT_S, Broker, http_call, start_grpc, start_worker, wait_for

pytestmark = pytest.mark.e2e

PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 8.1; Redmi 5A) Mobile Safari/537.36",
         "Accept": "text/html"}
# Lots of their own: `commune seed` (test_tasks_seed) may have loaded the demo lots.
SUFFIX = "-E"
NOODLE = ("8939999000031", "MD-2026-01" + SUFFIX)
BURST = 40


@pytest.fixture(scope="module")
def trace(settings):
    worker = start_worker(settings, "trace", COMMUNE_TRACE_SCAN_FLUSH_S=1,
                          COMMUNE_TRACE_RATE_LIMIT=f"{BURST}/minute",
                          COMMUNE_TRACE_REVERIFY_S=2)
    grpc_process = start_grpc(settings, "trace")
    yield {"worker": worker, "grpc": grpc_process}
    worker.stop()
    grpc_process.stop()


@pytest.fixture(scope="module")
def events(settings, trace):
    broker = Broker(settings)
    return broker.capture("trace", "trace.#")


def call(trace, method, path, body=None, token=None, headers=None):
    return http_call(trace["worker"], method, path, body, token or "", headers)


def api(trace, method, path, body=None, token=None):
    status, _, content = call(trace, method, f"/api/v1/communes/binh-lu/trace{path}", body,
                              token)
    return status, json.loads(content)


@pytest.fixture(scope="module")
def officer(settings):
    return issue_token(settings, "htx-mien-dong", "officer", ["binh-lu"])


def wire(value):
    """The demo file's snake_case fields as the API names them (lowerCamelCase)."""
    if isinstance(value, dict):
        return {to_camel(k): wire(v) for k, v in value.items()}
    return [wire(v) for v in value] if isinstance(value, list) else value


@pytest.fixture(scope="module")
def recorded(trace, events, officer):
    """The demo chain typed in over HTTP, one call per registry entry, batch and event."""
    data = json.loads(re.sub(r'"lot": "([^"]+)"', rf'"lot": "\1{SUFFIX}"',
                             json.dumps(demo.read(), ensure_ascii=False)))
    for kind in ("producers", "areas", "products"):
        for row in data[kind]:
            status, body = api(trace, "PUT", f"/{kind}", wire(row), officer)
            assert status == 200, body
    for row in data["batches"]:
        status, body = api(trace, "POST", "/batches", wire(row), officer)
        assert status == 201, body
    ids = {}
    for row in data["events"]:
        if row["key"] == "md-pack":
            # A shipment typed before the packing is refused, and nothing is stored.
            early = {"step": "shipping", "where": row["where"], "batch": row["batch"],
                     "when": "2026-01-24T08:00:00+07:00"}
            status, body = api(trace, "POST", "/events", early, officer)
            assert status == 409 and "no shipping before packing" in body["detail"]
        fields = {k: v for k, v in row.items() if k != "key"}
        status, body = api(trace, "POST", "/events", wire(fields), officer)
        assert status == 201, body
        ids[row["key"]] = body["eventId"]
    return ids


def test_a_phone_opening_the_qr_url_sees_the_timeline(trace, recorded, officer):
    gtin, lot = NOODLE
    status, headers, svg = call(trace, "GET", f"/api/v1/communes/binh-lu/trace/batches/"
                                f"{gtin}/{lot}/qr.svg", token=officer)
    assert status == 200 and headers["Content-Type"] == "image/svg+xml" and b"<svg" in svg
    status, _, png = call(trace, "GET", f"/api/v1/communes/binh-lu/trace/batches/"
                          f"{gtin}/{lot}/qr.png", token=officer)
    assert status == 200 and png.startswith(b"\x89PNG")
    status, _, sheet = call(trace, "GET", f"/api/v1/communes/binh-lu/trace/batches/"
                            f"{gtin}/{lot}/labels?copies=6", token=officer)
    assert status == 200 and sheet.decode().count('class="label"') == 6
    for copies in ("0", "61", "six"):
        status, _, refused = call(trace, "GET", f"/api/v1/communes/binh-lu/trace/batches/"
                                  f"{gtin}/{lot}/labels?copies={copies}", token=officer)
        assert status == 400 and b"copies" in refused
    # The URL the QR encodes, as printed under it on the label.
    uri = re.search(r"<small>(http://[^<]+)</small>", sheet.decode()).group(1)
    assert uri.endswith(f"/01/08939999000031/10/{NOODLE[1]}")
    path = uri.split(str(trace["worker"].http_port), 1)[1]
    status, headers, body = call(trace, "GET", path, headers=PHONE)
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert len(body) < 20_000 and "<script" not in html
    steps = re.findall(r"<li><b>([^<]+)</b>", html)
    assert steps == ["Chế biến", "Phơi / sấy", "Kiểm tra chất lượng", "Đóng gói", "Đóng gói",
                     "Xuất hàng"]
    assert "Hợp tác xã miến dong Bình Lư (mẫu)" in html and "Bản Tân Bình" in html
    assert "Tinh bột dong riềng" in html  # one step back
    assert "THUNG-MD-2026-01-001" in html  # one step forward
    assert "Dữ liệu nguyên vẹn: 6 sự kiện" in html and "OCOP 3 sao" in html
    _, _, english = call(trace, "GET", path + "?lang=en", headers=PHONE)
    assert "Shipping" in english.decode() and "Records intact" in english.decode()


def test_the_resolver_walks_up_to_the_product_and_answers_unknown_codes_kindly(trace,
                                                                              recorded):
    status, _, body = call(trace, "GET", "/01/8939999000031/10/NOT-A-LOT", headers=PHONE)
    assert status == 200 and "Miến dong Bình Lư 500 g" in body.decode()
    assert "không có trong hệ thống" in body.decode()
    for path in ("/01/8939999000032/10/A", "/01/8939999000062", "/01/12345/10/A",
                 "/01/8939999000031/10/L%C3%94"):
        status, headers, body = call(trace, "GET", path, headers=PHONE)
        assert status == 404 and "Không tìm thấy mã này" in body.decode(), path
        assert "Traceback" not in body.decode()
    status, headers, body = call(trace, "GET", f"/01/{NOODLE[0]}/10/{NOODLE[1]}?linkType=all")
    linkset = json.loads(body)["linkset"][0]
    assert headers["Content-Type"] == "application/linkset+json"
    assert linkset["anchor"] == f"https://id.gs1.org/01/0{NOODLE[0]}/10/{NOODLE[1]}"
    assert "https://gs1.org/voc/traceability" in linkset


def test_the_export_parses_back_to_the_same_events_and_recapture_adds_nothing(
        trace, recorded, officer):
    gtin, lot = NOODLE
    status, document = api(trace, "GET", f"/batches/{gtin}/{lot}/epcis", token=officer)
    assert status == 200 and document["type"] == "EPCISDocument"
    assert epcis.EPCIS_CONTEXT in document["@context"]
    parsed = epcis.events_of(json.loads(json.dumps(document)), dt.datetime.now(dt.UTC))
    assert parsed == document["epcisBody"]["eventList"]
    assert [e["eventID"] for e in parsed] == [recorded[k] for k in (
        "md-make", "md-drying", "md-inspect", "md-pack", "md-carton", "md-ship")]
    assert [e["type"] for e in parsed][:1] == ["TransformationEvent"]
    status, body = api(trace, "POST", "/capture", document, officer)
    assert status == 202 and body["captured"] == 0 and body["duplicates"] == 6


def test_scans_are_counted_per_batch_and_day_and_announced(trace, recorded, officer,
                                                           events):
    gtin, lot = NOODLE
    for _ in range(3):
        call(trace, "GET", f"/01/{gtin}/10/{lot}", headers=PHONE)

    def counted():
        _, report = api(trace, "GET", f"/batches/{gtin}/{lot}/scans", token=officer)
        return report if report["total"] >= 5 else None
    report = wait_for(counted, 15, 0.3, "the scans to be stored")
    assert list(report["perDay"]) == [dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
                                       .date().isoformat()]
    assert report["origins"] == ["127.0.x.x"] and not report["possibleCounterfeit"]
    seen = []

    def all_announced():
        while (message := events.get(no_ack=True)) is not None:
            seen.append(Envelope.parse(message.body))
        counts = [c for e in seen if e.type == "trace.scanned"
                  for c in e.payload(trace_pb2.TraceScanned).counts]
        return counts if sum(c.count for c in counts) == report["total"] else None
    counts = wait_for(all_announced, 15, 0.3, "trace.scanned for every stored scan")
    assert {c.batch_id for c in counts} == {f"0{NOODLE[0]}:{NOODLE[1]}"}
    assert {e.tenant for e in seen if e.type == "trace.scanned"} == {"binh-lu"}
    recorded_events = [e for e in seen if e.type == "trace.event_recorded"]
    # at least one trace.event_recorded per event the chain recorded (more where an event
    # touches several batches)
    assert len(recorded_events) >= len(recorded)
    assert "trace.batch_created" in {e.type for e in seen}


def test_the_province_reads_the_provenance_and_verifies_it_over_grpc(settings, trace,
                                                                     recorded):
    token = issue_token(settings, "so-khcn-lai-chau", "province", ["binh-lu"])
    metadata = [("authorization", f"Bearer {token}")]
    with grpc.insecure_channel(f"127.0.0.1:{trace['grpc'].grpc_port}") as channel:
        stub = trace_pb2_grpc.TraceServiceStub(channel)
        provenance = stub.GetBatchProvenance(trace_pb2.GetBatchProvenanceRequest(
            tenant="binh-lu", gtin=NOODLE[0], lot=NOODLE[1]), metadata=metadata,
            timeout=CALL_TIMEOUT_S)
        assert [t.step for t in provenance.timeline][-1] == "shipping"
        assert provenance.back == [f"08939999000024:TB-2026-01{SUFFIX}"]
        verified = stub.VerifyBatch(trace_pb2.VerifyBatchRequest(
            tenant="binh-lu", gtin=NOODLE[0], lot=NOODLE[1]), metadata=metadata,
            timeout=CALL_TIMEOUT_S)
        assert verified.verification.intact and verified.verification.checked == 6
        products = stub.ListProducts(trace_pb2.ListProductsRequest(tenant="binh-lu"),
                                     metadata=metadata, timeout=CALL_TIMEOUT_S)
        assert len(products.products) == 5
        with pytest.raises(grpc.RpcError) as error:
            stub.GetProduct(trace_pb2.GetProductRequest(tenant="binh-lu", gtin="8939999000032"),
                            metadata=metadata, timeout=CALL_TIMEOUT_S)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.RpcError) as error:
            stub.VerifyBatch(trace_pb2.VerifyBatchRequest(tenant="lung-phinh", gtin=NOODLE[0],
                                                          lot=NOODLE[1]), metadata=metadata)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_removed_last_event_is_reported_by_every_door_and_the_page_warns(
        settings, trace, recorded, officer, mongo):
    gtin, lot = "8939999000048", f"MO-2026-04{SUFFIX}"  # honey: harvested, packed
    links = mongo[database_name(settings, "trace")].links
    last = links.find_one({"_id": link_id(f"0{gtin}:{lot}", 2)})
    links.delete_one({"_id": last["_id"]})
    try:
        # Nobody asks: the worker's own re-verification makes the page warn.
        wait_for(lambda: "1 of this batch's 2 recorded events are missing" in call(
            trace, "GET", f"/01/{gtin}/10/{lot}?lang=en", headers=PHONE)[2].decode(),
            timeout=90, interval=2, what="the page's warning")
        status, verified = api(trace, "POST", f"/batches/{gtin}/{lot}/verify", token=officer)
        verified = verified["verification"]
        assert status == 200 and not verified["intact"] and verified["checked"] == 1
        assert verified["anchoredEvents"] == 2 and verified["missingEvents"] == 1
        token = issue_token(settings, "so-khcn-lai-chau", "province", ["binh-lu"])
        with grpc.insecure_channel(f"127.0.0.1:{trace['grpc'].grpc_port}") as channel:
            answer = trace_pb2_grpc.TraceServiceStub(channel).VerifyBatch(
                trace_pb2.VerifyBatchRequest(tenant="binh-lu", gtin=gtin, lot=lot),
                metadata=[("authorization", f"Bearer {token}")], timeout=60).verification
        assert not answer.intact and answer.anchor_signed and answer.broken_at == 2
        assert answer.anchored_events == 2 and answer.missing_events == 1
        status, refused = api(trace, "POST", "/events", {
            "step": "shipping", "where": "producer:ho-nuoi-ong-na-da",
            "batch": {"gtin": gtin, "lot": lot}}, officer)
        assert status == 409 and "fails verification" in refused["detail"]
    finally:
        links.insert_one(last)
    status, verified = api(trace, "POST", f"/batches/{gtin}/{lot}/verify", token=officer)
    assert verified["verification"]["intact"] and verified["verification"]["checked"] == 2


def test_a_capture_at_another_communes_place_is_a_bad_request_naming_the_field(
        trace, recorded, officer):
    event = {"type": "ObjectEvent", "eventID": epcis.new_event_id(), "action": "OBSERVE",
             "eventTime": "2026-04-30T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
             "bizStep": "inspecting",
             "readPoint": {"id": "urn:commune:lung-phinh:producer:ho-nuoi-ong-na-da"},
             "quantityList": [{"epcClass": epcis.class_uri("8939999000048",
                                                           f"MO-2026-04{SUFFIX}")}]}
    status, body = api(trace, "POST", "/capture",
                       epcis.document([event], dt.datetime.now(dt.UTC)), officer)
    assert status == 400 and "lung-phinh" in body["detail"]
    assert body["fields"] == {"epcisBody.eventList[0].readPoint.id":
                                       "another commune"}


def test_public_pages_are_rate_limited_per_client(trace, recorded):
    path = f"/01/{NOODLE[0]}/10/{NOODLE[1]}"
    statuses = [call(trace, "GET", path)[0] for _ in range(BURST + 5)]
    assert statuses.count(429) >= 1 and statuses[0] in (200, 429)
    status, headers, body = call(trace, "GET", path)
    assert status == 429 and int(headers["Retry-After"]) >= 1


def test_the_web_ui_lists_the_registry_and_batches(settings, trace, recorded, officer):
    status, producers = api(trace, "GET", "/producers", token=officer)
    assert status == 200 and "htx-mien-dong-binh-lu" in {
        p["code"] for p in producers["producers"]}
    status, areas = api(trace, "GET", "/areas", token=officer)
    assert {a["code"] for a in areas["areas"]} >= {"vung-dong-tan-binh", "rung-ong-na-da"}
    assert {a["areaHa"] for a in areas["areas"]} >= {12.5, 40}
    status, batches = api(trace, "GET", "/batches", token=officer)
    mine = {b["id"]: b for b in batches["batches"] if b["lot"].endswith(SUFFIX)}
    assert len(mine) == 5 and mine[f"0{NOODLE[0]}:{NOODLE[1]}"]["eventCount"] == 6
    status, product = api(trace, "GET", f"/products/{NOODLE[0]}", token=officer)
    assert product["product"]["nameVi"] == "Miến dong Bình Lư 500 g"
    assert product["producer"]["code"] == "htx-mien-dong-binh-lu"
    citizen = issue_token(settings, "nguoi-mua", "citizen", ["binh-lu"])
    status, body = api(trace, "GET", "/batches", token=citizen)
    assert status == 403 and body["code"] == "PERMISSION_DENIED"
    status, body = api(trace, "POST", "/events", {"step": "harvesting"}, officer)
    assert status == 400 and "where" in body["fields"]


def test_other_services_call_it_over_nameko_rpc(settings, trace, recorded, officer):
    gtin, lot = NOODLE
    provenance = rpc(settings, officer, "trace", "get_batch_provenance",
                     {"tenant": "binh-lu", "gtin": gtin, "lot": lot})
    assert provenance["batch"]["eventCount"] == 6
    assert provenance["back"] == [f"08939999000024:TB-2026-01{SUFFIX}"]
    rice = {"gtin": "8939999000055", "lot": f"SC-2025-10{SUFFIX}"}
    event = {"step": "storing", "where": "producer:ho-lua-seng-cu-hung-binh", "batch": rice,
             "when": "2025-11-01T08:00:00+07:00",
             "eventId": "urn:uuid:7b0d7c1e-0000-4000-8000-00000000e2e1", "tenant": "binh-lu"}
    first = rpc(settings, officer, "trace", "record_event", event)
    again = rpc(settings, officer, "trace", "record_event", event)
    assert [first["duplicate"], again["duplicate"]] == [False, True]
    with pytest.raises(RemoteError) as error:
        rpc(settings, officer, "trace", "record_event",
            {**event, "eventId": "", "step": "receiving"})
    assert error.value.exc_type == "FailedPrecondition"
    assert rpc(settings, officer, "trace", "verify_batch",
               {"tenant": "binh-lu", **rice})["verification"]["intact"]


def test_a_lot_with_a_slash_is_addressed_over_the_json_api(trace, recorded, officer):
    """GS1 lots may hold '/': the API's batch routes take it (Route.slashes)."""
    gtin, lot = "8939999000055", f"SC/2026/02{SUFFIX}"
    status, body = api(trace, "POST", "/batches", {
        "gtin": gtin, "lot": lot, "producer": "ho-lua-seng-cu-hung-binh",
        "producedOn": "2026-02-01", "quantity": 50, "unit": "kg"}, officer)
    assert status == 201, body
    status, provenance = api(trace, "GET", f"/batches/{gtin}/{lot}", token=officer)
    assert status == 200 and provenance["batch"]["lot"] == lot
    status, verified = api(trace, "POST", f"/batches/{gtin}/{lot}/verify", token=officer)
    assert status == 200 and verified["verification"]["intact"]
