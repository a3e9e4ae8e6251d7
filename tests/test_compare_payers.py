"""`policylab compare` says what each payer bears: per project and in total over the projects, for
examples/shapes/a10_payers.policy (its source text, 第二–六条, says who pays each reward).

Worked by hand at USD→CNY 7 (--fx 7):
- p1: 到账外资 1000万美元 = 7000万元.  第二条 1% = 70万元 (cap 1000万元 not reached), 市级 50% = 35万元,
  区 35万元; 第三条 10000平方米 × 20元 = 20万元 (cap 50万元), all 区; 第四条 0.5% × 7000万元 = 35万元 (cap 100万元),
  市:区 = 6:4 → 21万元 and 14万元; 第五条 50人 × 1000元 = 5万元, 按现行财政体制分担 (no shares): city+district.
  city 35 + 21 = 56万元; district 35 + 20 + 14 = 69万元; city+district 5万元.
- p2: 到账外资 10亿元.  第二条 1% = 1000万元 = the cap, 500万元 each; 第三条 25000平方米 × 20元 = 50万元 = the cap,
  区; 第四条 0.5% × 10亿元 = 500万元 → cap 100万元, 60万元 and 40万元; 第五条 0人: nothing.
  city 560万元; district 500 + 50 + 40 = 590万元.
- totals: city 616万元, district 659万元, city+district 5万元.
"""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

SHAPES = ROOT / "examples" / "shapes"


def test_compare_shows_what_each_payer_bears(tmp_path: object) -> None:
    run = subprocess.run([sys.executable, "-m", "compare.cli", "compare", str(SHAPES / "a10_payers.policy"),
                          "--projects", str(SHAPES / "a10_payers.projects.csv"), "--fx", "7", "-q"],
                         capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "paid by (example_a10): city 56万元, district 69万元, city+district 5万元" in out
    assert "paid by (example_a10): city 560万元, district 590万元" in out
    assert "example_a10: city 616万元, district 659万元, city+district 5万元" in out
    assert "Traceback" not in run.stderr
