"""The .docx and .pdf writers (compare.publish): each document read back, never compared with the
writer's own output.  The Word file through python-docx (paragraphs, runs' strike/underline flags and
colours, tables, the picture), the PDF through pdfium (its text extracted, its pages rendered: the
redline's colours counted in the pixels, every character inside the page).  A page is kept under
test-artifacts/ (or $POLICYLAB_ARTIFACTS) to look at.

The redline sentence is 无锡 (16) (policies/sources/wuxi_2023.txt): "对符合要求的新批外资项目，分类别按
实际到账外资比例给予最高2%、不超过5000万元奖励", revised to 3% and 8000万元 as in the Wuxi draft.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from compare.publish import pdf as pdf_writer
from compare.publish.blocks import Document, Figure, Heading, Paragraph, Run, Table, plain
from compare.publish.docx import to_docx
from compare.publish.pdf import FontMissingError, to_pdf
from compare.publish.write import UnknownFormatError, document_bytes, missing_for, unavailable, write_document

docx = pytest.importorskip("docx")
pdfium = pytest.importorskip("pypdfium2")

ARTIFACTS = Path(os.environ.get("POLICYLAB_ARTIFACTS", ROOT / "test-artifacts"))
# every character that means something in Typst markup, Markdown or HTML, and a line that would be a heading
SPECIALS = "*_#$@<>[]\\ `x` {{ y }} // z /* w */ ~ & %"
HEADING_LINE = "= heading"
BEFORE, AFTER = "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高", "奖励"
REDLINE = (Run(BEFORE), Run("2%", "del"), Run("3%", "ins"), Run("、不超过"), Run("5000万元", "del"),
           Run("8000万元", "ins"), Run(AFTER))
MARGIN_PT = 20 / 25.4 * 72
LONG_ID = "fdi_arrival_reward_for_projects_of_the_core_zone_" * 2


def _png(width: int = 600, height: int = 300) -> bytes:
    """A small PNG made without matplotlib (PIL comes with pypdfium2's rendering)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 40)).save(buf, format="PNG")
    return buf.getvalue()


PNG = _png()


def _doc(title: str = "无锡 2023 → 草案 对照") -> Document:
    return Document(title, (
        Heading(1, "(16) 强化招商项目落地扶持"),
        Paragraph(REDLINE),
        Paragraph(plain(SPECIALS), "quote"),
        Paragraph(plain(HEADING_LINE)),
        Paragraph((Run("fdi_arrival_reward", "code"), Run(" 条款", "strong")), "note"),
        Table(("城市", "条款", "比例", "上限", "代码"),
              (((Run("无锡"),), (Run("(16)"),), (Run("2%", "del"), Run("3%", "ins")), plain("5000万元"),
                (Run(LONG_ID, "code"),)),
               (plain("张家港"), plain(BEFORE * 3), plain("2%"), plain("1000万美元"), plain("x"))),
              (1, 4, 1, 1, 2)),
        Figure(PNG, "各城市的奖励 *不是强调* #caption", 120.0),
    ), subtitle="wuxi_2023 → wuxi_draft $x$")


# ---------------------------------------------------------------- Word


def _read_docx(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def test_docx_redline_runs_struck_and_underlined() -> None:
    d = _read_docx(to_docx(_doc()))
    para = next(p for p in d.paragraphs if p.text.startswith(BEFORE))
    assert para.text == BEFORE + "2%3%、不超过5000万元8000万元" + AFTER
    marks = [(r.text, bool(r.font.strike), bool(r.font.underline)) for r in para.runs]
    assert marks == [(BEFORE, False, False), ("2%", True, False), ("3%", False, True), ("、不超过", False, False),
                     ("5000万元", True, False), ("8000万元", False, True), (AFTER, False, False)]
    colours = {r.text: str(r.font.color.rgb) for r in para.runs if r.font.color.type is not None}
    assert colours == {"2%": "C00000", "5000万元": "C00000", "3%": "0050B0", "8000万元": "0050B0"}


def test_docx_text_as_written_headings_and_styles() -> None:
    d = _read_docx(to_docx(_doc()))
    by_text = {p.text: p.style.name for p in d.paragraphs}
    assert by_text["无锡 2023 → 草案 对照"] == "Title"
    assert by_text["wuxi_2023 → wuxi_draft $x$"] == "Subtitle"
    assert by_text["(16) 强化招商项目落地扶持"] == "Heading 1"
    assert by_text[SPECIALS] == "Quote"
    assert by_text[HEADING_LINE] == "Normal"  # a line starting "= " is text, not a heading
    assert by_text["各城市的奖励 *不是强调* #caption"] == "Caption"
    note = next(p for p in d.paragraphs if p.text == "fdi_arrival_reward 条款")
    assert note.runs[1].bold and not note.runs[0].bold
    for style in ("Quote", "Caption", "Subtitle"):  # Chinese has no italic: Word would slant it
        assert d.styles[style].font.italic is False
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    assert d.styles["Normal"].element.rPr.rFonts.get(f"{w}eastAsia") == "Microsoft YaHei"
    # "5000万元" as written: Word adds no space between Chinese and digits or Latin
    defaults = d.styles.element.find(f"{w}docDefaults/{w}pPrDefault/{w}pPr")
    assert [defaults.find(f"{w}{tag}").get(f"{w}val") for tag in ("autoSpaceDE", "autoSpaceDN")] == ["0", "0"]


def test_docx_table_cells_and_widths() -> None:
    d = _read_docx(to_docx(_doc()))
    (table,) = d.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["城市", "条款", "比例", "上限", "代码"]
    assert rows[1] == ["无锡", "(16)", "2%3%", "5000万元", LONG_ID]
    assert rows[2][:2] == ["张家港", BEFORE * 3]
    struck = [r.text for r in table.rows[1].cells[2].paragraphs[0].runs if r.font.strike]
    assert struck == ["2%"]
    # widths 1:4:1:1:2 of the 170 mm between the margins: 170/9 = 18.9 mm a part
    widths_mm = [round(c.width.mm) for c in table.rows[1].cells]
    assert widths_mm == [19, 76, 19, 19, 38]


def test_docx_embeds_the_figure() -> None:
    d = _read_docx(to_docx(_doc()))
    (shape,) = d.inline_shapes
    assert round(shape.width.mm) == 120
    blobs = [p.blob for p in d.part.package.parts if p.content_type == "image/png"]
    assert blobs == [PNG]


def test_docx_same_bytes_fixed_dates() -> None:
    first, second = to_docx(_doc()), to_docx(_doc())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}  # not the moment of writing
    props = _read_docx(first).core_properties
    assert (props.created.year, props.modified.year, props.title) == (2000, 2000, "无锡 2023 → 草案 对照")


# ---------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return to_pdf(_doc())


def _text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def _flat(text: str) -> str:
    return "".join(text.split())  # a line wraps wherever the page ends


def test_pdf_text_extracted_chinese_and_specials(pdf_bytes: bytes) -> None:
    text = _text(pdf_bytes)
    flat = _flat(text)
    assert "无锡2023→草案对照" in flat
    assert _flat(BEFORE + "2%3%、不超过5000万元8000万元" + AFTER) in flat
    assert _flat(SPECIALS) in flat  # every special character as written, none taken as markup
    assert "= heading" in text  # the "= " of a would-be heading is there, as text
    assert _flat("图1各城市的奖励*不是强调*#caption") in flat
    assert _flat(LONG_ID) in flat


def _pixels(data: bytes, page: int = 0, scale: float = 2.0) -> Any:
    document = pdfium.PdfDocument(data)
    try:
        return document[page].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


def _near(image: object, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    """How many pixels are within `tolerance` of `colour` on each channel."""
    import numpy as np

    pixels = np.asarray(image, dtype=np.int16)
    return int((np.abs(pixels - np.array(colour, dtype=np.int16)) <= tolerance).all(axis=2).sum())


def test_pdf_redline_drawn_in_colour(pdf_bytes: bytes) -> None:
    """The marked runs are drawn red (del) and blue (ins); an unmarked document has neither colour."""
    image = _pixels(pdf_bytes)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "publish_redline_page1.png")
    assert _near(image, (0xC0, 0x00, 0x00)) > 50
    assert _near(image, (0x00, 0x50, 0xB0)) > 50
    plain_doc = Document("无锡", (Paragraph(plain(BEFORE + "2%")),))
    bare = _pixels(to_pdf(plain_doc))
    assert _near(bare, (0xC0, 0x00, 0x00)) == 0 and _near(bare, (0x00, 0x50, 0xB0)) == 0


def test_pdf_every_character_inside_the_page(pdf_bytes: bytes) -> None:
    """A table of five columns with a long identifier and a long quote stays between the margins (20 mm)."""
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        for i in range(len(document)):
            page = document[i]
            width, height = page.get_size()
            textpage = page.get_textpage()
            for c in range(textpage.count_chars()):
                if textpage.get_text_range(c, 1).isspace():
                    continue  # a line's trailing space is drawn nowhere
                left, bottom, right, top = textpage.get_charbox(c)
                assert MARGIN_PT - 1 <= left and right <= width - MARGIN_PT + 1, (i, c, textpage.get_text_range(c, 1))
                assert 0 <= bottom and top <= height, (i, c)
    finally:
        document.close()


def test_pdf_embeds_the_figure(pdf_bytes: bytes) -> None:
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        images = [o for i in range(len(document))
                  for o in document[i].get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,))]
        assert len(images) == 1
        left, _, right, _ = images[0].get_bounds()
        width_pt = right - left
        assert round(width_pt / 72 * 25.4) == 120  # 120 mm as asked
    finally:
        document.close()


