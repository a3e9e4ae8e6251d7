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
    from dsl.parse import _keywords

    text = (DOCS / "language.md").read_text(encoding="utf-8")
    missing = sorted(k for k in _keywords() if f"`{k}" not in text and f"{k} " not in text)
    assert not missing, f"keywords not in docs/language.md: {missing}"
