"""The trace service's own seal: an Ed25519 signature, with a key only the service holds,
of every link it appends (batch, seq, link hash) and of each batch's head (batch, count,
hash of the last link). The hash chain alone shows that a link was changed; the sealed
head shows that links were removed from the end (or the middle), and the link seals
that a link added behind the service's back is not one of its own. Someone with write
access to the database but not the key can neither forge a head nor a link; what a seal
cannot show is a head replaced by an older sealed one of the same batch (a rollback):
outside subscribers of trace.event_recorded hold each link's seq and hash for that.
Pure functions, no I/O."""
import base64
import binascii
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .chain import GENESIS, canonical


class SealKeyError(ValueError):
    """The seal key is malformed, or not one to use here."""


class Seal:
    def __init__(self, private_key: str, retired: Iterable[str] = ()):
        """`private_key`: base64 of a raw 32-byte Ed25519 private key; `retired`: the
        public keys (base64 of 32 raw bytes) of earlier seal keys, whose seals still
        verify after a rotation (never a key known to have leaked: it could forge)."""
        try:
            raw = base64.b64decode(private_key, validate=True)
            self._key = Ed25519PrivateKey.from_private_bytes(raw)
        except (binascii.Error, ValueError):
            raise SealKeyError("the trace seal key must be base64 of a raw 32-byte Ed25519 "
                               "private key") from None
        self._publics = [self._key.public_key()]
        for key in retired:
            try:
                self._publics.append(Ed25519PublicKey.from_public_bytes(
                    base64.b64decode(key, validate=True)))
            except (binascii.Error, ValueError):
                raise SealKeyError(f"retired seal key {key[:12]!r}… is not base64 of a raw "
                                   "32-byte Ed25519 public key") from None

    @property
    def public_key(self) -> str:
        """The public half of the key, base64: what to list as retired after a rotation."""
        return base64.b64encode(self._publics[0].public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()

    def _sign(self, fields: dict) -> str:
        return base64.b64encode(self._key.sign(canonical(fields))).decode()

    def _verifies(self, signature, fields: dict) -> bool:
        try:
            value = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError, TypeError):
            return False
        message = canonical(fields)
        for public in self._publics:
            try:
                public.verify(value, message)
                return True
            except InvalidSignature:
                pass
        return False

    def link(self, batch: str, seq: int, link_hash: str) -> str:
        """The seal of a link, stored beside it."""
        return self._sign({"batch": batch, "seq": seq, "hash": link_hash})

    def link_sealed(self, link: dict) -> bool:
        return self._verifies(link.get("seal"), {"batch": link.get("batch"),
                                                 "seq": link.get("seq"),
                                                 "hash": link.get("hash")})

    def head(self, batch: str, count: int, head_hash: str) -> dict:
        """A batch's sealed head: how many links it has and the hash of the last one."""
        return {"count": count, "hash": head_hash,
                "value": self._sign({"batch": batch, "count": count, "hash": head_hash})}

    def head_sealed(self, batch: str, head: dict | None) -> bool:
        if not isinstance(head, dict) or not isinstance(head.get("count"), int):
            return False
        return self._verifies(head.get("value"), {"batch": batch, "count": head["count"],
                                                  "hash": head.get("hash")})

    def genesis(self, batch: str) -> dict:
        """The head of a batch with no events yet."""
        return self.head(batch, 0, GENESIS)
