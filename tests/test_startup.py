"""What a command imports before it works: `policylab --help` and a plain `check` or `fmt --check` never
load the heavy libraries (a data frame, a graph, a solver, plots, templates, rich's Markdown).

Structural, not timed: each command runs in its own process, as the console script runs it, and what
it imported is read from sys.modules as it exits (the times are benchmarks/bench_startup.py's).  And the
machinery that keeps start-up short: the command-name → module table (compare.cli.app.COMMANDS) names
every command and the module that registers it, `--help` still lists each command with its whole help,
usage errors still name the option (exit 2), and values converted without pydantic
(compare.cli.coerce) come out as typer's own conversion gives them.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from conftest import POLICIES, ROOT

# Never on the path of --help or a plain check/fmt.  pydantic: typer converts values with it, which
# compare.cli.coerce avoids for the values these commands take.
HEAVY = ("pyarrow", "pandas", "networkx", "z3", "matplotlib", "jinja2", "markdown_it", "rich.markdown", "mkdocs",
         "jsonschema", "dask", "openpyxl", "scipy", "pydantic")
# A warm check loads the checked model only (dsl.cache): never the parser, the checker or YAML.
PARSER = ("lark", "yaml", "dsl.parse", "dsl.check")

_PROBE = textwrap.dedent("""
    import atexit, json, os, sys

    def _report():
        with open(os.environ["STARTUP_MODULES"], "w", encoding="utf-8") as f:
            json.dump(sorted(sys.modules), f)

    atexit.register(_report)
    sys.argv = ["policylab", *sys.argv[1:]]
    from compare.cli import main
    main()
