"""The assistant's table and wire models (app.py, schemas.py), and how the doors keep its
public operations public and limited per client: pure, with fakes for the transport
(integration and e2e tests run them for real)."""
from types import SimpleNamespace

import pytest

from commune.v1 import assistant_pb2, assistant_pb2_grpc
from services.assistant.app import OPERATIONS
from services.common.api import grpc_doors
from services.common.api.limits import PublicLimit, grpc_client
from services.common.api.operations import parse
from services.common.auth import ROLES, Principal, issue_token
from services.common.errors import (
    InvalidArgument,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
)
from services.common.grpc_ext.interceptors import AuthInterceptor, caller, current_principal
from services.common.settings import Settings, get_settings

DESCRIPTOR = assistant_pb2.DESCRIPTOR.services_by_name["AssistantService"]


def test_what_citizens_use_is_public_and_the_desk_is_for_officers():
    assert {op.name for op in OPERATIONS if op.public} == {
        "ask", "feedback", "handoff", "get_procedure", "get_handoff_reply"}
    for name in ("check_dossier", "list_handoffs", "claim_handoff", "answer_handoff",
                 "close_handoff", "list_traces"):
        assert OPERATIONS[name].roles == ("officer", "admin")
    assert {op.grpc for op in OPERATIONS if op.grpc} == set(DESCRIPTOR.methods_by_name)


@pytest.mark.parametrize("operation", list(OPERATIONS), ids=lambda op: op.name)
def test_every_example_is_a_valid_request(operation):
    parse(operation, operation.example)


def test_requests_are_read_in_the_contracts_names():
    ask = parse(OPERATIONS["ask"], {"tenant": "binh-lu", "question": " đăng ky\u0301 kết hôn ",
                                    "sessionId": "kiosk-1"})
    assert (ask.question, ask.session_id) == ("đăng ký kết hôn", "kiosk-1")  # NFC, trimmed
    with pytest.raises(InvalidArgument) as old_name:
        parse(OPERATIONS["ask"], {"tenant": "binh-lu", "text": "đăng ký kết hôn"})
    assert set(old_name.value.fields) == {"question", "text"}
    with pytest.raises(InvalidArgument, match="the question is empty"):
        parse(OPERATIONS["ask"], {"tenant": "binh-lu", "question": "   "})


def test_a_papers_form_is_named_as_in_the_proto_and_read_as_the_checker_names_it():
    dossier = parse(OPERATIONS["check_dossier"], {
        "tenant": "binh-lu", "procedureCode": "HT-01",
        "papers": [{"document": "giay_chung_sinh", "form": "PAPER_FORM_CERTIFIED_COPY"},
                   {"document": "CCCD"}]})
    assert [p.as_submitted() for p in dossier.papers] == [
        {"document": "giay_chung_sinh", "form": "certified_copy"},
        {"document": "CCCD", "form": "original"}]
    with pytest.raises(InvalidArgument) as unknown:  # a number this version does not know
        parse(OPERATIONS["check_dossier"], {"tenant": "binh-lu", "procedureCode": "HT-01",
                                            "papers": [{"document": "x", "form": 9}]})
    assert list(unknown.value.fields) == ["papers.0.form"]


def test_the_limit_counts_each_client_without_a_token_on_public_operations_only():
    limit = PublicLimit("2/minute", "unit-assistant")
    for _ in range(2):
        limit.check(OPERATIONS["ask"], None, "10.0.0.1")
    with pytest.raises(ResourceExhausted, match="2/minute"):
        limit.check(OPERATIONS["feedback"], None, "10.0.0.1")
    limit.check(OPERATIONS["ask"], None, "10.0.0.2")
    kiosk = Principal("console-kiosk", "citizen", frozenset({"binh-lu"}))
    for _ in range(5):
        limit.check(OPERATIONS["check_dossier"], None, "10.0.0.1")
        limit.check(OPERATIONS["ask"], kiosk, "10.0.0.1")
    PublicLimit("", "unit-assistant").check(OPERATIONS["ask"], None, "10.0.0.1")


