"""A Document (compare.publish.blocks) as PDF, typeset by Typst (the `typst` package ships its compiler).

The document reaches Typst as data, never as markup: the blocks are written to `doc.json` in a
scratch folder and the fixed template below reads them with `json(...)` and builds the content with
Typst's functions (`heading(...)`, `strike(...)`, `table(...)`), which take a string as plain text.
So a quote holding `*_#$@<>[]\\` or starting with `= ` comes out as written, with nothing to escape.
The figures' PNGs are written beside it under names this module chooses (`figure-1.png`, …).

Chinese needs a font Typst does not embed: `cjk_font()` finds Noto Sans CJK SC as the `mplfonts`
package ships it (a dependency of the `report` extra), unless POLICYLAB_CJK_FONT names another font
file, then a few places where systems install it.  Only that one file is offered to Typst, and system
fonts are ignored, so every machine sets the same PDF.  The metadata's date is fixed (FIXED_DATE), so
the same document gives the same bytes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from compare.publish.blocks import Document, Figure, Heading, Paragraph, Run, Table

ENV_VAR = "POLICYLAB_CJK_FONT"
FONT_HINT = ("pip install mplfonts (it ships Noto Sans CJK SC; the report extra includes it: pip install "
             "'policylab[report]'), or set POLICYLAB_CJK_FONT to a font file that draws Chinese")
BUNDLED_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")
SYSTEM_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc")
FIXED_DATE = (2000, 1, 1)  # the metadata's creation date: a run date would change the bytes every run
TEXT_WIDTH_MM = 160.0
WORD_BREAK = re.compile(r"(?<=[_./])")  # A4 less 25 mm margins: a figure is never wider than the text


class FontMissingError(Exception):
    """No font that draws Chinese was found for the PDF."""


@dataclass(frozen=True)
class CJKFont:
    path: Path
    family: str  # as Typst names it (`text(font: ...)`)


def _bundled_font() -> Path | None:
    try:
        spec = importlib.util.find_spec(BUNDLED_FONT[0])  # found, not imported: mplfonts changes matplotlib's settings
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / BUNDLED_FONT[1]
        if path.is_file():
            return path
    return None


def _font_folder(path: Path, scratch: Path) -> Path:
    """A folder holding `path` alone (Typst takes folders, and reads every font in one)."""
    folder = scratch / "fonts"
    folder.mkdir(exist_ok=True)
    try:
        os.symlink(path, folder / path.name)
        return folder
    except OSError:  # no symlinks (Windows without the privilege): the file's own folder
        return path.parent


def _families(folder: Path) -> list[str]:
    import typst

    return list(typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                            font_paths=[str(folder)]).families())


def cjk_font() -> CJKFont:
    """The font the PDF sets Chinese in; FontMissingError (with the install hint) when there is none."""
    raw = os.environ.get(ENV_VAR, "").strip()
    candidates = [Path(raw).expanduser()] if raw else []
    bundled = _bundled_font()
    candidates += [bundled] if bundled else []
    candidates += [Path(p) for p in SYSTEM_FONTS]
    for path in candidates:
        if not path.is_file():
            continue
        with tempfile.TemporaryDirectory(prefix="policylab-font-") as scratch:
            families = _families(_font_folder(path, Path(scratch)))
        # a .ttc holds several cuts: the Simplified Chinese one first
        ordered = sorted(families, key=lambda f: (not f.endswith(" SC"), "Mono" in f, f))
        if ordered:
            return CJKFont(path, ordered[0])
    raise FontMissingError(f"no font that draws Chinese was found for the PDF: {FONT_HINT}")


# The template: every string it shows comes from doc.json through a function, never through markup.
TEMPLATE = r"""
#let doc = json("doc.json")
#set document(title: doc.title, author: "policylab", date: datetime(year: doc.date.at(0), month: doc.date.at(1), day: doc.date.at(2)))
#set page(paper: "a4", margin: 25mm, numbering: "1")
#set text(font: (doc.font, "DejaVu Sans Mono"), size: 10.5pt, lang: "zh", region: "cn", cjk-latin-spacing: none)
#set par(justify: false, leading: 0.75em, spacing: 1.1em)
// the CJK font has one weight: bold is drawn by stroking the glyphs' outlines
#show heading: set text(weight: "bold", stroke: 0.35pt)
#show strong: set text(stroke: 0.3pt)
#show heading.where(level: 1): set text(size: 15pt)
#show heading.where(level: 2): set text(size: 12.5pt)
#show heading.where(level: 3): set text(size: 11pt)
#show raw: set text(font: ("DejaVu Sans Mono", doc.font), size: 9pt)

