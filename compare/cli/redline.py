"""The wording redline on the command line: `policylab diff OLD NEW --format html | --out F` and
`policylab report --diff OLD:NEW` write it (compare.diff.redline, compare.diff.redline_render), in
the format the file's extension names: .html, .md, .docx or .pdf (the last two by compare.publish).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from compare.cli.common import EXIT_POLICY_ERRORS, EXIT_USAGE, require_extra

if TYPE_CHECKING:
    from compare.diff.redline import Redline
    from compare.diff.structural import StructuralDiff
    from compare.publish.blocks import Document
    from dsl.model import Policy

Semantic = tuple[float | None, float]  # the USD→CNY rate (None: the policies' year's) and the seconds it may take
SUFFIXES = (".html", ".htm", ".md", ".markdown", ".docx", ".pdf")


def check_out(out: Path, command: str) -> None:
    """Exit 2 before any work for an extension not written, or a document format whose packages are missing."""
    from dsl.textsafe import printable

    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        typer.echo(printable(f"{command}: cannot write {out}: `{out.suffix or '(no extension)'}` is not a format "
                             f"the redline is written in; name the file with one of: {', '.join(SUFFIXES)}"), err=True)
        raise typer.Exit(EXIT_USAGE)
    if suffix in (".docx", ".pdf"):
        from compare.publish.write import MODULES, missing_for

        if missing_for(suffix):
            require_extra(f"{command.removeprefix('policylab ')} --out {suffix}", "report", MODULES[suffix])


def redline_bytes(old: Policy, new: Policy, diff: StructuralDiff | None, suffix: str,
                  semantic: Semantic | None = None) -> bytes:
    """The redline of OLD → NEW in the format of `suffix` (one of SUFFIXES); with `semantic` (rate,
    budget), the verdicts and witnesses in words after it."""
    from compare.diff import redline_render as rr
    from compare.diff.redline import redline, with_semantic

    r = redline(old, new, diff)
    if semantic is not None:
        r = with_semantic(r, old, new, *semantic)
    if suffix in (".html", ".htm"):
        return rr.html_page(r).encode("utf-8")
    if suffix in (".md", ".markdown"):
        return rr.markdown(r).encode("utf-8")
    from compare.publish.write import document_bytes

    return document_bytes(rr.to_document(r), suffix)


def write_redline(old: Policy, new: Policy, diff: StructuralDiff | None, out: Path | None, command: str,
                  semantic: Semantic | None = None) -> None:
    """The redline to `out` (atomically), or as an HTML page to stdout without one."""
    from compare.cli.common import write_atomically

    if out is None:
        sys.stdout.write(redline_bytes(old, new, diff, ".html", semantic).decode("utf-8"))
        return
    if not write_atomically(out, redline_bytes(old, new, diff, out.suffix.lower(), semantic), command):
        raise typer.Exit(EXIT_POLICY_ERRORS)


# ---------------------------------------------------------------- policylab report --diff OLD:NEW


def report_redlines(pairs: list[str] | None, search: list[Path] | None, as_of: object, command: str) -> list[Redline]:
    """The redlines `--diff OLD:NEW` names (each side a file, id or city); exit 2 for a pair not so written."""
    from compare.cli.drafting import checked
    from compare.diff.redline import redline

    out = []
    for pair in pairs or []:
        old, sep, new = pair.partition(":")
        if not sep or not old or not new:
            typer.echo(f"{command}: --diff `{pair}`: write OLD:NEW, e.g. wuxi_2023:wuxi_draft.policy", err=True)
            raise typer.Exit(EXIT_USAGE)
        a, b = checked([old, new], search, command.removeprefix("policylab "), as_of)  # type: ignore[arg-type]
        out.append(redline(a, b))
    return out


def with_redlines(data: str | bytes, fmt: str, redlines: list[Redline]) -> str | bytes:
    """The report with each redline after it: a section of the HTML page, Markdown appended (a Word or
    PDF report: `with_redline_blocks`)."""
    if not redlines:
        return data
    from compare.diff import redline_render as rr
    from compare.site.escape import text as esc

    if fmt == "markdown" and isinstance(data, str):
        return data + "".join("\n# 修订对照 Redline\n\n" + rr.markdown(r) for r in redlines)
    if fmt == "html" and isinstance(data, str):
        sections = "".join(f'<section class="pl-report-redline"><h2>修订对照 Redline {esc(r.old)} → {esc(r.new)}</h2>'
                           f"{rr.html_fragment(r)}</section>\n" for r in redlines)
        head, sep, tail = data.rpartition("</body>")
        return f"{head}<style>{rr.REDLINE_CSS}</style>\n{sections}{sep}{tail}" if sep else data + sections
    raise ValueError(f"--diff is not written in {fmt}")


def with_redline_blocks(doc: Document, redlines: list[Redline]) -> Document:
    """A report's document with each redline's blocks after it, under a heading of its own."""
    if not redlines:
        return doc
    from compare.diff.redline_render import to_document
    from compare.publish.blocks import Block, Heading

    blocks: list[Block] = list(doc.blocks)
    for r in redlines:
        blocks += [Heading(1, f"修订对照 Redline {r.old} → {r.new}"), *to_document(r).blocks]
    return replace(doc, blocks=tuple(blocks))
