"""The kinds of paper citizens hand in (data/papers.yaml) and which kinds count for a
required document: the kind of the document's own id, and the kinds papers.yaml lists
for that id (or the document's own `accepts`, which replaces them). Pure models."""
from pydantic import BaseModel, ConfigDict, Field, field_validator

KIND_ID = r"^[a-z0-9_]+$"


class PaperKind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=KIND_ID)
    name: str = Field(min_length=3)
    # How officers write it ("CCCD", "cà vẹt"), matched like the name.
    aliases: tuple[str, ...] = ()
    # Why it is often brought and not enough, told to the officer when it counts for nothing.
    note: str = ""


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: tuple[PaperKind, ...] = ()
    # Document id -> the kinds that count for it besides its own.
    accepts: dict[str, tuple[str, ...]] = {}

    @field_validator("kinds")
    @classmethod
    def _unique_ids(cls, kinds):
        ids = [k.id for k in kinds]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"kind ids repeated: {', '.join(repeated)}")
        return kinds

    def kind(self, kind_id: str) -> PaperKind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)

    def unknown(self, kind_ids) -> list[str]:
        """Those of `kind_ids` that name no kind."""
        return [k for k in kind_ids if self.kind(k) is None]

    def accepted(self, document) -> tuple[str, ...]:
        """The kinds of paper that count for a required document."""
        return (document.id, *(document.accepts or self.accepts.get(document.id, ())))