def test_pdf_same_bytes_fixed_date(pdf_bytes: bytes) -> None:
    assert to_pdf(_doc()) == pdf_bytes
    assert b"D:20000101" in pdf_bytes or b"2000-01-01" in pdf_bytes  # the fixed date, not today's


def test_pdf_without_a_cjk_font_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_writer, "_bundled_font", lambda: None)
    monkeypatch.setattr(pdf_writer, "SYSTEM_FONTS", ())
    monkeypatch.setenv("POLICYLAB_CJK_FONT", str(tmp_path / "nowhere.otf"))
    with pytest.raises(FontMissingError, match="pip install mplfonts"):
        to_pdf(_doc())


def test_pdf_font_named_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = pdf_writer._bundled_font()
    assert bundled is not None
    other = bundled.parent / "NotoSerifCJKsc-Regular.otf"  # the serif cut mplfonts ships too
    monkeypatch.setenv("POLICYLAB_CJK_FONT", str(other))
    font = pdf_writer.cjk_font()
    assert font.path == other and font.family == "Noto Serif CJK SC"
    assert _flat(BEFORE) in _flat(_text(to_pdf(_doc(), font)))


# ---------------------------------------------------------------- choosing by suffix


@pytest.mark.parametrize("name", ["memo.txt", "memo", "memo.doc", "memo.pdfx", ".md"])
def test_unknown_suffix_is_an_error(name: str) -> None:
    with pytest.raises(UnknownFormatError):
        document_bytes(_doc(), name)
    with pytest.raises(UnknownFormatError):
        unavailable(name)
    with pytest.raises(UnknownFormatError):
        missing_for(name)


