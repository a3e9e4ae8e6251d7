"""A Document (compare.publish.blocks) as a Word file (.docx), written with python-docx.

python-docx escapes text for Word's XML itself, so a run's text goes in as it is.  A redline's marks
are formatting a reader sees in any viewer: `del` struck through in red, `ins` underlined in blue
(not Word's tracked changes, which a viewer may hide or a colleague accept by accident).  Chinese is
set in an East Asian font named on every style (Word's default template names none, so Word would
fall back to a Latin font's idea of Chinese).

The bytes are the same for the same document: the core properties carry FIXED_DATE instead of the
run's time, and the zip's entries are rewritten with a fixed timestamp (python-docx stamps the run's).
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from compare.publish.blocks import Document, Figure, Heading, Paragraph, Run, Table

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph as DocxParagraph

FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # a run date would change the bytes every run
ZIP_DATE = (2000, 1, 1, 0, 0, 0)
LATIN_FONT = "Calibri"
CJK_FONT = "Microsoft YaHei"  # on Windows and with Office for Mac; other viewers substitute their own CJK font
CODE_FONT = "Consolas"
DEL_COLOR = (0xC0, 0x00, 0x00)
INS_COLOR = (0x00, 0x50, 0xB0)
MARGIN_MM = 20.0
TEXT_WIDTH_MM = 210.0 - 2 * MARGIN_MM  # A4 less the margins


def _east_asian(style_or_run: Any, font: str) -> None:
    """Name the East Asian font (w:rFonts w:eastAsia), which python-docx's font.name leaves out."""
    from docx.oxml.ns import qn

    rpr = style_or_run.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), font)


def _styles(document: Any) -> None:
    from docx.shared import Pt, RGBColor

    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    _east_asian(normal, CJK_FONT)
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption", "Quote"):
        style = styles[name]
        style.font.name = LATIN_FONT
        _east_asian(style, CJK_FONT)
        if name.startswith("Heading") or name == "Title":
            style.font.color.rgb = RGBColor(0, 0, 0)


def _add_runs(paragraph: DocxParagraph, runs: tuple[Run, ...]) -> None:
    from docx.shared import Pt, RGBColor

    for r in runs:
        run = paragraph.add_run(r.text)
        if r.mark == "del":
            run.font.strike = True
            run.font.color.rgb = RGBColor(*DEL_COLOR)
        elif r.mark == "ins":
            run.font.underline = True
            run.font.color.rgb = RGBColor(*INS_COLOR)
        elif r.mark == "strong":
            run.bold = True
        elif r.mark == "code":
            run.font.name = CODE_FONT
            run.font.size = Pt(9)
            _east_asian(run, CJK_FONT)


def _table(document: Any, block: Table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    n = len(block.header)
    table = document.add_table(rows=1, cols=n)
    table.style = document.styles["Table Grid"]
    table.autofit = False
    weights = list(block.widths) if block.widths and len(block.widths) == n else [1.0] * n
    total = sum(weights) or 1.0
    widths = [Mm(TEXT_WIDTH_MM * w / total) for w in weights]
    header = table.rows[0]
    # the header row repeats on every page the table runs over
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for i, text in enumerate(block.header):
        cell = header.cells[i]
        cell.paragraphs[0].add_run(text).bold = True
    for row in block.rows:
        cells = table.add_row().cells
        for i in range(n):
            _add_runs(cells[i].paragraphs[0], row[i] if i < len(row) else ())
    for row_cells in table.rows:
        for i, cell in enumerate(row_cells.cells):
            cell.width = widths[i]
            for p in cell.paragraphs:
                for run in p.runs:
                    if run.font.size is None:
                        run.font.size = Pt(9)
    # Word takes a table's grid from w:tblGrid; set it too, or some viewers share the width evenly
    grid = table._tbl.tblGrid
    for i, col in enumerate(grid.findall(qn("w:gridCol"))):
        col.set(qn("w:w"), str(int(widths[i].twips)))


def _figure(document: Any, block: Figure) -> None:
    from docx.shared import Mm

    document.add_picture(io.BytesIO(block.png), width=Mm(min(block.width_mm, TEXT_WIDTH_MM)))
    if block.caption:
        document.add_paragraph(block.caption, style="Caption")


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry stamped ZIP_DATE, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def to_docx(doc: Document) -> bytes:
    """The .docx file's bytes (the same for the same document)."""
    import docx
    from docx.shared import Mm

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(MARGIN_MM)
    _styles(document)
    props = document.core_properties
    props.title = doc.title
    props.subject = doc.subtitle
    props.author = props.last_modified_by = "policylab"
    props.created = props.modified = props.last_printed = FIXED_DATE
    props.revision = 1
    props.comments = props.keywords = props.category = ""
    document.add_paragraph(doc.title, style="Title")
    if doc.subtitle:
        document.add_paragraph(doc.subtitle, style="Subtitle")
    for block in doc.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=min(max(block.level, 1), 9))
        elif isinstance(block, Paragraph):
            style = {"quote": "Quote", "note": None}.get(block.style)
            paragraph = document.add_paragraph(style=style)
            _add_runs(paragraph, block.runs)
            if block.style == "note":
                from docx.shared import Pt

                for run in paragraph.runs:
                    run.font.size = Pt(8.5)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Figure):
            _figure(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())
