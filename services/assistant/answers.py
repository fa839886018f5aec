"""Answers composed only from a procedure's fields and a language's wording: no text is
made up. Each answer names the procedure and the fields it quotes, and, in Hmong or
Thái, the phrases it had to leave in Vietnamese. Pure."""
from dataclasses import dataclass

from .knowledge import Procedure
from .wording import Said, Wording

# What an answer with no particular question in it says about a procedure.
OVERVIEW = ("documents", "processing_time", "fee", "where", "online_level")


@dataclass(frozen=True)
class Composed:
    text: str
    fields: tuple[str, ...]
    # The phrases of the procedure's text said in Vietnamese in an answer in another
    # language (the glossary lacks them).
    vietnamese_terms: tuple[str, ...]
    # Every sentence and term used was reviewed (always, in Vietnamese).
    reviewed: bool
    # The answer's sentences about the procedure, and how many are wholly in its language.
    sentences: int
    in_language: int

    @property
    def vietnamese_fallback(self) -> bool:
        return bool(self.vietnamese_terms)


def _line(wording: Wording, key: str, **phrases: Said) -> Said:
    """A sentence with its slots filled by phrases already said (those it uses)."""
    phrases = {k: p for k, p in phrases.items() if k in wording.slots(key)}
    sentence = wording.sentence(key, **{k: p.text for k, p in phrases.items()})
    return Said(sentence.text, tuple(v for p in phrases.values() for v in p.vietnamese),
                sentence.reviewed and all(p.reviewed for p in phrases.values()))


def _joined(parts: list[Said], separator: str) -> Said:
    return Said(separator.join(p.text for p in parts),
                tuple(v for p in parts for v in p.vietnamese), all(p.reviewed for p in parts))


def _section(w: Wording, procedure: Procedure, intent: str) -> list[Said]:
    channels = _joined([w.sentence(f"channel_{c}") for c in procedure.how], ", ")
    if intent == "documents":
        lines = [w.sentence("documents")]
        for document in procedure.documents:
            form = w.sentence(f"form_{document.form}")
            if document.optional:
                form = _joined([form, w.sentence("optional")], "; ")
            lines.append(_line(w, "document_item", name=w.phrase(document.name), form=form))
        return lines
    if intent == "fee":
        lines = [_line(w, "fee", value=w.phrase(procedure.fee))]
        return lines + [w.sentence("fee_varies")] if procedure.fee_varies_by_province else lines
    if intent == "processing_time":
        return [_line(w, "processing_time", value=w.phrase(procedure.processing_time))]
    if intent == "where":
        return [_line(w, "where", value=w.phrase(procedure.where)),
                _line(w, "how", value=channels)]
    if intent == "online_level":
        return [_line(w, "online_level", value=w.sentence(f"level_{procedure.online_level}")),
                _line(w, "how", value=channels)]
    if intent == "legal_basis":
        return [_line(w, "legal_basis",
                      value=_joined([w.phrase(b) for b in procedure.legal_basis], "; "))]
    raise ValueError(f"unknown intent {intent!r}")


def compose(wording: Wording, procedure: Procedure, intents: tuple[str, ...],
            version: str) -> Composed:
    """The answer about `procedure` in `wording`'s language: the asked parts (`intents`),
    or an overview when none was asked, then the citation, then a note when some phrase
    is in Vietnamese."""
    wanted = intents or OVERVIEW
    said = [_line(wording, "heading", name=wording.phrase(procedure.name),
                  code=Said(procedure.code), field=wording.phrase(procedure.field))]
    for intent in wanted:
        said.extend(_section(wording, procedure, intent))
    vietnamese = tuple(dict.fromkeys(v for s in said for v in s.vietnamese))
    trailer = [wording.sentence("citation", code=procedure.code, fields=", ".join(wanted),
                                version=version)]
    if vietnamese:
        trailer.append(wording.sentence("fallback_note"))
    return Composed("\n".join(s.text for s in said + trailer), tuple(wanted), vietnamese,
                    all(s.reviewed for s in said + trailer),
                    len(said), sum(not s.vietnamese for s in said))
