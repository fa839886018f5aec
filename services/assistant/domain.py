"""The assistant's rules: understand a question (language, what is asked, which
procedure), decide whether it is sure enough to answer, and answer from the knowledge
base only. Pure: no I/O; the service stores the trace and publishes the events."""
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.common.errors import InvalidArgument, NotFound, validated

from . import answers, dossier
from .knowledge import KnowledgeBase, Procedure
from .knowledge import default as default_knowledge
from .languages import INTENTS, Languages, default_languages
from .retrieval import Index, normalise
from .wording import Said, Wording, default_wordings

MAX_QUESTION = 500
# A session_id is a token an answer gave (the session's own id, the context and a
# signature) or, before the first answer, an id a kiosk names, short enough that its token
# stays within MAX_SESSION.
MAX_SESSION = 200
MAX_OWN_SESSION = 100
# Below this confidence (share of the question's meaningful words found in the best
# procedure, weighted by rarity) the assistant declines; it declines too when the
# question shares no two-syllable word with what the procedure is called (Hit.compound).
# Tuned on eval/assistant/dev.yaml.
THRESHOLD = 0.35
# A declined question still lists procedures at least this close, as suggestions.
SUGGEST = 0.2
# Words that turn a short question into a follow-up of the previous one.
FOLLOW_UP = ("còn", "thế còn", "vậy còn", "thì sao", "con thi sao", "the con", "vay con")


def _question_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise ValueError("the question is empty")
    return text


# A question as asked: not blank, at most MAX_QUESTION characters, in NFC.
QuestionText = Annotated[str, Field(max_length=MAX_QUESTION), AfterValidator(_question_text)]


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: QuestionText
    session_id: str = Field("", max_length=MAX_SESSION)


def question(fields) -> Question:
    return validated(Question, fields, "question")


@dataclass(frozen=True)
class Context:
    """What a session asked last, for follow-ups ("còn lệ phí thì sao?")."""

    procedure: str = ""
    intents: tuple[str, ...] = ()


def _has(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


class Assistant:
    """`wordings`: how answers are worded in each language, as shipped; a caller may pass
    its own to `answer` (the shipped ones with a commune's reviews and edits)."""

    def __init__(self, kb: KnowledgeBase, languages: Languages, index: Index,
                 wordings: Mapping[str, Wording]):
        self.kb = kb
        self.languages = languages
        self.index = index
        self.wordings = wordings
        vi = languages["vi"]
        self.cues = sorted(((normalise(cue), intent) for intent in INTENTS
                            for cue in vi.intents.get(intent, ())), key=lambda c: -len(c[0]))

    def intents(self, text: str) -> tuple[tuple[str, ...], str]:
        """The parts of a procedure asked about, in order of INTENTS, and the text left
        once their cue words are taken out (what the question is about)."""
        found, rest = set(), f" {text} "
        for cue, intent in self.cues:
            if _has(rest, cue):
                found.add(intent)
                rest = rest.replace(f" {cue} ", " ")
        return tuple(i for i in INTENTS if i in found), " ".join(rest.split())

    def answer(self, text: str, context: Context = Context(),
               wordings: Mapping[str, Wording] | None = None) -> dict:
        """The answer to one question, with what the trace needs: language, procedure,
        the fields cited, confidence, alternatives, the phrases left in Vietnamese."""
        reading = self.languages.read(text)
        wording = (wordings or self.wordings)[reading.language or "vi"]
        intents, topic = self.intents(reading.vietnamese)
        content = self.index.content_words(topic)
        hits = self.index.search(topic, unknown=reading.unknown_words) if content else []
        follow_up = bool(context.procedure) and (
            not content or (not intents and any(_has(normalise(text), normalise(m))
                                                 or _has(text.lower(), m) for m in FOLLOW_UP)))
        if follow_up and not content:
            code, confidence, score = context.procedure, 1.0, 0.0
        elif hits and hits[0].confidence >= THRESHOLD and hits[0].compound:
            code, confidence, score = hits[0].code, hits[0].confidence, hits[0].score
        else:
            return self._declined(wording, reading, intents, hits)
        if follow_up and not intents:
            intents = context.intents
        procedure = self.kb.get(code)
        composed = answers.compose(wording, procedure, intents, self.kb.version)
        prefix = "" if reading.language else wording.sentence("unknown_language").text + "\n"
        return {
            "answer": prefix + composed.text, "language": wording.language,
            "detected_language": reading.language, "declined": False,
            "procedure": {"code": code, "name": procedure.name, "field": procedure.field},
            "intents": list(intents), "follow_up": follow_up and not content,
            "citations": [{"code": code, "field": f} for f in composed.fields],
            "confidence": confidence, "score": round(score, 3),
            "alternatives": [{"code": h.code, "confidence": h.confidence} for h in hits[1:]],
            "vietnamese_fallback": composed.vietnamese_fallback,
            "vietnamese_terms": list(composed.vietnamese_terms),
            "wording_reviewed": composed.reviewed,
            "coverage": {"sentences": composed.sentences, "in_language": composed.in_language},
            "unknown_words": list(reading.unknown_words), "kb_version": self.kb.version,
        }

    def _declined(self, wording: Wording, reading, intents, hits) -> dict:
        said = [] if reading.language else [wording.sentence("unknown_language")]
        said.append(wording.sentence("decline"))
        close = [h for h in hits if h.confidence >= SUGGEST]
        if close:
            names = [wording.phrase(self.kb.get(h.code).name) for h in close]
            value = "; ".join(f"{n.text} ({h.code})" for n, h in zip(names, close, strict=True))
            said.append(Said(wording.sentence("suggestions", value=value).text,
                             tuple(v for n in names for v in n.vietnamese),
                             all(n.reviewed for n in names)))
        vietnamese = list(dict.fromkeys(v for s in said for v in s.vietnamese))
        return {
            "answer": "\n".join(s.text for s in said if s.text),
            "language": wording.language, "detected_language": reading.language,
            "declined": True, "procedure": None, "intents": list(intents), "follow_up": False,
            "citations": [], "confidence": hits[0].confidence if hits else 0.0,
            "score": round(hits[0].score, 3) if hits else 0.0,
            "alternatives": [{"code": h.code, "confidence": h.confidence} for h in hits],
            "vietnamese_fallback": bool(vietnamese), "vietnamese_terms": vietnamese,
            "wording_reviewed": all(s.reviewed for s in said),
            "unknown_words": list(reading.unknown_words), "kb_version": self.kb.version,
        }

    def procedure(self, code: str) -> Procedure:
        procedure = self.kb.get(str(code).strip().upper()) if isinstance(code, str) else None
        if procedure is None:
            raise NotFound(f"no procedure {code!r} in the knowledge base; codes look like "
                           "HT-01")
        return procedure

    def check_dossier(self, code, papers) -> dict:
        procedure = self.procedure(code)
        if not isinstance(papers, list) or len(papers) > 50:
            raise InvalidArgument("papers must be a list of at most 50 "
                                  "{document, form} objects", {"papers": "invalid"})
        parsed = [validated(dossier.Paper, p, "paper") for p in papers]
        return dossier.check(procedure, self.kb.papers, parsed)


@lru_cache
def default_assistant() -> Assistant:
    """The assistant over the data files shipped with the code (built once a process)."""
    kb = default_knowledge()
    languages = default_languages()
    index = Index(kb, frozenset(languages["vi"].stopwords)
                  | {c for cues in languages["vi"].intents.values() for c in cues})
    vocabulary = frozenset(w for w in index.vocabulary if "_" not in w)
    return Assistant(kb, Languages(languages, vocabulary), index, default_wordings())
