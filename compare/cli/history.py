"""`policylab timeline` (a city's documents and its figures over time) and `policylab panel` (the long
table city × date × figure, and reference projects' outcomes, for research): compare.history.

Exit codes as every command: 2 a wrong command line (an unknown city, --from after --to, an output
format or file the command will not write), 1 a policy or project file with errors (or two documents
of a city in force at once), 3 a project file with no projects.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from compare.cli.common import (
    EXIT_POLICY_ERRORS,
    EXIT_USAGE,
    CacheOption,
    OutputFormat,
    SearchOption,
    app,
    parse_fx,
    print_diagnostics,
    say_error,
)

if TYPE_CHECKING:
    from compare.history.documents import Cities

TIMELINE_FORMATS = (".svg", ".png", ".csv", ".md")
PANEL_FORMATS = (".csv", ".parquet")


class Lang(StrEnum):
    """The language of a chart's text (compare.simulate.fonts.LANGS)."""

    zh = "zh"
    en = "en"
    both = "both"


class By(StrEnum):
    year = "year"
    month = "month"


OutForce = Annotated[bool, typer.Option("--force", help="replace --out even if policylab did not write it")]


def _out_or_exit(out: Path, formats: tuple[str, ...], command: str, header: tuple[str, ...], force: bool) -> bytes:
    """The mark of `out`'s format; exit 2 where the command does not write that format or may not replace
    the file (checked before any work)."""
    from compare.history.outputs import OutFileError, extension, marks, may_write

    try:
        mark = marks(command, header)[extension(out, formats, command)]
        may_write(out, command, mark, force)
    except OutFileError as e:
        say_error(f"policylab {command}", e.message, e.hint)
        raise typer.Exit(EXIT_USAGE) from None
    return mark


def _write_or_exit(out: Path, data: bytes | Iterable[bytes], command: str, mark: bytes, force: bool) -> None:
    from compare.data.atomic import WriteError
    from compare.history.outputs import OutFileError, write

    try:
        write(out, data, command, mark, force)
    except WriteError as e:
        say_error(f"policylab {command}", e.message, e.hint)
        raise typer.Exit(EXIT_USAGE if isinstance(e, OutFileError) else EXIT_POLICY_ERRORS) from None


def _cities_or_exit(files: list[Path], search: list[Path] | None, cache: bool) -> Cities:
    """The files checked (errors: printed, exit 1) and their cities' timelines (errors: printed, exit 1)."""
    from compare.history.documents import cities_of
    from dsl.cache import check_paths_cached

    result = check_paths_cached(files, search, cache)
    cities, diags = cities_of(result.policies, files, search, cache)
    errors = [d for d in [*result.diagnostics, *diags] if d.is_error]
    if errors:
        print_diagnostics(errors, result.texts, OutputFormat.text)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    return cities


@app.command("timeline")
def timeline_(
    city: Annotated[str, typer.Argument(help="a city id (zhangjiagang): its documents along the search path")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="write FILE: .svg or .png (the step chart), .csv (the figures' history), .md (the tables)")] = None,
    force: OutForce = False,
    search: SearchOption = None,
    no_cache: CacheOption = False,
    lang: Annotated[Lang, typer.Option("--lang", help="the step chart's text: zh, en, or both (Chinese, then "
                                                      "English)")] = Lang.both,
) -> None:
    """A city's documents (issued, in force from, until and why, status) and, per concept and figure, the
    values over time with the dates, documents and articles; a step chart with --out FILE.svg|.png."""
    from compare.history.chart import chart_bytes
    from compare.history.documents import city_files, city_of, known_cities
    from compare.history.render import HISTORY_COLUMNS, history_csv, history_markdown, history_text
    from compare.history.steps import city_history
    from dsl.diagnostics import did_you_mean
    from dsl.textsafe import printable

    mark = _out_or_exit(out, TIMELINE_FORMATS, "timeline", HISTORY_COLUMNS, force) if out is not None else b""
    files = city_files(city, search)
    if not files:
        known, own = known_cities(search), city_of(city, search)
        say_error("policylab timeline", f"no city `{city}` in the current folder, policies/ or along the search path",
                  f"{city} is a document of {own}: policylab timeline {own}" if own else
                  did_you_mean(city, known) or ("cities: " + ", ".join(known) if known else
                                                "add the city's folder with --policies DIR"))
        raise typer.Exit(EXIT_USAGE)
    cities = _cities_or_exit(files, search, not no_cache)
    history = city_history(cities.timelines[city], cities.policies)
    if out is None:
        sys.stdout.write(history_text(history))
        return
    fmt = out.suffix.lower()
    data = {".csv": lambda: history_csv(history), ".md": lambda: history_markdown(history).encode("utf-8"),
            ".svg": lambda: chart_bytes(history, "svg", mark.decode(), lang.value),
            ".png": lambda: chart_bytes(history, "png", mark.decode(), lang.value)}[fmt]()
    _write_or_exit(out, data, "timeline", mark, force)
    typer.echo(printable(f"wrote the history of {len(history.figures)} figures of {city} to {out}"), err=True)


