"""Every command, given the wrong thing where it expects a file: a file that is not there, a folder, an
empty file, binary garbage, a UTF-16 file.  Each answers with a message and a documented exit code
(0 fine, 1 errors in a file, 2 a wrong command line, 3 no projects), never a Python traceback and never
the last-resort "internal error" (exit 70), which would mean an exception no one handled."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import POLICIES, ROOT
from typer.testing import CliRunner

from compare.cli.app import app

GOOD_POLICY = str(POLICIES / "wuxi_2023.policy")
GOOD_PROJECTS = str(ROOT / "examples" / "projects.csv")
DOCUMENTED = {0, 1, 2, 3}

KINDS: dict[str, Callable[[Path, str], Path]] = {}


def kind(f: Callable[[Path, str], Path]) -> Callable[[Path, str], Path]:
    KINDS[f.__name__] = f
    return f


@kind
def missing(tmp: Path, suffix: str) -> Path:
    return tmp / f"absent{suffix}"


@kind
def folder(tmp: Path, suffix: str) -> Path:
    p = tmp / f"a_folder{suffix}"
    p.mkdir()
    return p


@kind
def empty(tmp: Path, suffix: str) -> Path:
    p = tmp / f"empty{suffix}"
    p.write_bytes(b"")
    return p


@kind
def garbage(tmp: Path, suffix: str) -> Path:
    p = tmp / f"garbage{suffix}"
    p.write_bytes(bytes(range(256)) * 16 + b"\x89PNG\r\n\x1a\n\x00\x00PK\x03\x04")
    return p


@kind
def utf16(tmp: Path, suffix: str) -> Path:
    """The good file of its kind (a policy, projects, a scenario), saved as UTF-16 with a byte-order mark."""
    p = tmp / f"utf16{suffix}"
    source = {".policy": GOOD_POLICY, ".csv": GOOD_PROJECTS, ".yaml": str(ROOT / "examples" / "projects.yaml"),
              ".scenario.yaml": str(ROOT / "examples" / "wuxi_fdi_cap.scenario.yaml")}.get(suffix, GOOD_PROJECTS)
    p.write_bytes(codecs.BOM_UTF16_LE + Path(source).read_text(encoding="utf-8").encode("utf-16-le"))
    return p


# Each command with the slot where the wrong file goes ({}) and the suffix that slot expects.
COMMANDS: list[tuple[str, list[str], str]] = [
    ("check", ["check", "{}"], ".policy"),
    ("fmt", ["fmt", "--check", "{}"], ".policy"),
    ("eval-policy", ["eval", "{}", "--projects", GOOD_PROJECTS], ".policy"),
    ("eval-csv", ["eval", GOOD_POLICY, "--projects", "{}"], ".csv"),
    ("eval-tsv", ["eval", GOOD_POLICY, "--projects", "{}"], ".tsv"),
    ("eval-jsonl", ["eval", GOOD_POLICY, "--projects", "{}"], ".jsonl"),
    ("eval-yaml", ["eval", GOOD_POLICY, "--projects", "{}"], ".yaml"),
    ("eval-json", ["eval", GOOD_POLICY, "--projects", "{}"], ".json"),
    ("eval-xlsx", ["eval", GOOD_POLICY, "--projects", "{}"], ".xlsx"),
    ("eval-parquet", ["eval", GOOD_POLICY, "--projects", "{}"], ".parquet"),
    ("compare", ["compare", GOOD_POLICY, "--projects", "{}"], ".csv"),
    ("diff-old", ["diff", "{}", GOOD_POLICY], ".policy"),
    ("diff-projects", ["diff", GOOD_POLICY, GOOD_POLICY, "--projects", "{}"], ".csv"),
    ("impact", ["impact", "{}", "fdi_arrival_reward"], ".policy"),
    ("graph", ["graph", "{}"], ".policy"),
    ("report", ["report", "{}"], ".policy"),
    ("figures", ["figures", "{}"], ".policy"),
    ("reform", ["reform", "{}", "--set", "x=1", "--out", "{out}/r.policy"], ".policy"),
    ("simulate", ["simulate", "{}", "--out", "{out}/sim", "-q"], ".scenario.yaml"),
    ("test", ["test", "{}"], ".cases.yaml"),
    ("coverage", ["coverage", "{}"], ".policy"),
    ("site", ["site", "build", "{}", "--out", "{out}/site"], ".policy"),
    ("site-simulation", ["site", "build", GOOD_POLICY, "--simulation", "{}", "--out", "{out}/site"], ""),
]


@pytest.mark.parametrize("what", list(KINDS))
@pytest.mark.parametrize("name, argv, suffix", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_wrong_input_is_a_message_and_a_documented_code(tmp_path: Path, name: str, argv: list[str], suffix: str,
                                                          what: str) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    out.mkdir()
    bad = KINDS[what](inputs, suffix)
    args = [a.replace("{}", str(bad)).replace("{out}", str(out)) for a in argv]
    r = CliRunner().invoke(app, args)
    said = r.stdout + r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit), f"{args}: {r.exception!r}"
    assert "Traceback" not in said
    assert "internal error" not in said, said[-600:]
    assert r.exit_code in DOCUMENTED, said[-600:]
    if r.exit_code not in (0, 3):
        assert r.stderr.strip(), f"{args}: exit {r.exit_code} without a word"
