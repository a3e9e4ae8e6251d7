"""`policylab site build`: the comparison website (compare.site.build), offline, into `site/`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

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
from compare.cli.guard import WholeHelpGroup

site_app = typer.Typer(help="The comparison website: pages generated from the policies, built with MkDocs (Material).",
                       no_args_is_help=True, cls=WholeHelpGroup)
app.add_typer(site_app, name="site")
DOCS = Path(__file__).resolve().parents[2] / "docs"  # the manual, where the repository is at hand


def _default_policies(search: list[Path] | None) -> list[Path]:
    """The bundled policies that are not superseded (a superseded base shows in its revision's diff)."""
    from dsl.load import Loader
    from dsl.paths import BUNDLED

    out = []
    loader = Loader(search)
    for path in sorted(BUNDLED.glob("*.policy")):
        ast, _text, _diags = loader.parse(path)
        status = ast.header.get("status") if ast is not None else None
        if status is None or status.value != "superseded":
            out.append(path)
    return out


def _bundled_as_of(search: list[Path] | None, day: dt.date) -> list[Path]:
    """With --as-of: each bundled city's document in force on the day (else its draft), said on stderr."""
    from compare.cli.common import load_compiled
    from dsl.paths import BUNDLED

    return [cp.policy.path for cp in load_compiled([BUNDLED], search=search, as_of=day, command="policylab site build")]


@site_app.command("build")
def build_(
    policies: Annotated[list[str] | None, typer.Argument(help="policy files or ids (default: the bundled policies "
                                                             "in force or in draft)")] = None,
    diff: Annotated[list[str] | None, typer.Option("--diff", help="OLD:NEW, repeatable: a revision page (structural "
                                                   "redline and semantic diff); default: each policy against the "
                                                   "base it extends")] = None,
    simulation: Annotated[list[Path] | None, typer.Option("--simulation", help="a folder `policylab simulate` "
                                                          "wrote, repeatable: its tables and plots")] = None,
    out: Annotated[Path, typer.Option("--out", help="the site folder (replaced as a whole if new, empty or built by "
                                                    "policylab site build)")] = Path("site"),
    force: ForceOption = False,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Build the comparison site: home, one page per city (items beside the source text), one per concept,
    mechanisms, graphs, revisions, simulations and the manual; open `site/index.html` from disk."""
    from compare.cli.drafting import resolve
    from dsl.cache import check_paths_cached
    from dsl.textsafe import printable

    # the concept pages' and timelines' charts too: the site never carries a note that they are missing
    require_extra("site build", "site", ("material", "jieba", "matplotlib", "mplfonts", "pandas"))
    from compare.site.build import COMMAND

    day = as_of_or_exit(as_of, "policylab site build")
    out_folder(out, COMMAND, force, list(simulation or []))
    paths = [resolve(p, search, "site build", day) for p in policies] if policies else \
        _default_policies(search) if as_of is None else _bundled_as_of(search, day)
    pairs: list[tuple[Path, Path]] = []
    for d in diff or []:
        if ":" not in d:
            typer.echo(f"policylab site build: --diff `{d}`: write OLD:NEW, e.g. zhangjiagang_base:zhangjiagang_2017",
                       err=True)
            raise typer.Exit(EXIT_USAGE)
        old, new = d.split(":", 1)
        pairs.append((resolve(old, search, "site build", day, warn=False), resolve(new, search, "site build", day, warn=False)))
    for folder in simulation or []:
        if not (folder / "meta.json").is_file():
            typer.echo(f"policylab site build: {folder} is not a folder `policylab simulate` wrote (no meta.json)",
                       err=True)
            raise typer.Exit(EXIT_USAGE)
    results = [check_paths_cached([p], search or []) for p in [*paths, *(x for pair in pairs for x in pair)]]
    errors = [d for r in results for d in r.diagnostics if d.is_error]
    if errors:
        print_diagnostics(errors, {k: v for r in results for k, v in r.texts.items()}, OutputFormat.text)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    checked = [r.policies[0] for r in results]
    chosen, rest = checked[:len(paths)], checked[len(paths):]
    diffs = list(zip(rest[::2], rest[1::2], strict=True))
    if diff is None:  # each policy against the base it extends, where the base is at hand
        for p in chosen:
            if len(p.files) > 1:
                base = check_paths_cached([p.files[-2].path], search or []).policies
                if base:
                    diffs.append((base[0], p))
    from compare.data.atomic import WriteError
    from compare.site.build import SiteBuildError, SiteInputs, build_site

    try:
        inputs = SiteInputs(chosen, diffs, list(simulation or []), DOCS if DOCS.is_dir() else None)
        where = build_site(inputs, out, force)
    except SiteBuildError as e:
        typer.echo(f"policylab site build: {e}", err=True)
        raise typer.Exit(EXIT_POLICY_ERRORS) from None
    except WriteError as e:  # the folder changed while the site was built, or the disk is full
        folder_not_written(COMMAND, e)
    for note in inputs.skipped:  # a link out of a simulation folder, a FIFO, a device: never published
        typer.echo(printable(f"policylab site build: warning: {note}"), err=True)
    typer.echo(f"{where}: open {where / 'index.html'} (works from disk, offline)")
