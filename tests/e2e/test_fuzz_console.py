"""The web console fuzzed (schemathesis) from the OpenAPI document FastAPI makes of its
routes, which the console does not publish (its pages are for browsers): every route
called signed out, signed in without the form's security token and signed in with it,
with forms of the fields its handlers read. No answer is a 5xx, and none carries an
exception's or a library's text. Examples per route: COMMUNE_FUZZ_EXAMPLES."""
import pytest
import schemathesis
from hypothesis import assume, given
from hypothesis import strategies as st

from services.console.config import ConsoleSettings
from services.console.server import create_app
from services.console.sessions import SessionStore
from services.console.web import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from tests.e2e.conftest import TEST_PROVINCES
from tests.helpers import start_console
from tests.reliability.fuzz_support import fuzz_calls

pytestmark = pytest.mark.e2e

TENANT = "fuzz-commune"  # what fuzzing writes lands in no other test's commune
ADMIN = {"_id": "fuzz.admin", "name": "Fuzzer", "role": "admin", "scope": TENANT,
         "communes": [TENANT], "hash": "", "failed": 0, "locked": False}
# An open event stream never ends, so a call to it never answers: not fuzzed here.
ENDLESS = {"/c/{commune}/ioc/stream"}
# The fields the console's form handlers read (their forms are not in the document).
FORM_FIELDS = ("username", "name", "role", "scope", "password", "action", "note", "id",
               "reason", "startsAt", "endsAt", "ruleIds", "locations", "indicator", "period",
               "unit", "sourceDocument", "numerator", "denominator", "value", "question",
               "handoff", "traceId", "sessionId", "format", "year", "quarter", "percent",
               "evidenceUrl", "evidenceDescription", "decision", "deadline", "newCode",
               "newTitle", "leadUnit", "gtin", "lot", "step", "where", "text")
FORM_VALUES = (st.text(max_size=30) | st.sampled_from(
    ["", "0", "-1", "100", "1e309", "nan", "inf", "2026", "Quý I/2026", "2026-13-45T25:61",
     "approve", "acknowledge", "docx", "pdf", "stop", "replace", "keep", TENANT]))
forms = st.dictionaries(st.sampled_from(FORM_FIELDS), FORM_VALUES, max_size=8)
# What an exception's or a library's text looks like in a page.
LEAKS = ("Traceback", "Exception", "Errno", "object has no attribute", "NoneType",
         "invalid literal", "could not convert", "KeyError", "ValueError", "TypeError",
         "AttributeError", "index out of range", "Expecting value", "httpx", "pymongo",
         "jinja2", "starlette", "pydantic")
MODES = ("signed out", "signed in, no security token", "signed in, security token")


@pytest.fixture(scope="module")
def console(settings, platform):
    workers = {name: platform[name] for name in ("tasks", "kpi", "iocevents", "trace",
                                                 "assistant")}
    app = start_console(settings, workers, COMMUNE_CONSOLE_IOC_GRPC=(
        f"127.0.0.1:{platform['iocevents-grpc'].grpc_port}"))
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def sessions(settings, mongo, console):
    """Opens a session of the fuzzing admin of TENANT (one per call: a fuzzed logout
    closes the one it is given)."""
    db = mongo[f"{settings.namespace}_console"]
    db.accounts.replace_one({"_id": ADMIN["_id"]}, ADMIN, upsert=True)
    store = SessionStore(db, 1)
    return lambda: store.open(ADMIN)


def operations(settings):
    """The console's routes, from the document FastAPI makes of them."""
    document = create_app(settings, ConsoleSettings()).openapi()
    schema = schemathesis.openapi.from_dict(document)
    return [op for op in (result.ok() for result in schema.get_all_operations())
            if op.path not in ENDLESS]


def failures_of(operation, base_url: str, open_session, seen: list) -> list[str]:
    """What went wrong, one line per kind; every (route, mode, status) goes to `seen`."""
    found = []

    @fuzz_calls
    @given(case=operation.as_strategy(), form=forms, own=st.booleans())
    def run(case, form, own):
        params = case.path_parameters or {}
        # An HTTP client removes "." and ".." segments (RFC 3986, 5.2.4): such a URL
        # never reaches the route it was made for.
        assume(not any(segment in (".", "..") for value in params.values()
                       for segment in str(value).split("/")))
        if own:  # reach the code behind the commune check
            mine = {"commune": TENANT, "province": TEST_PROVINCES[TENANT]}
            case.path_parameters = {**params, **{k: v for k, v in mine.items() if k in params}}
        sent = {**(case.body if isinstance(case.body, dict) else {}), **form}
        for mode in MODES:
            cookies, data = {}, dict(sent)
            if mode != "signed out":
                session = open_session()
                cookies = {SESSION_COOKIE: session["_id"], LOGIN_CSRF_COOKIE: session["csrf"]}
                data["csrf"] = session["csrf"] if mode == MODES[2] else "stale"
            response = case.call(base_url=base_url, cookies=cookies, data=data, timeout=120,
                                 allow_redirects=False)
            media_type = response.headers.get("content-type", [""])[0]
            text = response.content.decode("utf-8", "replace") if "text" in media_type else ""
            leaked = [word for word in LEAKS if word in text]
            seen.append((operation.label, mode, response.status_code))
            if response.status_code >= 500 or leaked:
                found.append(f"{operation.label} {mode}: {response.status_code} {leaked} "
                             f"{case.path_parameters} {data}")

    run()
    return sorted(set(found))


def test_no_5xx_and_no_exception_text_on_any_page(settings, console, sessions):
    ops = operations(settings)
    assert len(ops) >= 30
    seen = []
    failures = [line for op in ops for line in failures_of(op, console.url, sessions, seen)]
    assert not failures, "\n".join(failures)
    # the calls were real: with the token, forms got past the check to their handlers
    past_the_check = {label for label, mode, status in seen
                      if label.startswith("POST") and mode == MODES[2] and status != 403}
    posts = {op.label for op in ops if op.method.upper() == "POST"}
    print(f"console fuzzing: {len(ops)} routes, {len(seen)} calls, "
          f"{len(past_the_check)}/{len(posts)} forms past the security token")
    assert len(past_the_check) >= len(posts) // 2, sorted(posts - past_the_check)
