"""The `policylab` command as a user runs it: exit codes, output forms, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES

GOOD = '''policy good {
  city wuxi "无锡"
  source "src.txt"
}

clause sme_reward "首次获评专精特新奖励" {
  concept reward.specialized_sme
  cite "(1)" "对首次获评“专精特新”的企业给予最高50万元的一次性奖励"
  when specialized_sme_first in categories
  value up to 50万元
}
'''
SRC = "对首次获评“专精特新”的企业给予最高50万元的一次性奖励。"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "taxonomy").symlink_to(POLICIES / "taxonomy")
    (tmp_path / "src.txt").write_text(SRC, encoding="utf-8")
    (tmp_path / "good.policy").write_text(GOOD, encoding="utf-8")
    return tmp_path


def test_clean_policy_exits_0(workdir: Path) -> None:
    r = run("check", "good.policy", cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert "checked 1 file: 0 errors, 0 warnings" in r.stdout


def test_policy_errors_exit_1_with_caret_and_hint(workdir: Path) -> None:
    (workdir / "bad.policy").write_text(GOOD.replace("specialized_sme_first in categories",
                                                     "specialized_sme_frist in categories"), encoding="utf-8")
    r = run("check", "bad.policy", cwd=workdir)
    assert r.returncode == 1
    assert "bad.policy:9:8: error[E203]: unknown category `specialized_sme_frist`" in r.stderr
    assert "       |        ^^^^^^^^^^^^^^^^^^^^^" in r.stderr
    assert "hint: did you mean `specialized_sme_first`?" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_json_format_for_tools(workdir: Path) -> None:
    (workdir / "bad.policy").write_text(GOOD.replace("50万元的一次性", "60万元的一次性"), encoding="utf-8")
    r = run("check", "--format", "json", "bad.policy", cwd=workdir)
    assert r.returncode == 1
    diags = json.loads(r.stdout)
    # the quote no longer matches the source (E500), and 50万元 is no longer in the quote (E503)
    assert sorted(x["code"] for x in diags) == ["E500", "E503"]
    (d,) = [x for x in diags if x["code"] == "E500"]
    assert d["code"] == "E500" and d["severity"] == "error" and d["line"] == 8 and d["column"] == 14  # the quote
    assert d["file"] == "bad.policy" and "quote not found" in d["message"]


def test_command_line_errors_exit_2(workdir: Path) -> None:
    assert run("check", "missing.policy", cwd=workdir).returncode == 2
    assert run("check", "--format", "xml", "good.policy", cwd=workdir).returncode == 2
    assert run("frobnicate", cwd=workdir).returncode == 2
    empty = workdir / "empty_dir"
    empty.mkdir()
    r = run("check", "empty_dir", cwd=workdir)
    assert r.returncode == 2 and "no *.policy files" in r.stderr


@pytest.mark.parametrize("content, code", [
    (b"", "E003"),
    (b"\x00\x01\x02binary", "E002"),
    (b'policy p { city x }\nclause c { cite "\xff\xfe" "y" }', "E002"),
    (b"\n\n   \n# only a comment\n", "E003"),
], ids=["empty", "binary", "invalid-utf8", "only-comment"])
def test_hostile_files_get_a_diagnostic_not_a_traceback(workdir: Path, content: bytes, code: str) -> None:
    (workdir / "x.policy").write_bytes(content)
    r = run("check", "x.policy", cwd=workdir)
    assert r.returncode == 1
    assert f"error[{code}]" in r.stderr and "Traceback" not in r.stderr


def test_invalid_utf8_names_line_and_column(workdir: Path) -> None:
    (workdir / "x.policy").write_bytes(b'policy p { city x }\nclause c { cite "ab\xff" "y" }')
    r = run("check", "x.policy", cwd=workdir)
    assert "x.policy:2:20: error[E002]: invalid UTF-8 byte 0xff" in r.stderr


def test_fmt_check_and_rewrite_atomically(workdir: Path) -> None:
    messy = GOOD.replace("  when specialized_sme_first", "      when   specialized_sme_first") + "# kept\n"
    target = workdir / "good.policy"
    target.write_text(messy, encoding="utf-8")
    r = run("fmt", "--check", "good.policy", cwd=workdir)
    assert r.returncode == 1 and "would reformat good.policy" in r.stdout
    assert target.read_text(encoding="utf-8") == messy  # --check never writes
    r = run("fmt", "good.policy", cwd=workdir)
    assert r.returncode == 0 and "reformatted good.policy" in r.stdout
    assert target.read_text(encoding="utf-8") == GOOD + "\n# kept\n"
    assert run("fmt", "--check", "good.policy", cwd=workdir).returncode == 0
    assert [p.name for p in workdir.iterdir() if p.name.endswith(".tmp")] == []


def test_fmt_leaves_a_broken_file_untouched(workdir: Path) -> None:
    broken = GOOD.replace("value up to 50万元", "value up to (50万元")
    (workdir / "good.policy").write_text(broken, encoding="utf-8")
    r = run("fmt", "good.policy", cwd=workdir)
    assert r.returncode == 1 and "error[E101]" in r.stderr
    assert (workdir / "good.policy").read_text(encoding="utf-8") == broken
