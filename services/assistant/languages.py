"""The languages the assistant reads: Vietnamese, Hmong and Thái, each a data file under
data/languages/ with, for Vietnamese, its answer templates and, for Hmong and Thái, a
glossary to Vietnamese. Detection and translation of a question's terms come from those
files; how answers in Hmong and Thái are worded is wording.py's. Pure."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .knowledge import DATA, KnowledgeError
from .retrieval import normalise
from .wording import SENTENCES

LANGUAGES_DIR = DATA / "languages"
ReviewStatus = Literal["unreviewed", "reviewed"]
INTENTS = ("documents", "fee", "processing_time", "where", "online_level", "legal_basis")


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    review_status: ReviewStatus
    reviewed_by: str = ""


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    vi: str = Field(min_length=1)
    term: str = Field(min_length=1)
    variants: tuple[str, ...] = ()
    # The procedure this entry names, when it is a procedure's name (for the reader).
    procedure: str = ""
    review_status: ReviewStatus
    reviewed_by: str = ""
    source: str = "machine-drafted"


class Language(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str
    orthography: str = Field(min_length=3)
    provenance: str = Field(min_length=3)
    # Vietnamese only: the answer templates (the other languages' are their wording).
    templates: dict[str, Template] = {}
    intents: dict[str, tuple[str, ...]] = {}
    stopwords: tuple[str, ...] = ()
    glossary: tuple[Term, ...] = ()


def _load(path: Path) -> Language:
    try:
        language = Language.model_validate(yaml.safe_load(path.read_text("utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeError(f"{path.name}: {exc}") from None
    required = {*SENTENCES, "unknown_language"} if language.language == "vi" else set()
    missing = required - set(language.templates)
    if missing:
        raise KnowledgeError(f"{path.name}: templates missing: {', '.join(sorted(missing))}")
    if language.language != "vi" and language.templates:
        raise KnowledgeError(f"{path.name}: answer templates belong in "
                             f"wording/{language.language}.yaml")
    return language


@dataclass(frozen=True)
class Reading:
    """A question as the assistant understood it."""

    language: str  # vi, hmn, tai; "" when no language was recognised
    vietnamese: str  # the text to search, in Vietnamese (folded)
    unknown_words: tuple[str, ...] = ()  # words the glossary did not know


class Languages:
    def __init__(self, languages: dict[str, Language], vietnamese_vocabulary: frozenset[str]):
        self.by_code = languages
        vi = languages["vi"]
        self.vi_lexicon = vietnamese_vocabulary | {
            w for phrase in (*vi.stopwords, *(c for cues in vi.intents.values() for c in cues))
            for w in normalise(phrase).split()}
        # Each glossary phrase, folded, longest first, with its Vietnamese meaning.
        self.phrases = {
            code: sorted({(tuple(normalise(form).split()), normalise(t.vi))
                          for t in lang.glossary for form in (t.term, *t.variants)},
                         key=lambda p: -len(p[0]))
            for code, lang in languages.items() if lang.glossary}
        self.lexicons = {code: {w for words, _ in phrases for w in words}
                         for code, phrases in self.phrases.items()}

    def __getitem__(self, code: str) -> Language:
        return self.by_code[code]

    def detect(self, text: str) -> str:
        """vi, hmn or tai by whose words the question uses most; a word two languages
        share counts half. "" when no word is known."""
        words = normalise(text).split()
        lexicons = {"vi": self.vi_lexicon, **self.lexicons}
        scores = dict.fromkeys(lexicons, 0.0)
        for word in words:
            owners = [code for code, lexicon in lexicons.items() if word in lexicon]
            for code in owners:
                scores[code] += 1.0 if len(owners) == 1 else 0.5
        best = max(scores, key=lambda c: (scores[c], c == "vi"))
        return best if scores[best] > 0 else ""

    def read(self, text: str) -> Reading:
        language = self.detect(text)
        words = normalise(text).split()
        if language in ("vi", ""):
            return Reading(language, " ".join(words))
        out, unknown, i = [], [], 0
        while i < len(words):
            for phrase, meaning in self.phrases[language]:
                if tuple(words[i:i + len(phrase)]) == phrase:
                    out.append(meaning)
                    i += len(phrase)
                    break
            else:
                # Vietnamese words mixed in are kept; words of neither are noted.
                if words[i] in self.vi_lexicon:
                    out.append(words[i])
                else:
                    unknown.append(words[i])
                i += 1
        return Reading(language, " ".join(out), tuple(unknown))


def load_all(directory: Path = LANGUAGES_DIR) -> dict[str, Language]:
    languages = {path.stem: _load(path) for path in sorted(directory.glob("*.yaml"))}
    for code, language in languages.items():
        if language.language != code:
            raise KnowledgeError(f"{code}.yaml: language is {language.language!r}, "
                                 f"expected {code!r} (the file's name)")
    if "vi" not in languages:
        raise KnowledgeError(f"{directory}: vi.yaml is required")
    return languages


@lru_cache
def default_languages() -> dict[str, Language]:
    return load_all()
