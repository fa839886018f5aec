"""Every worker's HTTP API fuzzed from its own /openapi.json (schemathesis): requests
generated from the document, valid and not, with an admin's token of the commune the
paths name. No answer is a 5xx, and every answer matches the document (status, media
type, body schema). Examples per operation: COMMUNE_FUZZ_EXAMPLES."""
import json
from importlib import import_module

import pytest
import schemathesis
from hypothesis import assume, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.common.auth import issue_token
from services.tasks.app import XLSX
from tests.api_doors import example_workbook, for_tenant, http_parts
from tests.helpers import http_call
from tests.reliability.fuzz_support import fuzz_calls

pytestmark = pytest.mark.e2e

TENANT = "fuzz-commune"  # what fuzzing writes lands in no other test's commune
# A workbook body: the example plan, or bytes that may be none
schemathesis.openapi.media_type(XLSX, st.just(example_workbook()) | st.binary(max_size=3000))
WORKERS = ("tasks", "trace", "assistant", "kpi", "iocevents")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def failures_of(operation, base_url: str, headers: dict) -> list[str]:
    """The operation fuzzed; what went wrong, one line per kind of failure."""
    found = []

    @fuzz_calls
    @given(case=operation.as_strategy())
    def run(case):
        params = case.path_parameters or {}
        # An HTTP client removes "." and ".." segments (RFC 3986, 5.2.4): such a URL
        # never reaches the route it was made for.
        assume(not any(segment in (".", "..") for value in params.values()
                       for segment in str(value).split("/")))
        if "tenant" in params:  # reach the code behind the token check
            case.path_parameters = {**params, "tenant": TENANT}
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as failure:  # recorded; the other operations go on
            for one in getattr(failure, "exceptions", [failure]):
                detail = (one.message or "").strip().splitlines()[:1]
                found.append(f"{operation.label}: {response.status_code} {one.title} {detail}")

    run()
    return sorted(set(found))


@pytest.mark.parametrize("worker", WORKERS)
def test_no_5xx_and_every_answer_as_documented(settings, platform, worker):
    base_url = f"http://127.0.0.1:{platform[worker].http_port}"
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    token = issue_token(settings, "fuzzer", "admin", [TENANT])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    failures = [line for operation in operations
                for line in failures_of(operation, base_url, {"Authorization": f"Bearer {token}"})]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("worker", WORKERS)
def test_a_body_nested_too_deep_is_a_400_naming_it_on_every_operation(settings, platform,
                                                                       worker):
    """json.loads raised RecursionError on 100,000 '[' (a 500 before json_body)."""
    operations = import_module(f"services.{worker}.app").OPERATIONS
    token = issue_token(settings, "fuzzer", "admin", [TENANT])
    answers = {}
    for op in (op for op in operations  # a file body is no JSON to nest
               if op.http and op.http.method != "GET" and not op.http.upload):
        method, path, _ = http_parts(op, for_tenant(op.example, TENANT))
        status, headers, content = http_call(platform[worker], method, path,
                                             b"[" * 100_000 + b"]" * 100_000, token)
        answers[op.name] = (status, headers["Content-Type"], json.loads(content)["detail"])
    assert answers
    wrong = {name: answer for name, answer in answers.items()
             if answer[:2] != (400, "application/problem+json") or "nested" not in answer[2]}
    assert not wrong, wrong
