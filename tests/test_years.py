"""A project's years (compare.engine.years): each time rule's mechanism, worked by hand — once, a
schedule by year of life, a cumulative cap (with a window, and on intervals), instalments (each share
rounded to the fen, what falls after a project's last year), a clawback; `cumulative(x)` on the exact
and the float path; projects with years of their own; totals exact in fen; splits and payers follow."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import POLICIES

from compare.data.read import from_dicts
from compare.engine.evaluate import CompiledPolicy
from compare.engine.project_years import ProjectYears
from compare.engine.years import YearOutcomes, evaluate_years
from dsl.check import check_text
from dsl.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]

# A made-up article holding every figure the clauses below use (the checker compares figures with quotes).
ARTICLE = ("第一条 按当年实际到账外资的10%给予奖励，最高10万元，单个企业累计最高30万元，自注册之日起3年内累计最高100万元；"
           "第一年全额、第二年50%、第三年25%；分三年兑现，每年三分之一；分两年兑现，每年50%；一次性奖励；"
           "10年内迁离的，收回奖励；累计投资达到1000万元的，给予奖励0.10元、0.20元、0.01元、20万元；新增就业10人；市和县1:1分担；奖金按3:7的比例分配。")


def policy(*lines: str, fields: str = "", value: str = "10% of cny(fdi_arrived)", when: str | None = None,
           concept: str = "reward.fdi", after: str = "") -> CompiledPolicy:
    body = "\n".join(f"  {x}" for x in lines)
    cond = f"  when {when}\n" if when else ""
    text = (f'policy y {{\n  city y "y"\n  source "s.txt"\n}}\n{fields}'
            f'clause c {{\n  concept {concept}\n  cite "第一条" "{ARTICLE}"\n{cond}  value {value}\n{body}\n}}\n{after}')
    p, diags = check_text(text, "y.policy", TAXONOMY, ARTICLE)
    assert p is not None and not [d for d in diags if d.is_error], [d.message for d in diags if d.is_error]
    return CompiledPolicy(p)


RELOCATED = 'field relocated "迁离本市" {\n  type bool\n  default false\n  cite "第一条" "10年内迁离的，收回奖励"\n}\n'


def years_of(projects: dict[str, dict[str, Any]], record: Any = None) -> ProjectYears:
    """{id: {"landing": 2024, "years": {2024: {field: value}}}} -> ProjectYears (a year without a row:
    the project's first row, inactive)."""
    ids = list(projects)
    all_years = sorted({y for p in projects.values() for y in p["years"]})
    years = list(range(all_years[0], all_years[-1] + 1))
    batches, active = {}, {}
    for y in years:
        rows = []
        for pid, p in projects.items():
            own = p["years"].get(y, p["years"][min(p["years"])])
            rows.append({"id": pid, **p.get("fixed", {}), **own})
        batches[y] = from_dicts(rows, record=record) if record is not None else from_dicts(rows)
        active[y] = np.array([y in p["years"] for p in projects.values()])
    landing = np.array([p.get("landing", min(p["years"])) for p in projects.values()], dtype=np.int64)
    return ProjectYears(ids, years, batches, active, landing)


def fdi(*amounts: str, landing: int = 2024, first: int = 2024, foreign: bool = True) -> dict[str, Any]:
    return {"landing": landing, "fixed": {"foreign": foreign},
            "years": {first + k: {"fdi_arrived": a} for k, a in enumerate(amounts)}}


def got(yo: YearOutcomes, pid: str, year: int | str, concept: str = "reward.fdi") -> Any:
    out = yo.total if year == "total" else yo.by_year[int(year)]
    i = yo.ids.index(pid)
    if out.state(concept, i) == "not_eligible":
        return "not eligible"
    return out.value(concept, i)


def per_year(yo: YearOutcomes, pid: str) -> list[Any]:
    return [got(yo, pid, y) for y in yo.years]


# ---------------------------------------------------------------------- a clause without time statements


def test_a_clause_without_time_statements_is_each_year_alone() -> None:
    cp = policy()
    yo = evaluate_years(cp, years_of({"p": fdi("100万元", "200万元")}), 7.0)
    assert per_year(yo, "p") == [100_000.0, 200_000.0]  # 10% of each year's
    assert got(yo, "p", "total") == 300_000.0


def test_a_year_without_a_row_is_not_eligible_and_zero_and_totals_skip_it() -> None:
    cp = policy()
    py = years_of({"a": fdi("100万元", "100万元", "100万元"), "b": fdi("50万元", landing=2025, first=2025)})
    yo = evaluate_years(cp, py, 7.0)
    assert per_year(yo, "b") == ["not eligible", 50_000.0, "not eligible"]
    assert got(yo, "b", "total") == 50_000.0
    assert float(yo.by_year[2024].numeric["reward.fdi"][0][1]) == 0.0


def test_totals_add_the_years_in_whole_fen() -> None:
    # 0.10元 + 0.20元 is 0.30元 exactly (in floats 0.1 + 0.2 is 0.30000000000000004)
    cp = policy(value="cny(fdi_arrived)")
    yo = evaluate_years(cp, years_of({"p": fdi("0.10元", "0.20元")}), 7.0)
    assert got(yo, "p", "total") == 0.3


# ---------------------------------------------------------------------- once


def test_once_pays_in_the_first_year_with_an_amount_only() -> None:
    cp = policy("once")
    # 2024 nothing arrives (0元: the clause fires with 0, which is not "given"), 2025 10万, 2026 20万
    yo = evaluate_years(cp, years_of({"p": fdi("0元", "100万元", "200万元")}), 7.0)
    assert per_year(yo, "p") == [0.0, 100_000.0, 0.0]


def test_once_on_an_interval_keeps_what_may_not_have_been_given() -> None:
    # up to 10万元 in 2024: [0, 10万]; given or not, 2025's low end is 0, and its high end 10万 (it may have been 0)
    cp = policy("once", value="up to 10万元")
    yo = evaluate_years(cp, years_of({"p": fdi("1元", "1元")}), 7.0)
    assert per_year(yo, "p") == [(0.0, 100_000.0), (0.0, 100_000.0)]


# ---------------------------------------------------------------------- schedule


def test_a_schedule_takes_the_factor_of_the_year_of_life() -> None:
    cp = policy('schedule 100% derived "第一年全额", 50%, 25%')
    # landed 2023: the file's 2024 is year 2 (50%), 2025 year 3 (25%), 2026 year 4 (after the last: 0)
    yo = evaluate_years(cp, years_of({"p": fdi("100万元", "100万元", "100万元", landing=2023)}), 7.0)
    assert per_year(yo, "p") == [50_000.0, 25_000.0, 0.0]


def test_a_schedule_rounds_each_year_to_the_fen_half_away_from_zero() -> None:
    # 0.10元 × 25% = 0.025元 -> 0.03元 (half away from zero); 0.01元 × 50% = 0.005元 -> 0.01元
    cp = policy('schedule 100% derived "第一年全额", 50%, 25%', value="cny(fdi_arrived)")
    yo = evaluate_years(cp, years_of({"p": fdi("0.01元", "0.01元", "0.10元")}), 7.0)
    assert per_year(yo, "p") == [0.01, 0.01, 0.03]


# ---------------------------------------------------------------------- cumulative cap


def test_a_cumulative_cap_gives_a_later_year_what_the_earlier_left() -> None:
    cp = policy("cumulative cap 30万元")
    yo = evaluate_years(cp, years_of({"p": fdi("100万元", "150万元", "100万元", "100万元")}), 7.0)
    assert per_year(yo, "p") == [100_000.0, 150_000.0, 50_000.0, 0.0]  # 10 + 15 + 5 = 30万
    assert got(yo, "p", "total") == 300_000.0


def test_a_cumulative_cap_within_a_window_pays_nothing_after_it() -> None:
    cp = policy("cumulative cap 100万元 within 3年")
    yo = evaluate_years(cp, years_of({"p": fdi("100万元", "100万元", "100万元", "100万元", landing=2024)}), 7.0)
    assert per_year(yo, "p") == [100_000.0, 100_000.0, 100_000.0, 0.0]


def test_a_cumulative_cap_on_an_interval_bounds_each_end_by_the_other() -> None:
    # 10万~20万元 a year, cap 30万: year 1 [10, 20]; year 2: left [30 − 20, 30 − 10] = [10, 20] -> [10, 20];
    # year 3: awarded so far [20, 40]: left [max(0, 30 − 40), 30 − 20] = [0, 10] -> [0, 10]
    cp = policy("cumulative cap 30万元", value="10万元~20万元")
    yo = evaluate_years(cp, years_of({"p": fdi("1元", "1元", "1元")}), 7.0)
    assert per_year(yo, "p") == [(100_000.0, 200_000.0), (100_000.0, 200_000.0), (0.0, 100_000.0)]


def test_each_project_has_its_own_cap() -> None:
    cp = policy("cumulative cap 30万元")
    py = years_of({"a": fdi("200万元", "200万元"), "b": fdi("50万元", "50万元")})
    yo = evaluate_years(cp, py, 7.0)
    assert per_year(yo, "a") == [200_000.0, 100_000.0]
    assert per_year(yo, "b") == [50_000.0, 50_000.0]


# ---------------------------------------------------------------------- installments


def test_installments_pay_each_award_over_the_years_in_shares_rounded_to_the_fen() -> None:
    # 2024 award 10万 -> 33,333.33 (a third of 10,000,000 fen = 3,333,333.3 -> 3,333,333 fen) in 2024, 2025, 2026;
    # 2025 award 20万 -> 66,666.67 in 2025, 2026, 2027.  Paid: 33,333.33; 100,000.00; 100,000.00; then 2027 is
    # the last year: 66,666.67 paid, nothing left over
    cp = policy("installments 1/3, 1/3, 1/3")
    yo = evaluate_years(cp, years_of({"p": fdi("100万元", "200万元", "0元", "0元")}), 7.0)
    assert per_year(yo, "p") == [33_333.33, 100_000.0, 100_000.0, 66_666.67]
    assert float(yo.due_later["reward.fdi"][0][0]) == 0.0


def test_installments_after_a_projects_last_year_are_due_later_not_in_the_total() -> None:
    # a: 2024 only: 50% of 10万 paid, 5万 due later. b: 2024–2025: 5万 and 5万, nothing due
    cp = policy("installments 50%, 50%")
    py = years_of({"a": fdi("100万元"), "b": fdi("100万元", "0元")})
    yo = evaluate_years(cp, py, 7.0)
    assert per_year(yo, "a") == [50_000.0, "not eligible"]
    assert got(yo, "a", "total") == 50_000.0
    lo, hi = yo.due_later["reward.fdi"]
    assert (float(lo[0]), float(lo[1])) == (50_000.0, 0.0)
    assert per_year(yo, "b") == [50_000.0, 50_000.0]


def test_an_instalment_is_paid_in_a_year_the_clause_does_not_fire() -> None:
    cp = policy("installments 50%, 50%", when="foreign")
    py = years_of({"p": {"landing": 2024, "years": {2024: {"foreign": True, "fdi_arrived": "100万元"},
                                                     2025: {"foreign": False, "fdi_arrived": "100万元"}}}})
    yo = evaluate_years(cp, py, 7.0)
    assert per_year(yo, "p") == [50_000.0, 50_000.0]


# ---------------------------------------------------------------------- clawback


def test_a_clawback_takes_back_all_paid_in_the_first_year_it_holds_and_nothing_after() -> None:
    cp = policy("clawback when relocated within 10年", fields=RELOCATED, when="not relocated")
    years = {2024 + k: {"fdi_arrived": "100万元"} for k in range(7)}
    years[2029] = {"fdi_arrived": "100万元", "relocated": True}  # year 6
    years[2030] = {"fdi_arrived": "100万元", "relocated": True}
    yo = evaluate_years(cp, years_of({"p": {"landing": 2024, "years": years}}, cp.policy.record), 7.0)
    assert per_year(yo, "p") == [100_000.0] * 5 + [-500_000.0, "not eligible"]
    assert got(yo, "p", "total") == 0.0


def test_a_clawback_outside_its_window_takes_nothing() -> None:
    cp = policy("clawback when relocated within 10年", fields=RELOCATED)
    years = {2014: {"fdi_arrived": "100万元"}, 2024: {"fdi_arrived": "0元", "relocated": True}}  # year 11
    years.update({y: {"fdi_arrived": "0元"} for y in range(2015, 2024)})
    yo = evaluate_years(cp, years_of({"p": {"landing": 2014, "years": years}}, cp.policy.record), 7.0)
    assert got(yo, "p", 2024) == 0.0
    assert got(yo, "p", "total") == 100_000.0


def test_a_clawback_cancels_the_instalments_still_due() -> None:
    # 2024 award 10万: 5万 paid in 2024, 5万 due in 2025; 2025 it moves out: minus the 5万 paid, and the 5万 due
    # is never paid (nor due later)
    cp = policy("installments 50%, 50%", "clawback when relocated within 10年", fields=RELOCATED)
    years = {2024: {"fdi_arrived": "100万元"}, 2025: {"fdi_arrived": "0元", "relocated": True}}
    yo = evaluate_years(cp, years_of({"p": {"landing": 2024, "years": years}}, cp.policy.record), 7.0)
    assert per_year(yo, "p") == [50_000.0, -50_000.0]
    assert float(yo.due_later["reward.fdi"][0][0]) == 0.0


# ---------------------------------------------------------------------- the order of the rules


def test_rules_apply_in_order_schedule_then_cap_then_installments() -> None:
    # 10% of 300万 = 30万 a year; schedule 100%, 50%: 30万, 15万; cap 30万: 30万, then 0 left;
    # installments 50/50 of the capped awards: 15万 in 2024, 15万 + 0 in 2025
    cp = policy('schedule 100% derived "第一年全额", 50%', "cumulative cap 30万元", "installments 50%, 50%")
    yo = evaluate_years(cp, years_of({"p": fdi("300万元", "300万元")}), 7.0)
    assert per_year(yo, "p") == [150_000.0, 150_000.0]
    assert got(yo, "p", "total") == 300_000.0


# ---------------------------------------------------------------------- cumulative(x)


def test_cumulative_adds_a_money_field_over_the_years_exactly_in_either_currency() -> None:
    # 100万美元 × 7.0 = 700万元 in 2024, then 299.99万元 and 0.01万元: 999.99万元 in 2025, 1000万元 in 2026 (the threshold)
    cp = policy(when="cumulative(fdi_arrived) >= 1000万元", value="20万元")
    yo = evaluate_years(cp, years_of({"p": fdi("100万美元", "299.99万元", "0.01万元")}), 7.0)
    assert per_year(yo, "p") == ["not eligible", "not eligible", 200_000.0]


def test_cumulative_in_one_year_alone_is_the_field() -> None:
    cp = policy(when="cumulative(fdi_arrived) >= 1000万元", value="20万元")
    batch = from_dicts([{"id": "a", "foreign": True, "fdi_arrived": "1000万元"},
                        {"id": "b", "foreign": True, "fdi_arrived": "999.99万元"}])
    out = cp.evaluate(batch, 7.0)
    assert out.value("reward.fdi", 0) == 200_000.0 and out.state("reward.fdi", 1) == "not_eligible"


def test_cumulative_on_the_float_path_reads_the_sum() -> None:
    # a rate read from the sum (not affine in money: the float path): max(…) of two amounts of it
    cp = policy(value="max(10% of cumulative(fdi_arrived), 0.01元)")
    yo = evaluate_years(cp, years_of({"p": fdi("100万元", "200万元")}), 7.0)
    assert per_year(yo, "p") == [100_000.0, 300_000.0]


def test_cumulative_of_a_count_adds_it_up() -> None:
    jobs = 'field hires "新增就业" {\n  type count 人\n  default 0人\n  cite "第一条" "新增就业10人"\n}\n'
    cp = policy(fields=jobs, when="cumulative(hires) >= 10人", value="20万元")
    py = years_of({"p": {"years": {2024: {"hires": 4}, 2025: {"hires": 5}, 2026: {"hires": 1}}}}, cp.policy.record)
    yo = evaluate_years(cp, py, 7.0)
    assert per_year(yo, "p") == ["not eligible", "not eligible", 200_000.0]  # 4, 9, 10


# ---------------------------------------------------------------------- what follows the amount


def test_payers_and_beneficiaries_follow_the_adjusted_amount() -> None:
    cp = policy("payer city, district = 1:1", "cumulative cap 30万元")
    yo = evaluate_years(cp, years_of({"p": fdi("200万元", "200万元")}), 7.0)
    payers = yo.by_year[2025].payers["reward.fdi"]
    assert float(payers["city"][0][0]) == 50_000.0 and float(payers["district"][0][0]) == 50_000.0
    assert yo.by_year[2025].beneficiary("reward.fdi", 0) == "firm"


def test_a_split_shares_the_adjusted_amount() -> None:
    # 10% of 200万元 twice under a cumulative cap of 30万元: 20万, then the 10万 left; shared 3:7
    split = ('split s {\n  cite "第一条" "奖金按3:7的比例分配"\n  splits c\n  shares referrer, host = 3:7\n}\n')
    cp = policy("cumulative cap 30万元", concept="reward.team", after=split)
    yo = evaluate_years(cp, years_of({"p": fdi("200万元", "200万元")}), 7.0)
    assert [got(yo, "p", y, "reward.team.referrer") for y in (2024, 2025)] == [60_000.0, 30_000.0]
    assert [got(yo, "p", y, "reward.team.host") for y in (2024, 2025)] == [140_000.0, 70_000.0]
    assert got(yo, "p", "total", "reward.team.host") == 210_000.0


def test_the_given_batches_are_not_changed() -> None:
    cp = policy(when="cumulative(fdi_arrived) >= 1000万元", value="20万元")
    py = years_of({"p": fdi("600万元", "600万元")})
    before = {y: sorted(b.columns) for y, b in py.batches.items()}
    evaluate_years(cp, py, 7.0)
    assert {y: sorted(b.columns) for y, b in py.batches.items()} == before


@pytest.mark.parametrize("n", [1, 3])
def test_one_year_through_a_policy_with_time_statements_is_year_one(n: int) -> None:
    cp = policy('schedule 50%, 25%', "installments 50%, 50%")
    batch = from_dicts([{"id": f"p{i}", "foreign": True, "fdi_arrived": "100万元"} for i in range(n)])
    yo = evaluate_years(cp, ProjectYears.one_year(batch, 2024), 7.0)
    # 10万 × 50% (year 1) = 5万, half of it paid this year, the rest due later
    assert [got(yo, f"p{i}", 2024) for i in range(n)] == [25_000.0] * n
    assert float(yo.due_later["reward.fdi"][0][0]) == 25_000.0
