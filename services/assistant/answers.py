"""Answers composed only from a procedure's fields and a language's templates: no text is
made up. Each answer names the procedure and the fields it quotes. Pure."""
from dataclasses import dataclass

from .knowledge import Procedure
from .languages import Language

# What an answer with no particular question in it says about a procedure.
OVERVIEW = ("documents", "processing_time", "fee", "where", "online_level")


@dataclass(frozen=True)
class Composed:
    text: str
    fields: tuple[str, ...]
    # True when some of the text is Vietnamese inside an answer in another language.
    vietnamese_fallback: bool


def _section(language: Language, procedure: Procedure, intent: str) -> list[str]:
    t = language.text
    if intent == "documents":
        lines = [t("documents")]
        for document in procedure.documents:
            form = t(f"form_{document.form}")
            if document.optional:
                form = f"{form}; {t('optional')}"
            lines.append(t("document_item", name=document.name, form=form))
        return lines
    if intent == "fee":
        lines = [t("fee", value=procedure.fee)]
        return lines + [t("fee_varies")] if procedure.fee_varies_by_province else lines
    if intent == "processing_time":
        return [t("processing_time", value=procedure.processing_time)]
    if intent == "where":
        channels = ", ".join(t(f"channel_{c}") for c in procedure.how)
        return [t("where", value=procedure.where), t("how", value=channels)]
    if intent == "online_level":
        channels = ", ".join(t(f"channel_{c}") for c in procedure.how)
        return [t("online_level", value=t(f"level_{procedure.online_level}")),
                t("how", value=channels)]
    if intent == "legal_basis":
        return [t("legal_basis", value="; ".join(procedure.legal_basis))]
    raise ValueError(f"unknown intent {intent!r}")


def compose(language: Language, procedure: Procedure, intents: tuple[str, ...],
            version: str) -> Composed:
    """The answer about `procedure` in `language`: the asked parts (`intents`), or an
    overview when none was asked, then the citation."""
    wanted = intents or OVERVIEW
    local_name = language.procedure_name(procedure.code)
    lines = [language.text("heading", name=local_name or procedure.name, code=procedure.code,
                           field=procedure.field)]
    for intent in wanted:
        lines.extend(_section(language, procedure, intent))
    lines.append(language.text("citation", code=procedure.code, fields=", ".join(wanted),
                               version=version))
    fallback = language.language != "vi"
    if fallback and language.text("fallback_note"):
        lines.append(language.text("fallback_note"))
    return Composed("\n".join(lines), tuple(wanted), fallback)
