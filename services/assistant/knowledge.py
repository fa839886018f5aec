"""The knowledge base: commune procedures as YAML files under data/procedures/ that an
officer can edit, validated on load. An error names the file and the entry at fault."""
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DATA = Path(__file__).parent / "data"
PROCEDURES = DATA / "procedures"

# How a paper must be handed in: the original kept in the dossier, a copy (certified, or
# plain with the original shown), or the original shown to the officer and handed back.
Form = Literal["original", "copy", "present"]
Channel = Literal["in_person", "post", "online"]
# Nghị định 42/2022/NĐ-CP: "toàn trình" (fully online) or "một phần" (partly online).
OnlineLevel = Literal["full", "partial"]


class KnowledgeError(ValueError):
    """A data file that does not load; the message names the file and entry."""


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=3)
    form: Form
    optional: bool = False


class Faq(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str = Field(min_length=3)
    a: str = Field(min_length=3)


class Procedure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]{2,4}-\d{2}$")
    name: str = Field(min_length=5)
    field: str = Field(min_length=3)
    level: str = Field(min_length=3)
    aliases: tuple[str, ...] = ()
    documents: tuple[Document, ...] = Field(min_length=1)
    processing_time: str = Field(min_length=3)
    fee: str = Field(min_length=3)
    # True where the province's People's Council sets the amount (Thông tư 85/2019/TT-BTC).
    fee_varies_by_province: bool
    where: str = Field(min_length=3)
    how: tuple[Channel, ...] = Field(min_length=1)
    online_level: OnlineLevel
    legal_basis: tuple[str, ...] = Field(min_length=1)
    faq: tuple[Faq, ...] = ()

    @field_validator("documents")
    @classmethod
    def _unique_document_ids(cls, documents):
        ids = [d.id for d in documents]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"document ids repeated: {', '.join(repeated)}")
        return documents

    def document(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == document_id), None)


class KnowledgeBase(BaseModel):
    model_config = ConfigDict(frozen=True)

    procedures: tuple[Procedure, ...]
    # A digest of the files' content: which version of the data answered.
    version: str

    def get(self, code: str) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)


def _describe(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(entry)'}: {e['msg']}"
                     for e in error.errors())


def load(directory: Path = PROCEDURES) -> KnowledgeBase:
    """Every procedure of every *.yaml file in `directory`, validated; KnowledgeError
    naming the file and the entry when one is wrong or a code is used twice."""
    procedures: list[Procedure] = []
    seen: dict[str, str] = {}
    digest = hashlib.sha256()
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise KnowledgeError(f"{directory}: no *.yaml procedure files")
    for path in files:
        raw = path.read_bytes()
        digest.update(raw)
        try:
            entries = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from None
        if not isinstance(entries, list):
            raise KnowledgeError(f"{path.name}: expected a list of procedures")
        for number, entry in enumerate(entries, 1):
            label = entry.get("code", "?") if isinstance(entry, dict) else "?"
            try:
                procedure = Procedure.model_validate(entry)
            except ValidationError as exc:
                raise KnowledgeError(
                    f"{path.name}, entry {number} ({label}): {_describe(exc)}") from None
            if procedure.code in seen:
                raise KnowledgeError(f"{path.name}, entry {number}: code {procedure.code} "
                                     f"already used in {seen[procedure.code]}")
            seen[procedure.code] = path.name
            procedures.append(procedure)
    return KnowledgeBase(procedures=tuple(procedures), version=digest.hexdigest()[:12])


@lru_cache
def default() -> KnowledgeBase:
    return load()
