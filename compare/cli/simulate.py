"""`policylab simulate SCENARIO`, `policylab figures POLICY`, `policylab reform POLICY`.

`simulate` runs a scenario file (compare.simulate.plan) and writes its tables, plots, reform revisions
and `scenario.lock` into `--out DIR` (default `simulations/NAME`) in one atomic step; `--set
[LINE:]PATH=VALUE` adds a reform of the command line on top of the scenario's.  `figures` lists the
figure paths `--set` and sweeps take.  `reform` writes a checked revision of a policy: figures set
(`--set`), or another city's clauses for concepts transplanted (`--transplant-from CITY --concept KEY`);
a set figure's quote is revised with it, and the draft's own text (NAME.txt, the base's text with those
sentences revised) written beside it (compare.simulate.requote).
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from compare.cli.common import (
    EXIT_POLICY_ERRORS,
    EXIT_USAGE,
    AsOfOption,
    ForceOption,
    OutputFormat,
    SearchOption,
    app,
    as_of_or_exit,
    folder_not_written,
    out_folder,
    print_diagnostics,
    require_extra,
)
from compare.cli.data import QuietOption

if TYPE_CHECKING:
    from compare.simulate.reform import Change

EXIT_SCENARIO = 1
ANNOUNCE_SECONDS = 10.0  # a run estimated to take longer says so on stderr before it starts
SetOption = Annotated[list[str] | None, typer.Option("--set", help="PATH=VALUE (figure path: "
                                                     "`policylab figures POLICY`), repeatable; in simulate "
                                                     "LINE:PATH=VALUE names the policy or reform it changes")]


def _usage(message: str) -> None:
    typer.echo(f"policylab: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def parse_sets(values: list[str] | None) -> list[tuple[str | None, Change, str]]:
    """`[LINE:]PATH=VALUE` arguments: (line or None, the change with its place in the argument, the text)."""
    from compare.simulate.reform import Change
    from dsl.ast import Span

    out = []
    for k, raw in enumerate(values or []):
        if "=" not in raw:
            _usage(f"--set `{raw}`: write PATH=VALUE, e.g. fdi_arrival_reward.cap=8000万元")
        left, value = raw.split("=", 1)
        line, path = left.split(":", 1) if ":" in left else (None, left)
        col = raw.index("=") + 2
        where = Span(f"<--set {k + 1}>", 1, col, 1, len(raw) + 1)
        out.append((line, Change(path.strip(), value.strip(), where), raw))
    return out


def _report(err: Exception, texts: dict[str, str]) -> None:
    from compare.data.records import InputError

    diags = getattr(err, "diagnostics", [])
    cause = err.__cause__  # a portfolio file's problems: the lines its reader kept, for the caret
    kept = {d.span.file: cause.lines for d in cause.diagnostics} if isinstance(cause, InputError) else None
    print_diagnostics(diags, {**texts, **getattr(err, "texts", {})}, OutputFormat.text, kept)


# What `policylab simulate` imports beyond the core install (the `simulate` extra).
SIMULATE_NEEDS = ("matplotlib", "pandas", "jsonschema")


def _check_formats(formats: str) -> None:
    """--formats names only what simulate writes (a `pdf` would silently be left out)."""
    from compare.simulate.results import PLOT_FORMATS, TABLE_FORMATS
    from dsl.textsafe import printable

    known = (*TABLE_FORMATS, *PLOT_FORMATS)
    unknown = [f.strip() for f in formats.split(",") if f.strip() and f.strip() not in known]
    if unknown:
        _usage(printable(f"--formats: {', '.join(f'`{f}`' for f in unknown)} is not a format simulate writes; "
                         f"it writes {', '.join(known)}"))


class Lang(StrEnum):
    """The language of a figure's text (compare.simulate.fonts.LANGS)."""

    zh = "zh"
    en = "en"
    both = "both"


