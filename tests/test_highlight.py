"""The Pygments lexer (dsl.highlight): it lexes every policy the project ships and every snippet
of the language reference without an Error token, its keywords are the grammar's, and Pygments
finds it as a plugin (the `pygments.lexers` entry point in pyproject.toml)."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys

import pytest
from conftest import POLICIES, ROOT
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Literal, Name, Number, Operator, Punctuation, String, Whitespace
from pygments.token import _TokenType as TokenType

from dsl.highlight import KEYWORD_GROUPS, PolicyLexer
from dsl.units import UNITS, Dim

POLICY_FILES = sorted(POLICIES.glob("*.policy"))
DOC_SNIPPETS = re.findall(r"^```policy\n(.*?)^```", (ROOT / "docs" / "language.md").read_text(encoding="utf-8"),
                          flags=re.S | re.M)


def tokens(text: str) -> list[tuple[TokenType, str]]:
    return list(PolicyLexer().get_tokens(text))


def errors(text: str) -> list[str]:
    """Each Error token with the line it is on."""
    out, line = [], 1
    for token, value in tokens(text):
        if token in Error:
            out.append(f"line {line}: {value!r}")
        line += value.count("\n")
    return out


def significant(text: str) -> list[tuple[TokenType, str]]:
    return [(t, v) for t, v in tokens(text) if t is not Whitespace]


@pytest.mark.parametrize("path", POLICY_FILES, ids=[p.name for p in POLICY_FILES])
def test_bundled_policies_lex_without_errors(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert errors(text) == []
    assert "".join(v for _, v in tokens(text)) == text  # every character is in some token


def test_the_four_bundled_policies_are_there() -> None:
    names = {p.stem for p in POLICY_FILES}
    assert {"zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023"} <= names


@pytest.mark.parametrize("snippet", DOC_SNIPPETS, ids=[f"block{i}" for i in range(len(DOC_SNIPPETS))])
def test_language_reference_snippets_lex_without_errors(snippet: str) -> None:
    assert errors(snippet) == []


def test_language_reference_has_policy_snippets() -> None:
    assert len(DOC_SNIPPETS) >= 10


SNIPPET = '''policy p extends base {
  issued 2023-09-28
}
clause major_foreign_project "重大外资项目加分" {  # a comment
  concept points.host_district
  cite "第12条" "按注册资本1000～3000万美元"
  when foreign and paid_in_ratio >= 30% and not started
  value tiers registered_capital scaled 50% unless in_core_zone {
    [1000万美元, 3000 万美元) -> 2分
    [1亿美元, ∞)             -> 10分
  }
}
split s { shares a, b = 3:7 }
param staffing.per_zone "x\\"y" = up to 5人
reading r { option low "低" default low }
clause c { value by reading r { low: max(5‰ of cny(paid_in), USD 1.5万) } }
unencoded "第14条" "原文" because "理由"
'''


def test_tokens_of_a_snippet() -> None:
    got = significant(SNIPPET)
    for pair in [
        (Keyword.Namespace, "policy"), (Name.Namespace, "p"), (Keyword.Namespace, "extends"), (Name.Namespace, "base"),
        (Keyword, "issued"), (Literal.Date, "2023-09-28"),
        (Keyword.Declaration, "clause"), (Name.Function, "major_foreign_project"),
        (String.Double, "重大外资项目加分"), (Comment.Single, "# a comment"),
        (Keyword, "concept"), (Name.Label, "points.host_district"),
        (Keyword, "cite"), (String.Double, "第12条"), (String.Doc, "按注册资本1000～3000万美元"),
        (Keyword, "when"), (Name, "foreign"), (Operator.Word, "and"), (Operator, ">="), (Number, "30%"),
        (Operator.Word, "not"), (Keyword, "tiers"), (Keyword, "scaled"), (Number, "50%"), (Keyword, "unless"),
        (Punctuation, "["), (Number, "1000万美元"), (Number, "3000 万美元"), (Punctuation, ")"),
        (Operator, "->"), (Number, "2分"), (Number, "1亿美元"), (Keyword.Constant, "∞"), (Number, "10分"),
        (Keyword.Declaration, "split"), (Name.Function, "s"), (Keyword, "shares"), (Number, "3:7"),
        (Keyword.Declaration, "param"), (Name.Function, "staffing.per_zone"), (String.Escape, '\\"'),
        (Keyword, "up"), (Keyword, "to"), (Number, "5人"),
        (Keyword.Declaration, "reading"), (Name.Function, "r"), (Keyword, "option"), (Name.Constant, "low"),
        (Keyword, "default"), (Keyword, "by"), (Name.Constant, "low"), (Punctuation, ":"),
        (Name.Builtin, "max"), (Number, "5‰"), (Operator.Word, "of"), (Name.Builtin, "cny"),
        (Keyword.Type, "USD"), (Number, "1.5万"),
        (Keyword.Declaration, "unencoded"), (String.Double, "第14条"), (String.Doc, "原文"), (Keyword, "because"),
    ]:
        assert pair in got, pair
    assert (String.Double, "理由") in got and (String.Doc, "理由") not in got  # only the quotation is a Doc
    assert errors(SNIPPET) == []


def test_keywords_inside_names_are_names() -> None:
    got = significant("clause c { when values > max_amount and cited and points.value_cap value 1分 }")
    for name in ("values", "max_amount", "cited", "points.value_cap"):
        assert (Name, name) in got


def test_every_unit_and_scale_is_part_of_its_figure() -> None:
    for unit in UNITS:
        for scale in ("", "千", "万", "亿", "万亿") if unit in ("元", "美元") else ("",):
            assert significant(f"5{scale}{unit}") == [(Number, f"5{scale}{unit}")], (scale, unit)


def test_chinese_outside_quotes_is_an_error_token() -> None:
    assert errors('clause c { when 外资 value 1分 }') != []


def test_keyword_lists_are_the_grammars() -> None:
    from dsl.lark_parser import keywords

    listed = [k for group in KEYWORD_GROUPS.values() for k in group]
    assert len(listed) == len(set(listed)), "a keyword is listed twice"
    assert set(listed) == keywords()


def test_the_lexer_does_not_import_lark() -> None:
    code = "import sys, dsl.highlight; assert not any(m.startswith('lark') for m in sys.modules), 'lark imported'"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def _plugin_installed() -> bool:
    return any(ep.value == "dsl.highlight:PolicyLexer" for ep in importlib.metadata.entry_points(group="pygments.lexers"))


@pytest.mark.skipif(not _plugin_installed(),
                    reason="the pygments.lexers entry point is not installed: run `pip install -e .` to refresh it")
def test_pygments_finds_the_plugin() -> None:
    assert isinstance(get_lexer_by_name("policy"), PolicyLexer)
    assert isinstance(get_lexer_by_name("policylab"), PolicyLexer)
    assert isinstance(get_lexer_for_filename("policies/wuxi_2023.policy"), PolicyLexer)


def test_html_output_escapes_quotes() -> None:
    text = 'clause c { cite "第1条" "<script>alert(1)</script>" note "a & b" }\n'
    html = highlight(text, PolicyLexer(), HtmlFormatter())
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "a &amp; b" in html


# ---------------------------------------------------------------- the city's own record

RECORD_SNIPPET = '''policy p {
  partial "正文至第六条止"
}
field rent_area "租赁面积" {
  type area 平方米
  default 0平方米
  en "rented area"
}
field fee { type money 美元 }
category little_giant "小巨人"
choice referral social_org "社会组织"
list excluded = {"房地产", "金融"}
condition eligible { when industry not in excluded and landed_on >= 2024-01-01 }
clause c {
  value pick most specific {
    when a -> 30元/平方米 * rent_area
    otherwise -> pick first { when b -> 2000元/人 * new_jobs }
  }
  payer district, city = 1:1
}
clause d { value 5万元/名 * doctors  payer city }
remove choice referral.social_org
'''


def test_tokens_of_the_record_constructs() -> None:
    got = significant(RECORD_SNIPPET)
    for pair in [
        (Keyword, "partial"),
        (Keyword.Declaration, "field"), (Name.Function, "rent_area"), (Keyword, "type"), (Keyword.Type, "area"),
        (Keyword.Type, "平方米"), (Keyword, "default"), (Number, "0平方米"), (Keyword, "en"),
        (Keyword.Type, "money"), (Keyword.Type, "美元"),
        (Keyword.Declaration, "category"), (Name.Function, "little_giant"),
        (Keyword.Declaration, "choice"), (Name.Function, "referral"), (Name.Function, "social_org"),
        (Keyword.Declaration, "list"), (Name.Function, "excluded"), (String.Double, "房地产"),
        (Keyword.Declaration, "condition"), (Name.Function, "eligible"), (Literal.Date, "2024-01-01"),
        (Keyword, "pick"), (Keyword, "most"), (Keyword, "specific"), (Keyword, "otherwise"), (Keyword, "first"),
        (Number, "30元/平方米"), (Number, "2000元/人"), (Number, "5万元/名"),
        (Keyword, "payer"), (Name, "district"), (Name, "city"), (Number, "1:1"),
        (Keyword.Declaration, "remove"), (Name.Function, "referral.social_org"),
    ]:
        assert pair in got, pair
    assert (Name.Builtin, "first") not in got  # `pick first` is the rule, not the function
    assert (Keyword, "city") not in got  # a payer here, not the header's city
    assert errors(RECORD_SNIPPET) == []


def test_the_record_example_lexes_without_errors() -> None:
    from test_format_record import RECORD_POLICY

    assert errors(RECORD_POLICY) == []
    assert "".join(v for _, v in tokens(RECORD_POLICY)) == RECORD_POLICY


def test_every_per_unit_amount_is_one_figure() -> None:
    # an amount may be paid per unit of area or per head/item (grammar/policy.lark, QUANTITY)
    per = [u for u, info in UNITS.items() if info.dim in (Dim.AREA, Dim.COUNT)]
    assert {"平方米", "㎡", "公顷", "亩", "人", "名"} <= set(per)
    for unit in per:
        for money in ("元", "美元", "万元", "亿美元"):
            assert significant(f"30{money}/{unit}") == [(Number, f"30{money}/{unit}")], (money, unit)


def test_a_unit_after_a_fields_type_is_part_of_the_type() -> None:
    for unit in [u for u in UNITS if u]:
        text = f"field f {{ type x {unit} }}"
        assert (Keyword.Type, unit) in significant(text) and errors(text) == [], unit


def test_the_records_keywords_inside_names_are_names() -> None:
    text = "clause c { when types and payers and listed and fields_x and conditions and picked and english value 1分 }"
    got = significant(text)
    for name in ("types", "payers", "listed", "fields_x", "conditions", "picked", "english"):
        assert (Name, name) in got, name
    assert errors(text) == []
