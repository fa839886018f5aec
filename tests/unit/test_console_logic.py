"""The console's pure parts: Vietnamese formatting, what the offline map draws, the
province board's sorting, the refusal of the development key beyond localhost, who a
kiosk's citizen is and how often one may ask."""
import pytest

from services.assistant.languages import INTENTS
from services.common import errors
from services.common.settings import DEV_SECRET, Settings
from services.console import i18n
from services.console.citizens import CitizenLimit, client_address
from services.console.config import ConsoleSettings, refuse_development_key
from services.console.pages_ioc import _map, _utc
from services.console.pages_kpi import COMMUNE_COLUMN, _number, sorted_table


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


def test_the_map_gives_each_location_its_place_devices_and_a_line_and_villages_a_place():
    points = {p["code"]: p for p in _map(REGISTRY, [], "vi")["points"]}
    assert (points["cau"]["latitude"], points["cau"]["longitude"]) == (22.255, 103.655)
    assert points["cho"]["devices"] == ["cam-cho-1", "cam-cho-2"]
    assert points["cho"]["label"] == "Chợ (Tân Bình): 2 thiết bị"
    labels = {v["name"]: v for v in _map(REGISTRY, [], "en")["villages"]}
    assert (labels["Nà Đa"]["latitude"], labels["Nà Đa"]["longitude"]) == (22.255, 103.655)


def test_the_map_colours_a_location_by_its_worst_active_alert_and_rings_silent_devices():
    alerts = [alert("cho", "ALERT_SEVERITY_LOW"), alert("cho", "ALERT_SEVERITY_HIGH"),
              alert("cho", "ALERT_SEVERITY_MEDIUM"),
              alert("cau", "ALERT_SEVERITY_CRITICAL", status="ALERT_STATUS_RESOLVED"),
              alert("truong", "ALERT_SEVERITY_MEDIUM", rule="device-health")]
    points = {p["code"]: p for p in _map(REGISTRY, alerts, "en")["points"]}
    assert points["cho"]["severity"] == "ALERT_SEVERITY_HIGH"
    assert points["cho"]["label"] == "Chợ (Tân Bình): 2 devices · High"
    assert points["truong"]["label"].endswith("· device silent")
    assert points["cau"]["severity"] == ""  # resolved: quiet again
    assert points["truong"]["silent"] and points["truong"]["severity"] == ""


def test_the_province_board_sorts_by_any_column_either_way_with_no_value_last():
    def line(commune, value=None):
        cell = {"hasValue": value is not None, "value": value or 0.0}
        return {"commune": commune, "cells": {"online-dossiers": cell}}
    table = [line("lung-phinh", 80.0), line("binh-lu", 99.78), line("no-figure"),
             line("low", 10.0)]

    def order(column, descending):
        return [x["commune"] for x in sorted_table(table, column, descending)]
    assert order("online-dossiers", True) == ["binh-lu", "lung-phinh", "low", "no-figure"]
    assert order("online-dossiers", False) == ["low", "lung-phinh", "binh-lu", "no-figure"]
    # the commune column: by the name shown (the code where the tree has none)
    assert order(COMMUNE_COLUMN, False) == ["binh-lu", "low", "lung-phinh", "no-figure"]
    assert order(COMMUNE_COLUMN, True) == ["no-figure", "lung-phinh", "low", "binh-lu"]


def test_the_development_key_serves_only_localhost():
    refuse_development_key(Settings(bind_host="127.0.0.1"))
    refuse_development_key(Settings(bind_host="0.0.0.0", auth_secret="a-key-of-its-own-" * 3))
    with pytest.raises(SystemExit, match="development key"):
        refuse_development_key(Settings(bind_host="0.0.0.0", auth_secret=DEV_SECRET))


PROXIES = ConsoleSettings(trusted_proxies="10.0.0.0/8, 192.168.1.1").trusted_proxies


@pytest.mark.parametrize(("peer", "forwarded_for", "proxies", "client"), [
    ("203.0.113.5", "", (), "203.0.113.5"),
    # nobody trusted: X-Forwarded-For is not read (a client would pick its own name)
    ("203.0.113.5", "198.51.100.1", (), "203.0.113.5"),
    # an untrusted peer sending it is not believed either
    ("203.0.113.5", "198.51.100.1", PROXIES, "203.0.113.5"),
    # behind the trusted proxies: the first hop from the right that is not one of them
    ("10.1.2.3", "198.51.100.1", PROXIES, "198.51.100.1"),
    ("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.168.1.1", PROXIES, "198.51.100.1"),
    ("10.1.2.3", "not-an-address", PROXIES, "not-an-address"),
    ("10.1.2.3", "", PROXIES, "10.1.2.3"),  # the proxy's own request
    (None, "", (), "unknown"),
])
def test_a_citizen_is_the_peer_or_what_a_trusted_proxy_says(peer, forwarded_for, proxies,
                                                             client):
    assert client_address(peer, forwarded_for, proxies) == client


def test_the_kiosk_counts_each_citizen_apart():
    limit = CitizenLimit("2/minute", "test")
    assert [limit.wait_s("198.51.100.1") for _ in range(2)] == [0, 0]
    assert limit.wait_s("198.51.100.1") >= 1
    assert limit.wait_s("198.51.100.2") == 0
    assert CitizenLimit("", "test").wait_s("198.51.100.1") == 0


def test_every_part_an_answer_may_cite_has_a_name_in_the_trail():
    assert all(f"field_{intent}" in i18n.WORDS for intent in INTENTS)


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
