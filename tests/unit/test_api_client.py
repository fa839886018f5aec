"""The edge processes' client maps problem+json answers back to the services' errors."""
import httpx
import pytest

from services.common import errors
from services.common.api_client import _error_of
from services.common.settings import Settings


def answer(status, body):
    return httpx.Response(status, json=body)


def test_an_invalid_argument_keeps_its_detail_and_fields():
    error = _error_of("kpi", answer(400, {"detail": "bad period", "fields": {"period": "x"}}))
    assert isinstance(error, errors.InvalidArgument)
    assert str(error) == "bad period" and error.fields == {"period": "x"}


@pytest.mark.parametrize("status, kind", [
    (401, errors.Unauthenticated), (403, errors.PermissionDenied), (404, errors.NotFound),
    (409, errors.FailedPrecondition), (503, errors.Unavailable)])
def test_each_status_is_its_error(status, kind):
    assert type(_error_of("tasks", answer(status, {"detail": "d"}))) is kind


def test_an_answer_without_a_body_names_the_service_and_status():
    error = _error_of("trace", httpx.Response(502, text="<html>"))
    assert isinstance(error, errors.Unavailable) and "trace" in str(error) and "502" in str(error)


def test_a_service_is_reached_at_its_configured_url_or_on_this_host():
    settings = Settings(api_urls={"kpi": "http://kpi:8002/"})
    assert settings.api_url("kpi") == "http://kpi:8002"
    assert settings.api_url("tasks") == "http://127.0.0.1:8001"
