"""A city's own record: a policy that declares ten fields and uses every new construct (a named
condition, a text list, a `pick highest` table, per-unit amounts, a declared category and referral
value, a date, a set field, payers), evaluated on 10^6 synthetic projects, against the same
outcomes written by hand in numpy (the outputs are checked equal first, so the comparison is like
for like).

    python benchmarks/bench_record.py [--n 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import synthetic_batch  # noqa: E402

from compare.engine.batch import USD, ProjectBatch  # noqa: E402
from compare.engine.evaluate import CompiledPolicy, Outcomes  # noqa: E402

FX = 7.0
HERE = Path(__file__).resolve().parent / "record"
EPOCH = dt.date(1970, 1, 1)


def load(folder: Path) -> CompiledPolicy:
    """The benchmark's policy, checked with the bundled taxonomy and its own concepts beside it."""
    from dsl.check import check_paths

    for name in ("bench_city.policy", "bench_city.txt"):
        shutil.copy(HERE / name, folder / name)
    (folder / "taxonomy").mkdir()
    for f in sorted((ROOT / "policies" / "taxonomy").glob("*.yaml")):
        shutil.copy(f, folder / "taxonomy" / f.name)
    shutil.copy(HERE / "bench_city.taxonomy.yaml", folder / "taxonomy" / "bench_city.yaml")
    result = check_paths([folder / "bench_city.policy"])
    errors = [d for d in result.diagnostics if d.is_error]
    if errors:
        raise SystemExit("the benchmark policy does not check: " + "; ".join(f"{d.code} {d.message}" for d in errors))
    return CompiledPolicy(result.policies[0])


def record_batch(n: int, policy: CompiledPolicy, seed: int = 1) -> ProjectBatch:
    """The synthetic core record and the ten declared fields, as the data layer lays them out."""
    b = synthetic_batch(n)
    rng = np.random.default_rng(seed)
    record = policy.policy.record
    c = dict(b.columns)
    referrals = record.choices("referral")
    c["referral"] = rng.integers(0, len(referrals), n).astype(np.int16)
    cats = record.categories
    for name in cats:
        c.setdefault(f"categories.{name}", rng.random(n) < 0.1)
    c["industry"] = rng.choice(np.array(["", "制造业", "房地产", "金融", "软件"], dtype=object), n)
    c["new_jobs"] = rng.integers(0, 2000, n).astype(np.float64)
    c["rent_area"] = np.round(rng.uniform(0, 100000, n), 2) * 0.0015  # 平方米 → 亩
    for money in ("equipment", "rd_now", "rd_prev"):
        c[money] = np.round(rng.lognormal(15.0, 1.5, n), 2)
        c[f"{money}#cur"] = rng.integers(0, 2, n).astype(np.int8)
        c[f"{money}#given"] = np.ones(n, dtype=bool)
    c["zone"] = rng.integers(0, 2, n).astype(np.int16)
    for member in ("gazelle", "unicorn"):
        c[f"honours.{member}"] = rng.random(n) < 0.2
    c["landed_on"] = rng.integers((dt.date(2020, 1, 1) - EPOCH).days, (dt.date(2025, 1, 1) - EPOCH).days, n) \
        .astype(np.float64)
    c["hitech"] = rng.random(n) < 0.3
    c["sector"] = rng.choice(np.array(["", "芯片", "软件", "其他"], dtype=object), n)
    for name in ("new_jobs", "rent_area", "zone", "honours", "landed_on", "hitech", "sector"):
        c[f"{name}#given"] = np.ones(n, dtype=bool)
    batch = ProjectBatch(b.ids, c)
    batch.record = record  # type: ignore[attr-defined]
    return batch


def fen(x: np.ndarray) -> np.ndarray:
    return np.copysign(np.floor(np.round(np.abs(x) * 100.0, 6) + 0.5) / 100.0, x)


def hand_written(b: ProjectBatch, fx: float, referral_code: int) -> dict[str, np.ndarray]:
    """The benchmark policy's outcomes (its source text, 第一条–第七条), written directly in numpy."""
    c = b.columns

    def cny(name: str) -> np.ndarray:
        return np.where(c[f"{name}#cur"] == USD, c[name] * fx, c[name])

    landed = c["landed_on"] >= (dt.date(2022, 1, 1) - EPOCH).days
    eligible = ~np.isin(c["industry"], ["房地产", "金融"]) & landed  # 第一条
    manu = c["manufacturing"]
    rate = np.where(manu & (c["zone"] == 0), 0.02, np.where(manu, 0.01, 0.005))  # 第二条: the highest that applies
    fdi = cny("fdi_arrived")
    fdi_ok = eligible & ((cny("total_investment") >= 1e8) | c["categories.little_giant"])
    out = {
        "reward.fdi": np.where(fdi_ok, np.minimum(fen(rate * fdi), 5e7), 0.0),
        "reward.rent": np.where(eligible, np.minimum(fen(c["rent_area"] * (30 / 0.0015)), 1e6), 0.0),  # 第三条
        "reward.jobs": np.where(eligible & (c["hitech"] | c["honours.gazelle"]),
                                np.minimum(2000.0 * c["new_jobs"], 2e6), 0.0),  # 第四条
        "reward.equipment": np.where(eligible & np.isin(c["sector"], ["芯片", "软件"]),
                                     np.minimum(fen(0.1 * cny("equipment")), 5e6), 0.0),  # 第五条
        "reward.rd": np.where(eligible, np.minimum(np.maximum(fen(0.1 * (cny("rd_now") - cny("rd_prev"))), 0.0), 3e6),
                              0.0),  # 第六条
        "reward.intermediary": np.where((c["referral"] == referral_code) & c["licensed"],
                                        np.minimum(fen(0.01 * fdi), 1e6), 0.0),  # 第七条
    }
    # who pays (第二条 市、区按1:1分担; 第三条 区级财政): the city's half rounded to the fen, the district the rest
    city = fen(out["reward.fdi"] / 2)
    out["payer:reward.fdi:city"], out["payer:reward.fdi:district"] = city, out["reward.fdi"] - city
    out["payer:reward.rent:district"] = out["reward.rent"]
    return out


def assert_same(got: Outcomes, want: dict[str, np.ndarray]) -> None:
    for concept, exp in want.items():
        if concept.startswith("payer:"):
            _, key, payer = concept.split(":")
            lo, hi = got.payers[key][payer]
        else:
            lo, hi = got.numeric[concept]
        bad = ~np.isclose(lo, exp, rtol=0, atol=0.0100001)
        assert not bad.any(), (concept, int(np.argmax(bad)), float(lo[np.argmax(bad)]), float(exp[np.argmax(bad)]))


def best(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="policylab-bench-") as tmp:
        cp = load(Path(tmp))
    print(f"generating {args.n:,} synthetic projects with the ten declared fields …", flush=True)
    batch = record_batch(args.n, cp)
    code = cp.policy.record.choices("referral").index("social_org")
    got = cp.evaluate(batch, FX)
    assert_same(got, hand_written(batch, FX, code))
    compiled = best(lambda: cp.evaluate(batch, FX), args.repeat)
    hand = best(lambda: hand_written(batch, FX, code), args.repeat)
    print(f"compiled evaluator, {args.n:,} projects, 6 outcomes and what each payer bears, over 10 declared fields: {compiled:.3f} s warm "
          f"(best of {args.repeat})")
    print(f"hand-written numpy of the same outcomes (checked equal): {hand:.3f} s; ratio compiled/hand "
          f"{compiled / hand:.2f}x   [aim: <= 1.5x]")


if __name__ == "__main__":
    main()
