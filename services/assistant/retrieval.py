"""Finding the procedure a question is about: Vietnamese normalisation, syllable terms,
BM25 ranking (bm25s) and a confidence score. Pure; built once per process.

Vietnamese words are one to four syllables ("đăng ký", "giấy khai sinh"). Instead of a
word segmenter (pyvi pulls scikit-learn and pickled models, underthesea far more), the
index holds every syllable and every pair of adjacent syllables: the pairs carry the
compound words, and they also keep "đăng ký xe máy" from looking like "đăng ký kết hôn".

Two rules keep out what the commune's procedures do not answer (issue 17, tuned on the
development set's out-of-scope questions only):
- A question must share with the procedure a word of two syllables that the procedure
  is called by (its name or an alias): a single shared syllable is a fragment of another
  word ("tiêm" of "mở tiệm", folded), and a word found only in a procedure's documents
  or FAQ ("điện thoại") is incidental, not what it is about. Vietnamese content words
  are mostly two syllables, which is why the index holds pairs at all.
- data/situations.yaml lists, by kind of matter, what other offices handle (banks,
  social insurance, schools, power, telecoms, traffic police, forest rangers, the
  market's prices...): a question naming one is declined and handed to an officer.

Two rules put what people mean first:
- A situation phrase (data/situations.yaml: "qua đời", "mảnh đất") is read as the
  procedures' own words for it before ranking.
- A variant ranks below its common procedure unless the question names it. A variant is
  found from the names: a procedure whose name holds another's whole name plus
  qualifying words ("Đăng ký lại khai sinh" holds "Đăng ký khai sinh"). The question names
  the variant when it has a word of the variant's name or aliases that the common
  procedure's name and aliases lack ("lại", "mất giấy"). Where a name does not show it
  (ending or changing a household business), the data says so (variant_of).
  Per-procedure frequencies would say the same, but the dossier statistics the communes
  report are per field, not per procedure, and a variant is by its nature the rarer
  case."""
import math
import re
import unicodedata
from dataclasses import dataclass

import bm25s
import numpy as np

from services.common.text import fold

from .knowledge import KnowledgeBase, Procedure

WORD = re.compile(r"\w+")
# How many times each part of a procedure counts in its indexed text.
WEIGHTS = {"name": 3, "aliases": 2, "faq": 1, "documents": 1, "field": 1}
# What a phrase naming another office's matter is read as; such a question finds nothing,
# and the assistant declines and hands it to an officer.
ELSEWHERE = "elsewhere"
# Where a situation phrase was replaced, and what joins the words it means (neither is
# in a syllable: normalise leaves only \w).
CUT, JOIN = "|", "+"
# A variant the question does not name scores at most this share of its common procedure.
VARIANT_SHARE = 0.9


def normalise(text: str) -> str:
    """NFC, lower case, no diacritics (đ as d), single spaces: "Đăng  Ký" -> "dang ky"."""
    return " ".join(WORD.findall(fold(unicodedata.normalize("NFC", str(text)))))


def syllables(text: str) -> list[str]:
    return normalise(text).split()


def terms(words: list[str]) -> list[str]:
    """Syllables and adjacent pairs of syllables."""
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


def indexed_text(procedure: Procedure) -> list[str]:
    parts = {
        "name": [procedure.name],
        "aliases": list(procedure.aliases),
        "faq": [f.q for f in procedure.faq],
        "documents": [d.name for d in procedure.documents],
        "field": [procedure.field],
    }
    tokens: list[str] = []
    for part, texts in parts.items():
        for text in texts:
            tokens.extend(terms(syllables(text)) * WEIGHTS[part])
    return tokens


def is_within(short: list[str], long: list[str]) -> bool:
    """True when the syllables of `short` appear in `long` in order (gaps allowed)."""
    rest = iter(long)
    return all(word in rest for word in short)


def called(procedure: Procedure) -> frozenset[str]:
    """The terms of a procedure's name and aliases: what people call it."""
    return frozenset(t for n in (procedure.name, *procedure.aliases) for t in terms(syllables(n)))


def variants(procedures) -> dict[int, dict[int, frozenset[str]]]:
    """For each variant (by position): its common procedures, each with the terms that
    name the variant and not the common one. A variant is one whose name holds another's
    whole name, or that the data says is a variant (variant_of: a change, suspension or
    end of a registration, whose name does not show it)."""
    names = [syllables(p.name) for p in procedures]
    found: dict[int, dict[int, frozenset[str]]] = {}
    for v, variant in enumerate(procedures):
        for c, common in enumerate(procedures):
            named = len(names[c]) < len(names[v]) and is_within(names[c], names[v])
            if c != v and (named or common.code in variant.variant_of):
                found.setdefault(v, {})[c] = called(variant) - called(common)
    return found


