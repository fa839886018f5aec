"""How an answer says a procedure's fields in a language: sentence templates, and for
Hmong and Thái a glossary of the Vietnamese phrases the procedures are written in
(data/wording/<language>.yaml). Every entry keeps its review status: machine-drafted
entries stay `reviewed: false` until a native speaker or an officer reviews them.

A field's text is said phrase by phrase (its clauses, cut at "." and ";" outside
brackets); a phrase the glossary lacks stays in Vietnamese, marked « », and the answer
lists it. Numbers are not words: "{n} ngày làm việc" says "03 ngày làm việc" and
"05 ngày làm việc" alike. Vietnamese answers say the fields as written. Pure."""
import datetime as dt
import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from .knowledge import DATA, KnowledgeError

WORDING_DIR = DATA / "wording"
Kind = Literal["sentence", "term"]
NUMBER = re.compile(r"\d+(?:[.,/]\d+)*")
SLOT = "{n}"
# The sentences an answer is made of; each language's file has every one, with the
# same {placeholders} as the Vietnamese template. (A question in no known language is
# answered in Vietnamese, with vi.yaml's `unknown_language` first.)
SENTENCES = (
    "heading", "documents", "document_item", "form_original", "form_copy", "form_present",
    "optional", "processing_time", "fee", "fee_varies", "where", "how",
    "channel_in_person", "channel_post", "channel_online", "online_level", "level_full",
    "level_partial", "legal_basis", "citation", "decline", "suggestions", "fallback_note",
    "handoff")


class Entry(BaseModel):
    """A sentence template or a glossary term, as shipped or as last edited."""
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel,
                              populate_by_name=True)

    text: str
    reviewed: bool = False
    reviewer: str = ""
    reviewed_at: dt.datetime | None = None
    # 0 as shipped; each edit stored over the shipped file adds one.
    revision: int = 0


class Term(Entry):
    vi: str = Field(min_length=1)


class WordingFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    status: str = Field(min_length=3)
    sentences: dict[str, Entry]
    terms: tuple[Term, ...] = ()


def phrase_key(text: str) -> str:
    """How a Vietnamese phrase is looked up: NFC, case and spacing ignored, numbers as
    {n}, no closing full stop."""
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(NUMBER.sub(SLOT, text).split()).rstrip(" .")


def clauses(text: str) -> list[str]:
    """A field's text cut at "." and ";" outside brackets: the phrases said one by one."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        ends = char == ";" or (char == "." and (i + 1 == len(text) or text[i + 1] == " "))
        if depth == 0 and ends:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip(" .")]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Said:
    """Text in the answer's language, the phrases left in Vietnamese and whether every
    entry used was reviewed."""
    text: str
    vietnamese: tuple[str, ...] = ()
    reviewed: bool = True


@dataclass(frozen=True)
class Wording:
    """One language's wording. `translated` is False for Vietnamese, whose answers say
    the procedures' own text (nothing to review)."""
    language: str
    sentences: Mapping[str, Entry]
    terms: Mapping[str, Term] = field(default_factory=dict)  # by phrase_key(vi)
    translated: bool = True

    def sentence(self, key: str, **values: str) -> Said:
        entry = self.sentences[key]
        return Said(entry.text.format(**values), (), entry.reviewed or not self.translated)

    def slots(self, key: str) -> set[str]:
        return placeholders(self.sentences[key].text)

    def phrase(self, vietnamese: str) -> Said:
        """A Vietnamese field text said clause by clause."""
        if not self.translated:
            return Said(vietnamese)
        said = [self._clause(c) for c in clauses(vietnamese)]
        return Said("; ".join(s.text for s in said),
                    tuple(v for s in said for v in s.vietnamese),
                    all(s.reviewed for s in said))

    def _clause(self, clause: str) -> Said:
        term = self.terms.get(phrase_key(clause))
        if term is None:
            return Said(f"«{clause}»", (clause,), True)
        numbers = iter(NUMBER.findall(clause))
        return Said(term.text.replace(SLOT, "{}").format(*numbers), (), term.reviewed)

    def lacking(self, texts) -> dict[str, Term]:
        """The phrases of these field texts its glossary does not have, by key, each a
        term still to write (no text yet; its numbers as {n})."""
        if not self.translated:
            return {}
        lacking: dict[str, Term] = {}
        for clause in (c for text in texts for c in clauses(text)):
            if phrase_key(clause) not in self.terms:
                lacking.setdefault(phrase_key(clause),
                                   Term(vi=NUMBER.sub(SLOT, clause), text=""))
        return lacking

    def entries(self) -> list[tuple[Kind, str, str, Entry]]:
        """Every entry: kind, key, the Vietnamese it says, the entry."""
        return ([("sentence", k, k, e) for k, e in self.sentences.items()]
                + [("term", k, t.vi, t) for k, t in self.terms.items()])

    def entry(self, kind: Kind, key: str) -> Entry | None:
        return (self.sentences if kind == "sentence" else self.terms).get(key)

    def revised(self, kind: Kind, key: str, entry: Entry) -> "Wording":
        """This wording with one entry replaced or, for a term the glossary lacked, added
        (an edit or review stored over the file)."""
        if kind == "sentence":
            return Wording(self.language, {**self.sentences, key: entry}, self.terms,
                           self.translated)
        return Wording(self.language, self.sentences, {**self.terms, key: entry},
                       self.translated)


