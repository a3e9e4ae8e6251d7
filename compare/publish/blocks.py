"""A document as a list of blocks, independent of the file format it will be written in.

    doc = Document("无锡 2023 → 草案 对照", (
        Heading(1, "(16) 新批外资项目到账外资奖励"),
        Paragraph((Run("…给予最高"), Run("2%", "del"), Run("3%", "ins"), Run("、不超过…"))),
        Table(("城市", "比例"), (((Run("无锡"),), (Run("2%"),)),)),
        Figure(png_bytes, "各城市的奖励"),
    ))

The report and the redline build one; the .docx and .pdf writers (and any later format) read it, so a
format is one module and a document kind is one builder.  Text is plain text: the writers escape it for
their own layer (Typst markup, Word XML), so a quote holding `*`, `#`, `<` or `$` stays a quote.

A run's mark says what the run is, not how it looks: `del` and `ins` are the redline's removed and
added wording (struck through / underlined, and coloured where the format has colour), `strong` is
emphasis, `code` an identifier (never broken mid-word).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mark = Literal["", "del", "ins", "strong", "code"]


@dataclass(frozen=True)
class Run:
    text: str
    mark: Mark = ""


Cell = tuple[Run, ...]


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = the document's sections, 2, 3 below
    text: str


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: Literal["", "quote", "note"] = ""  # quote: source text; note: small print under a table


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...] | None = None  # relative column widths; None: equal


@dataclass(frozen=True)
class Figure:
    png: bytes  # a raster at print resolution: every format takes PNG
    caption: str
    width_mm: float = 160.0


Block = Heading | Paragraph | Table | Figure


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...]
    subtitle: str = ""


def plain(text: str) -> tuple[Run, ...]:
    """One unmarked run: the common cell and paragraph."""
    return (Run(text),)
