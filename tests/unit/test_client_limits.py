"""Telling public clients apart and limiting each: the peer address unless trusted
proxies stand in front, and per-client allowances in the limits library's notation."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.common.nameko_ext import web
from services.common.settings import Settings


def request(peer: str, forwarded: str = "") -> Request:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return Request(EnvironBuilder(headers=headers,
                                  environ_base={"REMOTE_ADDR": peer}).get_environ())


@pytest.fixture
def proxies(monkeypatch):
    def trust(hops: int):
        monkeypatch.setattr(web, "get_settings", lambda: Settings(trusted_proxies=hops))
    return trust


def test_without_trusted_proxies_the_peer_is_the_client(proxies):
    proxies(0)
    assert web.client_address(request("10.0.0.9", "1.2.3.4")) == "10.0.0.9"


def test_behind_one_proxy_its_appended_entry_counts_not_what_the_client_wrote(proxies):
    proxies(1)
    # The client wrote "6.6.6.6" itself; the ingress appended the address it saw.
    assert web.client_address(request("10.0.0.9", "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    proxies(2)
    assert web.client_address(request("10.0.0.9", "6.6.6.6, 203.0.113.7, 10.0.0.2")) \
        == "203.0.113.7"


def test_a_header_shorter_than_the_proxies_falls_back_to_the_peer(proxies):
    proxies(2)
    assert web.client_address(request("10.0.0.9", "203.0.113.7")) == "10.0.0.9"


def test_each_client_has_its_own_allowance_and_every_limit_applies():
    limit = web.ClientLimit("3 per 10 seconds;4/minute", "test")
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b")
    assert 1 <= limit.retry_after("a") <= 10


def test_a_limit_in_a_notation_the_library_does_not_read_is_refused():
    with pytest.raises(ValueError):
        web.ClientLimit("lots", "test")