def test_write_document_by_suffix_replaces_whole(tmp_path: Path) -> None:
    doc = Document("无锡", (Paragraph(plain(BEFORE)),))
    for name, magic in (("a.docx", b"PK"), ("b.PDF", b"%PDF")):
        path = tmp_path / name
        path.write_bytes(b"old")
        write_document(doc, path)
        assert path.read_bytes().startswith(magic)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx", "b.PDF"]  # no temporary file left
    assert unavailable(".docx") is None and unavailable("x.pdf") is None
    assert missing_for(".docx") == () and missing_for("x.PDF") == ()


def test_unavailable_names_the_missing_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_writer, "_bundled_font", lambda: None)
    monkeypatch.setattr(pdf_writer, "SYSTEM_FONTS", ())
    monkeypatch.delenv("POLICYLAB_CJK_FONT", raising=False)
    problem = unavailable("memo.pdf")
    assert problem is not None and "pip install mplfonts" in problem
    assert unavailable("memo.docx") is None


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_docx_as_a_viewer_draws_it(tmp_path: Path) -> None:
    """The .docx opened by LibreOffice (converted to PDF, rendered): its text as written and the
    redline's runs in red and blue, the page kept under test-artifacts/ to look at."""
    import subprocess

    (tmp_path / "redline.docx").write_bytes(to_docx(_doc()))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(tmp_path / "redline.docx")],
                   check=True, capture_output=True, timeout=300)
    data = (tmp_path / "redline.pdf").read_bytes()
    # LibreOffice puts a space between Chinese and Latin whatever the file asks (Word does not)
    flat = _flat(_text(data))
    assert _flat(BEFORE) in flat and _flat(SPECIALS) in flat and "=heading" in flat
    image = _pixels(data)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "publish_redline_docx_page1.png")
    assert _near(image, (0xC0, 0x00, 0x00)) > 50
    assert _near(image, (0x00, 0x50, 0xB0)) > 50