@dataclass(frozen=True)
class Hit:
    code: str
    score: float
    # Share of the question's meaningful terms (weighted by rarity) found in the
    # procedure's text: 0 (nothing in common) to 1 (every term found).
    confidence: float
    # The question has a word of two syllables (a pair of its meaningful syllables side
    # by side) that the procedure is called by (name, aliases).
    compound: bool = False


class Index:
    def __init__(self, kb: KnowledgeBase, stopwords: frozenset[str] = frozenset()):
        self.codes = [p.code for p in kb.procedures]
        corpus = [indexed_text(p) for p in kb.procedures]
        self.vocabularies = [frozenset(doc) for doc in corpus]
        # What each procedure is called: its name and the names people use for it.
        self.names = [[frozenset(terms(syllables(n))) for n in (p.name, *p.aliases)]
                      for p in kb.procedures]
        self.called = [called(p) for p in kb.procedures]  # for Hit.compound
        self.stopwords = frozenset(normalise(w) for w in stopwords)
        self.variants = variants(kb.procedures)
        self.names_vocabulary = frozenset().union(*map(called, kb.procedures))
        # Longest phrase first, so that "người thân mất" is read before "bố mất".
        self.situations = sorted(
            [(f" {normalise(p)} ", f" {normalise(s.means)} ")
             for s in kb.situations.situations for p in s.phrases]
            + [(f" {normalise(p)} ", f" {ELSEWHERE} ")
               for e in kb.situations.elsewhere for p in e.phrases],
            key=lambda pair: -len(pair[0]))
        self.bm25 = bm25s.BM25()
        self.bm25.index(corpus, show_progress=False)
        n = len(corpus)
        frequency: dict[str, int] = {}
        for vocabulary in self.vocabularies:
            for term in vocabulary:
                frequency[term] = frequency.get(term, 0) + 1
        self.idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}
        # A term no procedure has is as telling as the rarest: it is what the question is
        # about, and nothing here answers it.
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self.vocabulary = frozenset(frequency)

    def read(self, text: str) -> list[list[str]]:
        """The question's syllables, each situation phrase in it replaced by what it
        means in the procedures' words; cut where a phrase was replaced, so that no pair
        of syllables is made across the cut."""
        text = f" {normalise(text)} "
        for phrase, means in self.situations:
            # Joined, what a phrase means is not read again as a shorter phrase.
            text = text.replace(phrase, f" {CUT}{JOIN.join(means.split())}{CUT} ")
        return [part.replace(JOIN, " ").split() for part in text.split(CUT) if part.split()]

    def _terms(self, text: str) -> list[str]:
        return [t for part in self.read(text) for t in terms(part)]

    def _meaningful(self, word: str) -> bool:
        return word not in self.stopwords and not word.isdigit()

    def content_words(self, text: str) -> list[str]:
        """The syllables of the question's meaningful terms."""
        return list(dict.fromkeys(w for t in self.content_terms(text) for w in t.split("_")))

    def content_terms(self, text: str) -> list[str]:
        """The question's meaningful syllables, and the pairs of them that stand side by
        side in it (no pair across a word left out: "ký ở trọ" has no "ký trọ")."""
        return [t for t in self._terms(text)
                if all(self._meaningful(part) for part in t.split("_"))
                or ("_" in t and t in self.names_vocabulary)]

    def search(self, text: str, k: int = 3, unknown: tuple[str, ...] = ()) -> list[Hit]:
        """The k best procedures for `text`, best first; [] when nothing matches.
        `unknown`: words of the question that could not be read (count against
        confidence)."""
        query_terms = self._terms(text)
        # Another office's matter is not answered with a commune procedure sharing words.
        if not query_terms or ELSEWHERE in query_terms:
            return []
        query = frozenset(query_terms)
        # BM25 ties between procedures that share words ("đăng ký khai sinh" is in three
        # names): the one whose own name the question says most fully comes first.
        naming = np.array([max(len(query & n) / len(n) for n in names) for names in self.names])
        scores = self.bm25.get_scores(query_terms) * (0.5 + 0.5 * naming)
        content = self.content_terms(text)
        self._variants_below_common(scores, frozenset(content))
        order = np.argsort(-scores, kind="stable")[:k]
        pairs = [t for t in content if "_" in t]
        content += list(unknown)
        return [Hit(self.codes[i], float(scores[i]), self._confidence(content, i),
                    any(t in self.called[i] for t in pairs))
                for i in order if scores[i] > 0]

    def _variants_below_common(self, scores: np.ndarray, content: frozenset[str]) -> None:
        for variant, commons in self.variants.items():
            for common, own_terms in commons.items():
                if not content & own_terms:
                    scores[variant] = min(scores[variant], VARIANT_SHARE * scores[common])

    def _confidence(self, content: list[str], doc: int) -> float:
        if not content:
            return 0.0
        weight = [self.idf.get(t, self.unknown_idf) for t in content]
        found = [w for t, w in zip(content, weight, strict=True) if t in self.vocabularies[doc]]
        return round(sum(found) / sum(weight), 3)
