"""Each malformed project file a probe of the data layer found, through `policylab eval` as a user runs it: a
clear diagnostic with its code, file and line, an exit code, never a traceback, in well under a second
of reading (the alias bomb took 39 s and 2.3 GB)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

POLICY = str(ROOT / "policies" / "zhangjiagang_2017.policy")

BOMB = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x]"] + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, "
                                                          f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                                                          f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                                                          f"*{chr(97 + i)}, *{chr(97 + i)}]" for i in range(8)])

CASES = [
    # (file name, content, exit code, code expected on stderr, line)
    ("tag.yaml", "- !!python/object/apply:os.system [echo hacked]\n", 1, "E809", 1),
    ("tag_value.yaml", "- {id: a, registered_capital: !!python/object/apply:os.system [ls]}\n", 1, "E809", 1),
    ("bomb.yaml", BOMB + "\nprojects: [{id: a}]\n", 1, "E809", 1),
    ("lots.yaml", "- {id: a, registered_capital: {amount: lots, currency: USD}}\n", 1, "E802", 1),
    ("nan_year.yaml", "- {id: a, year: .inf}\n", 1, "E803", 1),
    ("dup_key.yaml", "- id: a\n  registered_capital: 4000万美元\n  registered_capital: 10万美元\n", 1, "E808", 3),
    ("dup_key.json", '[{"id": "a", "registered_capital": "4000万美元",\n  "registered_capital": "10万美元"}]',
     1, "E808", 2),
    ("dup_header.csv", "id,registered_capital,registered_capital\na,4000万美元,10万美元\n", 1, "E808", 1),
    ("commas.csv", "id,registered_capital\na,\"4,0,0,0万美元\"\n", 1, "E802", 2),
    ("nan_text.csv", "id,registered_capital\na,NaN\nb,lots\n", 1, "E802", 3),  # NaN: not given; lots: an error
    ("empty.yaml", "", 3, "W801", None),
    ("empty.csv", "", 3, "W801", None),
    ("header_only.csv", "id,registered_capital\n", 3, "W801", None),
    ("empty_list.json", "[]", 3, "W801", None),
]


@pytest.mark.parametrize(("name", "content", "exit_code", "code", "line"), CASES, ids=[c[0] for c in CASES])
def test_malformed_project_files(tmp_path: Path, name: str, content: str, exit_code: int, code: str,
                                 line: int | None) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "compare.cli", "eval", POLICY, "--projects", str(path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - t0
    assert r.returncode == exit_code, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == "", r.stderr
    severity = "warning" if code.startswith("W") else "error"
    assert f"{severity}[{code}]" in r.stderr, r.stderr
    if line is not None:
        assert f"{path}:{line}:" in r.stderr, r.stderr
    assert elapsed < 30  # a process start; the bomb used to take 39 s on its own


def test_duplicate_key_no_longer_keeps_the_last_value(tmp_path: Path) -> None:
    """`registered_capital: 4000万美元` then `10万美元` used to read as 10万美元 (0分 instead of 5分 under
    张家港 第12条): now neither is taken, and both lines are named."""
    path = tmp_path / "p.yaml"
    path.write_text("- id: a\n  registered_capital: 4000万美元\n  registered_capital: 10万美元\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "compare.cli", "eval", POLICY, "--projects", str(path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "lines 2 and 3" in r.stderr, r.stderr
