"""Property tests of every parser that takes input from outside: whatever it is given, it
answers a value or the documented validation error (InvalidArgument, UnreadableFile for a
workbook), never another exception. Examples per property: COMMUNE_FUZZ_EXAMPLES."""
import datetime as dt
import io
import json
import re
import zipfile
from urllib.parse import quote, unquote

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from services.common import json_body, periods
from services.common.errors import InvalidArgument
from services.iocevents.model import parse_detection
from services.iocevents.rules import CommuneConfig, Evaluator, parse_rule
from services.tasks.excel import UnreadableFile, cells, reading
from services.trace import epcis, gs1
from tests.helpers import workbook_bytes
from tests.reliability.fuzz_support import fuzz, json_values, mutated
from tests.unit.test_ioc_domain import REGISTRY, TENANT, detection
from tests.unit.test_tasks_excel import HEADER, NAMES

NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)


def refused_or_read(parse, *args):
    """Run the parser: a value, or the documented error naming something."""
    try:
        return parse(*args)
    except InvalidArgument as error:
        assert str(error)
        return None


# --- periods -------------------------------------------------------------------------

PERIOD_WORDS = st.sampled_from(["Năm", "Quý", "Tháng", "Q", "trong năm", "/", "-", " ",
                                "III", "iv", "x", "0", "13", "2026", "99999", "Thường xuyên"])


@fuzz
@given(st.text(max_size=30) | st.lists(PERIOD_WORDS, max_size=6).map("".join))
def test_any_period_text_reads_as_a_period_none_or_invalid_argument(text):
    period = refused_or_read(periods.parse, text)
    if period is not None:
        assert period.first_day <= period.last_day
        assert periods.parse(period.label()) == period


@fuzz
@given(st.dictionaries(st.sampled_from(["kind", "year", "number"]), json_values))
def test_any_proto_json_period_converts_or_is_invalid_argument(message):
    refused_or_read(periods.from_proto_json, message)


# --- GS1 Digital Link, GTIN and lot ------------------------------------------------------

LINK_PARTS = st.sampled_from(["/01/", "/10/", "08930000000019", "8930000000019", "%", "%2F",
                              "?linkType=", "gs1:pip", "https://id.gs1.org", "A-1", "ô", ""])


@fuzz
@given(st.text(max_size=60) | st.lists(LINK_PARTS, max_size=8).map("".join))
def test_any_digital_link_parses_or_is_invalid_argument(uri):
    link = refused_or_read(gs1.parse, uri)
    if link is not None:
        assert gs1.parse(link.uri("https://id.gs1.org")) == link


@fuzz
@given(st.text(max_size=20), st.text(max_size=30))
def test_any_gtin_and_lot_normalise_or_are_invalid_argument(gtin, lot):
    refused_or_read(gs1.normalise_gtin, gtin)
    refused_or_read(gs1.validate_lot, lot)


# Set 82, the characters that end up in trouble in a path, and some outside the set.
LOT_CHARS = (st.sampled_from("/.") | st.sampled_from("\n\r #ô")
             | st.sampled_from("!\"%&'()*+,-:;<=>?_09AZaz"))
GTIN = gs1.with_check_digit("0893000000001")
TRACE_ROUTE = Map([Rule("/01/<gtin>/10/<path:lot>")]).bind("resolver")


def routed_lot(path: str) -> str | None:
    """The lot a link's path reaches through the router the trace routes use, sent by
    the client the console uses (it removes '.' and '..' segments, RFC 3986 5.2.4) and
    %-decoded by the server; None: no batch."""
    sent = httpx.URL("https://resolver" + path).raw_path.decode()
    try:
        _, values = TRACE_ROUTE.match(unquote(sent))
    except HTTPException:  # NotFound, or a redirect to another path
        return None
    return values["lot"]


@fuzz
@given(st.text(LOT_CHARS, max_size=22))
@example("L-1\n")
@example("/L-1")
@example("L-1/")
@example("L//1")
@example("L/../1")
def test_every_lot_accepted_is_reached_by_its_link(lot):
    """An accepted lot ('/', '..', a line break and all) was a batch no QR could reach."""
    if refused_or_read(gs1.validate_lot, lot) is None:
        return
    encoded = gs1.DigitalLink(GTIN, lot).path()  # '/' as %2F, as the labels print it
    plain = f"/01/{GTIN}/10/{quote(lot, safe='/')}"  # '/' as it is
    assert (routed_lot(encoded), routed_lot(plain)) == (lot, lot)


# --- EPCIS capture documents ---------------------------------------------------------------

CAPTURED = {"type": "ObjectEvent", "eventID": "urn:uuid:1", "action": "OBSERVE",
            "eventTime": "2026-05-01T01:00:00Z", "eventTimeZoneOffset": "+07:00",
            "bizStep": "shipping", "readPoint": {"id": "urn:commune:binh-lu:producer:htx"},
            "bizLocation": {"id": "urn:commune:binh-lu:producer:htx"},
            "quantityList": [{"epcClass": "https://id.gs1.org/01/08930000000019/10/A",
                              "quantity": 5, "uom": "KGM"}],
            "sensorElementList": [{"sensorReport": [{"type": "gs1:Temperature",
                                                     "value": 24.5, "uom": "CEL"}]}]}
DOCUMENT = epcis.document([CAPTURED], NOW)


@fuzz
@given(mutated(DOCUMENT) | json_values)
def test_any_epcis_capture_document_is_read_or_invalid_argument(document):
    events = refused_or_read(epcis.events_of, document, NOW)
    for index, event in enumerate(events or ()):
        refused_or_read(epcis.check_commune, event, "binh-lu", index)


# --- Excel import --------------------------------------------------------------------------



