"""The checker on a city's own record and the new clause shapes: declared fields, categories, choice
values, lists and named conditions; pick tables; per-unit amounts; payers; dates and text sets.

Each diagnostic is asserted with its line and column (counted by hand in the text of the test); each
construct that is accepted is asserted free of errors, since what `check` accepts must evaluate.
The source sentences are shaped on the texts the constructs come from (德州、济南-style articles:
“按每平方米30元给予租金补贴，最高100万元”, “不含房地产、金融类项目”, “市级财政承担50%”)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from conftest import POLICIES

from dsl import ast as A
from dsl.check import check_paths, check_text
from dsl.diagnostics import Diagnostic
from dsl.taxonomy import load_taxonomy
from dsl.units import Dim

TAX = load_taxonomy(POLICIES / "taxonomy")[0]
HEAD = 'policy t {\n  city t "测试"\n  source "s.txt"\n}\n'  # lines 1-4: a body starts on line 5
SOURCE = (
    "第二条 本办法适用于外资项目（不含房地产、金融类项目）。\n"
    "第三条 按到账外资的0.5%给予奖励；其中制造业项目按1%；重点区域制造业项目按2%，最高5000万元。\n"
    "第五条 按每平方米30元给予租金补贴，最高100万元。市级财政承担50%，县（市、区）级财政承担50%。\n"
    "第六条 按新增就业人数每人2000元给予奖励，由市和县（市、区）按1:1分担。\n"
)
RECORD = '''field new_jobs "新增就业人数" { type count 人  default 0人 }
field rent_area "租赁面积" { type area 平方米  default 0平方米 }
field zone "所在区域" { type choice { key_area "重点区域", ordinary "一般区域" }  default ordinary }
field honours "企业荣誉" { type set { gazelle "瞪羚企业", unicorn "独角兽企业" } }
field landed_on "落地日期" { type date  default 2024-01-01 }
category little_giant "专精特新“小巨人”企业"
choice referral government_body "国家机关"
list excluded "房地产、金融类" = {"房地产", "金融"}
'''  # lines 5-12


def run(body: str, source: str | None = SOURCE) -> tuple[object, list[Diagnostic]]:
    return check_text(HEAD + body, "t.policy", TAX, source_text=source)


def errors(body: str, source: str | None = SOURCE) -> list[Diagnostic]:
    return [d for d in run(body, source)[1] if d.is_error]


def at(diags: list[Diagnostic], code: str) -> list[tuple[int, int]]:
    return [(d.span.line, d.span.column) for d in diags if d.code == code]


def one(diags: list[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [(d.code, d.span.line, d.span.column, d.message) for d in diags]
    return found[0]


def shown(diags: list[Diagnostic]) -> list[str]:
    return [f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in diags]


# ---------------------------------------------------------------- accepted constructs

FULL = RECORD + '''condition eligible "符合第二条规定的项目" {
  cite "第二条" "外资项目（不含房地产、金融类项目）"
  when foreign and industry not in excluded
}
clause fdi "到账外资奖励" {
  concept reward.fdi
  cite "第三条" "按到账外资的0.5%给予奖励；其中制造业项目按1%；重点区域制造业项目按2%，最高5000万元"
  when eligible and (little_giant in categories or gazelle in honours) and landed_on >= 2024-01-01
  value pick highest {
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> 1%
    otherwise -> 0.5%
  } of cny(fdi_arrived) cap 5000万元
}
clause rent "租金补贴" {
  concept reward.fdi
  cite "第五条" "按每平方米30元给予租金补贴，最高100万元。市级财政承担50%，县（市、区）级财政承担50%"
  when referral not in {government_body, municipal_dept} and industry in {"制造", "软件"}
  value 30元/平方米 * rent_area cap 100万元
  payer city = 50%, district = 50%
}
clause jobs "就业奖励" {
  concept reward.fdi
  cite "第六条" "按新增就业人数每人2000元给予奖励，由市和县（市、区）按1:1分担"
  when industry != "房地产"
  value 2000元/人 * new_jobs
  payer city, district = 1:1
}
'''


def test_a_policy_with_every_new_construct_checks_clean() -> None:
    policy, diags = run(FULL)
    assert not [d for d in diags if d.is_error or d.code == "W706"], shown(diags)


def test_every_new_node_is_typed_for_the_compiler() -> None:
    policy, _ = run(FULL)
    assert policy is not None
    types = policy.node_types  # type: ignore[attr-defined]
    fdi = policy.clauses["fdi"]  # type: ignore[attr-defined]
    pick = fdi.value.left.left  # (pick of cny(fdi_arrived)) cap 5000万元
    assert isinstance(pick, A.Pick) and types[id(pick)].dim == Dim.RATIO
    rent = policy.clauses["rent"].value.left  # type: ignore[attr-defined]
    assert isinstance(rent, A.Binary) and rent.op == "*"
    assert types[id(rent)].dim == Dim.CNY and types[id(rent)].per is None  # money once multiplied out
    assert types[id(rent.left)].dim == Dim.CNY and types[id(rent.left)].per == Dim.AREA
    assert types[id(rent.right)].dim == Dim.AREA
    date_cmp = fdi.when.right
    assert isinstance(date_cmp.right, A.DateLit) and types[id(date_cmp.right)].dim == Dim.DATE
    assert policy.types["jobs"].dim == Dim.CNY  # type: ignore[attr-defined]


def test_a_pick_takes_most_specific_and_lowest_and_first() -> None:
    for rule in ("most specific", "lowest", "first"):
        body = RECORD + f'''clause c {{
  cite "第三条" "按到账外资的0.5%给予奖励；其中制造业项目按1%；重点区域制造业项目按2%"
  value pick {rule} {{
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> 1%
    otherwise -> 0.5%
  }} of fdi_arrived
}}
'''
        assert not errors(body), (rule, shown(errors(body)))


def test_a_payer_alone_and_payers_without_shares_are_accepted() -> None:
    body = 'clause c {\n  cite "第五条" "市级财政承担50%"\n  value 1元 derived "x"\n  payer city\n}\n' \
           'clause d {\n  cite "第五条" "市级财政承担50%"\n  value 1元 derived "x"\n  payer city, district\n}\n'
    assert not errors(body), shown(errors(body))


def test_the_core_taxonomy_lists_the_payers() -> None:
    assert TAX.payers["city"][0] == "市级财政"
    assert TAX.payers["district"][0] == "县（市、区）级财政"
    assert set(TAX.payers) == {"city", "district", "province", "zone", "town"}


def test_a_checked_policy_with_its_record_survives_the_cache() -> None:
    policy, _ = run(FULL)
    again = pickle.loads(pickle.dumps(policy))
    assert again.record == policy.record  # type: ignore[attr-defined]
    assert again.record.choices("zone") == ("key_area", "ordinary")


# ---------------------------------------------------------------- names against the record


def test_an_undefined_name_teaches_how_to_declare_a_field() -> None:
    d = one(errors('clause c {\n  value 1元\n  when rd_growth > 0元\n}\n'), "E200")
    assert (d.span.line, d.span.column) == (7, 8)
    assert 'declare it: field rd_growth "中文名称" { type' in (d.hint or "")


def test_an_unknown_category_teaches_how_to_declare_it() -> None:
    d = one(errors('clause c {\n  value 1元\n  when gazelle in categories\n}\n'), "E203")
    assert (d.span.line, d.span.column) == (7, 8)
    assert 'declare it: category gazelle "中文名称"' in (d.hint or "")


def test_a_declared_choice_value_misspelt_gets_did_you_mean() -> None:
    d = one(errors(RECORD + 'clause c {\n  value 1元\n  when zone == key_aera\n}\n'), "E203")
    assert (d.span.line, d.span.column) == (15, 16)
    assert "key_area" in (d.hint or "")


def test_an_unknown_referral_kind_teaches_the_choice_declaration() -> None:
    d = one(errors('clause c {\n  value 1元\n  when referral not in {stakeholder}\n}\n'), "E203")
    assert (d.span.line, d.span.column) == (7, 25)
    assert 'choice referral stakeholder "中文名称"' in (d.hint or "")


def test_a_text_field_in_a_set_of_names_is_told_to_quote_them() -> None:
    diags = errors('clause c {\n  value 1元\n  when industry in {manufacturing_x}\n}\n')
    d = one(diags, "E302")
    assert (d.span.line, d.span.column) == (7, 21) and d.hint == 'write "manufacturing_x"'


def test_a_set_field_is_asked_for_one_member() -> None:
    d = one(errors(RECORD + 'clause c {\n  value 1元\n  when honours in {gazelle}\n}\n'), "E302")
    assert (d.span.line, d.span.column) == (15, 8)


def test_a_declared_choice_field_contradiction_can_never_fire() -> None:
    _, diags = run(RECORD + 'clause c {\n  value 1元\n  when zone == key_area and zone == ordinary\n}\n')
    assert at(diags, "W700") == [(15, 8)]


def test_a_date_is_compared_with_a_date() -> None:
    assert at(errors(RECORD + 'clause c {\n  value 1元\n  when landed_on >= 5万元\n}\n'), "E301") == [(15, 8)]
    assert at(errors(RECORD + 'clause c {\n  value 1元\n  when landed_on >= 2024-02-30\n}\n'), "E109") == [(15, 21)]


# ---------------------------------------------------------------- declarations


@pytest.mark.parametrize("decl, col, words", [
    ('field a "甲" { default 0元 }', 1, "has no `type`"),
    ('field a "甲" { type mony }', 15, "`mony` is not a field type"),
    ('field a "甲" { type area 元 }', 15, "`元` is not a unit of a area field"),
    ('field a "甲" { type choice }', 15, "lists no values"),
    ('field a "甲" { type money { x } }', 15, "a money field takes no list of values"),
])
def test_e210_a_bad_field_declaration(decl: str, col: int, words: str) -> None:
    d = one(errors(decl + "\n"), "E210")
    assert (d.span.line, d.span.column) == (5, col) and words in d.message


def test_e211_a_declaration_of_a_built_in_field() -> None:
    assert at(errors('field industry "行业" { type text }\n'), "E211") == [(5, 1)]


def test_e213_a_value_for_a_field_that_takes_none() -> None:
    assert at(errors('choice total_investment big "大"\n'), "E213") == [(5, 1)]


def test_e214_a_default_of_another_type() -> None:
    assert at(errors('field n "人数" { type count 人  default 0元 }\n'), "E214") == [(5, 38)]


def test_e212_two_cities_declare_one_field_with_two_units(tmp_path: Path) -> None:
    (tmp_path / "taxonomy").mkdir()
    (tmp_path / "taxonomy" / "core.yaml").write_text((POLICIES / "taxonomy" / "core.yaml").read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    for city, unit in (("a", "平方米"), ("b", "亩")):
        (tmp_path / f"{city}.policy").write_text(
            f'policy {city} {{\n  city {city} "{city}"\n}}\nfield rent_area "租赁面积" {{ type area {unit} }}\n',
            encoding="utf-8")
    r = check_paths([tmp_path / "a.policy", tmp_path / "b.policy"])
    found = [d for d in r.diagnostics if d.code == "E212"]
    assert [(Path(d.span.file).name, d.span.line, d.span.column) for d in found] == [("b.policy", 4, 1)], \
        shown(r.diagnostics)
    assert "平方米" in found[0].message and "亩" in found[0].message


def test_taxonomy_files_declare_fields_categories_choices(tmp_path: Path) -> None:
    tax = tmp_path / "taxonomy"
    tax.mkdir()
    (tax / "core.yaml").write_text((POLICIES / "taxonomy" / "core.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tax / "city.yaml").write_text(
        "fields:\n"
        "  rent_area: {zh: 租赁面积, type: area, unit: 平方米, default: 0平方米}\n"
        "  zone: {zh: 所在区域, type: choice, values: {key_area: 重点区域, ordinary: 一般区域}, default: ordinary}\n"
        "  bad: {zh: 坏, type: money, unit: 平方米}\n"
        "categories:\n"
        "  little_giant: {zh: 专精特新“小巨人”企业, en: little giant}\n"
        "choices:\n"
        "  referral:\n"
        "    social_org: {zh: 社会组织}\n", encoding="utf-8")
    (tmp_path / "p.policy").write_text(
        'policy p {\n  city p "p"\n}\nclause c {\n  value 30元/平方米 * rent_area\n'
        '  when zone == key_area and little_giant in categories and referral == social_org\n}\n', encoding="utf-8")
    r = check_paths([tmp_path / "p.policy"])
    bad = [d for d in r.diagnostics if d.code == "E210"]
    assert [(Path(d.span.file).name, d.span.line, d.span.column) for d in bad] == [("city.yaml", 4, 3)]
    assert not [d for d in r.diagnostics if d.code in ("E200", "E203", "E217")], shown(r.diagnostics)
    rec = r.policies[0].record
    assert rec.label("rent_area") == ("租赁面积", None)
    assert rec.choices("referral")[-1] == "social_org"


# ---------------------------------------------------------------- payers (E215)


def test_e215_an_unknown_payer() -> None:
    d = one(errors('clause c {\n  value 1元\n  payer cty\n}\n'), "E215")
    assert (d.span.line, d.span.column) == (7, 9) and "city" in (d.hint or "")


def test_e215_payers_shares_not_100_percent() -> None:
    d = one(errors('clause c {\n  value 1元\n  payer city = 50%, district = 40%\n}\n'), "E215")
    assert (d.span.line, d.span.column) == (7, 3) and "90%" in d.message


def test_e215_a_payer_named_twice() -> None:
    assert at(errors('clause c {\n  value 1元\n  payer city, city = 1:1\n}\n'), "E215") == [(7, 15)]


# ---------------------------------------------------------------- pick tables (E216)


def test_e216_otherwise_before_the_last_row() -> None:
    body = 'clause c {\n  value pick highest {\n    otherwise -> 1%\n    when manufacturing -> 2%\n  } of fdi_arrived\n}\n'
    assert at(errors(body), "E216") == [(7, 5)]


def test_e216_rows_of_different_types() -> None:
    body = 'clause c {\n  value pick first {\n    when manufacturing -> 2%\n    otherwise -> 5万元\n  }\n}\n'
    d = one(errors(body), "E216")
    assert (d.span.line, d.span.column) == (8, 18) and "line 7" in d.message


def test_e216_highest_of_values_without_order() -> None:
    body = 'clause c {\n  value pick highest {\n    when manufacturing -> true\n    otherwise -> false\n  }\n}\n'
    assert at(errors(body), "E216") == [(6, 9)]


# ---------------------------------------------------------------- per-unit amounts (E217)


@pytest.mark.parametrize("value, col", [
    ("30元/平方米 cap 100万元", 9),  # alone, then capped
    ("30元/平方米 + 5元", 9),  # added to an amount
    ("30元/平方米 * new_jobs", 19),  # multiplied by a count: the other side is wrong
    ("if manufacturing then 30元/平方米 else 20元", 31),  # a branch against an amount
])
def test_e217_a_per_unit_amount_not_multiplied_out(value: str, col: int) -> None:
    diags = errors(RECORD + f"clause c {{\n  value {value}\n}}\n")
    assert at(diags, "E217") == [(14, col)], shown(diags)


def test_e217_a_per_unit_amount_in_a_condition() -> None:
    diags = errors(RECORD + "clause c {\n  value 1元\n  when 30元/平方米 > 5元\n}\n")
    assert at(diags, "E217") == [(15, 8)], shown(diags)


def test_a_scaled_per_unit_amount_is_still_per_unit() -> None:
    diags = errors(RECORD + 'clause c {\n  value 50% of 30元/平方米 * rent_area\n}\n', None)
    assert [d.code for d in diags] == ["E502"], shown(diags)  # it cites nothing: no other fault


# ---------------------------------------------------------------- named conditions and lists (E218, E207)


def test_e218_a_named_condition_that_is_not_true_false() -> None:
    assert at(errors('condition big "大" {\n  when total_investment\n}\n'), "E218") == [(6, 8)]


def test_e218_a_list_mixing_texts_and_names() -> None:
    assert at(errors('list x "甲" = {"房地产", municipal_dept}\n'), "E218") == [(5, 22)]


def test_e218_a_list_naming_an_item_twice() -> None:
    assert at(errors('list x "甲" = {"房地产", "房地产"}\n'), "E218") == [(5, 22)]


def test_e218_a_list_naming_no_known_value() -> None:
    d = one(errors('list x "甲" = {municipal_dpt}\n'), "E218")
    assert (d.span.line, d.span.column) == (5, 15) and "municipal_dept" in (d.hint or "")


def test_e207_named_conditions_in_a_circle() -> None:
    body = 'condition a "甲" { when b }\ncondition b "乙" { when a }\nclause c {\n  value 1元\n  when a\n}\n'
    assert at(errors(body), "E207")[:1] in ([(5, 24)], [(6, 24)])


def test_a_condition_closing_a_circle_through_a_clause() -> None:
    body = 'condition a "甲" { when c > 0元 }\nclause c {\n  value 1元\n  when a\n}\n'
    assert "E207" in [d.code for d in errors(body)]


# ---------------------------------------------------------------- warnings (W706, W707)


def test_w706_declarations_nothing_reads() -> None:
    _, diags = run(RECORD + 'condition unused "甲" { when foreign }\n')
    assert at(diags, "W706") == [(5, 1), (6, 1), (7, 1), (8, 1), (9, 1), (10, 1), (12, 1), (13, 1)]


def test_w707_a_partial_source_is_said_by_check() -> None:
    text = 'policy t {\n  city t "测试"\n  partial "正文至第六条止"\n}\n'
    _, diags = check_text(text, "t.policy", TAX)
    d = one(diags, "W707")
    assert (d.span.line, d.span.column) == (3, 11) and "正文至第六条止" in d.message


# ---------------------------------------------------------------- figures and quotes


def test_a_per_unit_figure_matches_its_quote_written_the_chinese_way() -> None:
    ok = RECORD + 'clause c {\n  cite "第五条" "按每平方米30元给予租金补贴"\n  value 30元/平方米 * rent_area\n}\n'
    assert not errors(ok), shown(errors(ok))
    wrong = RECORD + 'clause c {\n  cite "第五条" "按每平方米30元给予租金补贴"\n  value 40元/平方米 * rent_area\n}\n'
    assert at(errors(wrong), "E503") == [(15, 9)]
    per_what = RECORD + 'clause c {\n  cite "第六条" "每人2000元"\n  value 2000元/平方米 * rent_area\n}\n'
    assert at(errors(per_what), "E503") == [(15, 9)]


def test_figures_in_pick_rows_and_named_conditions_are_in_their_quotes() -> None:
    body = RECORD + '''clause c {
  cite "第三条" "其中制造业项目按1%；重点区域制造业项目按2%"
  value pick highest {
    when manufacturing -> 3%
    otherwise -> 1%
  } of fdi_arrived
}
condition big "大" {
  cite "第三条" "最高5000万元"
  when total_investment >= 1亿元
}
'''
    assert at(errors(body), "E503") == [(16, 27), (22, 28)]


def test_the_cite_of_a_declaration_is_quote_checked() -> None:
    body = 'field new_jobs "新增就业人数" {\n  type count 人\n  cite "第六条" "按新增人数"\n}\n'
    assert at(errors(body), "E500") == [(7, 14)]


def test_a_list_that_cites_has_its_texts_in_its_quotes() -> None:
    body = 'list x "甲" = {"房地产", "保险"} {\n  cite "第二条" "不含房地产、金融类项目"\n}\n'
    assert at(errors(body), "E503") == [(5, 22)]


# ---------------------------------------------------------------- syntax hints


def test_300_wan_yuan_renminbi_is_an_unknown_unit_with_the_spellings() -> None:
    d = one(errors("clause c {\n  value 300万元人民币\n}\n"), "E106")
    assert (d.span.line, d.span.column) == (6, 13) and d.message == "unknown unit `元人民币`"
    assert "300万元" in (d.hint or "") and "平方米" in (d.hint or "")


def test_a_quote_mark_inside_a_quoted_text_is_told_to_be_escaped() -> None:
    d = one(errors('clause c {\n  cite "一" "他说"好的"就行"\n  value 1元\n}\n'), "E101")
    assert (d.span.line, d.span.column) == (6, 15)
    assert '\\"' in (d.hint or "") and "Chinese" not in (d.hint or "")


def test_a_list_of_texts_against_a_choice_field_is_said_at_its_use() -> None:
    d = one(errors(RECORD + 'clause c {\n  value 1元\n  when zone in excluded\n}\n'), "E302")
    assert (d.span.line, d.span.column) == (15, 16) and "holds texts" in d.message


def test_a_list_of_values_of_a_choice_field_is_checked_at_its_use() -> None:
    body = 'list refs "甲" = {municipal_dept, government_body}\n' \
           'clause c {\n  value 1元\n  when referral not in refs\n}\n'
    d = one(errors(body), "E203")  # government_body is no value of the core `referral`
    assert (d.span.line, d.span.column) == (8, 24) and "government_body" in d.message


def test_a_list_of_declared_referral_kinds_is_accepted() -> None:
    body = 'choice referral government_body "国家机关"\nchoice referral stakeholder "项目投资利益相关方"\n' \
           'list refs "甲" = {government_body, stakeholder}\nclause c {\n  value 1元\n  when referral not in refs\n}\n'
    assert [d.code for d in errors(body)] == ["E502"], shown(errors(body))  # only: the clause cites nothing


@pytest.mark.parametrize("stmt, col", [("value 1元", 19), ("payer city", 19), ("concept reward.fdi", 19)])
def test_a_clause_statement_in_a_named_condition_is_e108_not_an_internal_error(stmt: str, col: int) -> None:
    d = one(errors(f'condition a "甲" {{ {stmt} when foreign }}\n'), "E108")
    assert (d.span.line, d.span.column) == (5, col) and "no place in condition" in d.message


@pytest.mark.parametrize("value", [
    "cny(30元/平方米) * rent_area",
    "30元/平方米~40元/平方米 * rent_area",
    "-30元/平方米 * rent_area",
    "(if manufacturing then 30元/平方米 else 20元/平方米) * rent_area",
    "pick highest { when manufacturing -> 30元/平方米  otherwise -> 20元/平方米 } * rent_area",
    "tiers total_investment { [0元, 1亿元) -> 20元/平方米  [1亿元, ∞) -> 30元/平方米 } * rent_area",
    "30元/平方米 of rent_area",
    "2000元/人 * new_jobs + 30元/平方米 * rent_area",
])
def test_a_per_unit_amount_through_any_node_then_multiplied_out_is_money(value: str) -> None:
    policy, diags = run(RECORD + f"clause c {{\n  value {value}\n}}\n", None)
    assert [d.code for d in diags if d.is_error] == ["E502"], shown(diags)  # it cites nothing: no other fault
    assert policy.types["c"].dim == Dim.CNY and policy.types["c"].per is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("body, where", [
    ('condition foreign "外资" { when licensed }\n', (5, 1)),  # the built-in field would win
    ('list industry "行业" = {"a"}\n', (5, 1)),
    (RECORD + 'clause rent_area {\n  value 1元\n}\n', (6, 1)),  # a declared field and a clause
])
def test_a_declared_name_that_clashes_is_e201(body: str, where: tuple[int, int]) -> None:
    assert where in at(errors(body), "E201"), shown(errors(body))


def test_the_payers_shares_are_figures_of_the_quote() -> None:
    ratio = 'clause c {\n  cite "第六条" "由市和县（市、区）按1:1分担"\n  value 1元 derived "x"\n  payer city, district = 2:1\n}\n'
    assert at(errors(ratio), "E503") == [(8, 3)]
    shares = 'clause c {\n  cite "第五条" "市级财政承担50%"\n  value 1元 derived "x"\n  payer city = 60%, district = 40%\n}\n'
    assert at(errors(shares), "E503") == [(8, 16), (8, 32)]


def test_a_cached_check_keeps_the_declared_record_and_the_new_nodes_types(tmp_path: Path, cache: Path) -> None:
    from dsl.cache import check_paths_cached

    (tmp_path / "taxonomy").mkdir()
    (tmp_path / "taxonomy" / "core.yaml").write_text((POLICIES / "taxonomy" / "core.yaml").read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    (tmp_path / "s.txt").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "t.policy").write_text(HEAD + FULL, encoding="utf-8")
    first = check_paths_cached([tmp_path / "t.policy"])
    assert list(cache.glob("*.pickle")), "the check was stored"
    warm = check_paths_cached([tmp_path / "t.policy"])
    assert warm is not first and warm.policies[0].record == first.policies[0].record
    rent = warm.policies[0].clauses["rent"].value.left  # 30元/平方米 * rent_area, as loaded from the cache
    assert warm.policies[0].node_types[id(rent.left)] == first.policies[0].node_types[
        id(first.policies[0].clauses["rent"].value.left.left)]
    assert warm.policies[0].node_types[id(rent.left)].per == Dim.AREA


def test_a_count_times_an_amount_is_taught_the_per_unit_form() -> None:
    d = one(errors(RECORD + "clause c {\n  value new_jobs * 2000元\n}\n", None), "E301")
    assert (d.span.line, d.span.column) == (14, 9) and "2000元/人 * new_jobs" in (d.hint or "")


def test_a_member_asked_of_the_wrong_set_field_names_its_set() -> None:
    d = one(errors(RECORD + "clause c {\n  value 1元\n  when gazelle in categories\n}\n"), "E203")
    assert (d.span.line, d.span.column) == (15, 8) and d.hint == "`gazelle` is a member of `honours`: write gazelle in honours"


def test_a_taxonomy_field_with_an_unknown_key_is_e210(tmp_path: Path) -> None:
    tax = tmp_path / "taxonomy"
    tax.mkdir()
    (tax / "core.yaml").write_text((POLICIES / "taxonomy" / "core.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tax / "city.yaml").write_text("# a city's fields\nfields:\n  rent_area: {zh: 租赁面积, type: area, unti: 平方米}\n",
                                   encoding="utf-8")
    (tmp_path / "p.policy").write_text('policy p {\n  city p "p"\n}\n', encoding="utf-8")
    found = [d for d in check_paths([tmp_path / "p.policy"]).diagnostics if d.code == "E210"]
    assert [(d.span.line, d.span.column) for d in found] == [(3, 3)] and "`unti`" in found[0].message


@pytest.mark.parametrize("section", ["fields", "categories", "choices", "payers"])
def test_a_taxonomy_section_that_is_not_a_mapping_is_e101_not_a_crash(section: str, tmp_path: Path) -> None:
    tax = tmp_path / "taxonomy"
    tax.mkdir()
    (tax / "core.yaml").write_text((POLICIES / "taxonomy" / "core.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tax / "city.yaml").write_text(f"# a list where a mapping belongs\n{section}:\n  - a\n  - b\n", encoding="utf-8")
    (tmp_path / "p.policy").write_text('policy p {\n  city p "p"\n}\n', encoding="utf-8")
    found = [d for d in check_paths([tmp_path / "p.policy"]).diagnostics if d.code == "E101"]
    assert [(Path(d.span.file).name, d.span.line, d.span.column) for d in found] == [("city.yaml", 2, 1)]
