"""The report outline as an editable Word document (python-docx), laid out as Vietnamese
administrative documents are: A4, Times New Roman 13 pt, the issuer and number on the
left and the motto, place and date on the right. A blank is a yellow "[…]" with a
comment saying what the officer writes there."""
import io

from docx import Document as new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from services.common.text import xml_safe

from .outline import Blank, Document, Heading, Paragraph, Run, Table

FONT = "Times New Roman"
AUTHOR = "Nền tảng vận hành xã"
CENTER, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
TEXT_WIDTH_CM = 16.5  # A4's 21 cm less the margins of 3 and 1.5


def render(outline: Document) -> bytes:
    doc = new_document()
    _page(doc)
    _header(doc, outline)
    for line, bold in zip(outline.title, (True, True, True), strict=True):
        _paragraph(doc, (line,), align=CENTER, bold=bold, space_after=0)
    _paragraph(doc, ("",), space_after=6)
    for block in outline.body:
        if isinstance(block, Heading):
            _paragraph(doc, (block.text,), bold=True, italic=block.level == 3,
                       align=JUSTIFY, indent=True, keep_with_next=True)
        elif isinstance(block, Table):
            _table(doc, block)
        else:
            _body(doc, block)
    _closing(doc, outline)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    # East Asian and complex-script slots too, or Word falls back for some characters.
    fonts = normal.element.rPr.get_or_add_rFonts()
    for slot in ("w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15


def _runs(doc, paragraph, runs: tuple[Run, ...], bold=False, italic=False,
          size: float | None = None) -> None:
    for item in runs:
        run = paragraph.add_run(xml_safe(str(item)))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if isinstance(item, Blank):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
            doc.add_comment(run, text=f"Cán bộ điền: {item.hint}", author=AUTHOR,
                            initials="NT")


def _paragraph(container, runs, doc=None, align=None, bold=False, italic=False,
               size=None, indent=False, space_after=None, keep_with_next=False):
    doc = doc or container
    paragraph = container.add_paragraph()
    _runs(doc, paragraph, runs, bold, italic, size)
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if indent:
        fmt.first_line_indent = Cm(1)
    if space_after is not None:
        fmt.space_after = Pt(space_after)
    fmt.keep_with_next = keep_with_next
    return paragraph


def _body(doc, block: Paragraph) -> None:
    if block.style == "bullet":
        _paragraph(doc, ("+ ", *block.runs), align=JUSTIFY, indent=True)
    elif block.style == "source":
        _paragraph(doc, block.runs, align=JUSTIFY, italic=True, size=11, indent=True)
    elif block.style == "note":
        note = _paragraph(doc, block.runs, align=JUSTIFY, italic=True, size=11)
        for run in note.runs:
            run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    else:
        _paragraph(doc, block.runs, align=JUSTIFY, indent=True)


def _borderless(doc, columns: int, widths: tuple[float, ...]):
    table = doc.add_table(rows=1, cols=columns)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, width in zip(table.rows[0].cells, widths, strict=True):
        cell.width = Cm(width)
    return table.rows[0].cells


def _cell_line(doc, cell, runs, first: bool, **style):
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    _runs(doc, paragraph, runs, style.get("bold", False), style.get("italic", False),
          style.get("size"))
    paragraph.alignment = style.get("align", CENTER)
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _header(doc, outline: Document) -> None:
    left, right = _borderless(doc, 2, (7.5, 9))
    for i, line in enumerate(outline.issuer):
        _cell_line(doc, left, (line,), i == 0, bold=i > 0, size=12)
    _cell_line(doc, left, ("*",), False)
    _cell_line(doc, left, outline.number.runs, False)
    for i, line in enumerate(outline.motto):
        _cell_line(doc, right, (line,), i == 0, bold=True)
        right.paragraphs[-1].runs[0].underline = True
    _cell_line(doc, right, ("",), False)
    _cell_line(doc, right, outline.place_date.runs, False, italic=True)
    _paragraph(doc, ("",), space_after=0)


def _table(doc, block: Table) -> None:
    _paragraph(doc, (block.caption,), align=CENTER, bold=True, keep_with_next=True)
    table = doc.add_table(rows=1, cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Cm(TEXT_WIDTH_CM * share / 100) for share in block.widths]
    for cell, title in zip(table.rows[0].cells, block.header, strict=True):
        _cell_line(doc, cell, (title,), True, bold=True, size=11)
    _repeat_as_header(table.rows[0])
    for row in block.rows:
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, row, strict=True)):
            _cell_line(doc, cell, (value,), True, size=11,
                       align=WD_ALIGN_PARAGRAPH.LEFT if i in block.text_columns else CENTER)
    for column, width in zip(table.columns, widths, strict=True):
        for cell in column.cells:  # Word reads each cell's width, not the column's
            cell.width = width
    _body(doc, block.source)


def _repeat_as_header(row) -> None:
    """The header row again at the top of each page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _closing(doc, outline: Document) -> None:
    left, right = _borderless(doc, 2, (8, 8.5))
    _cell_line(doc, left, ("Nơi nhận:",), True, bold=True, italic=True, size=12,
               align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in outline.recipients:
        _cell_line(doc, left, ("- ", line), False, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    title, name = outline.signature
    _cell_line(doc, right, (title,), True, bold=True)
    for _ in range(3):
        _cell_line(doc, right, ("",), False)
    _cell_line(doc, right, (name,), False, bold=True)
