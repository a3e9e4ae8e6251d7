"""The open record in simulations: a sampled portfolio draws the fields, categories and referral values
the run's policies declare (compare.simulate.sample_fields), a required field not drawn is E912, and
`compare` totals the money by payer (compare.simulate.payers) beside the totals by beneficiary.

Statistical checks draw 200 000 projects with a fixed seed; tolerances are 5 standard errors of the
estimate, worked out here from the distribution (a wrong sampler, a frequency off by a point, is
caught).  Dates count days since 1970-01-01: 2024-01-01 is 54 × 365 + 13 leap days (1972 … 2020) =
19723, and 2024-12-31 is 19723 + 365 = 20088 (2024 is a leap year).

The test city's text (below, `SOURCE`) is written for these tests; its payers are worked by hand in
`test_payer_totals_worked_by_hand`.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("jsonschema")

from compare.simulate.plan import run_scenario  # noqa: E402
from compare.simulate.portfolio import sample_batch  # noqa: E402
from compare.simulate.sample_fields import FieldSpecError, read_fields  # noqa: E402
from compare.simulate.scenario import ScenarioError, parse_scenario  # noqa: E402
from dsl.ast_record import CategoryDecl, ChoiceDecl, FieldDecl  # noqa: E402
from dsl.cache import check_paths_cached  # noqa: E402
from dsl.check.record import record_of  # noqa: E402
from dsl.parse import parse_text  # noqa: E402
from dsl.record import Record  # noqa: E402

N = 200_000
JAN_1_2024, DEC_31_2024 = 19723, 20088

SOURCE = """\
第一条 对新落地项目给予奖励2000元，由市和区按1:1分担。
第二条 对落地项目给予补贴3000元，由区级财政承担。
第三条 对总部项目给予奖励1000元，由市和区共同承担。
第四条 对专精特新企业给予奖励500元，市级财政承担60%，区级财政承担40%。
第五条 对项目给予一次性奖励700元。
"""

# three declared fields: a count with a default, a choice with a default, a date without (required)
POLICY = """\
policy tcity_2024 {
  city tcity "测试市"
  source "sources/tcity.txt"
}
field new_jobs "新增就业人数" { type count 人  default 0人 }
field zone "所在区域" { type choice { key_area "重点区域", ordinary "一般区域" }  default ordinary }
field landed_on "落地日期" { type date }
category little_giant "专精特新“小巨人”企业"
choice referral social_org "社会组织"
clause landing_reward "落地奖励" {
  concept reward.fdi
  cite "第一条" "对新落地项目给予奖励2000元，由市和区按1:1分担"
  value 2000元
  payer city, district = 1:1
}
clause landing_subsidy "落地补贴" {
  concept reward.landing
  cite "第二条" "对落地项目给予补贴3000元，由区级财政承担"
  value 3000元
  payer district
}
clause hq_reward "总部奖励" {
  concept reward.hq
  cite "第三条" "对总部项目给予奖励1000元，由市和区共同承担"
  value 1000元
  payer city, district
}
clause sme_reward "专精特新奖励" {
  concept reward.specialized_sme
  cite "第四条" "对专精特新企业给予奖励500元，市级财政承担60%，区级财政承担40%"
  value 500元
  payer city = 60%, district = 40%
}
clause one_off "一次性奖励" {
  concept reward.case_by_case
  cite "第五条" "对项目给予一次性奖励700元"
  value 700元
}
"""


def _folder(tmp: Path) -> Path:
    (tmp / "sources").mkdir(exist_ok=True)
    (tmp / "sources" / "tcity.txt").write_text(SOURCE, encoding="utf-8")
    (tmp / "tcity.policy").write_text(POLICY, encoding="utf-8")
    return tmp


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Record:
    folder = _folder(tmp_path_factory.mktemp("tcity"))
    result = check_paths_cached([folder / "tcity.policy"], [folder], cache=False)
    assert [d for d in result.diagnostics if d.is_error] == []
    return result.policies[0].record


def _within(x: float, expected: float, se: float) -> None:
    assert abs(x - expected) <= 5 * se, (x, expected, se)


def _frequency(column: np.ndarray, p: float) -> None:
    _within(float(np.mean(column)), p, math.sqrt(p * (1 - p) / len(column)))


# ---------------------------------------------------------------- the sampler

SPEC: dict[str, Any] = {
    "size": N,
    "categories": {"little_giant": 0.25},
    "referral": {"none": 0.9, "social_org": 0.1},
    "fields": {
        "new_jobs": {"uniform": {"low": "5人", "high": 50}},
        "zone": {"key_area": 0.3, "ordinary": 0.7},
        "landed_on": {"uniform": {"low": "2024-01-01", "high": "2024-12-31"}},
    },
}


@pytest.fixture(scope="module")
def big(record: Record) -> Any:
    return sample_batch(SPEC, N, 11, record=record)


def test_declared_fields_are_drawn_by_their_type(big: Any, record: Record) -> None:
    jobs = big.columns["new_jobs"]
    # a count draws whole people, 5 to 50 inclusive: 46 values, mean 27.5, sd √((46² − 1)/12) = 13.28
    assert np.array_equal(jobs, np.floor(jobs)) and jobs.min() == 5 and jobs.max() == 50
    _within(float(jobs.mean()), 27.5, math.sqrt((46**2 - 1) / 12) / math.sqrt(N))
    _frequency(jobs == 50, 1 / 46)
    # a choice: codes into the record's values (key_area 0, ordinary 1)
    assert record.choices("zone") == ("key_area", "ordinary") and big.columns["zone"].dtype == np.int16
    _frequency(big.columns["zone"] == 0, 0.3)
    assert set(np.unique(big.columns["zone"]).tolist()) == {0, 1}
    # a date: whole days of 2024, both ends included: 366 values, mean 19905.5
    days = big.columns["landed_on"]
    assert days.min() == JAN_1_2024 and days.max() == DEC_31_2024 and np.array_equal(days, np.floor(days))
    _within(float(days.mean()), (JAN_1_2024 + DEC_31_2024) / 2, math.sqrt((366**2 - 1) / 12) / math.sqrt(N))
    for name in ("new_jobs", "zone", "landed_on"):
        assert big.columns[f"{name}#given"].all()


def test_declared_categories_and_referrals_are_drawn_like_the_built_in_ones(big: Any, record: Record) -> None:
    _frequency(big.columns["categories.little_giant"], 0.25)
    assert not big.columns["categories.fortune_global_500"].any()  # not in the spec: never
    social = record.choices("referral").index("social_org")
    assert social == 4  # after the four built-in values, whose codes never change
    _frequency(big.columns["referral"] == social, 0.1)


def test_a_field_not_drawn_takes_its_default_not_given(record: Record) -> None:
    batch = sample_batch({"size": 50, "fields": {"landed_on": "2024-03-01"}}, 50, 1, record=record)
    assert (batch.columns["new_jobs"] == 0).all() and not batch.columns["new_jobs#given"].any()
    assert (batch.columns["zone"] == 1).all() and not batch.columns["zone#given"].any()  # ordinary
    assert (batch.columns["landed_on"] == JAN_1_2024 + 31 + 29).all()  # 1 March 2024: after Jan 31, Feb 29


def test_draws_are_reproducible_and_each_field_has_its_own_stream(record: Record) -> None:
    one, two = (sample_batch(SPEC, 1000, 5, record=record) for _ in range(2))
    assert one.columns.keys() == two.columns.keys()
    for k, col in one.columns.items():
        assert col.dtype == two.columns[k].dtype
        if col.dtype == object:
            assert col.tolist() == two.columns[k].tolist(), k
        else:
            assert col.tobytes() == two.columns[k].tobytes(), k
    # dropping `zone` from the spec leaves the other fields' draws as they were
    fewer = {**SPEC, "fields": {k: v for k, v in SPEC["fields"].items() if k != "zone"}}
    three = sample_batch(fewer, 1000, 5, record=record)
    assert three.columns["new_jobs"].tobytes() == one.columns["new_jobs"].tobytes()
    assert three.columns["landed_on"].tobytes() == one.columns["landed_on"].tobytes()


# every other type, on a record of declarations (parsed only: no clause reads them)
MORE = """\
policy ocity_2024 {
  city ocity "另一市"
}
field rent_area "租赁面积" { type area 平方米  default 0平方米 }
field equipment "设备投资额" { type money  default 0元 }
field honours "企业荣誉" { type set { gazelle "瞪羚企业", unicorn "独角兽企业" } }
field sector "行业" { type text  default "" }
field is_hq "总部" { type bool  default false }
field staff "员工数" { type integer  default 0 }
field foreign_share "外资占比" { type ratio  default 0% }
"""


@pytest.fixture(scope="module")
def more() -> Record:
    tree, diags = parse_text(MORE, "more.policy")
    assert tree is not None and not [d for d in diags if d.is_error], diags
    decls = [("ocity_2024", it) for it in tree.items if isinstance(it, (FieldDecl, CategoryDecl, ChoiceDecl))]
    rec, problems = record_of(decls)
    assert problems == []
    return rec


def test_every_type_draws_its_own_form(more: Record) -> None:
    spec = {"size": N, "currency": {"USD": 1.0}, "fields": {
        "rent_area": 1000,  # a bare number in the declared unit: 1000平方米 = 1000 × 0.0015亩 = 1.5亩
        "equipment": {"uniform": {"low": "100万元", "high": "300万元"}},
        "honours": {"gazelle": 0.1, "unicorn": 0.01},
        "sector": {"制造": 0.6, "软件": 0.4},
        "is_hq": "20%",
        "staff": {"log_uniform": {"low": 1, "high": 99}},
        "foreign_share": {"uniform": {"low": "10%", "high": "20%"}},
    }}
    b = sample_batch(spec, N, 3, fx=7.0, record=more)
    assert (b.columns["rent_area"] == 1.5).all()
    # 100万元–300万元 in 美元 at 7.0: 142857.14 (1e6 / 7 = 142857.142…) to 428571.43, to the cent
    eq = b.columns["equipment"]
    assert (b.columns["equipment#cur"] == 1).all()
    assert eq.min() >= 142857.14 and eq.max() <= 428571.43 and np.allclose(eq * 100, np.rint(eq * 100))
    _within(float(eq.mean()), 2e6 / 7, (2e6 / 7) / math.sqrt(12) / math.sqrt(N))
    _frequency(b.columns["honours.gazelle"], 0.1)
    _frequency(b.columns["honours.unicorn"], 0.01)
    assert b.columns["sector"].dtype == object and set(b.columns["sector"].tolist()) == {"制造", "软件"}
    _frequency(b.columns["sector"] == "制造", 0.6)
    _frequency(b.columns["is_hq"], 0.2)
    # log-uniform whole numbers 1…99 (floor of e^U(ln 1, ln 100)): P(staff ≤ 9) = ln 10 / ln 100 = 1/2
    staff = b.columns["staff"]
    assert staff.min() == 1 and staff.max() == 99 and np.array_equal(staff, np.floor(staff))
    _frequency(staff <= 9, 0.5)
    share = b.columns["foreign_share"]
    assert share.min() >= 0.1 and share.max() <= 0.2
    _within(float(share.mean()), 0.15, 0.1 / math.sqrt(12) / math.sqrt(N))


@pytest.mark.parametrize("fields, code, keys, message, hint", [
    ({"new_job": 3}, "E905", ("new_job",), "not a field of the run's policies", "did you mean `new_jobs`?"),
    ({"zone": "key_aera"}, "E905", ("zone",), "not a value of `zone`", "did you mean `key_area`?"),
    ({"zone": {"key_area": 0.5, "ordinary": 0.4}}, "E907", ("zone",), "sum to 0.9", "share of the projects"),
    ({"new_jobs": "12平方米"}, "E907", ("new_jobs",), "not a figure of a count field", "12人"),
    ({"new_jobs": {"uniform": {"low": 5.5, "high": 9}}}, "E907", ("new_jobs", "uniform", "low"), "not a whole number",
     "whole numbers"),
    ({"new_jobs": {"log_uniform": {"low": 0, "high": 9}}}, "E907", ("new_jobs", "log_uniform", "low"), "above 0",
     "uniform"),
    ({"landed_on": "2024-02-30"}, "E907", ("landed_on",), "not a date", "2024-03-01"),
    ({"registered_capital": "1元"}, "E904", ("registered_capital",), "built-in field", "under `money`"),
])
def test_a_draw_that_does_not_fit_its_field_says_where(record: Record, fields: dict[str, Any], code: str,
                                                      keys: tuple[str, ...], message: str, hint: str) -> None:
    with pytest.raises(FieldSpecError) as err:
        read_fields(fields, record)
    e = err.value
    assert (e.code, e.keys) == (code, keys) and message in e.message and hint in (e.hint or ""), (e.message, e.hint)


def test_a_required_field_not_drawn_is_an_error_naming_it(record: Record) -> None:
    with pytest.raises(FieldSpecError) as err:
        read_fields({"new_jobs": 3}, record, complete=True)
    assert err.value.code == "E912" and "`landed_on` has no default" in err.value.message
    with pytest.raises(ValueError, match="landed_on"):
        sample_batch({"size": 3}, 3, 1, record=record)


# ---------------------------------------------------------------- scenarios over the city

def _scenario(tmp: Path, sample: str, analyses: str = "{compare: true}") -> Any:
    _folder(tmp)
    text = ("name: record\nseed: 7\nfx: 7.0\npolicies: [tcity.policy]\nportfolio:\n  sample:\n"
            + textwrap.indent(sample, "    ") + f"\nanalyses: {analyses}\n")
    return parse_scenario(text, str(tmp / "s.yaml"))


def test_a_scenario_that_does_not_draw_a_required_field_is_e912_at_its_line(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, "size: 10\nfields: {new_jobs: {uniform: {low: 1, high: 3}}}")
    with pytest.raises(ScenarioError) as err:
        run_scenario(sc)
    [d] = err.value.diagnostics
    # line 8 is `    fields: …` (name, seed, fx, policies, portfolio, sample, size come first)
    assert (d.code, d.span.line) == ("E912", 8) and "`landed_on`" in d.message
    assert "portfolio.sample.fields.landed_on" in (d.hint or "")


def test_a_scenario_names_declared_fields_with_did_you_mean(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, "size: 10\ncategories: {little_gaint: 0.1}\nfields: {landed_on: 2024-03-01, zone: {key_aera: 1}}")
    with pytest.raises(ScenarioError) as err:
        run_scenario(sc)
    found = {(d.code, d.span.line, d.hint) for d in err.value.diagnostics}
    assert found == {("E905", 8, "did you mean `little_giant`?"), ("E905", 9, "did you mean `key_area`?")}


def test_payer_totals_worked_by_hand(tmp_path: Path) -> None:
    """Ten projects, each given every clause (none has a condition):
    第一条 2000元 市:区 = 1:1 → city 1000, district 1000;  第二条 3000元 区 → district 3000;
    第三条 1000元 市和区, shares not stated → city+district 1000;  第四条 500元 市60% 区40% → city 300,
    district 200;  第五条 700元, no payer → not_stated 700.  Per project: city 1300, district 4200,
    city+district 1000, not stated 700 (7200 in all, the firm's total); × 10 projects."""
    sc = _scenario(tmp_path, "size: 10\nfields: {landed_on: 2024-03-01}")
    res = run_scenario(sc)
    rows = {r["payer"]: (r["low"], r["high"], r["unit"]) for r in res.tables["by_payer"].to_pylist()}
    assert rows == {"city": (13000.0, 13000.0, "CNY"), "district": (42000.0, 42000.0, "CNY"),
                    "city+district": (10000.0, 10000.0, "CNY"), "not_stated": (7000.0, 7000.0, "CNY")}
    labels = {r["payer"]: r["payer_label"] for r in res.tables["by_payer"].to_pylist()}
    assert labels["city"] == "市级财政" and labels["city+district"] == "市级财政、县（市、区）级财政（分担比例未载明）"
    [firm] = res.tables["by_beneficiary"].to_pylist()
    assert firm["beneficiary"] == "firm" and firm["high"] == 72000.0  # the same money, cut by beneficiary


def test_scenario_outputs_are_byte_identical_on_a_rerun(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, "size: 40\ncategories: {little_giant: 0.5}\n"
                             "fields: {landed_on: {uniform: {low: 2024-01-01, high: 2024-06-30}}, "
                             "new_jobs: {uniform: {low: 1, high: 9}}}")
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        run_scenario(sc).write(out, formats=("csv",))
        outs.append({p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))})
    assert outs[0] == outs[1] and "by_payer.csv" in outs[0]


