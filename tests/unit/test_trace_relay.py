"""Where the QR codes point (COMMUNE_TRACE_PUBLIC_BASE, else the address the console
asks for, else the host asked) and who scanned when the console passes a scan on."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.common.auth import issue_token
from services.common.errors import InvalidArgument
from services.common.settings import get_settings
from services.trace import config, public


def request(headers=None) -> Request:
    return Request(EnvironBuilder(base_url="http://trace:8004/", headers=headers or {},
                                  environ_base={"REMOTE_ADDR": "10.0.0.9"}).get_environ())


@pytest.fixture
def trace_settings(monkeypatch):
    def use(**env):
        for name, value in env.items():
            monkeypatch.setenv(f"COMMUNE_TRACE_{name.upper()}", value)
        config.get_trace_settings.cache_clear()
    yield use
    config.get_trace_settings.cache_clear()


def test_codes_name_the_configured_base_else_the_one_asked_for_else_the_host(trace_settings):
    trace_settings()
    assert public.public_base(request()) == "http://trace:8004/"
    assert public.public_base(request(), "http://192.168.1.10:8080/") == \
        "http://192.168.1.10:8080/"
    trace_settings(public_base="https://truyxuat.example.gov.vn")
    assert public.public_base(request(), "http://192.168.1.10:8080/") == \
        "https://truyxuat.example.gov.vn"


@pytest.mark.parametrize("asked", ["ftp://console/", "http:///", "http://u:p@console/",
                                   "http://console/?x=1", "http://console/#top",
                                   "javascript:alert(1)", "http://c/" + "a" * 200])
def test_a_base_that_is_not_a_plain_web_address_is_refused(trace_settings, asked):
    trace_settings()
    with pytest.raises(InvalidArgument, match="base"):
        public.public_base(request(), asked)


def test_a_scan_passed_on_with_a_token_names_the_phone_and_is_not_limited_again():
    token = issue_token(get_settings(), "console-resolver", "citizen", ["binh-lu"])
    relayed = request({"Authorization": f"Bearer {token}",
                       "X-Forwarded-For": "203.0.113.5, 192.168.1.23"})
    assert public.scanner(relayed) == ("192.168.1.23", False)
    assert public.scanner(request({"X-Forwarded-For": "192.168.1.23"})) == ("10.0.0.9", True)
    forged = request({"Authorization": "Bearer not-a-token", "X-Forwarded-For": "1.2.3.4"})
    assert public.scanner(forged) == ("10.0.0.9", True)


def test_the_address_a_phone_used_is_believed_only_from_the_console():
    token = issue_token(get_settings(), "console-resolver", "citizen", ["binh-lu"])
    named = {"X-Forwarded-Host": "192.168.1.10:8080", "X-Forwarded-Proto": "http"}
    assert public.relayed_base(request({"Authorization": f"Bearer {token}", **named})) == \
        "http://192.168.1.10:8080/"
    assert public.relayed_base(request(named)) == ""
    assert public.relayed_base(request({"Authorization": "Bearer not-a-token", **named})) == ""