GOOD_BOOK = workbook_bytes(HEADER, ["NV-1", "Tiêm phòng", "Phòng Kinh tế", "", "Quý III/2026"])


@st.composite
def damaged(draw, data: bytes):
    """`data` with bytes overwritten, cut short or a member of the zip rewritten."""
    how = draw(st.sampled_from(("flip", "cut", "member")))
    if how == "cut":
        return data[:draw(st.integers(0, len(data)))]
    if how == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
        return bytes(out)
    source = zipfile.ZipFile(io.BytesIO(data))
    victim = draw(st.sampled_from(source.namelist()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, draw(st.binary(max_size=200)) if name == victim
                            else source.read(name))
    return buffer.getvalue()


@fuzz
@given(damaged(GOOD_BOOK) | st.binary(max_size=300))
def test_any_damaged_workbook_reads_or_is_unreadable_file(data):
    try:
        rows = reading.read_sheet(io.BytesIO(data))
    except UnreadableFile as error:
        assert str(error)
        return
    refused_or_read(reading.read_rows, rows, NAMES)


CELLS = (st.none() | st.text(max_size=20) | st.integers() | st.floats() | st.booleans()
         | st.datetimes() | st.dates() | st.sampled_from(["Quý 3/2026", "Cao", "phong-vhxh"]))


@fuzz
@given(st.lists(st.lists(CELLS, max_size=7).map(tuple), max_size=5))
def test_any_cell_values_under_the_header_are_read_or_invalid_argument(rows):
    numbered = list(enumerate([tuple(HEADER), *rows], start=1))
    read = refused_or_read(reading.read_rows, numbered, NAMES)
    for row in (read or (0, []))[1]:
        assert isinstance(row.problems, dict)
    for value in (cell for row in rows for cell in row):
        refused_or_read(cells.deadline_fields, value)
        refused_or_read(cells.priority, value)


# --- detections and alert rules ----------------------------------------------------------------

DETECTION = {"id": "d-1", "tenant": TENANT, "deviceId": "cam-trai-1", "time": NOW.isoformat(),
             "kind": "vehicle", "confidence": 0.9, "zone": "barn", "objectClass": "car",
             "plate": {"text": "25A-123.45"},
             "box": {"left": 0.1, "top": 0.2, "right": 0.3, "bottom": 0.5}}


@fuzz
@given(mutated(DETECTION) | json_values)
def test_any_detection_parses_or_is_invalid_argument(raw):
    refused_or_read(parse_detection, raw)


ZONE_TIME = {"type": "zone_time", "id": "barn-night", "name": "Movement at the barn at night",
             "zones": ["barn"], "start": "19:00", "end": "05:00", "severity": "high",
             "locations": ["trai-na-da"], "kinds": ["vehicle"], "min_confidence": 0.5}
RATE = {"type": "rate", "id": "crowding", "name": "Crowding", "count": 5, "minutes": 10}
TIMES = st.sampled_from(["21:00", "05:00:30", "21:00+05:00", "21:00Z", "25:00", "9", "21:00:00.5",
                         "2100", "T21:00", "21:00:00-07:00"])


@fuzz
@given(mutated(ZONE_TIME, json_values | TIMES) | mutated(RATE) | json_values)
def test_any_rule_parses_and_evaluates_or_is_invalid_argument(raw):
    rule = refused_or_read(parse_rule, raw, REGISTRY)
    if rule is None:
        return
    seen = detection(1, deviceId="cam-trai-1", zone="barn")
    Evaluator().evaluate(seen, REGISTRY.device("cam-trai-1"),
                         CommuneConfig(TENANT, REGISTRY, (rule,)))


@pytest.mark.parametrize("written", ["21:00+05:00", "21:00Z", "21:00:00-07:00", "9", "2100",
                                     75600, "21:00:00.5", "24:00"])
def test_a_zone_time_rule_refuses_times_other_than_hh_mm_ss(written):
    with pytest.raises(InvalidArgument) as error:
        parse_rule({**ZONE_TIME, "start": written}, REGISTRY)
    assert [field for field in error.value.fields if field.endswith("start")]


# --- JSON bodies -----------------------------------------------------------------------------

@fuzz
@given(json_values, st.integers(1, 5000), st.sampled_from(["[", "{\"a\":", "[{\"b\":"]))
def test_json_from_outside_is_read_or_value_error_however_deep(value, levels, opener):
    closer = {"[": "]", "{\"a\":": "}", "[{\"b\":": "}]"}[opener]
    text = opener * levels + json.dumps(value) + closer * levels
    try:
        assert json_body.loads(text) is not None
    except ValueError as error:
        per_level = opener.count("[") + opener.count("{")
        assert levels * per_level + nesting(value) > json_body.MAX_DEPTH
        assert "nested deeper" in str(error)


def nesting(value) -> int:
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return 1 + max(map(nesting, items), default=0)
    return 0


def test_brackets_inside_strings_do_not_count_towards_the_depth():
    text = json.dumps({"note": "[" * 500 + "\\\"{" * 100})
    assert json_body.loads(text) == json.loads(text)


OUR_WORDS = (r"a syntax error at line \d+, column \d+|bytes that are not UTF-8"
             r"|nested deeper than \d+ levels")


@fuzz
@given(st.binary(max_size=60) | st.text(max_size=60).map(lambda t: "[" + t))
def test_json_refused_in_our_words_never_the_json_modules(data):
    """Its text reaches HTTP answers ("body is not JSON: …"); the json module's own
    ("Expecting value: line 1 column 1 (char 0)") did before."""
    try:
        json_body.loads(data)
    except ValueError as error:
        assert re.fullmatch(OUR_WORDS, str(error)), str(error)
