"""The formatter on the city's own record and the clause shapes that came with it: field, category,
choice, list and condition declarations, `pick` tables, per-unit amounts, dates, text sets, payers,
`partial`, and `remove`/`override` of declarations.

Each case is (as written, as `policylab fmt` lays it out), the layout worked out by hand; every case
also checks the formatter's promises: the formatted text parses to the same AST (dsl.walk.same),
formatting it again changes nothing, and every comment is kept.
"""

from __future__ import annotations

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.format import FormatError, format_text, scan_comments
from dsl.parse import parse_text
from dsl.walk import same

HEADER = 'policy p {\n  city x "甲"\n}\n'

# A fictional city's record in canonical layout (as /work's shared example of the new syntax, with a
# set field, a long choice list and comments): the comment property of test_format_hardening runs on it.
RECORD_POLICY = '''# 示例市: every new construct of the record, in canonical layout
policy demo {
  city demo "示例"
  source "demo.txt"
  partial "正文至第六条止"
}

field new_jobs "新增就业人数" {
  type count 人
  default 0人
  en "new employees"
  cite "第五条" "按新增就业人数每人2000元"
  note "以社保缴纳人数计"
}

field zone "所在区域" {
  type choice { key_area "重点区域", ordinary "一般区域" }
  default ordinary
}

field park "所在园区" {
  type choice {
    high_tech_zone "高新技术产业开发区",
    economic_zone "经济技术开发区",
    port_zone "综合保税区",
    other "其他"
  }
  default other  # most projects
}

field honours "企业荣誉" {
  type set { gazelle "瞪羚企业", unicorn "独角兽企业" }
}

field landed_on "落地日期" {
  type date
}

field rent_area "租赁面积" {
  type area 平方米
  default 0平方米
}

category little_giant "专精特新“小巨人”企业" {
  en "little giant"
}

category gazelle_firm "瞪羚企业"

choice referral social_org "社会组织"

list excluded "房地产、金融类" = {"房地产", "金融"}

condition eligible "符合第二条规定的项目" {
  cite "第二条" "外资项目，不含房地产、金融类项目"
  when foreign and industry not in excluded
}

clause fdi "到账外资奖励" {
  concept reward.fdi
  cite "第三条" "按到账外资的0.5%奖励；其中制造业项目按1%；重点区域制造业项目按2%"
  when eligible and landed_on >= 2024-01-01
  value pick highest {
    when manufacturing and zone == key_area -> 2%  # 重点区域
    when manufacturing                      -> 1%
    otherwise                               -> 0.5%
  } of cny(fdi_arrived) cap 5000万元
  payer city, district = 1:1
}

clause rent "租金补贴" {
  value 30元/平方米 * rent_area cap 100万元
  payer city
}

clause jobs "就业奖励" {
  when industry in {"制造", "软件"} and (little_giant in categories or gazelle in honours)
  value 2000元/人 * new_jobs
  # 市、区各半
  payer city = 50%, district = 50%
}

clause joint "共担" {
  value 1元
  payer city, district
}

remove field old_field
'''


def _fmt(text: str) -> str:
    """Format, checking the promises on the way: same meaning, idempotent, no comment lost."""
    out = format_text(text, "t.policy")
    before, _ = parse_text(text, "t.policy")
    after, diags = parse_text(out, "t.policy")
    assert before is not None and after is not None and not [d for d in diags if d.is_error]
    assert same(before, after), "the formatted text means something else"
    assert format_text(out, "t.policy") == out, "not idempotent"
    assert sorted(c.text for c in scan_comments(out)) == sorted(c.text for c in scan_comments(text))
    return out


