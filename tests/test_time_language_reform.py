"""Reforms, sweeps and transplants of clauses with time statements: `--set CLAUSE.cumulative_cap=…`
and the other figures of the statements, written out as a checked revision that keeps every statement;
a transplant brings a clause's statements with it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import POLICIES

from compare.simulate.figures import FigureError, find_figure, parse_value, policy_figures
from compare.simulate.reform import Change, ReformError, Transplant, apply_changes, substitute
from compare.simulate.sweep import axis
from compare.simulate.transplant import apply_transplant
from dsl import ast as A
from dsl.check import check_paths
from dsl.model import Policy

# Made up for these tests, in the style of the texts (not a real document).
SOURCE = ("第五条 按实际到账外资的2%给予奖励，单个企业累计最高300万元，自注册之日起3年内有效；"
          "第一年全额、第二年50%；分三年兑现，每年三分之一；10年内迁离的，收回奖励。"
          "第六条 人才项目奖励50万元，每年评选不超过20个项目。")

POLICY = '''policy {id} {{
  city {city} "{label}"
  source "sources/{id}.txt"
}}

field relocated "迁离本市" {{ type bool }}

clause fdi_reward "外资到账奖励" {{
  concept reward.fdi
  cite "第五条" "按实际到账外资的2%给予奖励，单个企业累计最高300万元，自注册之日起3年内有效；第一年全额、第二年50%；分三年兑现，每年三分之一；10年内迁离的，收回奖励"
  value 2% of cny(fdi_arrived)
  cumulative cap 300万元 within 3年
  schedule 100% derived "全额", 50%
  installments 1/3, 1/3, 1/3
  clawback when relocated within 10年
}}

clause talent_award "人才项目奖励" {{
  concept reward.landing
  cite "第六条" "人才项目奖励50万元，每年评选不超过20个项目"
  value 50万元
  winners 20
}}
'''


def write(folder: Path, ident: str, city: str = "t", label: str = "测试") -> Policy:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources").mkdir(exist_ok=True)
    (folder / "sources" / f"{ident}.txt").write_text(SOURCE, encoding="utf-8")
    path = folder / f"{ident}.policy"
    path.write_text(POLICY.format(id=ident, city=city, label=label), encoding="utf-8")
    result = check_paths([path], [POLICIES])
    errors = [(d.code, d.message) for d in result.diagnostics if d.is_error]
    assert not errors, errors
    return result.policies[0]


def test_the_figures_of_time_statements_have_paths(tmp_path: Path) -> None:
    figures = {p: f.text for p, f in policy_figures(write(tmp_path, "t_2024")).items()}
    assert {k: v for k, v in figures.items() if k.startswith("fdi_reward.") and k != "fdi_reward.rate"} == {
        "fdi_reward.cumulative_cap": "300万元", "fdi_reward.cumulative_cap.within": "3年",
        "fdi_reward.schedule[1]": "100%", "fdi_reward.schedule[2]": "50%",
        "fdi_reward.installments[1].numerator": "1", "fdi_reward.installments[1].denominator": "3",
        "fdi_reward.installments[2].numerator": "1", "fdi_reward.installments[2].denominator": "3",
        "fdi_reward.installments[3].numerator": "1", "fdi_reward.installments[3].denominator": "3",
        "fdi_reward.clawback.within": "10年"}
    assert figures["talent_award.winners"] == "20"


def test_set_cumulative_cap_is_a_checked_revision_that_keeps_every_statement(tmp_path: Path) -> None:
    base = write(tmp_path, "t_2024")
    new, text = apply_changes(base, [Change("fdi_reward.cumulative_cap", "500万元"),
                                     Change("fdi_reward.schedule[2]", "40%"), Change("talent_award.winners", "15")],
                              "cap_500", tmp_path / "out", [tmp_path, POLICIES])
    t = new.clauses["fdi_reward"].timing
    assert t is not None and t.cumulative_cap is not None and t.schedule is not None
    cap = t.cumulative_cap.amount
    assert isinstance(cap, A.Quantity) and cap.base_value == Decimal(5_000_000)
    assert cap.derived == "reform cap_500: fdi_reward.cumulative_cap=500万元"
    assert isinstance(t.schedule.factors[1], A.Quantity) and t.schedule.factors[1].base_value == Decimal("0.4")
    # the statements not changed are in the revision too (a formatter that dropped them would lose them)
    assert t.installments is not None and t.clawback is not None and t.cumulative_cap.within is not None
    assert "  installments 1/3, 1/3, 1/3\n" in text and "  clawback when relocated within 10年\n" in text
    winners = new.clauses["talent_award"].timing.winners  # type: ignore[union-attr]
    assert winners is not None and isinstance(winners.count, A.Quantity) and winners.count.number == 15


def test_a_reform_that_breaks_the_instalments_is_the_checker_error(tmp_path: Path) -> None:
    base = write(tmp_path, "t_2024")
    with pytest.raises(ReformError) as e:
        apply_changes(base, [Change("fdi_reward.installments[1].numerator", "2")], "bad", tmp_path / "out",
                      [tmp_path, POLICIES])
    assert "E323" in [d.code for d in e.value.diagnostics]


@pytest.mark.parametrize("path,value", [("fdi_reward.cumulative_cap.within", "18个月"),
                                        ("fdi_reward.cumulative_cap.within", "2.5年"),
                                        ("talent_award.winners", "2.5"), ("talent_award.winners", "0"),
                                        ("fdi_reward.cumulative_cap", "-1万元")])
def test_a_value_the_engine_cannot_take_is_refused_before_any_run(path: str, value: str, tmp_path: Path) -> None:
    base = write(tmp_path, "t_2024")
    with pytest.raises(FigureError):
        parse_value(value, find_figure(base, path), "why")
    with pytest.raises(ReformError) as e:
        apply_changes(base, [Change(path, value)], "bad", tmp_path / "out", [tmp_path, POLICIES])
    assert [d.code for d in e.value.diagnostics] == ["E910"]


def test_a_sweep_over_a_cumulative_cap(tmp_path: Path) -> None:
    base = write(tmp_path, "t_2024")
    ax = axis(base, "fdi_reward.cumulative_cap", {"from": "300万元", "to": "500万元", "steps": 3}, "sweep")
    # evenly spaced, by hand: 300万, 400万, 500万元
    assert [p.base_value for p in ax.nodes] == [Decimal(3_000_000), Decimal(4_000_000), Decimal(5_000_000)]
    swept = substitute(base, {"fdi_reward.cumulative_cap": ax.nodes[1]})
    cap = swept.clauses["fdi_reward"].timing.cumulative_cap  # type: ignore[union-attr]
    assert cap is not None and cap.amount is ax.nodes[1] and cap.within is not None
    assert base.clauses["fdi_reward"].timing.cumulative_cap.amount.base_value == Decimal(3_000_000)  # type: ignore[union-attr]
    with pytest.raises(FigureError):  # a point between two whole numbers of winners
        substitute(base, {"talent_award.winners": A.Quantity(Decimal("2.5"), "", "")})


def test_a_transplant_brings_a_clause_time_statements(tmp_path: Path) -> None:
    donor = write(tmp_path / "donor", "wuxi_2024", "wuxi", "无锡")
    target_dir = tmp_path / "target"
    target_dir.mkdir()
    (target_dir / "sources").mkdir()
    (target_dir / "sources" / "t_2024.txt").write_text("第一条 到账外资奖励1%。", encoding="utf-8")
    (target_dir / "t_2024.policy").write_text('''policy t_2024 {
  city t "测试"
  source "sources/t_2024.txt"
}

clause fdi_reward "到账外资奖励" {
  concept reward.fdi
  cite "第一条" "到账外资奖励1%"
  value 1% of cny(fdi_arrived)
}
''', encoding="utf-8")
    target = check_paths([target_dir / "t_2024.policy"], [POLICIES]).policies[0]
    new, text = apply_transplant(target, donor, Transplant("wuxi_2024", ("reward.fdi",)), "wuxi_fdi",
                                 tmp_path / "out", [target_dir, tmp_path / "donor", POLICIES])
    t = new.clauses["fdi_reward"].timing
    assert t is not None and t.cumulative_cap is not None and t.installments is not None and t.clawback is not None
    assert "  cumulative cap 300万元 within 3年\n" in text
    assert "relocated" in new.fields  # the field the clawback reads came along


TIME = POLICIES.parent / "examples" / "time"


@pytest.mark.parametrize("cap,expected", [
    # examples/time/sources/b12_cumulative_cap.txt, 第二条: 10% of the year's 到账外资, 单个企业累计奖励最高300万元;
    # the reform sets the cap. Arrivals 1000, 1200, 1500, 800万元 -> 10%: 100, 120, 150, 80万元 a year.
    ("500万元", [100, 120, 150, 80]),  # 450万 in all, below the cap: it never binds
    ("400万元", [100, 120, 150, 30]),  # 370万 after 2026, 30万 left in 2027
    ("300万元", [100, 120, 80, 0]),    # the text's cap: binds in year 3 of 4 (the example's own case)
])
def test_a_reformed_cumulative_cap_over_a_project_years_by_hand(cap: str, expected: list[int], tmp_path: Path) -> None:
    from test_years import years_of

    from compare.engine.evaluate import CompiledPolicy
    from compare.engine.years import evaluate_years

    base = check_paths([TIME / "b12_cumulative_cap.policy"], [POLICIES]).policies[0]
    new, _ = apply_changes(base, [Change("arrival_reward.cumulative_cap", cap)], "cap_reform", tmp_path / "out",
                           [TIME, POLICIES])
    py = years_of({"p1": {"landing": 2024, "fixed": {"foreign": True},
                          "years": {2024 + k: {"fdi_arrived": f"{a}万元"} for k, a in enumerate([1000, 1200, 1500, 800])}}})
    yo = evaluate_years(CompiledPolicy(new), py, 7.0)
    got = [yo.by_year[y].value("reward.arrival", 0) for y in yo.years]
    assert got == [a * 10_000 for a in expected]
    assert yo.total.value("reward.arrival", 0) == sum(expected) * 10_000
