"""A policy named on the command line by its id is found by its header's text, without parsing the files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dsl.load import find_policy, header_id

HEADER = 'policy {id} {{\n  city suzhou "苏州"\n  issued 2024-01-01\n}}\n'


def test_the_header_names_the_file_whatever_its_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "first.policy").write_text("# 苏州 2024\n\n" + HEADER.format(id="suzhou_2024"), "utf-8")
    (tmp_path / "policies" / "second.policy").write_text(HEADER.format(id="suzhou_2025"), "utf-8")
    assert find_policy("suzhou_2025") == (Path("policies/second.policy"), "")
    assert find_policy("suzhou_2024") == (Path("policies/first.policy"), "")
    found, hint = find_policy("suzhou_2023")
    assert found is None and "suzhou_2023.policy" in hint


def test_a_file_named_after_another_id_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "wuxi_2026.policy").write_text(HEADER.format(id="wuxi_2027"), "utf-8")
    found, hint = find_policy("wuxi_2026")
    assert found is None and "declares `policy wuxi_2027`, not `wuxi_2026`" in hint


def test_header_id_reads_only_a_header_at_the_start(tmp_path: Path) -> None:
    cases = {
        "bom_and_comments.policy": ("\ufeff# a comment\n   # another\n" + HEADER.format(id="a_1"), "a_1"),
        "extends.policy": ("policy b_2 extends a_1 {\n}\n", "b_2"),
        "clause_first.policy": ('clause x { value 1万元 }\npolicy c_3 {\n}\n', None),
        "prefix_only.policy": ("policy_x d {\n}\n", None),
        "empty.policy": ("", None),
    }
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text, "utf-8")
        assert header_id(tmp_path / name) == expected, name
    assert header_id(tmp_path / "absent.policy") is None


def test_naming_a_bundled_policy_by_id_imports_no_parser() -> None:
    code = ("import sys\nfrom dsl.load import find_policy\n"
            "assert find_policy('wuxi_2023')[0] is not None\nprint('lark' in sys.modules)")
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(root)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"
