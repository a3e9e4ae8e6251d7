"""A machine with the core install only: every command that needs an extra says which, and how to
install it (exit 2), never an ImportError's traceback.

The venv is real: the core dependencies of pyproject.toml installed with pip, none of any extra, and
the project on PYTHONPATH (so this checkout is what runs).  Installing takes about a minute, once per
test session.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

EXTRAS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]


@pytest.fixture(scope="module")
def core_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("core-venv")
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    core = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *core],
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    yield python


def _run(python: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLICYLAB_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_core_venv_really_lacks_the_extras(core_python: Path, tmp_path: Path) -> None:
    probe = "import importlib.util as u; print([m for m in ('pandas', 'matplotlib', 'jsonschema', 'openpyxl', " \
            "'material', 'jieba', 'dask', 'mplfonts') if u.find_spec(m)])"
    done = _run(core_python, ["-c", probe], tmp_path)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


# (command line, the extra its message must name)
COMMANDS = [
    (["simulate", str(ROOT / "examples" / "wuxi_fdi_cap.scenario.yaml"), "--out", "sim"], "simulate"),
    (["simulate", str(ROOT / "examples" / "wuxi_fdi_cap.scenario.yaml"), "--executor", "dask", "--out", "sim"],
     "simulate"),
    (["site", "build", "--out", "site"], "site"),
    (["report", "wuxi_2023", "taicang_2020", "--out", "r.xlsx"], "data"),
    (["eval", str(ROOT / "policies" / "wuxi_2023.policy"), "--projects", str(ROOT / "examples" / "projects.xlsx")],
     "data"),
    (["eval", str(ROOT / "policies" / "wuxi_2023.policy"), "--projects", str(ROOT / "examples" / "projects.yaml"),
      "--out", "o.xlsx"], "data"),
]


@pytest.mark.parametrize(("args", "extra"), COMMANDS, ids=[" ".join(a[:2]) + f"[{e}]" for a, e in COMMANDS])
def test_a_command_that_needs_an_extra_names_it(core_python: Path, tmp_path: Path, args: list[str],
                                                extra: str) -> None:
    assert extra in EXTRAS
    done = _run(core_python, ["-m", "compare.cli", *args], tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert f"pip install 'policylab[{extra}]'" in done.stderr, done.stderr
    assert done.returncode in (1, 2), done.stderr
    assert not (tmp_path / "sim").exists() and not (tmp_path / "site").exists()


def test_commands_of_the_core_install_run_without_extras(core_python: Path, tmp_path: Path) -> None:
    for args in (["check", str(ROOT / "policies")],
                 ["compare", str(ROOT / "policies"), "--projects", str(ROOT / "examples" / "projects.yaml")],
                 ["diff", "zhangjiagang_base", "zhangjiagang_2017"],
                 ["figures", "wuxi_2023"],
                 ["report", "wuxi_2023", "taicang_2020"]):
        done = _run(core_python, ["-m", "compare.cli", *args], tmp_path)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)


def test_the_api_names_the_extra_too(core_python: Path, tmp_path: Path) -> None:
    script = (
        "from compare import api\n"
        "for call in (lambda: api.simulate('" + str(ROOT / "examples" / "wuxi_fdi_cap.scenario.yaml") + "'),\n"
        "             lambda: api.evaluate(['" + str(ROOT / "policies" / "wuxi_2023.policy") + "'], '"
        + str(ROOT / "examples" / "projects.yaml") + "')):\n"
        "    try:\n"
        "        call()\n"
        "    except ImportError as e:\n"
        "        print(e)\n"
    )
    done = _run(core_python, ["-c", script], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2 and "pip install 'policylab[simulate]'" in lines[0] and "policylab[data]" in lines[1], lines

