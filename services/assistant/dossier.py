"""The dossier checker for officers: which required papers of a procedure are missing
from a dossier, and which were handed in as a copy where an original is needed. Pure."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .knowledge import Procedure
from .retrieval import normalise

# How a paper was handed in: the original, a certified copy, or a plain photocopy/scan.
Submitted = Literal["original", "certified_copy", "photocopy"]
# A paper named in words matches a required one when it shares this much of its words.
NAME_MATCH = 0.6


class Paper(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The document id from the procedure (e.g. giay_chung_sinh) or its name in words.
    document: str = Field(min_length=1, max_length=300)
    form: Submitted = "original"


def _words(text: str) -> set[str]:
    return set(normalise(text).split())


def _match(procedure: Procedure, paper: Paper):
    exact = procedure.document(paper.document.strip())
    if exact:
        return exact
    given = _words(paper.document)
    best, best_share = None, 0.0
    for document in procedure.documents:
        wanted = _words(document.name)
        share = len(given & wanted) / max(1, min(len(given), len(wanted)))
        if share > best_share:
            best, best_share = document, share
    return best if best_share >= NAME_MATCH else None


def _problem(form: str, submitted: Submitted) -> str:
    """What is wrong with handing in a paper required as `form` in the way submitted."""
    if form in ("original", "present") and submitted != "original":
        return ("cần nộp bản chính" if form == "original"
                else "cần mang bản chính để xuất trình")
    if form == "copy" and submitted == "photocopy":
        return "cần bản sao có chứng thực, hoặc mang bản chính để đối chiếu"
    return ""


def check(procedure: Procedure, papers: list[Paper]) -> dict:
    """{complete, missing, optional_not_given, needs_original, unrecognised}: what an
    officer should ask the citizen for before accepting the dossier."""
    given: dict[str, Submitted] = {}
    unrecognised = []
    for paper in papers:
        document = _match(procedure, paper)
        if document is None:
            unrecognised.append(paper.document)
        elif given.get(document.id) != "original":  # the best form handed in counts
            given[document.id] = paper.form
    missing, optional, needs_original = [], [], []
    for document in procedure.documents:
        entry = {"id": document.id, "name": document.name, "form": document.form}
        if document.id not in given:
            (optional if document.optional else missing).append(entry)
            continue
        problem = _problem(document.form, given[document.id])
        if problem:
            needs_original.append({**entry, "submitted": given[document.id], "problem": problem})
    return {"procedure": {"code": procedure.code, "name": procedure.name},
            "complete": not missing and not needs_original, "missing": missing,
            "optional_not_given": optional, "needs_original": needs_original,
            "unrecognised": unrecognised}
