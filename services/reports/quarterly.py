"""The quarterly report to the province: the figures read through the services' APIs with
the caller's token, laid out after the commune's own reports, as .docx or PDF."""
from services.common import clock
from services.common.api_client import ServiceClient
from services.common.errors import InvalidArgument
from services.common.periods import Period
from services.common.settings import Settings
from services.directory import tree

from . import to_docx, to_pdf
from .collect import collect
from .outline import Document, outline

FORMATS = {"docx": to_docx.render, "pdf": to_pdf.render}
MEDIA_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "pdf": "application/pdf"}


def draft(settings: Settings, token: str | None, commune: str, year: int,
          quarter: int) -> Document:
    """The report's outline with the platform's figures of the quarter; a token without
    access to the commune is refused by the first service it calls."""
    names = {u["code"]: u["name"] for u in tree.units() if u["kind"] == "commune"}
    if commune not in names:
        raise InvalidArgument(f"unknown commune {commune!r}", {"commune": "unknown"})
    if not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise InvalidArgument("quarter must be 1, 2, 3 or 4", {"quarter": "out of range"})
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidArgument("year must be between 2000 and 2100", {"year": "out of range"})
    with ServiceClient(settings, token) as client:
        facts = collect(client, commune, Period("quarter", year, quarter), clock.now())
    return outline(facts, names[commune])


def filename(commune: str, year: int, quarter: int, fmt: str) -> str:
    """The report's file name, for a download as for the CLI: bao-cao-binh-lu-2026-q1.docx."""
    return f"bao-cao-{commune}-{year}-q{quarter}.{fmt}"


def render(document: Document, fmt: str) -> bytes:
    return FORMATS[_checked(fmt)](document)


def _checked(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidArgument(f"format must be one of {', '.join(FORMATS)}", {"fmt": "unknown"})
    return fmt


def build(settings: Settings, token: str | None, commune: str, year: int, quarter: int,
          fmt: str) -> bytes:
    """The report of a commune's quarter as a .docx ("docx") or a PDF ("pdf")."""
    _checked(fmt)  # before any figure is read
    return render(draft(settings, token, commune, year, quarter), fmt)
