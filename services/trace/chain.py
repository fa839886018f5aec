"""Tamper evidence: each batch's events form a hash chain. A link carries the SHA-256 of
its event's canonical JSON and the hash of the link before it; changing, removing or
reordering any event breaks every link from there on, and verify() says where. A producer
may also sign an event's content hash with an Ed25519 key. Pure functions, no I/O."""
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
    broken_at: int = 0  # the seq of the first bad link; 0 when intact
    reason: str = ""
    head: str = GENESIS

    def as_dict(self) -> dict:
        return asdict(self)


def verify(links: list[dict], public_keys: dict[str, str] | None = None) -> Verification:
    """Check a batch's links in seq order: each seq follows the last, each content hash
    matches its event, each link names the hash before it, each signature (if any)
    verifies with its signer's public key in `public_keys`."""
    prev, expected_seq = GENESIS, 1
    for entry in links:
        seq = entry.get("seq")
        problem = ""
        if seq != expected_seq:
            problem = f"event {expected_seq} is missing (found {seq})"
        elif entry.get("prev_hash") != prev:
            problem = f"event {seq} does not follow event {seq - 1}"
        elif content_hash(entry.get("event", {})) != entry.get("content_hash"):
            problem = f"event {seq} was changed after it was recorded"
        elif link_hash(prev, entry["content_hash"]) != entry.get("hash"):
            problem = f"event {seq}'s link hash is wrong"
        elif entry.get("signature"):
            problem = _signature_problem(entry, public_keys or {})
        if problem:
            return Verification(False, expected_seq - 1, expected_seq, problem, prev)
        prev, expected_seq = entry["hash"], expected_seq + 1
    return Verification(True, len(links), head=prev)


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
    except ValueError as exc:
        raise InvalidArgument(f"not an Ed25519 public key (base64 of 32 bytes): {exc}",
                              {"public_key": "invalid"}) from None


def sign(private_key: str, signer: str, hash_value: str) -> dict:
    """A signature of an event's content hash, stored beside its link: the producer signs
    the event itself, not its place in the chain, which it may not know."""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    return {"signer": signer, "alg": "Ed25519",
            "value": base64.b64encode(key.sign(hash_value.encode())).decode()}