def test_monte_carlo_draws_declared_fields_in_its_workers(tmp_path: Path) -> None:
    """Each Monte Carlo draw samples the portfolio again: with the run's record (a required declared
    field), or it could not build a project."""
    sc = _scenario(tmp_path, "size: 5\nfields: {landed_on: 2024-03-01}", "{monte_carlo: {draws: 3}}")
    table = run_scenario(sc).tables["monte_carlo"].to_pylist()
    fdi = [r for r in table if r["concept"] == "reward.fdi"]
    assert len(fdi) == 3 and all(r["high"] == 5 * 2000.0 for r in fdi)  # 第一条 2000元 × 5 projects


# ---------------------------------------------------------------- reforms and transplants of the new shapes

RSOURCE = """\
第三条 按到账外资的0.5%奖励；其中制造业项目按1%；重点区域制造业项目按2%。房地产、金融类项目除外；专精特新“小巨人”企业项目不受此限。
第四条 按每平方米30元给予租金补贴，最高100万元。
"""

# a pick table (第三条), a per-unit amount (第四条), a list, a named condition, a category, two fields
RPOLICY = """\
policy rcity_2024 {
  city rcity "改革市"
  source "sources/rcity.txt"
}
field rent_area "租赁面积" { type area 平方米  default 0平方米 }
field zone "所在区域" { type choice { key_area "重点区域", ordinary "一般区域" }  default ordinary }
category little_giant "专精特新“小巨人”企业"
list excluded_industries "房地产、金融类" = {"房地产", "金融"}
condition eligible "第三条所指项目" {
  cite "第三条" "房地产、金融类项目除外；专精特新“小巨人”企业项目不受此限"
  when industry not in excluded_industries or little_giant in categories
}
clause fdi_reward "到账外资奖励" {
  concept reward.fdi
  cite "第三条" "按到账外资的0.5%奖励；其中制造业项目按1%；重点区域制造业项目按2%"
  when eligible
  value pick highest {
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> 1%
    otherwise -> 0.5%
  } of cny(fdi_arrived)
}
clause rent_subsidy "租金补贴" {
  concept reward.landing
  cite "第四条" "按每平方米30元给予租金补贴，最高100万元"
  value 30元/平方米 * rent_area cap 100万元
}
"""


