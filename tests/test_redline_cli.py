"""`policylab diff OLD NEW --format html | --out F.html|.md|.docx|.pdf` and `policylab report --diff
OLD:NEW` write the wording redline; the .docx and .pdf are read back.

The Wuxi draft of the shared rules (policylab reform wuxi_2023 --set fdi_arrival_reward.rate=3% --set
fdi_arrival_reward.cap=8000万元): policies/sources/wuxi_2023.txt (16) “…分类别按实际到账外资比例给予最高
2%、不超过5000万元奖励” becomes “…最高3%、不超过8000万元奖励”, and nothing else in the text changes.  So
the marks, in every format, are exactly 2% and 5000万元 struck, 3% and 8000万元 underlined.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from test_redline import reformed_draft

OLD_16 = "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过5000万元奖励"
NEW_16 = "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高3%、不超过8000万元奖励"


def run(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == code, done.stderr
    return done


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reformed_draft(tmp_path_factory.mktemp("reform"))


def test_diff_format_html_marks_the_two_figures(draft: Path) -> None:
    page = run("diff", "wuxi_2023", str(draft), "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>")
    assert sorted(set(re.findall(r"<del>(.*?)</del>", page))) == ["2%", "5000万元"]
    assert sorted(set(re.findall(r"<ins>(.*?)</ins>", page))) == ["3%", "8000万元"]
    assert "奖励比例由2%改为3%" in page and "the cap changes from 5000万元 to 8000万元" in page


def test_out_html_and_markdown_same_bytes_on_rerun(draft: Path, tmp_path: Path) -> None:
    for name in ("r.html", "r.md"):
        first, second = tmp_path / f"1{name}", tmp_path / f"2{name}"
        run("diff", "wuxi_2023", str(draft), "--out", str(first))
        run("diff", "wuxi_2023", str(draft), "--out", str(second))
        assert first.read_bytes() == second.read_bytes()
    md = (tmp_path / "1r.md").read_text(encoding="utf-8")
    assert "最高<del>2%</del>、不超过<del>5000万元</del>奖励" in md
    assert "最高<ins>3%</ins>、不超过<ins>8000万元</ins>奖励" in md


def test_an_extension_not_written_is_an_error(draft: Path, tmp_path: Path) -> None:
    done = run("diff", "wuxi_2023", str(draft), "--out", str(tmp_path / "r.txt"), code=2)
    assert "`.txt` is not a format" in done.stderr and not (tmp_path / "r.txt").exists()


def test_docx_marks_read_back(draft: Path, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    out = tmp_path / "r.docx"
    run("diff", "wuxi_2023", str(draft), "--out", str(out))
    again = tmp_path / "again.docx"
    run("diff", "wuxi_2023", str(draft), "--out", str(again))
    assert out.read_bytes() == again.read_bytes()
    document = docx.Document(str(out))
    (table,) = document.tables  # one article shown: (16)
    old_cell, new_cell = table.rows[1].cells
    old_runs = [r for p in old_cell.paragraphs for r in p.runs]
    new_runs = [r for p in new_cell.paragraphs for r in p.runs]
    assert [r.text for r in old_runs if r.font.strike] == ["2%", "5000万元"]
    assert [r.text for r in new_runs if r.font.underline] == ["3%", "8000万元"]
    assert not any(r.font.underline for r in old_runs) and not any(r.font.strike for r in new_runs)
    assert OLD_16 in old_cell.text and NEW_16 in new_cell.text
    # every mark of the document: the wording's and the clause figures', nothing else
    cells = [c for row in table.rows for c in row.cells]
    runs = [r for c in cells for p in c.paragraphs for r in p.runs] + [r for p in document.paragraphs for r in p.runs]
    assert {r.text for r in runs if r.font.strike} == {"2%", "5000万元"}
    assert {r.text for r in runs if r.font.underline} == {"3%", "8000万元"}


def test_pdf_text_read_back(draft: Path, tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    pytest.importorskip("typst")
    out = tmp_path / "r.pdf"
    run("diff", "wuxi_2023", str(draft), "--out", str(out))
    again = tmp_path / "again.pdf"
    run("diff", "wuxi_2023", str(draft), "--out", str(again))
    assert out.read_bytes() == again.read_bytes()
    pdf = pdfium.PdfDocument(str(out))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    flat = re.sub(r"\s+", "", text)
    assert OLD_16 in flat and NEW_16 in flat
    assert "「新批外资项目到账外资奖励」的奖励比例由2%改为3%" in flat
    # the marks are drawn: red (struck) and blue (underlined) pixels on the first page
    image = pdf[0].render(scale=2).to_pil().convert("RGB")
    rgb = np.asarray(image).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    assert int(((r > 150) & (g < 60) & (b < 60)).sum()) > 50  # struck in red
    assert int(((b > 130) & (r < 40) & (g < 110)).sum()) > 50  # underlined in blue


def test_report_diff_writes_the_redline(draft: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run("report", "wuxi_2023", "--diff", f"wuxi_2023:{draft}", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert "最高<del>2%</del>、不超过<del>5000万元</del>奖励" in page
    assert "最高<ins>3%</ins>、不超过<ins>8000万元</ins>奖励" in page


def test_report_diff_into_word(draft: Path, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    out = tmp_path / "report.docx"
    run("report", "wuxi_2023", "--concept", "reward.fdi", "--diff", f"wuxi_2023:{draft}", "--out", str(out))
    document = docx.Document(str(out))
    assert any(p.text.startswith("修订对照 Redline wuxi_2023 → wuxi_draft") for p in document.paragraphs)
    runs = [r for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert {r.text for r in runs if r.font.strike} == {"2%", "5000万元"}
    assert {r.text for r in runs if r.font.underline} == {"3%", "8000万元"}


def test_report_diff_is_not_written_into_a_workbook(draft: Path, tmp_path: Path) -> None:
    done = run("report", "wuxi_2023", "--diff", f"wuxi_2023:{draft}", "--out", str(tmp_path / "r.xlsx"), code=2)
    assert "not a workbook" in done.stderr
    done = run("report", "wuxi_2023", "--diff", "wuxi_2023", code=2)
    assert "write OLD:NEW" in done.stderr


def test_diff_semantic_out_adds_the_verdicts_in_words(draft: Path, tmp_path: Path) -> None:
    """(16), reading `full`: 10亿元 × 2% = 2000万元, × 3% = 3000万元 (both under their caps): 1000万元 more."""
    out = tmp_path / "r.md"
    run("diff", "wuxi_2023", str(draft), "--semantic", "-q", "--out", str(out))
    md = out.read_text(encoding="utf-8")
    assert "#### 按读法 ceilings=full" in md
    assert "对当年度到账外资10亿元的项目（外资项目），新版本多给1000万元（2000万元→3000万元）" in md
    assert "最高<del>2%</del>、不超过<del>5000万元</del>奖励" in md


def test_the_redline_with_projects_is_a_usage_error(draft: Path) -> None:
    done = run("diff", "wuxi_2023", str(draft), "--format", "html", "--projects", "examples/projects.yaml", code=2)
    assert "wording redline" in done.stderr