@app.command("simulate")
def simulate_(
    scenario: Annotated[Path, typer.Argument(help="a scenario file (YAML; docs/simulation.md)")],
    out: Annotated[Path | None, typer.Option("--out", help="the results folder (replaced as a whole if new, empty "
                                                           "or written by policylab simulate; default "
                                                           "simulations/NAME)")] = None,
    force: ForceOption = False,
    set_: SetOption = None,
    executor: Annotated[str, typer.Option("--executor", help="local, or dask (sweeps and Monte Carlo on Dask "
                                                             "workers; same results)")] = "local",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="a Dask scheduler address (default: a "
                                                  "local cluster)")] = None,
    formats: Annotated[str, typer.Option("--formats", help="comma-separated: csv,json,parquet,png,svg "
                                                           "(default: the scenario's outputs, else all)")] = "",
    search: SearchOption = None,
    quiet: QuietOption = False,
    force_large: Annotated[bool, typer.Option("--force-large", help="run a scenario estimated to take more than "
                                              "30 minutes or 8 GB (refused otherwise, with the estimate)")] = False,
    as_of: AsOfOption = None,
    lang: Annotated[Lang, typer.Option("--lang", help="the plots' text: zh, en, or both (Chinese, then "
                                                      "English)")] = Lang.both,
) -> None:
    """Run a what-if scenario: reforms, transplants, a portfolio (a file, or sampled with a seed), and the
    analyses it asks for (compare, sweep, monte_carlo, readings, competition_map)."""
    require_extra("simulate", "simulate", SIMULATE_NEEDS)  # before any import that needs them
    from compare.cli.progress import steps
    from compare.data.atomic import WriteError
    from compare.simulate.executor import ExecutorError
    from compare.simulate.memory import keep_freed_memory
    from compare.simulate.plan import run_scenario
    from compare.simulate.reform import ReformError
    from compare.simulate.results import COMMAND
    from compare.simulate.scenario import ScenarioError, load_scenario

    keep_freed_memory()  # a run makes and frees arrays of 10^6 projects by the hundred: memory reused, not faulted in
    sets = parse_sets(set_)
    texts = {c.where.file: raw for _, c, raw in sets}
    if executor not in ("local", "dask"):
        _usage(f"--executor `{executor}`: local or dask")
    _check_formats(formats)
    if out is not None:
        out_folder(out, COMMAND, force, [scenario])
    try:
        sc = load_scenario(scenario)
        texts[str(sc.path)] = sc.text
        if as_of is not None:  # over the scenario's own `as_of`: the city ids in `policies` as of this date
            sc.data["as_of"] = as_of_or_exit(as_of, "policylab simulate").isoformat()
        target = out or Path("simulations") / sc.data["name"]
        if out is None:
            out_folder(target, COMMAND, force, [scenario])
        extra = _cli_reforms(sc, sets) if sets else []
        with steps(quiet) as progress:
            current: dict[str, Any] = {"what": None}

            def tick(what: str, done: int, total: int) -> None:
                if current["what"] != what:
                    progress.step(what, total)
                    current["what"] = what
                progress.done(done)
            def announce(est: Any) -> None:  # a long run says what it will cost before it starts
                if not quiet and est.seconds >= ANNOUNCE_SECONDS:
                    typer.echo(f"policylab simulate: {est.describe()}", err=True)
            results = run_scenario(sc, search or [], executor, scheduler, tick, extra=extra,
                                   force_large=force_large, announce=announce)
            wanted = [f.strip() for f in formats.split(",") if f.strip()] or sc.data.get("outputs") or \
                ["csv", "json", "parquet", "png", "svg"]
            progress.step("writing", None)
            written = results.write(target, wanted, force, lang=lang.value)
    except (ScenarioError, ReformError) as e:
        read = getattr(e, "text", None)  # the scenario as it was read (never read again to show a line)
        _report(e, {**({str(scenario): read} if read else {}), **texts})
        raise typer.Exit(EXIT_SCENARIO) from None
    except ExecutorError as e:
        typer.echo(f"policylab simulate: {e}" + (f"\n  hint: {e.hint}" if e.hint else ""), err=True)
        raise typer.Exit(EXIT_SCENARIO) from None
    except WriteError as e:  # the folder changed while the run worked, or the disk is full
        folder_not_written(COMMAND, e)
    for note in results.meta.get("notes", []):
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"{target}: {len(written)} files ({results.meta['rate']})")
    for name in sorted(results.tables):
        typer.echo(f"  {name}: {results.tables[name].num_rows} rows")


