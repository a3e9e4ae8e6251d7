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
# what follows w:autoSpaceDN in a w:pPr (ECMA-376 CT_PPrBase)
PPR_AFTER_AUTOSPACE = ("w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                       "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                       "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
                       "w:pPrChange")
TABLE_TEXT = ("Table Text", "TableText")  # (name, id) of the paragraph style of a table's cells: 9 pt
NOTE = ("Note", "Note")  # small print under a table: 8.5 pt
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
    from docx.shared import Mm, Pt, RGBColor

    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    _east_asian(normal, CJK_FONT)
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption", "Quote"):
        style = styles[name]
        style.font.name = LATIN_FONT
        _east_asian(style, CJK_FONT)
        style.font.italic = False  # Chinese has no italic: Word would slant the glyphs
        style.font.color.rgb = RGBColor(0, 0, 0) if name.startswith("Heading") or name == "Title" \
            else RGBColor(0x40, 0x40, 0x40)
    # figures as the texts write them, "5000万元": no space added between Chinese and Latin or digits
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    defaults = styles.element.find(qn("w:docDefaults"))
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = OxmlElement("w:pPrDefault")
        defaults.append(ppr_default)
    ppr = ppr_default.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        ppr_default.append(ppr)
    successor = next((e for e in ppr if e.tag in {qn(t) for t in PPR_AFTER_AUTOSPACE}), None)
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):  # in the schema's order, before w:spacing
        flag = OxmlElement(tag)
        flag.set(qn("w:val"), "0")
        if successor is None:
            ppr.append(flag)
        else:
            successor.addprevious(flag)
    quote = styles["Quote"].paragraph_format
    quote.left_indent, quote.right_indent = Mm(6), Mm(0)
    from docx.enum.style import WD_STYLE_TYPE

    for (name, _id), size, after in ((TABLE_TEXT, 9, 0), (NOTE, 8.5, 6)):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.line_spacing = 1.1


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


def _paragraph(document: Any, style_id: str, text: str = "") -> DocxParagraph:
    """A paragraph in the style with this id, set in the XML: python-docx's lookup by name scans
    every style each time (most of the time of a long document)."""
    paragraph = document.add_paragraph(text)
    if style_id:
        paragraph._p.style = style_id
    return paragraph


def _table(document: Any, block: Table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    n = len(block.header)
    table = document.add_table(rows=1, cols=n)
    table._tbl.tblPr.style = "TableGrid"
    table.autofit = False
    weights = list(block.widths) if block.widths and len(block.widths) == n else [1.0] * n
    total = sum(weights) or 1.0
    widths = [Mm(TEXT_WIDTH_MM * w / total) for w in weights]
    header = table.rows[0]
    # the header row repeats on every page the table runs over
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for i, cell in enumerate(header.cells):
        cell.width = widths[i]
        cell.paragraphs[0]._p.style = TABLE_TEXT[1]
        cell.paragraphs[0].add_run(block.header[i]).bold = True
    for row in block.rows:
        for i, cell in enumerate(table.add_row().cells):
            cell.width = widths[i]
            paragraph = cell.paragraphs[0]
            paragraph._p.style = TABLE_TEXT[1]
            _add_runs(paragraph, row[i] if i < len(row) else ())
    # Word takes a table's grid from w:tblGrid; set it too, or some viewers share the width evenly
    grid = table._tbl.tblGrid
    for i, col in enumerate(grid.findall(qn("w:gridCol"))):
        col.set(qn("w:w"), str(int(widths[i].twips)))


def _figure(document: Any, block: Figure) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    paragraph = _paragraph(document, "")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(8)  # clear of a table just above
    paragraph.paragraph_format.keep_with_next = True  # with its caption
    paragraph.add_run().add_picture(io.BytesIO(block.png), width=Mm(min(block.width_mm, TEXT_WIDTH_MM)))
    if block.caption:
        _paragraph(document, "Caption", block.caption).alignment = WD_ALIGN_PARAGRAPH.CENTER


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
    _paragraph(document, "Title", doc.title)
    if doc.subtitle:
        _paragraph(document, "Subtitle", doc.subtitle)
    for block in doc.blocks:
        if isinstance(block, Heading):
            _paragraph(document, f"Heading{min(max(block.level, 1), 9)}", block.text)
        elif isinstance(block, Paragraph):
            style = {"quote": "Quote", "note": NOTE[1]}.get(block.style, "")
            _add_runs(_paragraph(document, style), block.runs)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Figure):
            _figure(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())
