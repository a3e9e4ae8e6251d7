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
MARGIN_MM = 20.0
TEXT_WIDTH_MM = 210.0 - 2 * MARGIN_MM  # A4 less the margins: a figure is never wider than the text
WORD_BREAK = re.compile(r"(?<=[_./])")  # an identifier's words
LONG_TOKEN = re.compile(r"[!-~]{16,}")  # printable ASCII with no space: a line cannot break inside it
TOKEN_BREAK = re.compile(r"(?<=[_./,:;=)}\]])")
LONGEST = 24


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
#set page(paper: "a4", margin: doc.margin * 1mm, numbering: "1")
#set text(font: (doc.font, "DejaVu Sans Mono"), size: 10.5pt, lang: "zh", region: "cn", cjk-latin-spacing: none)
#set par(justify: false, leading: 0.75em, spacing: 1.1em)
// the CJK font has one weight: bold is drawn by stroking the glyphs' outlines
#show heading: set text(weight: "bold", stroke: 0.35pt)
#show strong: set text(stroke: 0.3pt)
#show heading.where(level: 1): set text(size: 15pt)
#show heading.where(level: 2): set text(size: 12.5pt)
#show heading.where(level: 3): set text(size: 11pt)
#show raw: set text(font: ("DejaVu Sans Mono", doc.font), size: 1.1em)  // of raw's own 0.8em

#let del-color = rgb("#c00000")
#let ins-color = rgb("#0050b0")

// a run's pieces: a glued one in a box (no break inside, a break allowed beside it)
#let body(r) = {
  let f = if r.mark == "code" { raw } else { x => x }
  r.pieces.map(p => if p.at(1) { box(f(p.at(0))) } else { f(p.at(0)) }).join()
}
#let run(r) = {
  if r.mark == "del" { text(fill: del-color, strike(stroke: 0.8pt + del-color, body(r))) }
  else if r.mark == "ins" { text(fill: ins-color, underline(stroke: 0.8pt + ins-color, body(r))) }
  else if r.mark == "strong" { strong(body(r)) }
  else { body(r) }
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


def pieces(text: str, code: bool = False) -> list[tuple[str, bool]]:
    """The text cut where a line may break: (piece, glued).  Typst breaks Chinese anywhere and Latin
    at spaces, so a long token with no space (an expression, an id, a URL) would run out of a narrow
    table cell; it is cut after `_ . / , : ; = ) } ]` into glued pieces (each set whole, a break
    allowed between them), and a piece still longer than LONGEST every LONGEST characters.  An
    identifier (code) is cut after `_ . /` whatever its length.  No character is added to the text."""
    if code:
        return [(w, True) for w in WORD_BREAK.split(text) if w]
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in LONG_TOKEN.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        for word in TOKEN_BREAK.split(m.group()):
            out += [(word[i:i + LONGEST], True) for i in range(0, len(word), LONGEST)]
        pos = m.end()
    if pos < len(text) or not out:
        out.append((text[pos:], False))
    return out


def _runs(runs: tuple[Run, ...]) -> list[dict[str, object]]:
    return [{"mark": r.mark, "pieces": pieces(r.text, r.mark == "code")} for r in runs]


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
                               "margin": MARGIN_MM,
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
