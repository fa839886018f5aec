"""The dossier checker for officers: which required papers of a procedure are missing
from a dossier, which were handed in as a copy where an original is needed, and which
are of a kind the procedure does not take (a paper counts for a required document only
when it is one of the kinds that document accepts: papers.py). Pure."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .knowledge import Document, Procedure
from .papers import Catalogue
from .retrieval import normalise

# How a paper was handed in: the original, a certified copy, or a plain photocopy/scan.
Submitted = Literal["original", "certified_copy", "photocopy"]
# A paper named in words is of a kind (or is a required document) when it shares this
# much of its meaningful words with the kind's name or an alias (or the document's name).
NAME_MATCH = 0.6
# Words most names of papers share ("giấy tờ", "bản", "của"...), which tell none apart.
FILLER = frozenset({"giay", "to", "ban", "cua", "theo", "mau", "hoac", "neu", "co", "cac",
                    "va", "nguoi"})


class Paper(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The document id from the procedure (e.g. giay_chung_sinh), a kind of paper from
    # papers.yaml (e.g. the_can_cuoc), or its name in words.
    document: str = Field(min_length=1, max_length=300)
    form: Submitted = "original"


def _words(text: str) -> set[str]:
    return set(normalise(text).split()) - FILLER


def _likeness(given: set[str], name: str) -> tuple[float, float]:
    """How well words name something: the share of the shorter side found in the other,
    then (to break ties) the share of all the words."""
    wanted = _words(name)
    shared = len(given & wanted)
    return (shared / max(1, min(len(given), len(wanted))),
            shared / max(1, len(given | wanted)))


def _closest(given: set[str], named: list[tuple[str, str]]) -> str | None:
    """The id among (id, name) pairs whose name the words match best, if well enough."""
    scored = [(_likeness(given, name), key) for key, name in named]
    best = max(scored, default=None)
    return best[1] if best and best[0][0] >= NAME_MATCH else None


def _kind_of(procedure: Procedure, catalogue: Catalogue, paper: Paper) -> str | None:
    """What kind of paper was handed in: a required document's id or a kind from
    papers.yaml, given by id or recognised from its name; None when not recognised."""
    written = paper.document.strip()
    if procedure.document(written) or catalogue.kind(written):
        return written
    named = [(d.id, d.name) for d in procedure.documents]
    named += [(k.id, name) for k in catalogue.kinds for name in (k.name, *k.aliases)]
    return _closest(_words(written), named)


def _not_accepted(procedure: Procedure, catalogue: Catalogue, paper: Paper,
                  kind: str) -> dict:
    """Why a recognised paper counts for nothing, in Vietnamese: what it is, the required
    document it looks meant for and what that one takes, and the kind's note."""
    known = catalogue.kind(kind)
    meant = _closest(_words(paper.document), [(d.id, d.name) for d in procedure.documents])
    document = procedure.document(meant) if meant else None
    if document is None:
        problem = (f"«{paper.document}» là {known.name}, không phải giấy tờ thủ tục "
                   f"{procedure.name} yêu cầu")
    else:
        takes = "; ".join(_kind_name(procedure, catalogue, k)
                          for k in catalogue.accepted(document))
        problem = (f"«{paper.document}» là {known.name}, không dùng thay cho "
                   f"«{document.name}» (chỉ nhận: {takes})")
    return {"paper": paper.document, "kind": kind, "kind_name": known.name,
            "document_id": document.id if document else "",
            "problem": problem + (f"; {known.note}" if known.note else "")}


def _kind_name(procedure: Procedure, catalogue: Catalogue, kind: str) -> str:
    document, known = procedure.document(kind), catalogue.kind(kind)
    return document.name if document else known.name


def _problem(form: str, submitted: Submitted) -> str:
    """What is wrong with handing in a paper required as `form` in the way submitted."""
    if form in ("original", "present") and submitted != "original":
        return ("cần nộp bản chính" if form == "original"
                else "cần mang bản chính để xuất trình")
    if form == "copy" and submitted == "photocopy":
        return "cần bản sao có chứng thực, hoặc mang bản chính để đối chiếu"
    return ""


def check(procedure: Procedure, catalogue: Catalogue, papers: list[Paper]) -> dict:
    """{complete, missing, optional_not_given, needs_original, not_accepted,
    unrecognised}: what an officer should ask the citizen for before accepting the
    dossier."""
    given: dict[str, Submitted] = {}
    not_accepted, unrecognised = [], []
    for paper in papers:
        kind = _kind_of(procedure, catalogue, paper)
        if kind is None:
            unrecognised.append(paper.document)
            continue
        counts_for = [d for d in procedure.documents if kind in catalogue.accepted(d)]
        if not counts_for:
            not_accepted.append(_not_accepted(procedure, catalogue, paper, kind))
        for document in counts_for:
            if given.get(document.id) != "original":  # the best form handed in counts
                given[document.id] = paper.form
    missing, optional, needs_original = [], [], []
    for document in procedure.documents:
        entry = _entry(document)
        if document.id not in given:
            (optional if document.optional else missing).append(entry)
            continue
        problem = _problem(document.form, given[document.id])
        if problem:
            needs_original.append({**entry, "submitted": given[document.id], "problem": problem})
    return {"procedure": {"code": procedure.code, "name": procedure.name},
            "complete": not missing and not needs_original, "missing": missing,
            "optional_not_given": optional, "needs_original": needs_original,
            "not_accepted": not_accepted, "unrecognised": unrecognised}


def _entry(document: Document) -> dict:
    return {"id": document.id, "name": document.name, "form": document.form}
