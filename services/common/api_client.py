"""The services' documented HTTP APIs, as edge processes (the console, the report
writer) reach them: with the caller's bearer token, never through the databases."""
from typing import Any

import httpx

from services.common import errors
from services.common.settings import Settings

# The problem+json status of an answer, back to the error a caller of the service
# itself would have seen.
_ERRORS_BY_STATUS = {
    400: errors.InvalidArgument, 401: errors.Unauthenticated, 403: errors.PermissionDenied,
    404: errors.NotFound, 409: errors.FailedPrecondition, 429: errors.ResourceExhausted,
}


class ServiceClient:
    """One caller's view of the services: `get("kpi", "/api/v1/...")` answers the JSON
    body, or raises the CommuneError the problem+json answer names."""

    def __init__(self, settings: Settings, token: str | None, timeout_s: float = 30.0):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._settings = settings
        self._http = httpx.Client(headers=headers, timeout=timeout_s)

    def __enter__(self) -> "ServiceClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, service: str, path: str, params: dict | None = None) -> Any:
        return self.request("GET", service, path, params=params)

    def post(self, service: str, path: str, body: Any = None) -> Any:
        return self.request("POST", service, path, json=body)

    def request(self, method: str, service: str, path: str, **kwargs) -> Any:
        url = self._settings.api_url(service) + path
        try:
            answer = self._http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise errors.Unavailable(f"the {service} service cannot be reached") from exc
        if answer.is_success:
            return answer.json() if answer.content else None
        raise _error_of(service, answer)

    def raw(self, service: str, path: str, params=None, headers: dict | None = None,
            check: bool = True) -> httpx.Response:
        """A non-JSON answer (a QR image, a label sheet, a public page) as it came; its
        error raised unless `check` is off (a public page's own 404 page is passed on)."""
        url = self._settings.api_url(service) + path
        try:
            answer = self._http.get(url, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise errors.Unavailable(f"the {service} service cannot be reached") from exc
        if check and not answer.is_success:
            raise _error_of(service, answer)
        return answer


def _error_of(service: str, answer: httpx.Response) -> errors.CommuneError:
    try:
        problem = answer.json()
    except ValueError:
        problem = {}
    detail = problem.get("detail") or f"the {service} service answered {answer.status_code}"
    kind = _ERRORS_BY_STATUS.get(answer.status_code)
    if kind is errors.InvalidArgument:
        return errors.InvalidArgument(detail, problem.get("fields") or {})
    if kind is None:
        kind = errors.Unavailable if answer.status_code >= 500 else errors.CommuneError
    return kind(detail)