def _cli_reforms(sc: Any, sets: list[tuple[str | None, Change, str]]) -> list[Any]:
    """A reform `cli_LINE` per line named by --set, stacked on that line after the scenario's reforms."""
    from compare.simulate.reform import Reform

    names = [*map(str, sc.data["policies"]), *(r["name"] for r in sc.data.get("reforms", []))]
    ids = [Path(n).stem if n.endswith(".policy") else n for n in names]
    by_line: dict[str, list[Change]] = {}
    for line, change, raw in sets:
        if line is None:
            if len(ids) != 1:
                _usage(f"--set `{raw}`: the scenario has several lines ({', '.join(ids)}): write LINE:PATH=VALUE")
            line = ids[-1]
        if line not in ids:
            _usage(f"--set `{raw}`: no policy or reform `{line}` in the scenario ({', '.join(ids)})")
        by_line.setdefault(line, []).append(change)
    return [Reform(f"cli_{line}", line, tuple(changes)) for line, changes in by_line.items()]


@app.command("figures")
def figures_(
    policy: Annotated[str, typer.Argument(help="a .policy file, a policy id or a city id")],
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The figure paths of a policy (for --set, reforms and sweeps), with each figure and its article."""
    from compare.cli.drafting import resolve
    from compare.simulate.figures import policy_figures
    from dsl import ast as A
    from dsl.cache import check_paths_cached

    day = as_of_or_exit(as_of, "policylab figures")
    result = check_paths_cached([resolve(policy, search, "figures", day)], search or [])
    errors = [d for d in result.diagnostics if d.is_error]
    if errors or not result.policies:
        print_diagnostics(errors, result.texts, OutputFormat.text)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    import unicodedata

    def cells(text: str) -> int:  # a Chinese character takes two columns in a terminal
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    figs = policy_figures(result.policies[0])
    width = max((cells(p) for p in figs), default=0)
    for path, fig in figs.items():
        sys.stdout.write(f"{path}{' ' * (width - cells(path))}  {fig.text}{' ' * max(0, 12 - cells(fig.text))}  "
                         f"{fig.article}\n")
    for lid, decl in result.policies[0].lists.items():  # a named list is set by its id: its items
        items = "、".join(x.value if isinstance(x, A.Text) else x.dotted for x in decl.items)
        sys.stdout.write(f"{lid}{' ' * (width - cells(lid))}  {items}  {decl.cites[0].article if decl.cites else ''}\n")


@app.command("reform")
def reform_(
    policy: Annotated[str, typer.Argument(help="the policy to change: a .policy file, a policy id or a city id")],
    out: Annotated[Path, typer.Option("--out", help="the revision to write (NAME.policy; NAME is its id)")],
    set_: SetOption = None,
    transplant_from: Annotated[str | None, typer.Option("--transplant-from", help="a policy whose clauses for "
                                                        "--concept replace this one's")] = None,
    concept: Annotated[list[str] | None, typer.Option("--concept", help="a concept key to transplant, "
                                                      "repeatable")] = None,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Write a checked revision of POLICY: figures changed (--set PATH=VALUE), and/or another policy's
    clauses for concepts transplanted (--transplant-from wuxi_2023 --concept reward.fdi).  A figure set
    is written into its quote and into the draft's own text, NAME.txt beside it; where the quote writes
    it otherwise, it stays derived and a warning says so."""
    from compare.cli.drafting import resolve
    from compare.data.folders import temp_folder
    from dsl.cache import check_paths_cached
    from dsl.textsafe import printable

    if not set_ and transplant_from is None:
        _usage("give --set PATH=VALUE and/or --transplant-from POLICY --concept KEY")
    if transplant_from is not None and not concept:
        _usage("--transplant-from needs --concept KEY")
    if out.suffix != ".policy":
        _usage(printable(f"reform --out {out}: a revision is written as NAME.policy (NAME is its id)"))
    sets = parse_sets(set_)
    texts = {c.where.file: raw for _, c, raw in sets}
    name = out.stem
    day = as_of_or_exit(as_of, "policylab reform")
    paths = [resolve(policy, search, "reform", day)] + (
        [resolve(transplant_from, search, "reform", day)] if transplant_from else [])
    checked = [check_paths_cached([p], search or []) for p in paths]
    errors = [d for r in checked for d in r.diagnostics if d.is_error]
    if errors:
        print_diagnostics(errors, {k: v for r in checked for k, v in r.texts.items()}, OutputFormat.text)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    with temp_folder("reform") as folder:  # removed on any exit
        draft = _reform_draft(checked, paths, search, sets, texts, transplant_from, concept, name, folder)
        _write_draft(out, draft, folder, name, transplant_from is not None and bool(sets))
    for warning in draft.warnings:
        typer.echo(printable(f"policylab reform: warning: {out}: {warning}"), err=True)
    written = f" and its text {out.parent / draft.source_name}" if draft.source_name else ""
    typer.echo(printable(f"{out}{written}: revision `{name}` of {paths[0].stem}, checked"))


def _write_draft(out: Path, draft: Any, folder: Path, name: str, steps: bool) -> None:
    """The draft (and its text, the sources a transplant quotes, its transplant step) beside --out, each
    atomically; exit 2, before writing any, if a file there is not one `policylab reform` wrote."""
    from compare.cli.common import say_error
    from compare.data.atomic import write_atomically
    from compare.simulate.reform import draft_file_text, not_replaceable

    extras = [(out.parent / "sources" / src.name, src.read_bytes()) for src in sorted(folder.glob("sources/*"))]
    if steps:
        extras.append((out.parent / f"{name}__transplant.policy", (folder / f"{name}__transplant.policy").read_bytes()))
    refused = not_replaceable(out, draft) or next(
        ((path, "exists and holds something else than the file `policylab reform` writes there")
         for path, data in extras if os.path.lexists(path) and (path.is_symlink() or not path.is_file()
                                                              or path.read_bytes() != data)), None)
    if refused is not None:
        say_error("policylab reform", f"{refused[0]} {refused[1]}",
                  "move it away, or give another --out (the draft's text is written beside it as NAME.txt)")
        raise typer.Exit(EXIT_USAGE)
    out.parent.mkdir(parents=True, exist_ok=True)
    for path, data in extras:  # the sources a transplant quotes, its transplant step
        path.parent.mkdir(exist_ok=True)
        write_atomically(path, data)
    if draft.source_name is not None:
        write_atomically(out.parent / draft.source_name, draft.source_text.encode("utf-8"))
    write_atomically(out, draft_file_text(draft))


def _reform_draft(checked: list[Any], paths: list[Path], search: list[Path] | None,
                  sets: list[tuple[str | None, Change, str]], texts: dict[str, str], transplant_from: str | None,
                  concept: list[str] | None, name: str, folder: Path) -> Any:
    """The revision (compare.simulate.reform.Draft), its steps written into `folder`; a reform that
    does not check exits 1."""
    from compare.simulate.reform import Draft, ReformError, Transplant, draft_changes
    from compare.simulate.transplant import apply_transplant

    target = checked[0].policies[0]
    where = [folder, paths[0].parent, *(search or [])]
    try:
        text = ""
        if transplant_from is not None:
            step = name if not sets else f"{name}__transplant"
            target, text = apply_transplant(target, checked[1].policies[0],
                                            Transplant(checked[1].policies[0].id, tuple(concept or ())), step,
                                            folder, where)
        if sets:
            return draft_changes(target, [c for _, c, _ in sets], name, folder, where)
    except ReformError as e:
        _report(e, texts)
        raise typer.Exit(EXIT_POLICY_ERRORS) from None
    return Draft(target, text)


__all__ = ["EXIT_USAGE", "parse_sets"]
