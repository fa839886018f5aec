"""The trace service's seal key: a key of its own beyond localhost, the development key
only on the loopback interface, a malformed key refused at start."""
import base64

import pytest
from pydantic import SecretStr

from services.common.settings import Settings
from services.trace.config import DEV_SEAL_KEY, TraceSettings, seal_of
from services.trace.seal import Seal, SealKeyError

OWN_KEY = base64.b64encode(bytes(range(1, 33))).decode()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_development_key_serves_a_local_run(host):
    seal = seal_of(Settings(bind_host=host), TraceSettings())
    assert seal.head_sealed("b", Seal(DEV_SEAL_KEY).head("b", 1, "h"))


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.5", "trace.example.vn"])
def test_the_development_key_is_refused_beyond_localhost(host):
    with pytest.raises(SealKeyError, match="COMMUNE_TRACE_SEAL_KEY is the development key"):
        seal_of(Settings(bind_host=host), TraceSettings())
    own = seal_of(Settings(bind_host=host), TraceSettings(seal_key=SecretStr(OWN_KEY)))
    assert not own.head_sealed("b", Seal(DEV_SEAL_KEY).head("b", 1, "h"))


@pytest.mark.parametrize("key", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_is_refused_saying_what_a_key_is(key):
    with pytest.raises(SealKeyError, match="base64 of a raw 32-byte Ed25519"):
        seal_of(Settings(), TraceSettings(seal_key=SecretStr(key)))


def test_a_seal_binds_the_batch_the_count_and_the_hash():
    seal = Seal(OWN_KEY)
    head = seal.head("b", 3, "h3")
    assert seal.head_sealed("b", head)
    for changed in ({**head, "count": 2}, {**head, "hash": "h2"}, {**head, "value": "x"},
                    {**head, "count": "3"}):
        assert not seal.head_sealed("b", changed)
    assert not seal.head_sealed("c", head)
    link = {"batch": "b", "seq": 1, "hash": "h1", "seal": seal.link("b", 1, "h1")}
    assert seal.link_sealed(link)
    assert not seal.link_sealed({**link, "seq": 2}) and not seal.link_sealed({**link,
                                                                               "seal": None})


def test_after_a_rotation_the_retired_keys_seals_still_verify_and_new_ones_use_the_new_key():
    old, new = Seal(DEV_SEAL_KEY), Seal(OWN_KEY)
    head = old.head("b", 2, "h2")
    rotated = seal_of(Settings(), TraceSettings(seal_key=SecretStr(OWN_KEY),
                                                seal_retired_keys=f" {old.public_key} ,"))
    assert rotated.head_sealed("b", head) and not new.head_sealed("b", head)
    assert rotated.public_key == new.public_key
    assert not old.head_sealed("b", rotated.head("b", 3, "h3"))
    with pytest.raises(SealKeyError, match="retired seal key"):
        Seal(OWN_KEY, ["not-a-key"])
