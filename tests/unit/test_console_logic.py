"""The console's pure parts: Vietnamese formatting, the offline map's projection, the
refusal of the development key beyond localhost."""
import pytest

from services.common import errors
from services.common.settings import DEV_SECRET, Settings
from services.console import i18n
from services.console.config import refuse_development_key
from services.console.pages_ioc import MAP_H, MAP_PAD, MAP_W, _map, _utc
from services.console.pages_kpi import _number


def test_numbers_and_dates_are_written_the_vietnamese_way():
    assert i18n.number("vi", 10766.5) == "10.766,5"
    assert i18n.number("en", 10766.5) == "10,766.5"
    assert i18n.number("vi", None) == "—"
    assert i18n.date("vi", "2026-03-31") == "31/03/2026"
    # a UTC instant shown in the commune's time (UTC+7): the next day
    assert i18n.date("vi", "2026-03-31T20:30:00Z") == "01/04/2026 03:30"


def test_every_word_has_both_languages_and_an_unknown_key_shows_itself():
    assert all(len(pair) == 2 and all(pair) for pair in i18n.WORDS.values())
    assert i18n.word("en", "sign_in") == "Sign in"
    assert i18n.word("vi", "sign_in") == "Đăng nhập"
    assert i18n.word("vi", "no-such-key") == "no-such-key"


REGISTRY = {
    "locations": [
        {"code": "cho", "name": "Chợ", "village": "Tân Bình", "latitude": 22.27,
         "longitude": 103.63},
        {"code": "cau", "name": "Cầu", "village": "Nà Đa", "latitude": 22.255,
         "longitude": 103.655},
        {"code": "truong", "name": "Trường", "village": "Hưng Bình", "latitude": 22.29,
         "longitude": 103.645}],
    "cameras": [{"code": "cam-cho-1", "location": "cho"}, {"code": "cam-cho-2", "location": "cho"},
                {"code": "cam-cau-1", "location": "cau"}],
    "sensors": []}


def alert(location, severity, status="ALERT_STATUS_OPEN", rule="traffic-violation"):
    return {"locations": [location], "severity": severity, "status": status, "ruleId": rule}


def test_the_map_places_every_location_inside_the_frame_north_up():
    points = {p["code"]: p for p in _map(REGISTRY, [])["points"]}
    for p in points.values():
        assert MAP_PAD <= p["x"] <= MAP_W - MAP_PAD and MAP_PAD <= p["y"] <= MAP_H - MAP_PAD
    assert points["truong"]["y"] < points["cho"]["y"] < points["cau"]["y"]  # north is up
    assert points["cau"]["x"] > points["cho"]["x"]  # east is right
    assert points["cho"]["devices"] == ["cam-cho-1", "cam-cho-2"]
    labels = {v["name"]: v for v in _map(REGISTRY, [])["villages"]}
    assert labels["Nà Đa"]["y"] < points["cau"]["y"]  # a village's name above its places


def test_the_map_colours_a_location_by_its_worst_active_alert_and_rings_silent_devices():
    alerts = [alert("cho", "ALERT_SEVERITY_LOW"), alert("cho", "ALERT_SEVERITY_HIGH"),
              alert("cho", "ALERT_SEVERITY_MEDIUM"),
              alert("cau", "ALERT_SEVERITY_CRITICAL", status="ALERT_STATUS_RESOLVED"),
              alert("truong", "ALERT_SEVERITY_MEDIUM", rule="device-health")]
    points = {p["code"]: p for p in _map(REGISTRY, alerts)["points"]}
    assert points["cho"]["severity"] == "ALERT_SEVERITY_HIGH"
    assert points["cau"]["severity"] == ""  # resolved: quiet again
    assert points["truong"]["silent"] and points["truong"]["severity"] == ""


def test_the_development_key_serves_only_localhost():
    refuse_development_key(Settings(bind_host="127.0.0.1"))
    refuse_development_key(Settings(bind_host="0.0.0.0", auth_secret="a-key-of-its-own-" * 3))
    with pytest.raises(SystemExit, match="development key"):
        refuse_development_key(Settings(bind_host="0.0.0.0", auth_secret=DEV_SECRET))


@pytest.mark.parametrize("written", ["nan", "inf", "-Infinity", "1e309", "mười", "1,2,3"])
def test_a_figure_that_is_no_finite_number_is_refused_naming_its_field(written):
    """nan and inf were sent on to the kpi service: httpx refuses them in JSON (a 500)."""
    with pytest.raises(errors.InvalidArgument) as refused:
        _number({"numerator": written}, "numerator")
    assert refused.value.fields == {"numerator": "invalid"}


def test_a_figure_with_a_decimal_comma_is_read():
    assert _number({"value": " 99,78 "}, "value") == 99.78


@pytest.mark.parametrize("written", ["0001-01-01T00:00", "0001-01-01T06:59", "tomorrow", ""])
def test_a_silence_time_out_of_range_is_refused_naming_its_field(written):
    """Year 1 in the commune's time is year 0 in UTC: an OverflowError (a 500) before."""
    with pytest.raises(errors.InvalidArgument) as refused:
        _utc(written, "startsAt")
    assert refused.value.fields == {"startsAt": "invalid"}
