"""The documentation stays in step with the code."""

from __future__ import annotations

import re

from conftest import ROOT

from dsl.diagnostics import CATALOGUE

DOCS = ROOT / "docs"


def test_error_catalogue_documents_every_code_once() -> None:
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+) (.+)$", text, flags=re.M)
    assert [code for code, _ in headings] == list(CATALOGUE), "one `## CODE title` heading per code, in order"
    for code, title in headings:
        assert title.strip() == CATALOGUE[code][1], code


def test_language_reference_covers_every_keyword() -> None:
    from dsl.lark_parser import keywords as _keywords

    text = (DOCS / "language.md").read_text(encoding="utf-8")
    missing = sorted(k for k in _keywords() if f"`{k}" not in text and f"{k} " not in text)
    assert not missing, f"keywords not in docs/language.md: {missing}"


def test_mkdocs_site_builds_strictly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "site" / "language.html").exists()


def test_readme_main_job_runs() -> None:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "compare.cli", "compare", "policies", "--projects",
                        "examples/projects.yaml"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for city in ("zhangjiagang", "taicang", "jiaxing", "wuxi"):
        assert city in r.stdout


def test_readme_spreadsheet_example_runs() -> None:
    """The README's spreadsheet example, as written: 4 projects × 4 cities, one row each; the xlsx
    (plain numbers under header units) gives what examples/projects.yaml (units in every cell) gives."""
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### From a spreadsheet to a DataFrame")[1].split("```python\n")[1].split("```")[0]
    check = block + "\n".join([
        "assert len(frame) == 16, len(frame)",
        "same = evaluate(cities, 'examples/projects.yaml')",
        "cols = [c for c in frame.columns if c.endswith(('.low', '.high', '.state'))]",
        "assert frame[cols].equals(same[cols])",
        "row = frame[(frame.project == 'foreign-4000wan') & (frame.policy == 'zhangjiagang_2017')]",
        "assert list(row['points.host_district.state']) == ['figure']",
    ])
    r = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "foreign-4000wan" in r.stdout


def test_language_reference_policy_blocks_parse() -> None:
    """Every ```policy block of the reference parses: a whole file as it is, an item or two after a header."""
    from conftest import HEADER

    from dsl.parse import parse_text

    text = (DOCS / "language.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```policy\n(.*?)^```", text, flags=re.S | re.M)
    assert any("partial " in b and "pick highest" in b and "payer " in b for b in blocks), "the record's example"
    for block in blocks:
        whole = re.match(r"(?:\s|#[^\n]*)*policy\s", block) is not None
        ast, diags = parse_text(block if whole else HEADER + block, "language.md")
        assert ast is not None and not [d for d in diags if d.is_error], (block[:80], [d.message for d in diags])