""")


def imported_by(tmp_path: Path, *argv: str, cache: Path | None = None) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules loaded by the time `policylab ARGV` exits (run in the repository, as the console script)."""
    out = tmp_path / "modules.json"
    env = {**os.environ, "STARTUP_MODULES": str(out), "NO_COLOR": "1"}
    if cache is not None:
        env["POLICYLAB_CACHE_DIR"] = str(cache)
    r = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)
    return set(json.loads(out.read_text(encoding="utf-8"))), r


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of `names` (packages: a submodule counts) are among `modules`."""
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    modules, r = imported_by(tmp_path, "--help")
    assert r.returncode == 0, r.stderr
    assert loaded(modules, (*HEAVY, "numpy", *PARSER, "rich")) == []
    assert "typer" in modules  # the probe sees what the command did import


def test_check_cold_and_warm_import_nothing_heavy(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold, r = imported_by(tmp_path, "check", "policies/", cache=cache)
    assert r.returncode == 0, r.stderr
    assert "checked 5 files: 0 errors, 0 warnings" in r.stdout
    assert loaded(cold, HEAVY) == []
    assert loaded(cold, ("lark", "dsl.check")) == ["lark", "dsl.check"]  # cold: parsed and checked here
    warm, r = imported_by(tmp_path, "check", "policies/", cache=cache)
    assert r.returncode == 0, r.stderr
    assert "checked 5 files: 0 errors, 0 warnings" in r.stdout
    assert loaded(warm, HEAVY) == []
    assert loaded(warm, PARSER) == []  # from the cache: the model's classes only
    assert "dsl.model" in warm


def test_check_without_the_cache_imports_nothing_heavy(tmp_path: Path) -> None:
    modules, r = imported_by(tmp_path, "check", "policies/", "--no-cache")
    assert r.returncode == 0, r.stderr
    assert loaded(modules, HEAVY) == []


def test_fmt_check_imports_nothing_heavy(tmp_path: Path) -> None:
    modules, r = imported_by(tmp_path, "fmt", "--check", "policies/")
    assert r.returncode == 0, r.stdout + r.stderr  # the bundled policies are in the canonical layout
    assert loaded(modules, HEAVY) == []


def test_a_command_imports_its_own_module_only(tmp_path: Path) -> None:
    modules, r = imported_by(tmp_path, "check", "policies/")
    assert r.returncode == 0, r.stderr
    from compare.cli.app import COMMANDS  # checked against what the modules register below

    assert "compare.cli.language" in modules
    assert sorted(set(COMMANDS.values()) - {"compare.cli.language"} & modules) == []


def test_the_probe_sees_a_heavy_import(tmp_path: Path) -> None:
    """The checks above are not vacuous: a command that needs numpy (eval) is seen loading it."""
    modules, r = imported_by(tmp_path, "eval", str(POLICIES / "wuxi_2023.policy"), "--projects",
                             "examples/projects.yaml", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert loaded(modules, ("numpy",)) == ["numpy"]


# ---------------------------------------------------------------- the command table


def _command_modules() -> list[str]:
    return [f"compare.cli.{p.stem}" for p in sorted((ROOT / "compare" / "cli").glob("*.py"))
            if p.stem not in ("__init__", "__main__")]


def test_the_table_names_each_command_and_the_module_that_registers_it() -> None:
    """In a fresh interpreter, each module of compare/cli is imported in turn and the commands it adds to
    the app noted: that is the table, name for name and module for module."""
    script = textwrap.dedent("""
        import importlib, json, sys
        from compare.cli.app import command_name
        from compare.cli.common import app

        found = {}
        for module in sys.argv[1:]:
            importlib.import_module(module)
            names = [command_name(c) for c in app.registered_commands] + [g.name for g in app.registered_groups]
            for name in names:
                found.setdefault(name, module)
        print(json.dumps(found))
    """)
    r = subprocess.run([sys.executable, "-c", script, *_command_modules()], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    from compare.cli.app import COMMANDS

    assert json.loads(r.stdout) == COMMANDS


def test_help_lists_every_command_with_its_whole_help() -> None:
    import typer.main

    from compare.cli.app import COMMANDS, app

    r = subprocess.run([sys.executable, "-m", "compare.cli", "--help"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120, env={**os.environ, "COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    listing = r.stdout.split("\nCommands:\n", 1)[1]
    # as typer listed them when every command was built up front: in the order they are registered
    assert re.findall(r"^  (\S+)  ", listing, re.M) == [
        "diff", "impact", "graph", "fields", "timeline", "panel", "check", "fmt", "lsp", "report", "eval", "compare",
        "simulate", "figures", "reform", "test", "coverage", "site", "new"]
    flat = " ".join(listing.split())
    group = typer.main.get_command(app)
    for name in COMMANDS:
        command = group.commands[name]  # type: ignore[attr-defined]
        assert " ".join(inspect.cleandoc(command.help).split()) in flat, name


def test_a_group_lists_its_commands_with_their_whole_help() -> None:
    """`policylab site --help`: `build` with all of its help, not its first sentence."""
    from compare.cli.site import build_

    r = subprocess.run([sys.executable, "-m", "compare.cli", "site", "--help"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120, env={**os.environ, "COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    listing = r.stdout.split("\nCommands:\n", 1)[1]
    assert re.findall(r"^  (\S+)  ", listing, re.M) == ["build"]
    assert " ".join((inspect.getdoc(build_) or "-").split()) in " ".join(listing.split())


@pytest.mark.parametrize("argv,option", [
    (["check", "--bogus"], "No such option: --bogus"),
    (["check", "policies/", "--format", "yaml"], "Invalid value for '--format'"),
    (["eval", "policies/", "--layout", "tall", "--projects", "examples/projects.yaml"], "Invalid value for '--layout'"),
    (["fmt", "--chek"], "No such option: --chek"),
    (["chek"], "No such command 'chek'. Did you mean 'check'?"),
])
def test_usage_errors_name_the_option_and_exit_2(argv: list[str], option: str) -> None:
    r = subprocess.run([sys.executable, "-m", "compare.cli", *argv], cwd=ROOT, capture_output=True, text=True,
                       timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert r.returncode == 2, r.stderr
    assert option in r.stderr
    assert "Traceback" not in r.stderr


# ---------------------------------------------------------------- values without pydantic

typer_coercion = pytest.importorskip("typer._coercion")
if not hasattr(typer_coercion, "build_runtime_param"):  # an older typer converts with click's types
    pytest.skip("this typer converts values without pydantic", allow_module_level=True)


def _samples(leaf: Any, tmp: Path) -> list[Any]:
    texts = ["x", "", "-", " lead", "trail/", "a//b", "./a/../b", "~", "政策", "a b", "a\x00b", "\udcff",
             str(tmp / "readable.txt"), str(tmp), str(tmp / "absent")]
    if isinstance(leaf, type) and issubclass(leaf, Enum):
        members = list(leaf)
        return [*members, *(str(m.value) for m in members), *(str(m.value).upper() for m in members), "bogus", "", 3]
    if leaf is Path:
        return [*texts, Path("p"), tmp / "readable.txt", 3]
    return [*texts, b"bytes", 3]


def _outcome(coerce: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        got = coerce(value, param=param, ctx=ctx)
    except Exception as e:  # typer's errors (BadParameter) carry the message a user sees
        message = e.format_message() if hasattr(e, "format_message") else str(e)
        return "error", (type(e).__name__, message)
    return "value", (type(got).__name__, [(type(v).__name__, v) for v in got] if isinstance(got, list) else got)


def test_plain_conversion_gives_what_typers_own_gives(tmp_path: Path) -> None:
    """Every parameter of every command that compare.cli.coerce converts, on values a user may give
    (plain, odd, wrong): the same value of the same type, or the same error, as typer's own conversion."""
    import typing

    import typer.main

    from compare.cli.app import app
    from compare.cli.coerce import plain_conversion

    (tmp_path / "readable.txt").write_text("x", encoding="utf-8")
    group = typer.main.get_command(app)
    commands = [(n, c) for n, c in group.commands.items() if not hasattr(c, "commands")]  # type: ignore[attr-defined]
    commands += [(f"{n} {s}", sc) for n, c in group.commands.items()  # type: ignore[attr-defined]
                 for s, sc in getattr(c, "commands", {}).items()]
    compared = 0
    for name, command in commands:
        ctx = type(command).context_class(command)
        for param in command.params:
            plain = plain_conversion(param.type_descriptor)
            if plain is None:
                continue
            annotation = param.type_descriptor.annotation
            is_list = typing.get_origin(annotation) is list
            leaf = typing.get_args(annotation)[0] if is_list else annotation
            values = _samples(leaf, tmp_path)
            if param.multiple or param.nargs == -1:
                values = [*([v] for v in values), values[:2], tuple(values[:2]), None, "single"]
            for value in values:
                own = typer_coercion.build_runtime_param(param.type_descriptor)
                param._runtime_param = None
                expected = _outcome(own.coerce, value, param, ctx)
                got = _outcome(plain.coerce, value, param, ctx)
                assert got == expected, (name, param.name, value)
                compared += 1
    assert compared > 300  # every command's paths, strings and choices were compared
