"""commune.v1.AssistantService for province integrations (runs in commune-grpc, no
eventlet): the same Desk as the nameko service, over its own store and publisher."""
from concurrent.futures import ThreadPoolExecutor

import grpc

from commune.v1 import assistant_pb2, assistant_pb2_grpc
from services.common.errors import InvalidArgument
from services.common.grpc_ext.interceptors import current_principal
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher
from services.common.settings import Settings

from .desk import Desk
from .domain import default_assistant
from .http_api import OFFICERS
from .store import AssistantStore

READERS = ("officer", "admin", "province")
FORMS = {assistant_pb2.PAPER_FORM_ORIGINAL: "original",
         assistant_pb2.PAPER_FORM_UNSPECIFIED: "original",
         assistant_pb2.PAPER_FORM_CERTIFIED_COPY: "certified_copy",
         assistant_pb2.PAPER_FORM_PHOTOCOPY: "photocopy"}


def _form(value: int) -> str:
    """A PaperForm number as the dossier checker names it; a number this version does
    not know is bad input, not a crash."""
    if value not in FORMS:
        raise InvalidArgument(f"unknown paper form {value}", {"papers.form": "unknown"})
    return FORMS[value]


def _documents(rows: list[dict]) -> list[assistant_pb2.RequiredDocument]:
    return [assistant_pb2.RequiredDocument(id=r["id"], name=r["name"], form=r["form"],
                                           problem=r.get("problem", "")) for r in rows]


class AssistantServicer(assistant_pb2_grpc.AssistantServiceServicer):
    def __init__(self, desk: Desk):
        self.desk = desk

    def Ask(self, request: assistant_pb2.AskRequest, context):
        current_principal().require(request.tenant, READERS)
        answer = self.desk.ask(request.tenant, {"text": request.question,
                                                "session_id": request.session_id})
        procedure = answer["procedure"] or {}
        return assistant_pb2.AskResponse(answer=assistant_pb2.AssistantAnswer(
            text=answer["answer"], language=answer["language"], declined=answer["declined"],
            procedure_code=procedure.get("code", ""), procedure_name=procedure.get("name", ""),
            citations=[assistant_pb2.Citation(procedure_code=c["code"], field=c["field"])
                       for c in answer["citations"]],
            confidence=answer["confidence"],
            vietnamese_fallback=answer["vietnamese_fallback"], trace_id=answer["trace_id"],
            session_id=answer["session_id"],
            alternative_codes=[a["code"] for a in answer["alternatives"]]))

    def CheckDossier(self, request: assistant_pb2.CheckDossierRequest, context):
        current_principal().require(request.tenant, OFFICERS)
        result = self.desk.check_dossier(request.tenant, {
            "procedure": request.procedure_code,
            "papers": [{"document": p.document, "form": _form(p.form)} for p in request.papers]})
        return assistant_pb2.CheckDossierResponse(
            complete=result["complete"], missing=_documents(result["missing"]),
            needs_original=_documents(result["needs_original"]),
            optional_not_given=_documents(result["optional_not_given"]),
            unrecognised=result["unrecognised"],
            not_accepted=[assistant_pb2.RejectedPaper(**r) for r in result["not_accepted"]])


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = AssistantStore(make_client(settings)[database_name(settings, "assistant")])
    sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="assistant-outbox")
    desk = Desk(store, Publisher(settings.amqp_uri, settings.namespace), default_assistant(),
                settings.auth_secret.get_secret_value(), defer=sender.submit)
    assistant_pb2_grpc.add_AssistantServiceServicer_to_server(AssistantServicer(desk), server)
    return assistant_pb2.DESCRIPTOR.services_by_name["AssistantService"].full_name
