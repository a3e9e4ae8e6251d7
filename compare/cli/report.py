"""`policylab report`: the clause-by-clause comparison of the site's concept pages as one file for a memo
(compare.site.report): Markdown, one self-contained HTML page, or an XLSX workbook.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

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


class ReportFormat(StrEnum):
    markdown = "markdown"
    html = "html"
    xlsx = "xlsx"


_SUFFIXES = {".md": ReportFormat.markdown, ".markdown": ReportFormat.markdown, ".html": ReportFormat.html,
             ".htm": ReportFormat.html, ".xlsx": ReportFormat.xlsx}


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


@app.command("report")
def report_(
    policies: Annotated[list[str], typer.Argument(help=".policy files, policy ids (wuxi_2023) or cities (wuxi), "
                                                       "in the order of the columns")],
    concept: Annotated[list[str] | None, typer.Option("--concept", help="only this taxonomy concept (repeatable); "
                                                      "default: every concept some city has, then a list of the "
                                                      "ones none has")] = None,
    format: Annotated[ReportFormat | None, typer.Option("--format", help="markdown, html (one self-contained "
                                                        "page) or xlsx; default: from the --out suffix, else "
                                                        "markdown")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write here (atomically): .md, .markdown, .html, .htm or "
                                             ".xlsx; markdown and html go to stdout without it")] = None,
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
    from compare.cli.drafting import checked
    from compare.data.atomic import WriteError, sweep_stale, write_atomically
    from compare.site.report import UnknownConceptError, build_report, render
    from dsl.textsafe import printable

    fmt = _format_of(out, format)
    if fmt == ReportFormat.xlsx and out is None:
        _usage("--format xlsx needs --out FILE")
    if fmt == ReportFormat.xlsx:
        require_extra("report --format xlsx", "data", ("openpyxl",))
    rate = parse_fx(fx, "policylab report", per_policy=False)
    assert not isinstance(rate, str)
    day = as_of_or_exit(as_of, "policylab report")
    checked_policies = checked(policies, search, "report", day)  # exit 2 for a name that is no policy, 1 for errors
    try:
        report = build_report(checked_policies, concept or None, rate)
    except UnknownConceptError as e:
        _usage(printable(str(e)))
    data = render(report, fmt.value)
    if diff:
        from compare.cli.redline import report_redlines, with_redlines

        if fmt == ReportFormat.xlsx:
            _usage("--diff writes the redline into a Markdown or HTML report, not a workbook")
        data = with_redlines(data, fmt.value, report_redlines(diff, search, day, "policylab report"))
    if out is None:
        assert isinstance(data, str)
        sys.stdout.write(data)
        return
    sweep_stale(out)
    try:
        write_atomically(out, data)
    except WriteError as e:
        hint = f"\n  hint: {printable(e.hint)}" if e.hint else ""
        typer.echo(printable(f"policylab: {e.message}") + hint, err=True)
        raise typer.Exit(EXIT_POLICY_ERRORS) from None
