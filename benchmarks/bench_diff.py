"""The semantic diff (z3): a revision, each city pair on each shared concept, and all pairs at once.

Prints absolute times and ratios against baselines measured in the same run (the machines are noisy):
the structural diff of zhangjiagang_base → zhangjiagang_2017, and one evaluation of one project under
one policy (CompiledPolicy.evaluate).  Policies are checked and compiled before timing.  Aims:
a revision (one a rate linear in the quality score: compare.diff.decide) and each pair on each
shared concept at most 2 s; all pairs on all shared concepts at most 30 s.

    python benchmarks/bench_diff.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from timing import best_of  # noqa: E402

from compare.data.read import from_dicts  # noqa: E402
from compare.diff.items import diff_policies  # noqa: E402
from compare.diff.semantic import semantic_diff  # noqa: E402
from compare.engine.evaluate import CompiledPolicy  # noqa: E402
from dsl.check import check_paths  # noqa: E402

CITIES = ("zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023")
WUXI_DRAFT = '''policy draft extends wuxi_2023 {
  city x "草案"
  status draft
  source "draft.txt"
}

override clause fdi_arrival_reward "新批外资项目到账外资奖励（修订稿）" {
  concept reward.fdi
  cite "(16)" "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高3%、不超过8000万元奖励"
  when foreign and by reading new_project_scope {
    new_only:       not expansion
    with_expansion: true
  }
  value by reading ceilings {
    range: up to 3% of cny(fdi_arrived) cap 8000万元
    full:  3% of cny(fdi_arrived) cap 8000万元
  }
}
'''

# 第13条's team reward made linear in the quality score: a product of a bounded field and an amount
ZJG_LINEAR = '''policy zjg_linear extends zhangjiagang_2017 {
  city x "草案"
  status draft
}

override clause team_reward "重大项目团队额外奖励（修订稿）" {
  concept reward.team
  beneficiary team
  cite "第13条" "再按引进项目质量情况对其进行额外奖励"
  cite "第13条" "“两区一园”注册资本1000万美元及以上、其他区镇注册资本500万美元及以上、开工并有30%以上外资到账的项目"
  cite "第13条" "给予当年度项目到帐外资2～5‰的奖励"
  when foreign and started and paid_in_ratio >= 30%
    and registered_capital >= (if in_core_zone then 1000万美元 else 500万美元)
    and by reading new_project_scope {
      new_only:       not expansion
      with_expansion: true
    }
  value (2‰ + 3‰ derived "5‰ - 2‰" * quality_score / 100 derived "积分以百分计") of fdi_arrived
}
'''


def compiled(path: Path) -> CompiledPolicy:
    result = check_paths([path])
    assert not result.has_errors, [d.message for d in result.diagnostics if d.is_error][:3]
    return CompiledPolicy(result.policies[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pol = {n: compiled(ROOT / "policies" / f"{n}.policy") for n in (*CITIES, "zhangjiagang_base")}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "draft.txt").write_text(
            "（十六）对符合要求的新批外资项目，分类别按实际到账外资比例给予最高3%、不超过8000万元奖励。\n", encoding="utf-8")
        (Path(tmp) / "draft.policy").write_text(WUXI_DRAFT, encoding="utf-8")
        pol["wuxi_draft"] = compiled(Path(tmp) / "draft.policy")
        (Path(tmp) / "linear.policy").write_text(ZJG_LINEAR, encoding="utf-8")
        pol["zjg_linear"] = compiled(Path(tmp) / "linear.policy")

    base, zjg = pol["zhangjiagang_base"], pol["zhangjiagang_2017"]
    batch = from_dicts([{"id": "p1", "foreign": True, "registered_capital": "4000万美元", "paid_in_ratio": "35%",
                         "started": True, "fdi_arrived": "1400万美元"}])
    structural = best_of(lambda: diff_policies(base.policy, zjg.policy), max(args.repeat, 20))
    one_eval = best_of(lambda: zjg.evaluate(batch, 6.7518, {}), max(args.repeat, 20))
    print(f"baselines: structural diff zhangjiagang_base → 2017 {structural * 1000:.2f} ms; "
          f"one evaluation (1 project, zhangjiagang_2017) {one_eval * 1000:.2f} ms")

    def show(label: str, t: float, aim: float) -> bool:
        ok = t <= aim
        print(f"  {label:58} {t * 1000:8.1f} ms  = {t / structural:7.0f}x structural, {t / one_eval:7.0f}x one "
              f"evaluation   [aim <= {aim:g} s]{'' if ok else '  OVER'}")
        return ok

    ok = True
    print(f"semantic diff of a revision (best of {args.repeat}; every concept, witnesses re-evaluated):")
    for old, new in (("zhangjiagang_base", "zhangjiagang_2017"), ("wuxi_2023", "wuxi_draft"),
                     ("zhangjiagang_2017", "zjg_linear")):
        t = best_of(lambda o=old, n=new: semantic_diff(pol[o], pol[n]), args.repeat)  # type: ignore[misc]
        ok &= show(f"{old} → {new}", t, 2.0)

    print(f"each city pair on each shared concept (--concept KEY: regions described; best of {args.repeat}):")
    total_start = time.perf_counter()
    n = 0
    for a, b in itertools.combinations(CITIES, 2):
        shared = sorted(set(pol[a].concept_dims) & set(pol[b].concept_dims))
        for key in shared:
            t = best_of(lambda a=a, b=b, key=key: semantic_diff(pol[a], pol[b], [key], regions=True),  # type: ignore[misc]
                        args.repeat)
            ok &= show(f"{a} × {b}: {key}", t, 2.0)
            n += 1
    print(f"  ({n} pairs of concepts, {time.perf_counter() - total_start:.1f} s with the repeats)")

    print("all pairs of the four cities on all shared concepts, once (regions described):")
    t0 = time.perf_counter()
    for a, b in itertools.combinations(CITIES, 2):
        shared = sorted(set(pol[a].concept_dims) & set(pol[b].concept_dims))
        if shared:
            semantic_diff(pol[a], pol[b], shared, regions=True)
    ok &= show("6 pairs, all shared concepts", time.perf_counter() - t0, 30.0)
    print("all figures within their aims" if ok else "SOME FIGURES ARE OVER THEIR AIMS")


if __name__ == "__main__":
    main()
