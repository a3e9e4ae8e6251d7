"""The clause-shape examples (examples/shapes/): one small policy per shape of a city's own record,
each with a text written for it and hand-worked cases, and the bad inputs each shape invites.

Every expected figure here was worked out by hand from the example's own text (the article is named
beside it), never by running the code: the cases' `why` and the comments below show the arithmetic.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from compare.engine.evaluate import CompiledPolicy
from compare.testing.cases import Case, Coverage, all_branches, case_files, load_cases, run_case
from dsl.check import check_paths

SHAPES = ROOT / "examples" / "shapes"
CONFLICT = ROOT / "examples" / "shapes_conflict"
NOT_REAL = "并非任何城市的真实文件"
PART_A = ("a01_rates_by_condition", "a02_exclusions", "a03_floor_with_exemptions", "a04_own_record",
          "a05_referrers", "a06_transaction_fx", "a07_per_unit", "a08_share_of_base", "a09_shared_condition",
          "a10_payers", "a11_partial_source")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def eval_json(policy: str, projects: Path, *more: str) -> dict[str, Any]:
    """`policylab eval POLICY --projects FILE --format json`, its rows by project id."""
    r = cli("eval", str(SHAPES / f"{policy}.policy"), "--projects", str(projects), "--format", "json", *more)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return {str(row["project"]): row for row in json.loads(r.stdout)}


# ---------------------------------------------------------------- the examples are complete


@pytest.mark.parametrize("shape", PART_A)
def test_each_shape_has_a_policy_a_text_written_for_it_and_hand_worked_cases(shape: str) -> None:
    policy = (SHAPES / f"{shape}.policy").read_text(encoding="utf-8")
    text = SHAPES / "sources" / f"{shape}.txt"
    assert f'source "sources/{shape}.txt"' in policy
    assert NOT_REAL in text.read_text(encoding="utf-8").splitlines()[0], "the text says it is made up, first"
    assert "not a real city's document" in policy
    _, cases = load_cases(SHAPES / f"{shape}.cases.yaml")
    assert len(cases) >= 7
    assert all(c.article and c.project.get("id") for c in cases)


# ---------------------------------------------------------------- the hand-worked cases, one test each

FILES = case_files([SHAPES])
CASES = [(policy, case) for f in FILES for policy, cases in [load_cases(f)] for case in cases]


@pytest.fixture(scope="module")
def compiled() -> dict[str, CompiledPolicy]:
    result = check_paths([SHAPES])
    errors = [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert errors == []
    return {p.id: CompiledPolicy(p) for p in result.policies}


@pytest.mark.parametrize("policy, case", CASES, ids=[f"{p}:{c.line}:{c.name[:50]}" for p, c in CASES])
def test_hand_worked_case(compiled: dict[str, CompiledPolicy], policy: str, case: Case) -> None:
    r = run_case(compiled[policy], case)
    assert r.ok, "\n".join([*r.failures, r.explanation or ""])


def test_every_branch_of_every_shape_is_exercised(compiled: dict[str, CompiledPolicy]) -> None:
    missed = {}
    for f in FILES:
        policy, cases = load_cases(f)
        cov = Coverage()
        all_branches(compiled[policy], cov)
        for case in cases:
            run_case(compiled[policy], case, cov)
        if cov.missed():
            missed[policy] = cov.missed()
    assert missed == {}


def test_the_shapes_check_clean_and_their_cases_pass_with_full_coverage() -> None:
    r = cli("check", str(SHAPES))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert "0 errors, 1 warning" in r.stdout + r.stderr
    # the one warning: a11's source is cut off, and says so
    assert re.search(r"a11_partial_source\.policy:\d+:\d+: warning\[W707\]", r.stdout + r.stderr)
    r = cli("test", str(SHAPES), "--coverage", "--fail-under", "100")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert f"{len(CASES)} passed, 0 failed" in r.stdout
    assert r.stdout.count("branch coverage 100%") == len(PART_A)


# ---------------------------------------------------------------- bad inputs: code, row and field, no traceback

BAD_INPUTS = [
    # (policy, project file, code, line, row, field)
    ("a01_rates_by_condition", "a01_rates_by_condition.bad_choice.csv", "E804", 3, "b2", "zone"),
    ("a02_exclusions", "a02_exclusions.bad_choice.csv", "E804", 3, "b2", "project_kind"),
    ("a03_floor_with_exemptions", "a03_floor_with_exemptions.bad_category.csv", "E804", 3, "b2", "categories"),
    ("a04_own_record", "a04_own_record.missing_required.csv", "E814", 3, "p2", "land_area"),
    ("a04_own_record", "a04_own_record.missing_required.yaml", "E814", 2, "p2", "land_area"),
    ("a04_own_record", "a04_own_record.bad_type.csv", "E802", 3, "p2", "new_jobs"),
    ("a04_own_record", "a04_own_record.bad_type.xlsx", "E802", 3, "p2", "new_jobs"),
    ("a04_own_record", "a04_own_record.bad_member.csv", "E804", 3, "p2", "honours"),
    ("a05_referrers", "a05_referrers.bad_choice.csv", "E804", 3, "b2", "referral"),
    ("a06_transaction_fx", "a06_transaction_fx.bad_rate.csv", "E815", 3, "p2", "fx_rate"),
    ("a07_per_unit", "a07_per_unit.bad_type.csv", "E802", 3, "p2", "rent_area"),
]


@pytest.mark.parametrize("policy, projects, code, line, row, field", BAD_INPUTS,
                         ids=[f"{code}-{projects}" for _, projects, code, *_ in BAD_INPUTS])
def test_a_bad_project_file_is_an_error_naming_the_row_and_the_field(policy: str, projects: str, code: str,
                                                                      line: int, row: str, field: str) -> None:
    r = cli("eval", str(SHAPES / f"{policy}.policy"), "--projects", str(SHAPES / projects))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    errors = [x for x in r.stderr.splitlines() if f"error[{code}]" in x]
    assert errors, r.stderr
    assert any(x.startswith(f"{SHAPES / projects}:{line}:") and re.search(f"(row|project) {row}:", x) and f"`{field}`" in x
               for x in errors), r.stderr
    assert r.stdout == ""


def test_two_cities_declaring_one_field_in_different_units_is_e212() -> None:
    """east_city declares `site_area` in 亩, west_city in 平方米: each alone checks clean; together a bare
    number in a `site_area` column could not mean both."""
    for one in ("east_city", "west_city"):
        alone = cli("check", str(CONFLICT / f"{one}.policy"))
        assert alone.returncode == 0, alone.stdout + alone.stderr
    r = cli("check", str(CONFLICT))
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stdout + r.stderr
    out = r.stdout + r.stderr
    found = re.findall(r"(east|west)_city\.policy:(\d+):\d+: error\[E212\]: (.*)", out)
    assert len(found) == 1, out
    _, line, message = found[0]
    assert "site_area" in message and "亩" in message and "平方米" in message
    text = (CONFLICT / f"{found[0][0]}_city.policy").read_text(encoding="utf-8").splitlines()
    assert text[int(line) - 1].startswith("field site_area"), "the error points at a declaration of the field"


# ---------------------------------------------------------------- a city's own fields read from spreadsheets


def test_conditions_on_the_text_field_industry_and_on_declared_lists_evaluate_from_a_spreadsheet() -> None:
    """a02: p1 制造 2亿元 -> 1% = 200万元 (第三条), not in the catalogue; p2 房地产 is excluded (第二条) -> 0;
    p3 集成电路 5000万元 < 1亿元 -> 0, in the catalogue -> 10万元 (第四条); p4 a fund (基金类) is not
    recognised (第二条) -> 0; p5 no industry given, 1亿元 -> 100万元."""
    rows = eval_json("a02_exclusions", SHAPES / "a02_exclusions.projects.csv")
    out = {p: (row["outcomes"]["reward.investment"], row["outcomes"]["reward.key_industry"]) for p, row in rows.items()}
    assert out == {"p1": (2000000, 0), "p2": (0, 0), "p3": (0, 100000), "p4": (0, 0), "p5": (1000000, 0)}


def test_declared_fields_are_read_from_a_spreadsheet_with_their_units() -> None:
    """a04 (第二条、第四条): land_area is declared in 平方米, so the bare 20000 is 30亩.
    p1: 瞪羚 -> 20万元; 省十强, 120人 >= 100人, 9000万元 >= 300万元 × 30亩 = 9000万元 -> 30万元.
    p2: 独角兽 and 高新 -> 100万元 (就高); 30000平方米 = 45亩, 300万元 × 45 = 1.35亿元 > 1.2亿元 -> 0;
        第三条 needs 500万元 of R&D, none given -> 0.
    p3: no honour -> 0; 99人 < 100人 -> 0."""
    rows = eval_json("a04_own_record", SHAPES / "a04_own_record.projects.csv")
    out = {p: tuple(row["outcomes"][c] for c in ("reward.honours", "reward.land_efficiency", "reward.rd"))
           for p, row in rows.items()}
    assert out == {"p1": (200000, 300000, 0), "p2": (1000000, 0, 0), "p3": (0, 0, 0)}


def test_the_fields_a_policy_reads_are_listed_with_their_labels_units_and_origin() -> None:
    r = cli("fields", str(SHAPES / "a04_own_record.policy"))
    assert r.returncode == 0, r.stderr
    rows = {x.split()[0]: x for x in r.stdout.splitlines() if x.strip()}
    assert all(w in rows["land_area"] for w in ("area", "平方米", "required", "用地面积", "a04_own_record"))
    assert all(w in rows["new_jobs"] for w in ("count", "0人", "新增就业人数", "taxonomy"))
    assert all(w in rows["honours"] for w in ("set", "瞪羚企业", "独角兽企业", "高新技术企业"))


def test_a_declared_field_is_shown_in_explain() -> None:
    r = cli("eval", str(SHAPES / "a04_own_record.policy"), "--projects", str(SHAPES / "a04_own_record.projects.csv"),
            "--explain", "p1")
    assert r.returncode == 0, r.stderr
    inputs = [x for x in r.stdout.splitlines() if x.strip().startswith("inputs:")]
    assert any("land_area" in x and "new_jobs" in x and "provincial_top10" in x for x in inputs), r.stdout


def test_per_unit_amounts_from_bare_numbers_in_the_declared_unit() -> None:
    """a07: rent_area in 平方米, doctors in 名, new_jobs in 人 (bare numbers in the file).
    p1: 30元 × 1000 = 30000元 (第二条); 5万元 × 3 = 15万元 (第三条); 2000元 × 150 = 30万元 (第四条).
    p2: 30元 × 40000 = 120万元 > 100万元 -> 100万元; 5万元 × 12 = 60万元 > 50万元 -> 50万元; 0人 -> 0元."""
    rows = eval_json("a07_per_unit", SHAPES / "a07_per_unit.projects.csv")
    out = {p: tuple(row["outcomes"][c] for c in ("reward.rent", "reward.talent", "reward.jobs"))
           for p, row in rows.items()}
    assert out == {"p1": (30000, 150000, 300000), "p2": (1000000, 500000, 0)}


def test_a_projects_own_exchange_rate_is_used() -> None:
    """a06 第二条、第三条 (按到账当日汇率): 1% of 1000万美元, at the run's 7.0 for p1 (no rate of its own),
    at its own 7.1 for p2, at 6.9 for p3 (fx_rate.fdi_arrived overrides fx_rate 7.1): 70万元, 71万元, 69万元."""
    rows = eval_json("a06_transaction_fx", SHAPES / "a06_transaction_fx.projects.csv", "--fx", "7.0")
    assert {p: row["outcomes"]["reward.fdi"] for p, row in rows.items()} == {"p1": 700000, "p2": 710000, "p3": 690000}


def test_explain_names_the_rate_a_project_was_converted_at() -> None:
    """a06 p3: 1000万美元 × 6.9 (its rate for fdi_arrived) = 6900万元; 1% = 69万元."""
    r = cli("eval", str(SHAPES / "a06_transaction_fx.policy"), "--projects", str(SHAPES / "a06_transaction_fx.projects.csv"),
            "--fx", "7.0", "--explain", "p3")
    assert r.returncode == 0, r.stderr
    assert "6.9" in r.stdout and "6900万元" in r.stdout and "69万元" in r.stdout, r.stdout


def test_the_outcomes_know_the_rate_each_project_used(compiled: dict[str, CompiledPolicy]) -> None:
    """a06: p1 gives no rate (the run's 7.0), p2 its own 7.1 for all its amounts."""
    from compare.data.read import load_projects

    cp = compiled["a06_transaction_fx"]
    out = cp.outcomes(cp.run(load_projects(SHAPES / "a06_transaction_fx.projects.csv", cp.policy.record), 7.0))
    assert (out.rate_used(0), out.rate_used(1)) == ((7.0, "run"), (7.1, "project"))


def test_the_output_says_which_rate_each_project_used() -> None:
    """a06: p1 has no rate of its own (the run's 7.0), p2 its own 7.1; p3's only USD amount, fdi_arrived,
    is converted at its own 6.9 (fx_rate.fdi_arrived overrides fx_rate 7.1), and its reward, 69万元, is
    worked at 6.9 (第三条 按到账当日汇率), so 6.9 is the rate its outcome used."""
    rows = eval_json("a06_transaction_fx", SHAPES / "a06_transaction_fx.projects.csv", "--fx", "7.0")
    assert {p: (row["fx"], row.get("fx_own", False)) for p, row in rows.items()} == \
        {"p1": (7.0, False), "p2": (7.1, True), "p3": (6.9, True)}


# ---------------------------------------------------------------- all the shapes in one run

# By hand, at 7.0 (m1's 1000万美元 = 7000万元); the article of each figure in its policy's text.
ALL_SHAPES = {
    "m1": {
        "example_a01": {"reward.fdi": 1400000,  # 第二条 制造业 in 重点区域: 2% × 7000万元 = 140万元
                        "reward.landing": 300000},  # 第五条 the narrower row: 30万元
        "example_a02": {"reward.investment": 2000000,  # 第三条 1% × 2亿元
                        "reward.key_industry": 100000},  # 第四条 集成电路 in the catalogue
        "example_a03": {"reward.investment": 2000000},  # 第二条 2% × 1亿元 (the floor met)
        "example_a04": {"reward.honours": 1000000,  # 第二条 独角兽 100万元
                        "reward.rd": 500000,  # 第三条 高新, 600万元 >= 500万元
                        "reward.land_efficiency": 300000},  # 第四条 2亿元 >= 300万元 × 30亩; 120人
        "example_a05": {"reward.referral": 700000},  # 第二条 社会组织: 1% × 7000万元
        "example_a06": {"reward.fdi": 700000},  # 第二条 1% × 7000万元 at the run's rate
        "example_a07": {"reward.rent": 30000,  # 第二条 30元 × 1000平方米
                        "reward.talent": 100000,  # 第三条 5万元 × 2名
                        "reward.jobs": 240000},  # 第四条 2000元 × 120人
        "example_a08": {"reward.equipment": 1000000,  # 第二条 10% × 1000万元
                        "reward.rd": 100000,  # 第三条 10% × (600万元 − 500万元)
                        "land.price_min": 0},  # 第四条 no land bought
        "example_a09": {"reward.landing": 500000,  # 第三条 (第二条 holds, in production)
                        "reward.jobs": 120000,  # 第四条 1000元 × 120人
                        "reward.equipment": 500000},  # 第五条 5% × 1000万元
        "example_a10": {"reward.fdi": 700000,  # 第二条 1% × 7000万元
                        "reward.rent": 20000,  # 第三条 20元 × 1000平方米
                        "reward.intermediary": 0,  # 第四条 a social organisation is not a 中介机构
                        "reward.jobs": 120000},  # 第五条 1000元 × 120人
        "example_a11": {"reward.landing": 1000000},  # 第二条 2亿元 >= 1亿元
    },
    "d1": {
        "example_a01": {"reward.fdi": 0, "reward.landing": 0},  # not foreign
        "example_a02": {"reward.investment": 0, "reward.key_industry": 0},  # 房地产, and a fund
        "example_a03": {"reward.investment": 0},  # no investment, no category
        "example_a04": {"reward.honours": 200000, "reward.rd": 0, "reward.land_efficiency": 0},  # 瞪羚 20万元
        "example_a05": {"reward.referral": 0},  # 利益相关方 excluded
        "example_a06": {"reward.fdi": 0},  # not foreign
        "example_a07": {"reward.rent": 0, "reward.talent": 0, "reward.jobs": 0},  # nothing rented or hired
        "example_a08": {"reward.equipment": 0, "reward.rd": 0, "land.price_min": 0},
        "example_a09": {"reward.landing": 0, "reward.jobs": 0, "reward.equipment": 0},  # not manufacturing
        "example_a10": {"reward.fdi": 0, "reward.rent": 0, "reward.intermediary": 0, "reward.jobs": 0},
        "example_a11": {"reward.landing": 1000000},  # 第二条 3亿元 >= 1亿元
    },
}


def test_all_the_shapes_in_one_run_read_their_own_values_from_the_runs_record() -> None:
    """Eleven policies declaring fields and values run together: the run's record holds them all (a05's
    referrers, a01's zone, a04's honours …) in an order no single policy has, and each policy still reads
    its own; each figure as when the policy runs alone."""
    r = cli("eval", str(SHAPES), "--projects", str(SHAPES / "all_shapes.projects.yaml"), "--fx", "7.0",
            "--format", "json")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    got: dict[str, dict[str, Any]] = {}
    for row in json.loads(r.stdout):
        got.setdefault(row["project"], {})[row["city"]] = row["outcomes"]
    assert got == ALL_SHAPES


# ---------------------------------------------------------------- who pays: totals by payer


def test_totals_by_payer_worked_by_hand(compiled: dict[str, CompiledPolicy]) -> None:
    """a10 第六条: 第二条 市 50% (县 the rest); 第三条 县; 第四条 市:县 = 6:4; 第五条 市 and 县, shares not stated.
    p1 (1000万美元 at 7.0 = 7000万元, 10000平方米, 50人): 第二条 70万元 -> 市 35万元, 县 35万元; 第三条 20元 ×
      10000 = 20万元 -> 县; 第四条 0.5% = 35万元 -> 市 21万元, 县 14万元; 第五条 1000元 × 50 = 5万元 -> jointly.
    p2 (10亿元, 25000平方米, 0人): 第二条 1000万元 (cap) -> 500万元 each; 第三条 50万元 (cap) -> 县;
      第四条 500万元 > 100万元 -> 100万元 -> 市 60万元, 县 40万元; 第五条 0.
    By payer: 市 35 + 21 + 500 + 60 = 616万元; 县 35 + 20 + 14 + 500 + 50 + 40 = 659万元; jointly 5万元."""
    from compare.data.read import load_projects
    from compare.engine.payer import payer_row, payer_totals

    cp = compiled["a10_payers"]
    out = cp.outcomes(cp.run(load_projects(SHAPES / "a10_payers.projects.csv", cp.policy.record), 7.0))
    assert payer_row(out, 0) == {"reward.fdi": {"city": 350000, "district": 350000},
                                 "reward.rent": {"district": 200000},
                                 "reward.intermediary": {"city": 210000, "district": 140000},
                                 "reward.jobs": {"city+district": 50000}}
    assert payer_row(out, 1) == {"reward.fdi": {"city": 5000000, "district": 5000000},
                                 "reward.rent": {"district": 500000},
                                 "reward.intermediary": {"city": 600000, "district": 400000}}
    totals = {payer: sum(lo for lo, _ in concepts.values()) for payer, concepts in payer_totals(out).items()}
    assert totals == {"city": 6160000, "district": 6590000, "city+district": 50000}


# ---------------------------------------------------------------- sources: every figure cited; a partial one says so


def test_every_figure_of_every_shape_text_is_cited_or_explained() -> None:
    """Declarations cite the text too (a09's named condition is 第二条, its only citation)."""
    r = cli("coverage", *[str(SHAPES / f"{shape}.policy") for shape in PART_A])
    assert r.returncode == 0 and "NOT CITED" not in r.stdout, r.stdout + r.stderr


def test_a_partial_source_is_never_reported_as_wholly_covered() -> None:
    r = cli("coverage", str(SHAPES / "a11_partial_source.policy"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "正文至第三条“总投资超过5亿元的，奖励”止，其后缺失" in r.stdout
    assert "(100%)" not in r.stdout and "100% of a partial text" in r.stdout
