"""The diff of two versions' time statements and header dates: readable structural items, and a
semantic diff that says it does not compare them (a note, not a silent equality)."""

from __future__ import annotations

from compare.diff.items import diff_policies
from compare.diff.render import render_table
from dsl.check import check_text
from dsl.model import Policy

QUOTE = ("第五条 按实际到账外资的2%给予奖励，单个企业累计最高300万元（修订后500万元），自注册之日起3年（4年）内有效；"
         "第一年全额、第二年50%（40%）、第三年25%；分三年兑现，每年三分之一（或50%、50%）；一次性奖励；"
         "10年（8年）内迁离的，收回奖励；奖金总额98万元（120万元），按得分分配；每年评选不超过20个（15个）项目。")


def policy(header: str, *statements: str) -> Policy:
    body = "\n".join(f"  {s}" for s in statements)
    text = f'''policy t {{
  city t "测试"
  source "x.txt"
{header}}}
field relocated "迁离本市" {{ type bool }}
clause fdi_reward "外资到账奖励" {{
  concept reward.fdi
  cite "第五条" "{QUOTE}"
  value 2% of cny(fdi_arrived)
{body}
}}
'''
    p, diags = check_text(text, "t.policy", None, source_text=QUOTE)
    assert p is not None and not [d for d in diags if d.is_error and d.code not in ("E209",)], \
        [(d.code, d.message) for d in diags if d.is_error]
    return p


def items(old: Policy, new: Policy) -> list[tuple[str, str, str | None, str | None]]:
    return [(c.item, c.where, c.old, c.new) for c in diff_policies(old, new).changes]


def test_a_raised_cumulative_cap_is_one_figure_with_its_relative_change() -> None:
    d = diff_policies(policy("", "cumulative cap 300万元"), policy("", "cumulative cap 500万元"))
    assert [(c.where, c.old, c.new) for c in d.changes] == [("cumulative cap", "300万元", "500万元")]
    assert abs(d.changes[0].relative - 2 / 3) < 1e-12  # (500 − 300) / 300, by hand
    assert "    cumulative cap: 300万元 → 500万元  +66.67%" in render_table(d)


def test_windows_added_or_changed() -> None:
    assert items(policy("", "cumulative cap 300万元"), policy("", "cumulative cap 300万元 within 3年")) == [
        ("fdi_reward", "cumulative cap › within", "—", "3年")]
    assert items(policy("", "clawback when relocated within 10年"), policy("", "clawback when relocated within 8年")) == [
        ("fdi_reward", "clawback › within", "10年", "8年")]


def test_schedule_and_installments_year_by_year_or_whole_when_the_years_change() -> None:
    assert items(policy("", 'schedule 100% derived "全额", 50%'), policy("", 'schedule 100% derived "全额", 40%')) == [
        ("fdi_reward", "schedule › year 2", "50%", "40%")]
    assert items(policy("", 'schedule 100% derived "全额", 50%'),
                 policy("", 'schedule 100% derived "全额", 50%, 25%')) == [
        ("fdi_reward", "schedule", '100% derived "全额", 50%', '100% derived "全额", 50%, 25%')]
    assert items(policy("", "installments 1/3, 1/3, 1/3"), policy("", "installments 50%, 50%")) == [
        ("fdi_reward", "installments", "1/3, 1/3, 1/3", "50%, 50%")]


def test_statements_added_and_removed_whole() -> None:
    assert items(policy(""), policy("", "once", "budget 98万元")) == [
        ("fdi_reward", "once", "—", "once"), ("fdi_reward", "budget", "—", "budget 98万元")]
    assert items(policy("", "winners 20"), policy("")) == [("fdi_reward", "winners", "winners 20", "—")]


def test_budget_and_winners_figures_and_ranking() -> None:
    assert items(policy("", "budget 98万元"), policy("", "budget 120万元")) == [
        ("fdi_reward", "budget", "98万元", "120万元")]
    assert items(policy("", "winners 20"), policy("", "winners 15 by registered_capital")) == [
        ("fdi_reward", "winners", "20", "15"), ("fdi_reward", "winners › by", "—", "registered_capital")]


def test_the_same_statements_written_otherwise_are_no_change() -> None:
    """Order, spacing and the line `once` stands on are layout, not meaning."""
    a = policy("", "once", "cumulative cap 300万元 within 3年", "installments 1/3,1/3,1/3")
    b = policy("", "cumulative cap 3000000元 within 3年", "installments 1/3, 1/3, 1/3", "", "", "once")
    assert diff_policies(a, b).changes == []


def test_header_dates_and_replaced_documents() -> None:
    old = policy("  expires 2021-12-31\n  replaces zjg_2015\n")
    new = policy("  expires 2023-12-31\n  valid 5年\n  replaces zjg_2015, zjg_2016\n  revises zjg_base\n")
    got = {(c.item, c.status, c.old, c.new) for c in diff_policies(old, new).changes if c.kind == "header"}
    assert got == {("expires", "changed", "2021-12-31", "2023-12-31"), ("valid", "added", None, "5年"),
                   ("replaces", "changed", "zjg_2015", "zjg_2015, zjg_2016"), ("revises", "added", None, "zjg_base")}


def test_semantic_diff_says_it_does_not_compare_time_statements() -> None:
    from compare.diff.semantic import EQUIVALENT, semantic_diff
    from compare.diff.semantic_render import render_markdown
    from compare.diff.semantic_render import render_table as render_semantic
    from compare.engine.evaluate import CompiledPolicy

    old = policy("", "cumulative cap 300万元")
    new = policy("", "cumulative cap 500万元")
    d = semantic_diff(CompiledPolicy(old), CompiledPolicy(new), budget=60)
    (cd,) = d.concepts
    # one year of one project is the same under both: equivalent there, and the note says what is not covered
    assert cd.verdict == EQUIVALENT
    assert cd.note is not None and "time statements not compared symbolically" in cd.note
    assert "t's `fdi_reward` (cumulative cap)" in cd.note
    assert "time statements not compared symbolically" in render_semantic(d)
    assert "time statements not compared symbolically" in render_markdown(d)
    plain = semantic_diff(CompiledPolicy(policy("")), CompiledPolicy(policy("")), budget=60)
    assert not plain.concepts[0].note


def test_an_added_or_removed_clause_is_summed_up_with_its_time_statements() -> None:
    old = policy("", "cumulative cap 300万元", "once")
    new = policy("")
    new.clauses = {}
    (change,) = diff_policies(old, new).changes
    assert (change.status, change.old) == ("removed", "“外资到账奖励” 2% of cny(fdi_arrived); cumulative cap 300万元; once")
