"""The knowledge base: commune procedures as YAML files under data/procedures/, the kinds
of paper (data/papers.yaml) and the phrases people use for a situation
(data/situations.yaml), which an officer can edit, validated on load. An error names the
file and the entry at fault."""
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .papers import KIND_ID, Catalogue

DATA = Path(__file__).parent / "data"
PROCEDURES = DATA / "procedures"
PAPERS = DATA / "papers.yaml"
SITUATIONS = DATA / "situations.yaml"

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
    # Kinds of paper (papers.yaml) that count for it besides its own id; when given,
    # they replace papers.yaml's list for its id.
    accepts: tuple[Annotated[str, Field(pattern=KIND_ID)], ...] = ()


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
    # The common procedures this one is a rarer case of, where its name does not show it
    # (a name holding another's whole name is a variant of it without saying so).
    variant_of: tuple[Annotated[str, Field(pattern=r"^[A-Z]{2,4}-\d{2}$")], ...] = ()
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

    def said(self) -> list[str]:
        """The texts an answer says (an answer in Hmong or Thái words them)."""
        return [self.name, self.field, self.fee, self.processing_time, self.where,
                *(d.name for d in self.documents), *self.legal_basis]

    def document(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == document_id), None)


class Situation(BaseModel):
    """Phrases that say, in people's words, what the words of `means` say in the
    procedures' words ("qua đời" means "khai tử")."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    means: str = Field(min_length=2)
    phrases: tuple[Annotated[str, Field(min_length=2)], ...] = Field(min_length=1)
    why: str = Field(min_length=3)


class Elsewhere(BaseModel):
    """Phrases naming a matter another office handles, not the commune."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    where: str = Field(min_length=3)
    phrases: tuple[Annotated[str, Field(min_length=2)], ...] = Field(min_length=1)


class Situations(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    situations: tuple[Situation, ...] = ()
    elsewhere: tuple[Elsewhere, ...] = ()


class KnowledgeBase(BaseModel):
    model_config = ConfigDict(frozen=True)

    procedures: tuple[Procedure, ...]
    papers: Catalogue
    situations: Situations = Situations()
    # A digest of the files' content: which version of the data answered.
    version: str

    def get(self, code: str) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)


def _describe(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(entry)'}: {e['msg']}"
                     for e in error.errors())


def load(directory: Path = PROCEDURES, papers: Path = PAPERS,
         situations: Path = SITUATIONS) -> KnowledgeBase:
    """Every procedure of every *.yaml file in `directory` and the kinds of paper,
    validated; KnowledgeError naming the file and the entry when one is wrong, a code is
    used twice or a paper kind is named that papers.yaml does not have."""
    procedures: list[Procedure] = []
    seen: dict[str, str] = {}
    digest = hashlib.sha256()
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise KnowledgeError(f"{directory}: no *.yaml procedure files")
    for path in files:
        entries = _yaml(path, digest)
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
    for procedure in procedures:
        if unknown := [c for c in procedure.variant_of if c not in seen or c == procedure.code]:
            raise KnowledgeError(f"{seen[procedure.code]}, {procedure.code}: variant_of names "
                                 f"{', '.join(unknown)}, not another procedure")
    catalogue = _catalogue(Path(papers), digest)
    for procedure in procedures:
        for document in procedure.documents:
            if unknown := catalogue.unknown(document.accepts):
                raise KnowledgeError(
                    f"{seen[procedure.code]}, {procedure.code}, document {document.id}: "
                    f"accepts unknown paper kinds {', '.join(unknown)} (see {PAPERS.name})")
    return KnowledgeBase(procedures=tuple(procedures), papers=catalogue,
                         situations=_situations(Path(situations), digest),
                         version=digest.hexdigest()[:12])


def _yaml(path: Path, digest) -> object:
    raw = path.read_bytes()
    digest.update(raw)
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from None


def _catalogue(path: Path, digest) -> Catalogue:
    try:
        catalogue = Catalogue.model_validate(_yaml(path, digest))
    except ValidationError as exc:
        raise KnowledgeError(f"{path.name}: {_describe(exc)}") from None
    except OSError as exc:
        raise KnowledgeError(f"{path.name}: {exc.strerror or exc}") from None
    for document_id, kinds in catalogue.accepts.items():
        if unknown := catalogue.unknown(kinds):
            raise KnowledgeError(f"{path.name}, accepts {document_id}: unknown paper kinds "
                                 f"{', '.join(unknown)}")
    return catalogue


def _situations(path: Path, digest) -> Situations:
    try:
        return Situations.model_validate(_yaml(path, digest))
    except ValidationError as exc:
        raise KnowledgeError(f"{path.name}: {_describe(exc)}") from None
    except OSError as exc:
        raise KnowledgeError(f"{path.name}: {exc.strerror or exc}") from None


@lru_cache
def default() -> KnowledgeBase:
    return load()