def _policies(tmp: Path) -> dict[str, Any]:
    _folder(tmp)
    (tmp / "sources" / "rcity.txt").write_text(RSOURCE, encoding="utf-8")
    (tmp / "rcity.policy").write_text(RPOLICY, encoding="utf-8")
    result = check_paths_cached([tmp / "tcity.policy", tmp / "rcity.policy"], [tmp], cache=False)
    assert [d for d in result.diagnostics if d.is_error] == []
    return {p.id: p for p in result.policies}


def _offers(policy: Any, rows: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Each concept's high end per project (0 where not given)."""
    from compare.data.read import from_dicts
    from compare.engine.evaluate import CompiledPolicy

    cp = CompiledPolicy(policy)
    out = cp.outcomes(cp.run(from_dicts(rows, record=policy.record), 7.0, {}))
    return {c: [float(x) if e else 0.0 for x, e in zip(np.broadcast_to(hi, (len(rows),)),
                                                       np.broadcast_to(out.eligible.get(c, True), (len(rows),)),
                                                       strict=True)]
            for c, (_, hi) in out.numeric.items()}


# 第三条/第四条 worked by hand: a manufacturing project in the key area with 100万元 arrived and 1000平方米
# rented; a second one in 类金融 (not excluded by the text, excluded by the reform below)
ROWS = [{"id": "a", "foreign": True, "manufacturing": True, "zone": "key_area", "fdi_arrived": "100万元",
         "rent_area": "1000平方米", "industry": "制造", "landed_on": "2024-03-01"},
        {"id": "b", "foreign": True, "manufacturing": False, "fdi_arrived": "100万元", "industry": "类金融",
         "landed_on": "2024-03-01"}]


def test_a_reform_sets_a_pick_row_a_per_unit_figure_and_a_list(tmp_path: Path) -> None:
    from compare.simulate.figures import policy_figures
    from compare.simulate.reform import Change, apply_changes

    rcity = _policies(tmp_path)["rcity_2024"]
    figs = {p: f.text for p, f in policy_figures(rcity).items()}
    assert figs == {"fdi_reward.pick[1]": "2%", "fdi_reward.pick[2]": "1%", "fdi_reward.pick[3]": "0.5%",
                    "rent_subsidy.per_unit": "30元/平方米", "rent_subsidy.cap": "100万元"}
    # as written: a 2% of 100万元 = 20000元, 30元 × 1000平方米 = 30000元; b 0.5% of 100万元 = 5000元
    assert _offers(rcity, ROWS) == {"reward.fdi": [20000.0, 5000.0], "reward.landing": [30000.0, 0.0]}
    changed, text = apply_changes(rcity, [Change("fdi_reward.pick[1]", "3%"), Change("rent_subsidy.per_unit", "40元/平方米"),
                                          Change("excluded_industries", "房地产、金融、类金融")], "r", tmp_path / "r",
                                  [tmp_path])
    assert 'override list excluded_industries "房地产、金融类" = {"房地产", "金融", "类金融"}' in text
    # a 3% of 100万元 = 30000元, 40元 × 1000平方米 = 40000元; b now excluded
    assert _offers(changed, ROWS) == {"reward.fdi": [30000.0, 0.0], "reward.landing": [40000.0, 0.0]}


@pytest.mark.parametrize("change, message", [
    (("rent_subsidy.per_unit", "40元"), "a figure per 平方米"),
    (("rent_subsidy.per_unit", "40元/人"), "a figure per 平方米"),
    (("fdi_reward.pick[2]", "3分"), "is points"),
    (("excluded_industries", "、"), "would be empty"),
])
def test_a_reform_of_the_new_shapes_that_does_not_fit_is_e910(tmp_path: Path, change: tuple[str, str],
                                                              message: str) -> None:
    from compare.simulate.reform import Change, ReformError, apply_changes

    rcity = _policies(tmp_path)["rcity_2024"]
    with pytest.raises(ReformError) as err:
        apply_changes(rcity, [Change(*change)], "r", tmp_path / "r", [tmp_path])
    [d] = err.value.diagnostics
    assert d.code == "E910" and message in d.message, d.message


def test_a_transplant_brings_the_declarations_its_clauses_read(tmp_path: Path) -> None:
    """rcity's 第三条 and 第四条 into tcity: the condition `eligible`, the list, the field `rent_area`
    come along; `zone` (the same choice field in both) and `little_giant` (both declare it) are shared."""
    from compare.simulate.reform import Transplant
    from compare.simulate.transplant import apply_transplant

    ps = _policies(tmp_path)
    t = Transplant("rcity_2024", ("reward.fdi", "reward.landing"))
    moved, text = apply_transplant(ps["tcity_2024"], ps["rcity_2024"], t, "moved", tmp_path / "t", [tmp_path])
    for line in ('field rent_area "租赁面积"', "list excluded_industries", 'condition eligible "第三条所指项目"'):
        assert line in text
    assert "field zone" not in text and "category little_giant" not in text
    offers = _offers(moved, ROWS)
    assert offers["reward.fdi"] == [20000.0, 5000.0] and offers["reward.landing"] == [30000.0, 0.0]
    assert offers["reward.hq"] == [1000.0, 1000.0]  # tcity's own 第三条 stays


def test_a_transplant_into_a_city_that_types_a_field_otherwise_is_e911(tmp_path: Path) -> None:
    from compare.simulate.reform import ReformError, Transplant
    from compare.simulate.transplant import transplant_items

    ps = _policies(tmp_path)
    (tmp_path / "ccity.policy").write_text(POLICY.replace("tcity_2024", "ccity_2024").replace(
        'field zone "所在区域" { type choice { key_area "重点区域", ordinary "一般区域" }  default ordinary }',
        'field zone "所在区域" { type text  default "" }'), encoding="utf-8")
    [ccity] = check_paths_cached([tmp_path / "ccity.policy"], [tmp_path], cache=False).policies
    with pytest.raises(ReformError) as err:
        transplant_items(ccity, ps["rcity_2024"], Transplant("rcity_2024", ("reward.fdi",)))
    [d] = err.value.diagnostics
    assert d.code == "E911" and "field `zone` is text in ccity_2024 and choice in rcity_2024" in d.message


def test_a_sampled_batch_has_the_columns_of_a_read_one(tmp_path: Path) -> None:
    """The same project drawn and read (compare.data) under the run's record of both cities: the same
    columns, dtypes, values and `#given` flags, declared fields and their defaults included."""
    from compare.data.read import from_dicts
    from dsl.check.record import run_record

    record, problems = run_record([p.record for p in _policies(tmp_path).values()])
    assert problems == []
    drawn = sample_batch({"size": 1, "fields": {"landed_on": "2024-03-01", "zone": "key_area"}}, 1, 1, record=record)
    read = from_dicts([{"id": "x", "landed_on": "2024-03-01", "zone": "key_area"}], record=record)
    assert drawn.columns.keys() == read.columns.keys()
    for k, col in drawn.columns.items():
        assert col.dtype == read.columns[k].dtype, k
        if col.dtype == np.float64:
            assert np.array_equal(col, read.columns[k], equal_nan=True), k
        else:
            assert col.tolist() == read.columns[k].tolist(), k


def test_a_sweep_of_a_per_unit_figure_steps_in_its_written_unit(tmp_path: Path) -> None:
    """20元/平方米 to 40元/平方米 in 4 steps: 20, 26.67, 33.33, 40 (thirds of 20元, to the fen per 平方米),
    not values per 亩 (1平方米 = 0.0015亩) read back with the division's noise."""
    from compare.simulate import sweep as sw

    rcity = _policies(tmp_path)["rcity_2024"]
    ax = sw.axis(rcity, "rent_subsidy.per_unit", {"from": "20元/平方米", "to": "40元/平方米", "steps": 4}, "sweep")
    assert [str(n) for n in ax.nodes] == ["20元/平方米", "26.67元/平方米", "33.33元/平方米", "40元/平方米"]
    rows = sw.run_points(rcity, "rcity_2024", ax, None, [(0, None), (3, None)], _batch(rcity), 7.0, {}, ["reward.landing"])
    # project a rents 1000平方米: 20000元 at 20元/平方米, 40000元 at 40元/平方米
    assert [r["high"] for r in rows] == [20000.0, 40000.0]


def _batch(policy: Any) -> Any:
    from compare.data.read import from_dicts

    return from_dicts(ROWS[:1], record=policy.record)


MAP = """{competition_map: {beneficiary: firm, x: {field: fdi_arrived, from: 100万元, to: 200万元, steps: 2},
                y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 2}, project: PROJECT}}"""


def test_the_competition_map_fixes_declared_fields(tmp_path: Path) -> None:
    _policies(tmp_path)
    (tmp_path / "p.csv").write_text("id,landed_on\na,2024-03-01\n", encoding="utf-8")

    def run(project: str) -> Any:
        text = ("name: map\nseed: 1\nfx: 7.0\npolicies: [rcity.policy]\nportfolio: {file: p.csv}\n"
                "analyses: " + MAP.replace("PROJECT", project) + "\n")
        return run_scenario(parse_scenario(text, str(tmp_path / "m.yaml")))

    # 第三条: a manufacturing project in the key area gets 2% of its arrived FDI: 2万元 at 100万元, 4万元 at 200万元
    rows = run("{manufacturing: true, zone: key_area}").tables["competition_map"].to_pylist()
    assert sorted(r["best"] for r in rows) == [20000.0, 20000.0, 40000.0, 40000.0]
    with pytest.raises(ScenarioError) as err:
        run("{manufacturing: true, zone: key_area, rent_aera: 10平方米}")
    [d] = err.value.diagnostics
    assert (d.code, d.hint) == ("E905", "did you mean `rent_area`?")


def test_a_map_that_does_not_fix_a_required_field_is_e912(tmp_path: Path) -> None:
    _folder(tmp_path)
    (tmp_path / "p.csv").write_text("id,landed_on\na,2024-03-01\n", encoding="utf-8")
    text = ("name: map\nseed: 1\nfx: 7.0\npolicies: [tcity.policy]\nportfolio: {file: p.csv}\n"
            "analyses: " + MAP.replace("PROJECT", "{foreign: true}") + "\n")
    with pytest.raises(ScenarioError) as err:
        run_scenario(parse_scenario(text, str(tmp_path / "m.yaml")))
    [d] = err.value.diagnostics
    assert d.code == "E912" and "`landed_on`" in d.message and "competition_map.project.landed_on" in (d.hint or "")
