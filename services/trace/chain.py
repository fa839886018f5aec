"""Tamper evidence: each batch's events form a hash chain. A link carries the SHA-256 of
its event's canonical JSON and the hash of the link before it; changing, removing or
reordering any event breaks every link from there on, and verify() says where; the
service's seal of each link and of the batch's head (seal.py) shows removal from the end.
A producer may also sign an event's content hash with an Ed25519 key. Pure functions, no
I/O."""
import base64
import hashlib
import json
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.common.errors import InvalidArgument

GENESIS = "0" * 64


def canonical(value) -> bytes:
    """One byte string per JSON value: keys sorted, no spaces, UTF-8 (no \\u escapes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def content_hash(event: dict) -> str:
    return sha256(canonical(event))


def link_hash(prev_hash: str, content: str) -> str:
    return sha256(prev_hash + content)


def link(prev_hash: str, event: dict) -> dict:
    """The chain fields of the next event after a link whose hash is `prev_hash`."""
    content = content_hash(event)
    return {"prev_hash": prev_hash, "content_hash": content,
            "hash": link_hash(prev_hash, content)}


@dataclass(frozen=True)
class Verification:
    intact: bool
    checked: int  # links checked
    broken_at: int = 0  # the seq of the first bad or missing link; 0 when intact
    reason: str = ""
    head: str = GENESIS
    anchored_events: int = 0  # how many events the batch's sealed head vouches for
    anchor_signed: bool = False  # the head carries the service's valid seal
    missing_events: int = 0  # events the sealed head counts that were not found

    def as_dict(self) -> dict:
        return asdict(self)


def verify(batch: str, links: list[dict], head: dict | None, seal,
           public_keys: dict[str, str] | None = None) -> Verification:
    """Check a batch's links in seq order: each seq follows the last, each content hash
    matches its event, each link names the hash before it and carries the service's seal
    (`seal`: a seal.Seal), each signature (if any) verifies with its signer's public key
    in `public_keys`. Then check the chain against the batch's sealed `head`: a chain
    shorter than the head's count was truncated."""
    signed = seal.head_sealed(batch, head)
    anchored = head["count"] if signed else 0
    missing = anchored - sum(1 for x in links if isinstance(x.get("seq"), int)
                             and x["seq"] <= anchored)
    prev, expected_seq = GENESIS, 1
    for entry in links:
        problem = _link_problem(entry, expected_seq, prev, seal, public_keys or {})
        if problem:
            return Verification(False, expected_seq - 1, expected_seq, problem, prev,
                                anchored, signed, missing)
        prev, expected_seq = entry["hash"], expected_seq + 1
    found = len(links)
    broken_at, problem = found + 1, ""
    if not signed:
        problem = "the batch's sealed head is missing or its seal does not verify"
    elif found < anchored:
        problem = (f"the last {anchored - found} of {anchored} recorded events are missing"
                   if found else f"all {anchored} recorded events are missing")
    elif anchored and links[anchored - 1]["hash"] != head.get("hash"):
        broken_at, problem = anchored, (f"event {anchored} is not the one the batch's "
                                        "sealed head names")
    if problem:
        return Verification(False, found, broken_at, problem, prev, anchored, signed, missing)
    return Verification(True, found, head=prev, anchored_events=anchored, anchor_signed=True)


def unsealed_problem(links: list[dict]) -> str:
    """What is wrong with a chain recorded before the service sealed links (seq order,
    content and link hashes only; no seals, no signatures); empty when nothing is."""
    prev = GENESIS
    for expected_seq, entry in enumerate(links, 1):
        problem = _link_problem({**entry, "signature": None}, expected_seq, prev, None, {})
        if problem:
            return problem
        prev = entry["hash"]
    return ""


def _link_problem(entry: dict, expected_seq: int, prev: str, seal,
                  public_keys: dict[str, str]) -> str:
    seq = entry.get("seq")
    if seq != expected_seq:
        return f"event {expected_seq} is missing (found {seq})"
    if entry.get("prev_hash") != prev:
        return f"event {seq} does not follow event {seq - 1}"
    if content_hash(entry.get("event", {})) != entry.get("content_hash"):
        return f"event {seq} was changed after it was recorded"
    if link_hash(prev, entry["content_hash"]) != entry.get("hash"):
        return f"event {seq}'s link hash is wrong"
    if seal is not None and not seal.link_sealed(entry):
        return f"event {seq} does not carry the service's seal"
    if entry.get("signature"):
        return _signature_problem(entry, public_keys)
    return ""


def _signature_problem(entry: dict, public_keys: dict[str, str]) -> str:
    signature = entry["signature"]
    problem = signature_problem(signature, entry["content_hash"],
                                public_keys.get(signature.get("signer", ""), ""))
    return f"event {entry['seq']}'s {problem}" if problem else ""


def signature_problem(signature: dict, content_hash: str, public_key: str) -> str:
    """What is wrong with a signature of an event's content hash; empty when it verifies."""
    if not public_key:
        return f"signer {signature.get('signer')!r} has no known key"
    try:
        load_public_key(public_key).verify(base64.b64decode(signature["value"]),
                                           content_hash.encode())
    except (InvalidSignature, InvalidArgument, ValueError, KeyError, TypeError):
        return "signature does not verify"
    return ""


def new_private_key() -> str:
    """A new Ed25519 private key, base64 of its 32 raw bytes."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())
    return base64.b64encode(raw).decode()


def public_key_of(private_key: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    return base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def load_public_key(value: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(value, validate=True))
    except ValueError:
        raise InvalidArgument("not an Ed25519 public key (base64 of 32 bytes)",
                              {"public_key": "invalid"}) from None


def sign(private_key: str, signer: str, hash_value: str) -> dict:
    """A signature of an event's content hash, stored beside its link: the producer signs
    the event itself, not its place in the chain, which it may not know."""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    return {"signer": signer, "alg": "Ed25519",
            "value": base64.b64encode(key.sign(hash_value.encode())).decode()}