# (as written, as formatted): items after HEADER.
CASES: dict[str, tuple[str, str]] = {
    # a field: one statement a line, in the order type, default, en, cite, note
    "field": ('field new_jobs "新增就业人数" { note "n" cite "第5条" "每人2000元" en "new employees" default 0 人 '
              'type count 人 }\n',
              'field new_jobs "新增就业人数" {\n  type count 人\n  default 0人\n  en "new employees"\n'
              '  cite "第5条" "每人2000元"\n  note "n"\n}\n'),
    "field without default (required)": ('field landed_on "落地日期" {type date}\n',
                                         'field landed_on "落地日期" {\n  type date\n}\n'),
    "field with a currency": ("field fee { default USD 5 type money 美元 }\n",
                              "field fee {\n  type money 美元\n  default 5美元\n}\n"),
    "field of choice": ('field zone "所在区域" { default ordinary type choice {key_area "重点区域",ordinary "一般区域",} }\n',
                        'field zone "所在区域" {\n  type choice { key_area "重点区域", ordinary "一般区域" }\n'
                        '  default ordinary\n}\n'),
    "field of set, a value without label": ("field honours { type set { gazelle, unicorn \"独角兽企业\" } }\n",
                                            'field honours {\n  type set { gazelle, unicorn "独角兽企业" }\n}\n'),
    # on one line 123 columns (a Chinese character is two), over 100: one value a line
    "field of a long choice": ('field park { type choice { high_tech_zone "高新技术产业开发区", economic_zone '
                               '"经济技术开发区", port_zone "综合保税区", other "其他" } }\n',
                               'field park {\n  type choice {\n    high_tech_zone "高新技术产业开发区",\n'
                               '    economic_zone "经济技术开发区",\n    port_zone "综合保税区",\n    other "其他"\n'
                               '  }\n}\n'),
    "field with nothing": ('field f "x" { }\n', 'field f "x" {\n}\n'),
    # a category, choice value or list: one line without a body, a block with one
    "category": ('category  little_giant\n"专精特新“小巨人”企业"\n', 'category little_giant "专精特新“小巨人”企业"\n'),
    "category, empty body": ('category c "y" {}\n', 'category c "y"\n'),
    "category with body": ('category little_giant "小巨人" { note "n" en "little giant" cite "a" "b" }\n',
                           'category little_giant "小巨人" {\n  en "little giant"\n  cite "a" "b"\n  note "n"\n}\n'),
    "choice": ('choice referral   social_org "社会组织"\n', 'choice referral social_org "社会组织"\n'),
    "choice with body": ('choice referral social_org { en "social organisation" }\n',
                         'choice referral social_org {\n  en "social organisation"\n}\n'),
    "list of texts": ('list excluded "房地产、金融类" = { "房地产","金融" }\n',
                      'list excluded "房地产、金融类" = {"房地产", "金融"}\n'),
    # on one line 122 columns (48 ASCII, 37 Chinese characters of two): one item a line
    "list too long for a line": ('list catalogue "重点产业目录" = {"新一代信息技术", "高端装备制造", "生物医药", "新能源", '
                                 '"新材料", "节能环保", "数字经济"}\n',
                                 'list catalogue "重点产业目录" = {\n  "新一代信息技术",\n  "高端装备制造",\n  "生物医药",\n'
                                 '  "新能源",\n  "新材料",\n  "节能环保",\n  "数字经济"\n}\n'),
    "list of values": ('list top = {little_giant,gazelle} { cite "a" "b" }\n',
                       'list top = {little_giant, gazelle} {\n  cite "a" "b"\n}\n'),
    # a named condition: laid out as a clause (cite, when, note)
    "condition": ('condition eligible "符合第二条" { note "n" when foreign and industry not in excluded cite "二" "x" }\n',
                  'condition eligible "符合第二条" {\n  cite "二" "x"\n  when foreign and industry not in excluded\n'
                  '  note "n"\n}\n'),
    # pick: one row a line, the arrows aligned (CJK text counts two columns, as in tier tables)
    "pick highest": ("clause c { value pick highest { when manufacturing and zone == key_area -> 2% "
                     "when manufacturing -> 1% otherwise -> 0.5% } of cny(fdi_arrived) cap 5000万元 }\n",
                     "clause c {\n  value pick highest {\n    when manufacturing and zone == key_area -> 2%\n"
                     "    when manufacturing                      -> 1%\n"
                     "    otherwise                               -> 0.5%\n  } of cny(fdi_arrived) cap 5000万元\n}\n"),
    "pick most specific, no otherwise": ('clause c { value pick most   specific { when industry == "制造" -> 1% '
                                         "when a and b -> 2% } }\n",
                                         'clause c {\n  value pick most specific {\n    when industry == "制造" -> 1%\n'
                                         "    when a and b            -> 2%\n  }\n}\n"),
    "pick lowest and first": ("clause c { value pick lowest { when a -> 1万元 otherwise -> pick first { when b -> 2万元 "
                              "when c -> 3万元 } } }\n",
                              "clause c {\n  value pick lowest {\n    when a    -> 1万元\n    otherwise -> pick first {\n"
                              "      when b -> 2万元\n      when c -> 3万元\n    }\n  }\n}\n"),
    # per-unit amounts, dates, text sets
    "per-unit amounts": ("clause c { value 30 元/平方米 * rent_area + 5万元/名 * doctors + 1.5元/㎡ * a "
                         "+ 2元/公顷 * b cap 100万元 }\n",
                         "clause c {\n  value 30元/平方米 * rent_area + 5万元/名 * doctors + 1.5元/㎡ * a "
                         "+ 2元/公顷 * b cap 100万元\n}\n"),
    "per-unit amount with of": ('clause c { value 2000元/人 derived "每人" of new_jobs }\n',
                                'clause c {\n  value 2000元/人 derived "每人" of new_jobs\n}\n'),
    "dates and texts": ('clause c { when landed_on>=2024-01-01 and industry != "房地产" and industry not in '
                        '{"房地产","金融"} value 1分 }\n',
                        'clause c {\n  when landed_on >= 2024-01-01 and industry != "房地产" and industry not in '
                        '{"房地产", "金融"}\n  value 1分\n}\n'),
    # payer in its four forms, after value; `payer city = 100%` is `payer city`
    "payer alone": ("clause c { payer city value 1分 }\n", "clause c {\n  value 1分\n  payer city\n}\n"),
    "payer whole": ("clause c { payer city = 100% value 1分 }\n", "clause c {\n  value 1分\n  payer city\n}\n"),
    "payer one share": ("clause c { payer city = 60% value 1分 }\n", "clause c {\n  value 1分\n  payer city = 60%\n}\n"),
    "payer shares": ('clause c { note "n" payer city=60%,district=40% value 1分 }\n',
                     'clause c {\n  value 1分\n  payer city = 60%, district = 40%\n  note "n"\n}\n'),
    "payer ratio": ("clause c { payer city,district=1:1 value 1分 }\n",
                    "clause c {\n  value 1分\n  payer city, district = 1:1\n}\n"),
    "payer not stated": ("clause c { payer city ,district value 1分 }\n",
                         "clause c {\n  value 1分\n  payer city, district\n}\n"),
    # revisions of declarations
    "remove": ("remove field old\nremove category  c\nremove choice referral.social_org\nremove list l\n"
               "remove condition k\n",
               "remove field old\n\nremove category c\n\nremove choice referral.social_org\n\nremove list l\n\n"
               "remove condition k\n"),
    "override": ("override field f { type text } override category c \"y\" override list l = {a} "
                 "override condition k { when a }\n",
                 'override field f {\n  type text\n}\n\noverride category c "y"\n\noverride list l = {a}\n\n'
                 "override condition k {\n  when a\n}\n"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_construct_is_laid_out(case: str) -> None:
    written, formatted = CASES[case]
    assert _fmt(HEADER + written) == HEADER + "\n" + formatted


def test_partial_is_kept_in_the_header() -> None:
    text = 'policy p { city x "甲" partial "正文至第六条（二）止，其后缺失" source "s.txt" }\n'
    assert _fmt(text) == 'policy p {\n  city x "甲"\n  partial "正文至第六条（二）止，其后缺失"\n  source "s.txt"\n}\n'


def test_the_record_example_is_canonical() -> None:
    assert _fmt(RECORD_POLICY) == RECORD_POLICY


def test_the_record_example_written_loosely_is_laid_out_canonically() -> None:
    # the example without its comments, each item run on into one line: fmt restores the layout
    code = "\n".join(line.split("  #")[0] for line in RECORD_POLICY.splitlines()
                     if not line.lstrip().startswith("#")) + "\n"
    loose = "\n".join(" ".join(line.strip() for line in item.splitlines()) for item in code.split("\n\n")) + "\n"
    assert loose.count("\n") == code.count("\n\n") + 1  # one line an item
    assert _fmt(loose) == code


SHAPES = sorted((ROOT / "examples" / "shapes").glob("*.policy"))


@pytest.mark.parametrize("path", SHAPES, ids=[p.name for p in SHAPES])
def test_example_shapes_keep_their_meaning_when_formatted(path) -> None:  # type: ignore[no-untyped-def]
    # the examples of the clause shapes use every construct: fmt keeps their meaning and comments
    _fmt(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- comments in the new constructs

COMMENTED = {
    "above a field's type, reordered": ('field f {\n  default 0人\n  # 人数\n  type count 人\n}\n',
                                        'field f {\n  # 人数\n  type count 人\n  default 0人\n}\n'),
    "ending en, reordered": ('field f {\n  en "e"  # English\n  type count 人\n}\n',
                             'field f {\n  type count 人\n  en "e"  # English\n}\n'),
    "in a broken choice list": ('field park { type choice {\n  # the high-tech zone\n  high_tech_zone "高新技术产业开发区",'
                                '  # HTZ\n economic_zone "经济技术开发区", port_zone "综合保税区", other "其他" } }\n',
                                'field park {\n  type choice {\n    # the high-tech zone\n'
                                '    high_tech_zone "高新技术产业开发区",  # HTZ\n    economic_zone "经济技术开发区",\n'
                                '    port_zone "综合保税区",\n    other "其他"\n  }\n}\n'),
    "on pick rows": ("clause c {\n  value pick first {\n    # the key area\n    when a and b -> 2%  # 2\n"
                     "    otherwise -> 1%  # else\n  }\n}\n",
                     "clause c {\n  value pick first {\n    # the key area\n    when a and b -> 2%  # 2\n"
                     "    otherwise    -> 1%  # else\n  }\n}\n"),
    "above payer, reordered": ("clause c {\n  # 市级财政\n  payer city\n  value 1分\n}\n",
                               "clause c {\n  value 1分\n  # 市级财政\n  payer city\n}\n"),
    "in a category's body": ('category c "y" {\n  # why\n  note "n"\n  en "e"  # en\n}\n',
                             'category c "y" {\n  en "e"  # en\n  # why\n  note "n"\n}\n'),
    "in a broken list with a body": ('list catalogue "重点产业目录" = {"新一代信息技术", "高端装备制造", "生物医药",  # three\n'
                                     '  # then more\n  "新能源", "新材料", "节能环保", "数字经济"} { cite "a" "b" }\n',
                                     'list catalogue "重点产业目录" = {\n  "新一代信息技术",\n  "高端装备制造",\n'
                                     '  "生物医药",  # three\n  # then more\n  "新能源",\n  "新材料",\n  "节能环保",\n'
                                     '  "数字经济"\n} {\n  cite "a" "b"\n}\n'),
    "ending a one-line list": ('list l = {"a"}  # texts\n', 'list l = {"a"}  # texts\n'),
    "in a condition": ("condition k {\n  # the base\n  when a\n}\n", "condition k {\n  # the base\n  when a\n}\n"),
}


@pytest.mark.parametrize("case", sorted(COMMENTED))
def test_comments_stay_beside_their_statement(case: str) -> None:
    written, formatted = COMMENTED[case]
    assert _fmt(HEADER + written) == HEADER + "\n" + formatted


# ---------------------------------------------------------------- property: mutants of the record example

CORPUS = [RECORD_POLICY, *(HEADER + written for written, _ in CASES.values()),
          *(HEADER + written for written, _ in COMMENTED.values())]
TOKENS = ["{", "}", ",", "=", "->", "\n", " ", "# c", '"', "/", "pick highest {", "most specific", "otherwise ->",
          "when a ->", "payer city", "payer city, district", "district = 40%", "= 1:1", "30元/平方米", "5万元/名",
          "2024-01-01", '"房地产"', "field f {", "type count 人", "type choice { a, b }", "default 0", 'en "e"',
          'category c "y"', "choice referral x", "list l = {a}", "condition k { when a }", 'partial "x"',
          "remove field f", "override ", 'cite "a" "b"', 'note "n"', "and", "not in", "in {a, b}"]


@st.composite
def mutants(draw: st.DrawFn) -> str:
    """A text of the corpus with a few cuts, insertions and duplications (most do not parse)."""
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 30)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif kind == "replace":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[j:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutants())
def test_fmt_round_trips_every_mutant_that_parses(text: str) -> None:
    ast, diags = parse_text(text, "t.policy")
    if ast is None or any(d.is_error for d in diags):
        return
    try:
        _fmt(text)
    except FormatError as e:  # the formatter's own safety net must never fire on input that parses
        raise AssertionError([d.message for d in e.diagnostics]) from e


def test_a_bare_expression_is_rendered_without_a_source() -> None:
    # explain, the site and the structural diff print expressions with Generator([]) (no source, no comments)
    from dsl import ast as A
    from dsl.format import Generator

    ast, _ = parse_text(HEADER + 'clause c { when d >= 2024-01-01 and industry in {"房地产", "金融"} '
                        "value pick most specific { when a and b -> 30元/平方米 otherwise -> 2000元/人 } * n }\n",
                        "t.policy")
    assert ast is not None and isinstance(clause := ast.items[0], A.Clause)
    assert clause.when is not None and clause.value is not None
    assert Generator([]).expr(clause.when, 0) == 'd >= 2024-01-01 and industry in {"房地产", "金融"}'
    assert Generator([]).expr(clause.value, 0) == (
        "pick most specific {\n  when a and b -> 30元/平方米\n  otherwise    -> 2000元/人\n} * n")