@app.command("panel")
def panel_(
    policies: Annotated[list[str], typer.Argument(help=".policy files, folders, policy ids or city ids")],
    first: Annotated[int, typer.Option("--from", min=1, max=9999, help="the first year")],
    last: Annotated[int, typer.Option("--to", min=1, max=9999, help="the last year")],
    by: Annotated[By, typer.Option("--by", help="a row per year (1 January) or per month (the 1st)")] = By.year,
    projects: Annotated[Path | None, typer.Option(
        "--projects", help="reference projects (a project file): their outcomes under the document in force")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="write FILE: .csv or .parquet (default: CSV on stdout)")] = None,
    fx: Annotated[str | None, typer.Option(
        "--fx", help="USD→CNY rate for every date (default: the latest policy year's average)")] = None,
    force: OutForce = False,
    search: SearchOption = None,
    no_cache: CacheOption = False,
) -> None:
    """A long table, one row per city × date × figure in force (rates, caps, thresholds, points, ratios),
    and with --projects each project's outcome per concept: the document in force on each date."""
    from compare.history.documents import UnknownPolicyError, resolve
    from compare.history.outputs import MARK
    from compare.history.panel import COLUMNS, build_panel, panel_dates
    from compare.history.render import panel_csv, panel_parquet
    from dsl.textsafe import printable

    rate_given = parse_fx(fx, "policylab panel", per_policy=False)
    mark = _out_or_exit(out, PANEL_FORMATS, "panel", COLUMNS, force) if out is not None else b""
    try:
        dates = panel_dates(first, last, by.value)
    except ValueError as e:
        say_error("policylab panel", str(e), "give the earlier year to --from, e.g. --from 2015 --to 2019")
        raise typer.Exit(EXIT_USAGE) from None
    try:
        files = resolve(policies, search)
    except UnknownPolicyError as e:
        say_error("policylab panel", e.message, e.hint)
        raise typer.Exit(EXIT_USAGE) from None
    cities = _cities_or_exit(files, search, not no_cache)
    batch, rate = None, 0.0
    if projects is not None:
        from compare.cli.data import read_projects_or_exit, run_record_or_exit
        from compare.engine.runs import choose_rates

        record = run_record_or_exit([p.record for p in cities.policies.values()])
        batch = read_projects_or_exit(projects, None, None, None, record).batch
        rates = choose_rates(list(cities.policies.values()), rate_given if isinstance(rate_given, float) else None)
        rate = rates.rates[0] if rates.rates else 0.0
        typer.echo(f"policylab panel: {rates.note}, for every date", err=True)
    panel = build_panel(cities, dates, batch, rate)
    for city, used in panel.documents.items():
        if used:  # a city with none is in the notes
            typer.echo(f"{city}: " + ", ".join(f"{p} ({_period(cities, city, p)})" for p in used), err=True)
    for note in panel.notes:
        typer.echo(f"policylab panel: note: {note}", err=True)
    if out is None:
        sys.stdout.flush()
        for chunk in panel_csv(panel):
            sys.stdout.buffer.write(chunk)
        return
    meta = {MARK: "panel", "dates": f"{dates[0].isoformat()} … {dates[-1].isoformat()} by {by.value}",
            "usd_cny": repr(rate) if batch is not None else ""}
    data = panel_parquet(panel, meta) if out.suffix.lower() == ".parquet" else panel_csv(panel)
    _write_or_exit(out, data, "panel", mark, force)
    typer.echo(printable(f"wrote {len(panel):,} rows to {out}"), err=True)


def _period(cities: Cities, city: str, policy: str) -> str:
    import datetime as dt

    doc = next(d for d in cities.timelines[city].documents if d.policy == policy)
    until = f"until {(doc.end - dt.timedelta(days=1)).isoformat()}" if doc.end else "open"
    return f"from {doc.start.isoformat()}, {until}" if doc.start else f"{until}, start not stated"
