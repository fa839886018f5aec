from google.rpc import code_pb2, error_details_pb2

from services.common import errors
from services.common.grpc_ext.interceptors import to_status


def details(status, kind):
    found = []
    for any_detail in status.details:
        detail = kind()
        if any_detail.Unpack(detail):
            found.append(detail)
    return found


def test_field_errors_become_bad_request_details():
    status = to_status(errors.InvalidArgument("invalid task", {"code": "required"}))
    assert status.code == code_pb2.INVALID_ARGUMENT
    assert status.message == "invalid task"
    [bad_request] = details(status, error_details_pb2.BadRequest)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("code", "required")]
    [info] = details(status, error_details_pb2.ErrorInfo)
    assert info.reason == "ERROR_REASON_INVALID_ARGUMENT"


def test_each_domain_error_has_its_canonical_code():
    assert to_status(errors.NotFound("x")).code == code_pb2.NOT_FOUND
    assert to_status(errors.PermissionDenied("x")).code == code_pb2.PERMISSION_DENIED
    assert to_status(errors.Unauthenticated("x")).code == code_pb2.UNAUTHENTICATED
    assert to_status(errors.AlreadyExists("x")).code == code_pb2.ALREADY_EXISTS
