"""Every method of every gRPC service, called with messages made from its descriptor:
fields missing, out of range (extreme integers, NaN, enum numbers the contract does not
name), strings of anything, nested messages half filled. Each answers OK or a status
that names the caller's fault (INVALID_ARGUMENT, NOT_FOUND, ...), never UNKNOWN or
INTERNAL. Examples per method: COMMUNE_FUZZ_EXAMPLES."""
import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor as F
from hypothesis import given
from hypothesis import strategies as st

from services.common.auth import issue_token
from tests.e2e.test_access_matrix import SERVICES
from tests.reliability.fuzz_support import fuzz_calls

pytestmark = pytest.mark.e2e

TENANT = "fuzz-commune"  # what fuzzing writes lands in no other test's commune
SERVER_FAULTS = {"UNKNOWN", "INTERNAL", "DATA_LOSS", "UNIMPLEMENTED"}
# A stream let through stays open: this long without an answer counts as open.
STREAM_S = 0.5
INTS = {F.TYPE_INT32: (-2**31, 2**31 - 1), F.TYPE_SINT32: (-2**31, 2**31 - 1),
        F.TYPE_SFIXED32: (-2**31, 2**31 - 1), F.TYPE_UINT32: (0, 2**32 - 1),
        F.TYPE_FIXED32: (0, 2**32 - 1), F.TYPE_INT64: (-2**63, 2**63 - 1),
        F.TYPE_SINT64: (-2**63, 2**63 - 1), F.TYPE_SFIXED64: (-2**63, 2**63 - 1),
        F.TYPE_UINT64: (0, 2**64 - 1), F.TYPE_FIXED64: (0, 2**64 - 1)}
WORDS = st.sampled_from([TENANT, "", "lung-phinh", "2026", "Quý III/2026", "8939999000093",
                         "MD-2026-02", "a" * 300, "../../etc", "null", "-1"])


def _scalar(field):
    if field.type in INTS:
        low, high = INTS[field.type]
        return st.integers(low, high) | st.sampled_from([low, high, 0, -1, 1])
    if field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return st.floats(width=32 if field.type == F.TYPE_FLOAT else 64)
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type == F.TYPE_ENUM:  # unnamed numbers too: proto3 keeps them
        return st.integers(-3, 40)
    if field.type == F.TYPE_BYTES:
        return st.binary(max_size=40)
    return WORDS | st.text(max_size=40)


def messages(descriptor, depth: int = 0):
    """A strategy of messages of `descriptor`: any of its fields set, the rest missing."""
    if descriptor.full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
        return st.builds(lambda s, n: message_factory.GetMessageClass(descriptor)(
            seconds=s, nanos=n), st.integers(-2**40, 2**40), st.integers(0, 999_999_999))
    fields = {}
    for field in descriptor.fields:
        if field.message_type is not None:
            if depth >= 3 or field.message_type.GetOptions().map_entry:
                continue
            value = messages(field.message_type, depth + 1)
        else:
            value = _scalar(field)
        fields[field.name] = st.lists(value, max_size=3) if field.is_repeated else value
    return st.fixed_dictionaries({}, optional=fields).map(
        lambda chosen: _made(descriptor, chosen))


def _made(descriptor, chosen: dict):
    message = message_factory.GetMessageClass(descriptor)()
    for name, value in chosen.items():
        field = descriptor.fields_by_name[name]
        if field.is_repeated:
            getattr(message, name).extend(value)
        elif field.message_type is not None:
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def status_of(channel, service_descriptor, method, message, token: str) -> str:
    kind = (channel.unary_stream if method.server_streaming else
            channel.stream_unary if method.client_streaming else channel.unary_unary)
    call = kind(f"/{service_descriptor.full_name}/{method.name}",
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=message_factory.GetMessageClass(
                    method.output_type).FromString)
    request = iter([message, message]) if method.client_streaming else message
    try:
        if method.server_streaming:
            next(call(request, metadata=[("authorization", f"Bearer {token}")],
                      timeout=STREAM_S), None)
        else:
            call(request, metadata=[("authorization", f"Bearer {token}")], timeout=60)
    except grpc.RpcError as error:
        if method.server_streaming and error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            return "OK"
        return f"{error.code().name}: {error.details()}"
    return "OK"


@pytest.mark.parametrize("service, process, descriptor",
                         [pytest.param(s, grpc_process, d, id=s)
                          for s, _, _, grpc_process, d in SERVICES])
def test_no_grpc_method_fails_on_bad_input(settings, platform, service, process, descriptor):
    token = issue_token(settings, "fuzzer", "admin", [TENANT])
    faults = set()
    with grpc.insecure_channel(f"127.0.0.1:{platform[process].grpc_port}") as channel:
        for method in descriptor.methods:
            @fuzz_calls
            @given(st.just(method), messages(method.input_type))
            def call(method, message):
                status = status_of(channel, descriptor, method, message, token)
                if status.split(":")[0] in SERVER_FAULTS:
                    faults.add(f"{method.name}: {status[:200]}")
            call()
    assert not faults, "\n".join(sorted(faults))
