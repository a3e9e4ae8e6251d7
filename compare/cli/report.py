"""`policylab report`: the clause-by-clause comparison of the site's concept pages as one file for a memo
(compare.site.report): Markdown, one self-contained HTML page, an XLSX workbook, or a Word (.docx) or PDF
document with the concept pages' charts (compare.site.report_blocks, written by compare.publish).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from compare.cli.common import (
    EXIT_POLICY_ERRORS,
    EXIT_USAGE,
    AsOfOption,
    SearchOption,
    app,
    as_of_or_exit,
    parse_fx,
    require_extra,
)

if TYPE_CHECKING:
    from compare.diff.redline import Redline
    from compare.site.report import Report
    from dsl.model import Policy


class ReportFormat(StrEnum):
    markdown = "markdown"
    html = "html"
    xlsx = "xlsx"
    docx = "docx"
    pdf = "pdf"


_SUFFIXES = {".md": ReportFormat.markdown, ".markdown": ReportFormat.markdown, ".html": ReportFormat.html,
             ".htm": ReportFormat.html, ".xlsx": ReportFormat.xlsx, ".docx": ReportFormat.docx,
             ".pdf": ReportFormat.pdf}
_BINARY = (ReportFormat.xlsx, ReportFormat.docx, ReportFormat.pdf)
# the packages a document needs: its writer's, and matplotlib and pandas for the charts
_DOCUMENT_MODULES = {ReportFormat.docx: ("docx", "matplotlib", "pandas"),
                     ReportFormat.pdf: ("typst", "matplotlib", "pandas")}


def _require_font() -> None:
    """A PDF without a font that draws Chinese fails here, before any work, with the install hint."""
    from compare.publish.pdf import FontMissingError, cjk_font

    try:
        cjk_font()
    except FontMissingError as e:
        _usage(str(e))


def _format_of(out: Path | None, format: ReportFormat | None) -> ReportFormat:
    """The format: --out's extension says it (one that is not written is an error, not Markdown under
    a .docx name); --format, if also given, must agree; without --out, --format or Markdown."""
    from dsl.textsafe import printable

    if out is None:
        return format or ReportFormat.markdown
    by_suffix = _SUFFIXES.get(out.suffix.lower())
    if by_suffix is None:
        _usage(printable(f"cannot write {out}: `{out.suffix or '(no extension)'}` is not a format it writes; name "
                         f"the file with one of: {', '.join(_SUFFIXES)}"))
    if format is not None and format != by_suffix:
        _usage(printable(f"--format {format.value} but --out {out.name} names {by_suffix.value}"))
    return by_suffix


def _usage(message: str) -> NoReturn:
    typer.echo(f"policylab report: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _document(report: Report, policies: list[Policy], fmt: ReportFormat, redlines: list[Redline]) -> bytes:
    """The report as a Word or PDF document, with the concept pages' charts (and the redlines after it)."""
    from compare.cli.redline import with_redline_blocks
    from compare.publish.write import document_bytes
    from compare.site.report_blocks import chart_pngs, report_document

    charts = chart_pngs(policies, report.rate, report.rows)
    return document_bytes(with_redline_blocks(report_document(report, charts), redlines), f".{fmt.value}")


@app.command("report")
def report_(
    policies: Annotated[list[str], typer.Argument(help=".policy files, policy ids (wuxi_2023) or cities (wuxi), "
                                                       "in the order of the columns")],
    concept: Annotated[list[str] | None, typer.Option("--concept", help="only this taxonomy concept (repeatable); "
                                                      "default: every concept some city has, then a list of the "
                                                      "ones none has")] = None,
    format: Annotated[ReportFormat | None, typer.Option("--format", help="markdown, html (one self-contained "
                                                        "page), xlsx, docx or pdf; default: from the --out suffix, "
                                                        "else markdown")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write here (atomically): .md, .markdown, .html, .htm, "
                                             ".xlsx, .docx or .pdf; markdown and html go to stdout without it")] = None,
    fx: Annotated[str | None, typer.Option("--fx", help="USD→CNY rate for the common units (default: the latest "
                                           "policy year's average)")] = None,
    diff: Annotated[list[str] | None, typer.Option("--diff", help="OLD:NEW, repeatable: the wording redline of a "
                                                   "revision after the comparison (each side a file, id or city)")] = None,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The cities side by side, concept by concept: per city absent, promised (no figure) or present, each
    provision's article and quote, value, condition, figures in common units, readings and beneficiary;
    the mechanisms as a matrix; the documents and the stated rate."""
    from compare.cli.common import write_atomically
    from compare.cli.drafting import checked
    from compare.site.report import UnknownConceptError, build_report, render
    from dsl.textsafe import printable

    fmt = _format_of(out, format)
    if fmt in _BINARY and out is None:
        _usage(f"--format {fmt.value} needs --out FILE")
    if fmt == ReportFormat.xlsx:
        require_extra("report --format xlsx", "data", ("openpyxl",))
    if fmt in _DOCUMENT_MODULES:
        require_extra(f"report --format {fmt.value}", "report", _DOCUMENT_MODULES[fmt])
    if fmt == ReportFormat.pdf:
        _require_font()
    rate = parse_fx(fx, "policylab report", per_policy=False)
    assert not isinstance(rate, str)
    day = as_of_or_exit(as_of, "policylab report")
    checked_policies = checked(policies, search, "report", day)  # exit 2 for a name that is no policy, 1 for errors
    try:
        report = build_report(checked_policies, concept or None, rate)
    except UnknownConceptError as e:
        _usage(printable(str(e)))
    redlines: list[Redline] = []
    if diff:
        from compare.cli.redline import report_redlines

        if fmt == ReportFormat.xlsx:
            _usage("--diff writes the redline into a Markdown, HTML, Word or PDF report, not a workbook")
        redlines = report_redlines(diff, search, day, "policylab report")
    if fmt in _DOCUMENT_MODULES:
        data: str | bytes = _document(report, checked_policies, fmt, redlines)
    else:
        from compare.cli.redline import with_redlines

        data = with_redlines(render(report, fmt.value), fmt.value, redlines)
    if out is None:
        assert isinstance(data, str)
        sys.stdout.write(data)
        return
    if not write_atomically(out, data):
        raise typer.Exit(EXIT_POLICY_ERRORS)
