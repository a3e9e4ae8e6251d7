"""`policylab report --out x.docx|x.pdf` (compare.site.report_blocks written by compare.publish): the
files read back, the Word file's paragraphs and tables through python-docx, the PDF's text through
pdfium and its first page rendered (kept under test-artifacts/, or $POLICYLAB_ARTIFACTS, to look at).

Expected text from the sources: 无锡 (16) (policies/sources/wuxi_2023.txt) "对符合要求的新批外资项目，
分类别按实际到账外资比例给予最高2%、不超过5000万元奖励"; its document "关于加强新形势下招商引资工作的若干
政策措施", issued 2023-09-28 by 无锡市人民政府 (wuxi_2023.policy's header).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import POLICIES, ROOT
from typer.testing import CliRunner

from compare.api import load_policy
from compare.cli.app import app
from dsl.model import Policy

docx = pytest.importorskip("docx")
pdfium = pytest.importorskip("pypdfium2")
pytest.importorskip("typst")
pytest.importorskip("matplotlib")

ARTIFACTS = Path(os.environ.get("POLICYLAB_ARTIFACTS", ROOT / "test-artifacts"))
IDS = ("wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft")
FILES = [str(POLICIES / f"{i}.policy") for i in IDS]
FDI_16 = "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过5000万元奖励"
# what Typst markup, Markdown and HTML would take for markup, a line that would be a Typst heading
HOSTILE = "= 标题 *粗* _斜_ #set text(red) $x^2$ @ref <lab> [链接](y) {{ x }} // 注释 \\ 反斜杠"
MARGIN_PT = 20 / 25.4 * 72


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The four cities' report as .docx and .pdf, each written twice."""
    folder = tmp_path_factory.mktemp("documents")
    runner = CliRunner()
    out: dict[str, bytes] = {}
    for suffix in ("docx", "pdf"):
        for n in (1, 2):
            path = folder / f"r{n}.{suffix}"
            r = runner.invoke(app, ["report", *FILES, "--out", str(path)])
            assert r.exit_code == 0, r.output
            out[f"{suffix}{n}"] = path.read_bytes()
    return out


def test_same_bytes_on_rerun(written: dict[str, bytes]) -> None:
    assert written["docx1"] == written["docx2"]
    assert written["pdf1"] == written["pdf2"]


