"""Sweep speed, against baselines measured in the same run (Monte Carlo: bench_montecarlo.py; a sampled
portfolio compared, and streamed: bench_sample.py).

- sweep: 100 values of 无锡's FDI cap over 10,000 sampled projects, four cities.  In process, the sweep
  analysis against one evaluation of the four cities on the same projects (so the ratio is what a
  sweep point costs in evaluations), and against re-checking the reform's text at each point (what
  the in-memory substitution saves).  As a whole process: `policylab simulate` (aim ≤ 5 s).

    python benchmarks/bench_simulate.py
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_data import TRAMPOLINE  # noqa: E402
from timing import best_of  # noqa: E402

CITIES = ["wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft"]
SAMPLE = {"currency": {"USD": 0.7, "CNY": 0.3},
          "money": {"registered_capital": {"lognormal": {"median": "2000万美元", "sigma": 1.2}},
                    "fdi_arrived": {"share_of": "registered_capital", "low": 0.1, "high": 1.0}},
          "ratios": {"paid_in_ratio": {"uniform": {"low": 0.1, "high": 1.0}}},
          "flags": {"foreign": 0.6, "licensed": 0.8, "manufacturing": 0.7, "started": 0.6, "in_core_zone": 0.4},
          "categories": {"fortune_global_500": 0.03, "foreign_hq": 0.02},
          "referral": {"none": 0.5, "other_district": 0.3, "municipal_dept": 0.15, "intermediary": 0.05}}


def scenario(folder: Path, name: str, size: int, analyses: dict, fx: object = 7.0) -> Path:
    data = {"name": name, "seed": 2026, "fx": fx, "policies": CITIES,
            "portfolio": {"sample": {"size": size, **SAMPLE}}, "analyses": analyses, "outputs": ["csv", "png"]}
    path = folder / f"{name}.scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def process(cmd: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (GiB) of a whole command, measured from a grandchild."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", TRAMPOLINE, *cmd], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    kb = [int(line.split()[1]) for line in r.stderr.splitlines() if line.startswith("PEAK_KB ")]
    return wall, kb[-1] / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.parse_args()
    from compare.api import load_policy
    from compare.simulate.plan import run_scenario
    from compare.simulate.portfolio import sample_batch
    from compare.simulate.reform import Change, apply_changes
    from compare.simulate.scenario import load_scenario

    tmp = Path(tempfile.mkdtemp(prefix="bench-sim-"))
    compiled = [load_policy(ROOT / "policies" / f"{c}.policy") for c in CITIES]

    # ---- sweep
    sweep = {"compare": False, "sweep": {"policy": "wuxi_2023", "figure": "fdi_arrival_reward.cap",
                                         "values": {"from": "1000万元", "to": "1亿元", "steps": 100}}}
    path = scenario(tmp, "sweep", 10_000, sweep)
    sc = load_scenario(path)
    batch = sample_batch(SAMPLE, 10_000, 2026, fx=7.0)

    def one_eval() -> None:
        for cp in compiled:
            cp.outcomes(cp.run(batch, 7.0))

    base = best_of(one_eval, 5)
    t_sweep = best_of(lambda: run_scenario(sc), 3)
    wuxi = compiled[0].policy

    def recheck() -> None:  # 10 points, each a revision checked from its text, then evaluated
        for k in range(10):
            p, _ = apply_changes(wuxi, [Change("fdi_arrival_reward.cap", f"{1000 + k}万元")], f"r{k}", tmp,
                                 [ROOT / "policies"])
            from compare.engine.evaluate import CompiledPolicy

            cp = CompiledPolicy(p)
            cp.outcomes(cp.run(batch, 7.0))

    t_recheck = best_of(recheck, 1) * 10
    wall, peak = process([sys.executable, "-m", "compare.cli", "simulate", str(path), "--out", str(tmp / "o1"), "--quiet"])
    print("sweep: 100 values × 10,000 projects, 4 cities")
    print(f"  one evaluation of the 4 cities (baseline)   {base * 1000:8.1f} ms")
    print(f"  sweep analysis in process (incl. sampling)  {t_sweep * 1000:8.1f} ms  = {t_sweep / base:5.1f}× one evaluation")
    print(f"  re-checking the revision at each point      {t_recheck * 1000:8.1f} ms  (sweep is {t_recheck / t_sweep:.0f}× faster)")
    print(f"  `policylab simulate` as a process           {wall:8.2f} s   peak {peak:.2f} GiB   (aim ≤ 5 s)")


if __name__ == "__main__":
    main()