def check_entry(reference: Mapping[str, str], kind: Kind, key: str, vi: str,
                text: str) -> str | None:
    """What is wrong with an entry's text, or None: a sentence keeps the Vietnamese
    template's {placeholders}; a term keeps its phrase's {n} count."""
    if not text.strip():
        return "the text is empty"
    if kind == "sentence":
        try:
            used = placeholders(text)
        except ValueError as exc:
            return f"the template does not parse: {exc}"
        if used != placeholders(reference[key]):
            wanted = ", ".join(sorted("{" + p + "}" for p in placeholders(reference[key])))
            return f"the sentence must use exactly {wanted or 'no placeholders'}"
        return None
    if text.count(SLOT) != vi.count(SLOT) or "{" in text.replace(SLOT, ""):
        return f"the term must hold {SLOT} {vi.count(SLOT)} time(s) and no other {{ }}"
    return None


def _load(path: Path, reference: Mapping[str, str]) -> Wording:
    try:
        data = WordingFile.model_validate(yaml.safe_load(path.read_text("utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeError(f"{path.name}: {exc}") from None
    if data.language != path.stem:
        raise KnowledgeError(f"{path.name}: language is {data.language!r}, expected "
                             f"{path.stem!r} (the file's name)")
    missing = set(SENTENCES) - set(data.sentences)
    extra = set(data.sentences) - set(SENTENCES)
    if missing or extra:
        raise KnowledgeError(f"{path.name}: sentences missing: {sorted(missing)}, "
                             f"unknown: {sorted(extra)}")
    terms: dict[str, Term] = {}
    for number, term in enumerate(data.terms, 1):
        key = phrase_key(term.vi)
        if key in terms:
            raise KnowledgeError(f"{path.name}: term {number} ({term.vi!r}) repeats an "
                                 "earlier term")
        terms[key] = term
    for kind, key, vi, entry in Wording(data.language, data.sentences, terms).entries():
        problem = check_entry(reference, kind, key, vi, entry.text)
        if problem:
            raise KnowledgeError(f"{path.name}: {kind} {vi!r}: {problem}")
    return Wording(data.language, data.sentences, terms)


def vietnamese(templates: Mapping[str, str]) -> Wording:
    return Wording("vi", {k: Entry(text=t, reviewed=True) for k, t in templates.items()},
                   translated=False)


def load_all(templates: Mapping[str, str], directory: Path = WORDING_DIR
             ) -> dict[str, Wording]:
    """Vietnamese from its templates (`templates`: vi.yaml's), the others from their
    wording files."""
    return {"vi": vietnamese(templates),
            **{path.stem: _load(path, templates) for path in sorted(directory.glob("*.yaml"))}}


@lru_cache
def default_wordings() -> dict[str, Wording]:
    from .languages import default_languages

    vi = default_languages()["vi"]
    return load_all({k: t.text for k, t in vi.templates.items()})
