"""The report outline as a PDF (WeasyPrint, on Debian's pango), laid out like the .docx:
A4, a serif at 13 pt (Times New Roman, or Liberation Serif with the same metrics),
blanks as yellow "[…]", page numbers at the foot."""
from html import escape

from weasyprint import HTML

from services.common.text import xml_safe

from .outline import Blank, Document, Heading, Paragraph, Run, Table

CSS = """
@page { size: A4; margin: 2cm 1.5cm 2cm 3cm;
        @bottom-center { content: counter(page) "/" counter(pages); font-size: 10pt; } }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif;
       font-size: 13pt; line-height: 1.3; }
p { margin: 0 0 6pt; text-align: justify; text-indent: 1cm; }
.blank { background: #ffeb3b; }
.header, .closing { width: 100%; border-collapse: collapse; margin-bottom: 12pt; }
.header td, .closing td { vertical-align: top; text-align: center; padding: 0;
                          border: none; font-size: 13pt; }
.header .issuer { font-size: 12pt; width: 45%; }
.header .motto { white-space: nowrap; }
.header .motto { font-weight: bold; text-decoration: underline; }
.header .place { font-style: italic; margin-top: 8pt; }
h1 { text-align: center; font-size: 13pt; margin: 0; }
.title { text-align: center; font-weight: bold; margin: 0; }
.title:last-of-type { margin-bottom: 12pt; }
h2, h3, h4 { font-size: 13pt; margin: 6pt 0; text-indent: 1cm; text-align: justify;
             page-break-after: avoid; }
h4 { font-style: italic; }
.source { font-style: italic; font-size: 11pt; }
.note { font-style: italic; font-size: 11pt; color: #555; text-indent: 0; }
table.figures { width: 100%; border-collapse: collapse; margin: 4pt 0 4pt;
                font-size: 11pt; page-break-inside: auto; }
table.figures th, table.figures td { border: 0.5pt solid #000; padding: 2pt 4pt;
                                     text-align: center; vertical-align: middle;
                                     overflow-wrap: break-word; }
table.figures { table-layout: fixed; }
table.figures td.words { text-align: left; }
table.figures tr { page-break-inside: avoid; }
.caption { font-weight: bold; text-indent: 0; margin: 6pt 0 2pt; break-after: avoid; }
.closing td { width: 50%; }
.closing .recipients { text-align: left; font-size: 11pt; }
.closing .recipients b { font-size: 12pt; font-style: italic; }
.closing .sign { font-weight: bold; }
.closing .name { margin-top: 60pt; font-weight: bold; }
"""


def render(outline: Document) -> bytes:
    # Control characters a title may hold would print as empty boxes.
    return HTML(string=xml_safe(html(outline))).write_pdf()


def _runs(runs: tuple[Run, ...]) -> str:
    return "".join(f'<span class="blank" title="{escape(r.hint)}">{escape(str(r))}</span>'
                   if isinstance(r, Blank) else escape(r) for r in runs)


def html(outline: Document) -> str:
    title, *subtitle = outline.title
    parts = [
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>",
        f"<title>{escape(' '.join(outline.title))}</title><style>{CSS}</style></head><body>",
        "<table class='header'><tr><td class='issuer'>",
        "<br>".join(escape(line) if i == 0 else f"<b>{escape(line)}</b>"
                    for i, line in enumerate(outline.issuer)),
        f"<br>*<br><span class='number'>{_runs(outline.number.runs)}</span></td><td>",
        "<br>".join(f"<span class='motto'>{escape(line)}</span>" for line in outline.motto),
        f"<div class='place'>{_runs(outline.place_date.runs)}</div></td></tr></table>",
        f"<h1>{escape(title)}</h1>",
        "".join(f"<div class='title'>{escape(line)}</div>" for line in subtitle),
    ]
    parts += [_block(block) for block in outline.body]
    parts.append(_closing(outline))
    parts.append("</body></html>")
    return "".join(parts)


def _block(block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level + 1}>{escape(block.text)}</h{block.level + 1}>"
    if isinstance(block, Table):
        return _table(block)
    return _paragraph(block)


def _paragraph(block: Paragraph) -> str:
    if block.style == "bullet":
        return f"<p>+ {_runs(block.runs)}</p>"
    if block.style in ("source", "note"):
        return f"<p class='{block.style}'>{_runs(block.runs)}</p>"
    return f"<p>{_runs(block.runs)}</p>"


def _table(block: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
    rows = "".join(
        "<tr>" + "".join(f"<td class='words'>{_runs((c,))}</td>" if i in block.text_columns
                         else f"<td>{_runs((c,))}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in block.rows)
    columns = "".join(f"<col style='width: {w}%'>" for w in block.widths)
    return (f"<p class='caption'>{escape(block.caption)}</p><table class='figures'>"
            f"<colgroup>{columns}</colgroup><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            + _paragraph(block.source))


def _closing(outline: Document) -> str:
    recipients = "<br>".join(f"- {_runs((r,))}" for r in outline.recipients)
    title, name = outline.signature
    return ("<table class='closing'><tr>"
            f"<td class='recipients'><b>Nơi nhận:</b><br>{recipients}</td>"
            f"<td><div class='sign'>{_runs((title,))}</div>"
            f"<div class='name'>{_runs((name,))}</div></td></tr></table>")
