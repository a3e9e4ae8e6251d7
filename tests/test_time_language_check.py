"""The checker on a clause's time statements (dsl.check.timing): each check with its code and span;
names read only by a time statement count as read; figures checked against the quotes."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from dsl.check import check_text
from dsl.diagnostics import Diagnostic

# A made-up article in the style of the texts (examples/time/sources would hold a whole document):
# every figure of the clauses below occurs in it, so only the check under test speaks.
ARTICLE = ("第五条 按实际到账外资的2%给予奖励，单个企业累计最高300万元，自注册之日起3年内有效；"
           "第一年全额、第二年50%、第三年25%；分三年兑现，每年三分之一；一次性奖励；"
           "10年内迁离的，收回奖励；奖金总额98万元，按得分分配；每年评选不超过20个项目。")

HEAD = '''policy t {
  city t "测试"
  source "x.txt"
}
field relocated "迁离本市" { type bool }
field score "评审得分" { type count 个 }
'''


def check(body: str, taxonomy, quote: str = ARTICLE) -> list[Diagnostic]:  # type: ignore[no-untyped-def]
    text = HEAD + body.replace("QUOTE", quote)
    _, diags = check_text(text, "t.policy", taxonomy, source_text=quote)
    return diags


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags if d.code not in ("W706",)]


def clause(*statements: str, value: str = "2% of cny(fdi_arrived)", concept: str = "reward.fdi") -> str:
    lines = "\n".join(f"  {s}" for s in statements)
    return f'''clause fdi_reward "外资到账奖励" {{
  concept {concept}
  cite "第五条" "QUOTE"
  value {value}
{lines}
}}
'''


def at(diags: list[Diagnostic], code: str) -> tuple[int, int]:
    d = next(d for d in diags if d.code == code)
    return d.span.line, d.span.column


# line numbers: HEAD has 6 lines; the clause opens at 7, `value` is line 10, statements from 11
FIRST = 11


def test_a_well_formed_clause_with_every_over_years_statement_checks_clean(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("cumulative cap 300万元 within 3年", "schedule 100% derived \"全额\", 50%, 25%", "installments 1/3, 1/3, 1/3",
                         "once", "clawback when relocated within 10年"), taxonomy)
    assert codes(diags) == [], [(d.code, d.message) for d in diags]


def test_a_field_read_only_by_a_clawback_is_read(taxonomy) -> None:  # type: ignore[no-untyped-def]
    """W706 (declared but nothing reads it) is about `score` only: `relocated` is read by the clawback."""
    diags = check(clause("clawback when relocated within 10年"), taxonomy)
    unused = [d.message for d in diags if d.code == "W706"]
    assert unused == ["field `score` is declared but nothing reads it"]


def test_a_field_read_only_by_a_ranking_is_read(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("winners 20 by score", value="50万元", concept="reward.landing"), taxonomy)
    assert [d.message for d in diags if d.code == "W706"] == ["field `relocated` is declared but nothing reads it"]


def test_cumulative_cap_in_another_currency_is_e320_at_the_cap(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("cumulative cap 300万美元"), taxonomy, ARTICLE.replace("300万元", "300万美元"))
    assert codes(diags) == ["E320"]
    assert at(diags, "E320") == (FIRST, 18)  # `cumulative cap ` is 15 characters after the indent


@pytest.mark.parametrize("cap", ["300分", "up to 300万元", "registered_capital"])
def test_cumulative_cap_must_be_a_fixed_figure_in_the_value_unit(cap: str, taxonomy) -> None:  # type: ignore[no-untyped-def]
    quote = ARTICLE.replace("300万元", "300万元（300分）")
    assert "E320" in codes(check(clause(f"cumulative cap {cap}"), taxonomy, quote))


@pytest.mark.parametrize("window", ["36个月", "2.5年", "0年"])
def test_a_window_is_a_whole_number_of_years(window: str, taxonomy) -> None:  # type: ignore[no-untyped-def]
    for stmt in (f"cumulative cap 300万元 within {window}", f"clawback when relocated within {window}"):
        diags = check(clause(stmt), taxonomy)
        assert "E321" in codes(diags)
        col = stmt.index(window) + 3
        assert at(diags, "E321") == (FIRST, col)


def test_schedule_factors_are_fixed_ratios_of_at_least_0(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("schedule 50%, 50万元"), taxonomy)
    assert "E322" in codes(diags)
    assert at(diags, "E322") == (FIRST, len("  schedule 50%, ") + 1)
    assert "E322" in codes(check(clause("schedule 50%, -50%"), taxonomy))
    assert "E322" in codes(check(clause("schedule 50%, paid_in_ratio"), taxonomy))


def test_a_schedule_factor_above_the_whole_warns(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("schedule 50%, 150%"), taxonomy, ARTICLE + "第二年150%")
    assert codes(diags) == ["W730"]


def test_instalments_add_up_to_exactly_100_percent_as_fractions(taxonomy) -> None:  # type: ignore[no-untyped-def]
    # 1/3 three times is exactly 1: no float rounding (0.333… × 3 = 0.999… would be wrong)
    assert codes(check(clause("installments 1/3, 1/3, 1/3"), taxonomy)) == []
    quote = ARTICLE + "分三年兑现，每年兑现40%。"
    diags = check(clause("installments 40%, 40%, 40%"), taxonomy, quote)
    assert codes(diags) == ["E323"]
    d = next(d for d in diags if d.code == "E323")
    assert "120% (40% + 40% + 40%)" in d.message  # worked by hand: 3 × 40% = 120%
    assert (d.span.line, d.span.column) == (FIRST, 3)
    diags = check(clause("installments 1/3, 1/3"), taxonomy)
    assert "2/3 (1/3 + 1/3)" in next(d.message for d in diags if d.code == "E323")


def test_once_goes_with_installments(taxonomy) -> None:  # type: ignore[no-untyped-def]
    assert codes(check(clause("once", "installments 1/3, 1/3, 1/3"), taxonomy)) == []


def test_clawback_condition_is_true_false_and_reads_the_project(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("clawback when registered_capital within 10年"), taxonomy)
    assert "E303" in codes(diags)
    assert at(diags, "E303") == (FIRST, len("  clawback when ") + 1)
    diags = check(clause("clawback when true within 10年"), taxonomy)
    assert codes(diags) == ["W731"]


def test_budget_is_a_fixed_amount_of_money(taxonomy) -> None:  # type: ignore[no-untyped-def]
    # the values are weights (a score); what the clause pays is a share of the budget, in 元
    ok = check(clause("budget 98万元", value="quality_score", concept="reward.landing"), taxonomy)
    assert codes(ok) == []
    for bad in ("98分", "registered_capital", "0万元"):
        diags = check(clause(f"budget {bad}", value="quality_score", concept="reward.landing"),
                      taxonomy, ARTICLE + "98分0万元")
        assert "E324" in codes(diags), bad
        assert at(diags, "E324") == (FIRST, len("  budget ") + 1)


def test_winners_a_positive_whole_count_ranked_by_a_figure(taxonomy) -> None:  # type: ignore[no-untyped-def]
    base = {"value": "50万元", "concept": "reward.landing"}
    quote = ARTICLE + "50万元；20.5；0个"
    assert codes(check(clause("winners 20", **base), taxonomy, quote)) == []
    assert codes(check(clause("winners 20 by score", **base), taxonomy, quote)) == []
    for bad in ("20.5", "0", "registered_capital", "20万元"):
        assert "E325" in codes(check(clause(f"winners {bad}", **base), taxonomy, quote + bad)), bad
    diags = check(clause("winners 20 by industry", **base), taxonomy, quote)
    assert codes(diags) == ["E326"]
    assert at(diags, "E326") == (FIRST, len("  winners 20 by ") + 1)


def test_time_statements_need_a_clause_that_gives_a_figure(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("winners 20", "budget 98万元", value="true", concept="eligibility.green_channel"),
                  taxonomy)
    assert [d.code for d in diags if d.code == "E327"] == ["E327", "E327"]
    assert sorted(d.span.line for d in diags if d.code == "E327") == [FIRST, FIRST + 1]


def test_figures_of_time_statements_are_checked_against_the_quotes(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("cumulative cap 500万元 within 4年", "installments 1/3, 1/3, 1/3"), taxonomy)
    wrong = sorted((d.span.column, d.message.split(": ")[1]) for d in diags if d.code == "E503")
    assert wrong == [(18, "`500万元` does not occur in its quotes"), (31, "`4年` does not occur in its quotes")]
    # a figure the text implies is written `derived`, as anywhere else
    assert codes(check(clause('cumulative cap 500万元 derived "两项合计"'), taxonomy)) == []


def test_cumulative_outside_a_clause_is_e328(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check('param assessment.min_investment "累计投资" = cumulative(fixed_asset_investment) { cite "第五条" "QUOTE" }\n',
                  taxonomy)
    assert "E328" in codes(diags)
    assert at(diags, "E328") == (7, len('param assessment.min_investment "累计投资" = ') + 1)
    # in a clause's condition it is what the function is for
    ok = check(clause(value="2% of cny(fdi_arrived)").replace(
        "  value", "  when year_of_life <= 3 and cumulative(fixed_asset_investment) >= 300万元\n  value"), taxonomy)
    assert "E328" not in codes(ok)


def test_a_schedule_past_the_cap_window_warns_at_the_first_factor_that_never_pays(taxonomy) -> None:  # type: ignore[no-untyped-def]
    diags = check(clause("cumulative cap 300万元 within 3年", "schedule 50%, 50%, 25%, 25%"), taxonomy)
    assert codes(diags) == ["W732"]
    assert at(diags, "W732") == (FIRST + 1, len("  schedule 50%, 50%, 25%, ") + 1)


def _doc_entries() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    out = []
    for code, body in re.findall(r"^## ((?:E32\d|W73\d)) .*?\n(.*?)(?=^## )", text, flags=re.S | re.M):
        for block in re.findall(r"^```policy\n(.*?)^```", body, flags=re.S | re.M):
            out.append((code, block))
    return out


@pytest.mark.parametrize("code,block", _doc_entries(), ids=[c for c, _ in _doc_entries()])
def test_each_documented_example_gives_its_code(code: str, block: str, taxonomy) -> None:  # type: ignore[no-untyped-def]
    quotes = " ".join(re.findall(r'cite "[^"]*" "([^"]*)"', block)) + " 300万元 3年 2% 10年"
    _, diags = check_text('policy t {\n  city t "测试"\n  source "x.txt"\n}\n' + block, "t.policy", taxonomy,
                          source_text=quotes)
    assert code in [d.code for d in diags], [(d.code, d.message) for d in diags]


def _language_examples() -> list[str]:
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    section = text.split("### The time statements, one by one")[1]
    return re.findall(r"^```policy\n(.*?)^```", section, flags=re.S | re.M)


@pytest.mark.parametrize("block", _language_examples())
def test_each_example_of_the_language_reference_checks_clean(block: str, taxonomy) -> None:  # type: ignore[no-untyped-def]
    quotes = " ".join(re.findall(r'cite "[^"]*" "([^"]*)"', block))
    _, diags = check_text('policy t {\n  city t "测试"\n  source "x.txt"\n}\n' + block, "t.policy", taxonomy,
                          source_text=quotes)
    assert [(d.code, d.message) for d in diags] == []


def test_a_clause_reading_a_capped_clause_reads_its_one_year_amount(taxonomy) -> None:  # type: ignore[no-untyped-def]
    body = clause("cumulative cap 300万元") + '''clause team_bonus "团队奖励" {
  cite "第五条" "QUOTE"
  value 10% of fdi_reward
}
'''
    diags = check(body, taxonomy, ARTICLE + "10%")
    assert codes(diags) == ["W733"]
    assert at(diags, "W733") == (FIRST + 4, len("  value 10% of ") + 1)
    # across projects only (winners, budget): the reader reads the year's share, as the engine gives it
    shared = clause("winners 20", value="50万元", concept="reward.landing") + '''clause team_bonus "团队奖励" {
  cite "第五条" "QUOTE"
  value 10% of fdi_reward
}
'''
    assert "W733" not in codes(check(shared, taxonomy, ARTICLE + "10%50万元"))


@pytest.mark.parametrize("value", ["∞", 'promised "按有关规定"', "at least quality_score", "open_weight"])
def test_a_budget_shared_by_values_that_may_be_unbounded_is_e329(value: str, taxonomy) -> None:  # type: ignore[no-untyped-def]
    """Found by the property that what check accepts evaluates: a weight of ∞ gives no share."""
    param = 'param open_weight "权重" = ∞ { cite "第五条" "QUOTE" }\n'
    diags = check(param + clause("budget 98万元", value=value, concept="reward.landing"), taxonomy)
    assert "E329" in codes(diags)
    assert at(diags, "E329") == (FIRST, len("  value ") + 1)  # the param line before, the value at 11