class Context:
    """What the gRPC door reads of a call's context."""

    def __init__(self, peer="ipv4:10.0.0.9:40000", metadata=()):
        self._peer, self._metadata = peer, metadata

    def peer(self):
        return self._peer

    def invocation_metadata(self):
        return self._metadata


@pytest.mark.parametrize(("peer", "client"), [
    ("ipv4:10.0.0.7:53412", "ipv4:10.0.0.7"), ("ipv6:[::1]:53412", "ipv6:[::1]"),
    ("unix:/tmp/grpc.sock", "unix:/tmp/grpc.sock")])
def test_a_grpc_client_is_its_peers_address_without_the_port(peer, client):
    assert grpc_client(Context(peer)) == client


def test_behind_a_trusted_ingress_a_grpc_client_is_the_address_it_forwarded(monkeypatch):
    monkeypatch.setenv("COMMUNE_TRUSTED_PROXIES", "1")
    get_settings.cache_clear()
    try:
        forwarded = Context(metadata=[("x-forwarded-for", "1.2.3.4, 203.0.113.9")])
        assert grpc_client(forwarded) == "203.0.113.9"
    finally:
        monkeypatch.delenv("COMMUNE_TRUSTED_PROXIES")
        get_settings.cache_clear()
    assert grpc_client(forwarded) == "ipv4:10.0.0.9"  # nobody trusted: the peer


def test_the_grpc_door_counts_callers_without_a_token_and_refuses_them_what_is_not_public():
    servicer_class = grpc_doors.servicer(OPERATIONS, assistant_pb2_grpc.AssistantServiceServicer,
                                         DESCRIPTOR, "1/minute")
    servicer = servicer_class()
    servicer.application = SimpleNamespace(
        ask=lambda principal, request: OPERATIONS["ask"].response.model_validate(
            {"answer": {"text": request.question, "language": "vi", "declined": False,
                        "traceId": "t", "sessionId": "s"}}))
    request = assistant_pb2.AskRequest(tenant="binh-lu", question="khai sinh")
    assert servicer.Ask(request, Context()).answer.text == "khai sinh"
    with pytest.raises(ResourceExhausted):
        servicer.Ask(request, Context(peer="ipv4:10.0.0.9:40001"))
    assert servicer.Ask(request, Context(peer="ipv4:10.0.0.8:40000")).answer.trace_id == "t"
    officer = issue_token(Settings(), "cb", "officer", ["binh-lu"])
    with_token = Context(metadata=[("authorization", f"Bearer {officer}")])
    call = AuthInterceptor(Settings()).around(servicer.Ask, "/commune.v1.AssistantService/Ask",
                                              False)
    assert call(request, with_token).answer.text == "khai sinh", "a token's holder is not counted"
    with pytest.raises(Unauthenticated):  # no token, and not public: never limited
        servicer.CheckDossier(assistant_pb2.CheckDossierRequest(
            tenant="binh-lu", procedure_code="HT-01"), Context())


def test_a_grpc_call_without_a_token_runs_with_no_caller_and_a_bad_token_is_refused():
    settings = Settings()
    seen = []

    def behaviour(request, context):
        seen.append(caller())
        return current_principal()

    call = AuthInterceptor(settings).around(behaviour, "/commune.v1.AssistantService/Ask",
                                            False)
    with pytest.raises(Unauthenticated, match="missing bearer token"):
        call(None, Context())
    assert seen == [None]
    with pytest.raises(Unauthenticated, match="invalid token"):
        call(None, Context(metadata=[("authorization", "Bearer not-a-token")]))
    token = issue_token(settings, "cb", ROLES[1], ["binh-lu"])
    principal = call(None, Context(metadata=[("authorization", f"Bearer {token}")]))
    assert principal.subject == "cb" and caller() is None
    with pytest.raises(PermissionDenied):
        principal.require("lung-phinh")