def _docx(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def test_docx_documents_table_and_the_fdi_clause(written: dict[str, bytes]) -> None:
    d = _docx(written["docx1"])
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["文件 Documents", "概念 Concepts", "落户地考核加分 assessment points for the host district"]
    assert "外资到账奖励 reward on arrived foreign capital" in headings
    assert headings[-1] == "机制 Mechanisms"
    documents = [[c.text for c in row.cells] for row in d.tables[0].rows]
    assert documents[0][:3] == ["城市 city", "政策 policy", "标题 title"]
    assert documents[1][:3] == ["无锡", "wuxi_2023", "关于加强新形势下招商引资工作的若干政策措施"]
    assert documents[1][4:6] == ["无锡市人民政府", "issued 2023-09-28"]
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert any(f"(16) “{FDI_16}" in c for c in cells)


def test_docx_charts_embedded_one_per_caption(written: dict[str, bytes]) -> None:
    d = _docx(written["docx1"])
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    # 无锡 (16) gives 2% of the FDI arrived, up to 5000万元: it moves with the project's size, so it has a chart
    assert any(c.startswith("外资到账奖励：") for c in captions)
    assert len(d.inline_shapes) == len(captions) >= 1
    pngs = [p.blob for p in d.part.package.parts if p.content_type == "image/png"]
    assert len(pngs) == len(captions) and all(b.startswith(b"\x89PNG") for b in pngs)


def test_pdf_text_chinese_and_pages_within_margins(written: dict[str, bytes]) -> None:
    document = pdfium.PdfDocument(written["pdf1"])
    try:
        texts, images = [], 0
        for i in range(len(document)):
            page = document[i]
            width, _ = page.get_size()
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            for c in range(textpage.count_chars()):
                if textpage.get_text_range(c, 1).isspace():
                    continue  # a line's trailing space is drawn nowhere
                left, _, right, _ = textpage.get_charbox(c)
                assert MARGIN_PT - 1 <= left and right <= width - MARGIN_PT + 1, (i, textpage.get_text_range(c, 1))
            images += len(list(page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,))))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        document[0].render(scale=2).to_pil().save(ARTIFACTS / "report_pdf_page1.png")
    finally:
        document.close()
    flat = _flat("\n".join(texts))
    assert _flat("招商引资政策逐条对照 Clause-by-clause comparison") in flat
    assert _flat("关于加强新形势下招商引资工作的若干政策措施") in flat
    assert _flat(f"(16) “{FDI_16}") in flat
    captions = [p.text for p in _docx(written["docx1"]).paragraphs if p.style.name == "Caption"]
    assert images == len(captions)  # the same charts as the Word file


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """无锡 with markup in a clause's label, its quote (added to the source text too) and the title."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "sources").mkdir()
    (root / "taxonomy").symlink_to(POLICIES / "taxonomy")
    escaped = HOSTILE.replace("\\", "\\\\")
    text = (POLICIES / "wuxi_2023.policy").read_text(encoding="utf-8")
    text = text.replace('clause fdi_arrival_reward "新批外资项目到账外资奖励" {',
                        f'clause fdi_arrival_reward "{escaped}" {{\n  cite "(16)" "{escaped}"', 1)
    text = text.replace('title "关于加强新形势下招商引资工作的若干政策措施"', f'title "{escaped}"')
    (root / "wuxi_2023.policy").write_text(text, encoding="utf-8")
    source = (POLICIES / "sources" / "wuxi_2023.txt").read_text(encoding="utf-8")
    (root / "sources" / "wuxi_2023.txt").write_text(source + "\n" + HOSTILE + "\n", encoding="utf-8")
    policy: Policy = load_policy(root / "wuxi_2023.policy").policy
    assert policy.meta["title"].value == HOSTILE
    return root / "wuxi_2023.policy"


def test_policy_text_comes_out_as_written(hostile: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for suffix in ("docx", "pdf"):
        r = runner.invoke(app, ["report", str(hostile), "--concept", "reward.fdi", "--out", str(tmp_path / f"h.{suffix}")])
        assert r.exit_code == 0, r.output
    d = _docx((tmp_path / "h.docx").read_bytes())
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert HOSTILE in cells  # the title
    assert any(f"(16) “{HOSTILE}”" in c for c in cells) and any(HOSTILE in c.splitlines() for c in cells)
    document = pdfium.PdfDocument((tmp_path / "h.pdf").read_bytes())
    try:
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    flat = _flat(text)
    assert flat.count(_flat(HOSTILE)) >= 3  # title, quote, label: each as written, none taken as markup


@pytest.mark.parametrize("name", ["r.doc", "r.odt", "r.txt", "r"])
def test_unknown_extension_is_an_error(tmp_path: Path, name: str) -> None:
    r = CliRunner().invoke(app, ["report", FILES[0], "--out", str(tmp_path / name)])
    assert r.exit_code == 2 and "is not a format it writes" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_document_needs_out_and_a_matching_format(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["report", FILES[0], "--format", "pdf"])
    assert r.exit_code == 2 and "--format pdf needs --out FILE" in r.stderr
    r = runner.invoke(app, ["report", FILES[0], "--format", "pdf", "--out", str(tmp_path / "r.docx")])
    assert r.exit_code == 2 and "names docx" in r.stderr


def test_pdf_without_a_cjk_font_fails_up_front(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compare.publish import pdf

    monkeypatch.setattr(pdf, "_bundled_font", lambda: None)
    monkeypatch.setattr(pdf, "SYSTEM_FONTS", ())
    monkeypatch.delenv("POLICYLAB_CJK_FONT", raising=False)
    r = CliRunner().invoke(app, ["report", FILES[0], "--out", str(tmp_path / "r.pdf")])
    assert r.exit_code == 2 and "pip install mplfonts" in r.stderr and "Traceback" not in r.output
    assert list(tmp_path.iterdir()) == []