#let del-color = rgb("#c00000")
#let ins-color = rgb("#0050b0")

#let run(r) = {
  if r.mark == "del" { text(fill: del-color, strike(stroke: 0.8pt + del-color, r.text)) }
  else if r.mark == "ins" { text(fill: ins-color, underline(stroke: 0.8pt + ins-color, r.text)) }
  else if r.mark == "strong" { strong(r.text) }
  // an identifier may break after `_` or `.` (a word of it), never inside a word
  else if r.mark == "code" { r.words.map(w => box(raw(w))).join() }
  else { r.text }
}
#let runs(rs) = { for r in rs { run(r) } }

#let block-of(b) = {
  if b.kind == "heading" { heading(level: b.level, b.text) }
  else if b.kind == "paragraph" {
    if b.style == "quote" {
      block(inset: (left: 10pt, y: 4pt), stroke: (left: 1.5pt + luma(170)), runs(b.runs))
    } else if b.style == "note" {
      text(size: 8.5pt, fill: luma(80), runs(b.runs))
    } else { runs(b.runs) }
  }
  else if b.kind == "table" {
    set text(size: 9pt)
    set par(justify: false)
    table(
      columns: b.widths.map(w => w * 1fr),
      stroke: 0.5pt + luma(150),
      inset: 4pt,
      table.header(..b.header.map(h => strong(h))),
      ..b.rows.map(row => row.map(cell => runs(cell))).flatten(),
    )
  }
  else if b.kind == "figure" {
    figure(image(b.file, width: b.width * 1mm), caption: b.caption)
  }
}

#align(center, text(size: 18pt, weight: "bold", doc.title))
#if doc.subtitle != "" { align(center, text(size: 11pt, fill: luma(60), doc.subtitle)) }
#v(1em)
#for b in doc.blocks { block-of(b); parbreak() }
"""


def _runs(runs: tuple[Run, ...]) -> list[dict[str, object]]:
    """Runs as data; an identifier also as its words (`fdi_`, `arrival_`, `reward`), each set whole, so a
    line breaks between them but never inside one, and no break character enters the text."""
    return [{"text": r.text, "mark": r.mark, **({"words": [w for w in WORD_BREAK.split(r.text) if w]}
                                                 if r.mark == "code" else {})} for r in runs]


def _data(doc: Document, font: str) -> tuple[dict[str, object], dict[str, bytes]]:
    """The document as JSON data for the template, and the figures' files by name."""
    blocks: list[dict[str, object]] = []
    files: dict[str, bytes] = {}
    for b in doc.blocks:
        if isinstance(b, Heading):
            blocks.append({"kind": "heading", "level": min(max(b.level, 1), 6), "text": b.text})
        elif isinstance(b, Paragraph):
            blocks.append({"kind": "paragraph", "style": b.style, "runs": _runs(b.runs)})
        elif isinstance(b, Table):
            n = len(b.header)
            widths = list(b.widths) if b.widths and len(b.widths) == n else [1.0] * n
            rows = [[_runs(row[i]) if i < len(row) else [] for i in range(n)] for row in b.rows]
            blocks.append({"kind": "table", "header": list(b.header), "widths": widths, "rows": rows})
        elif isinstance(b, Figure):
            name = f"figure-{len(files) + 1}.png"
            files[name] = b.png
            blocks.append({"kind": "figure", "file": name, "caption": b.caption,
                           "width": min(b.width_mm, TEXT_WIDTH_MM)})
    data: dict[str, object] = {"title": doc.title, "subtitle": doc.subtitle, "font": font, "date": list(FIXED_DATE),
            "blocks": blocks}
    return data, files


def to_pdf(doc: Document, font: CJKFont | None = None) -> bytes:
    """The PDF's bytes (the same for the same document); FontMissingError without a CJK font."""
    import typst

    chosen = font or cjk_font()
    data, files = _data(doc, chosen.family)
    with tempfile.TemporaryDirectory(prefix="policylab-pdf-") as scratch:
        root = Path(scratch)
        (root / "doc.typ").write_text(TEMPLATE, encoding="utf-8")
        (root / "doc.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for name, png in files.items():
            (root / name).write_bytes(png)
        pdf = typst.compile(str(root / "doc.typ"), root=str(root), font_paths=[str(_font_folder(chosen.path, root))],
                            ignore_system_fonts=True)
    assert isinstance(pdf, bytes)
    return pdf
