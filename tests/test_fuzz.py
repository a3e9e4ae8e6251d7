"""Thousands of mutated policy texts: only diagnostics come out, never an exception, and
the formatter round-trips every mutant that still parses."""

from __future__ import annotations

from pathlib import Path

from conftest import POLICIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_format import MESSY

from dsl.check import check_text
from dsl.diagnostics import CATALOGUE, render
from dsl.format import FormatError, format_text, scan_comments
from dsl.parse import decode, parse_text
from dsl.taxonomy import load_taxonomy

SMALL = '''policy p {
  city zhangjiagang "张家港"
  source "sources/zhangjiagang_2017.txt"
}
reading tier_edges "档位" {
  cite "第5条" "按注册资本"
  option lower_closed
  option upper_closed
  default lower_closed
  because "以上含本数"
}
clause a "甲" {
  concept points.host_district
  cite "第12条" "每个加 10 分"
  when foreign and started and paid_in_ratio >= 30% and fortune_global_500 in categories
  value by reading tier_edges {
    lower_closed: tiers registered_capital scaled 50% unless in_core_zone {
      [1000万美元, 3000万美元) -> 2分
      [3000万美元, ∞) -> 5分
    }
    upper_closed: 1分
  }
}
clause b { concept reward.team cite "第13条" "2～5‰" value 2‰~5‰ of fdi_arrived cap 200万元 }
split s { cite "第13条" "3:7" splits b when referral in {municipal_dept, other_district} shares referrer, host = 3:7 }
param staffing.total = about 100人 { cite "一(二)" "100人左右" }
clause m { cite "x" "y" value max(a, 70% of a) }
'''

CORPUS = [SMALL, MESSY] + [p.read_text(encoding="utf-8") for p in sorted(POLICIES.glob("*.policy"))]
TOKENS = ["{", "}", "(", ")", "[", "]", ",", "=", "==", "->", "~", "～", ":", ".", '"', "#", "\n", " ",
          "clause", "value", "when", "tiers", "cap", "of", "up to", "at least", "by reading", "policy", "param",
          "500万美元", "30%", "5‰", "1.5:1", "∞", "分", "万", "亿", "元", "美元", "港元", "引", "\\", "\t",
          "registered_capital", "categories", "in", "not", "and", "max(", "promised", "2020-13-45", "\x00", "\ufeff"]
TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]
SOURCE = (POLICIES / "sources" / "zhangjiagang_2017.txt").read_text(encoding="utf-8")


@st.composite
def mutants(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 40)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate", "char"]))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif kind == "replace":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[j:]
        elif kind == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif kind == "truncate":
            text = text[:i]
        else:
            text = text[:i] + draw(st.characters()) + text[i + 1:]
    return text


def _assert_well_formed(diags: list, text: str) -> None:  # type: ignore[type-arg]
    lines = text.splitlines()
    for d in diags:
        assert d.code in CATALOGUE
        assert d.span.line >= 1 and d.span.column >= 1, d
        assert d.message
        render(d, lines)  # rendering never fails either


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants())
def test_checker_only_reports_diagnostics(text: str) -> None:
    _, diags = check_text(text, "fuzz.policy", TAXONOMY, SOURCE)
    _assert_well_formed(diags, text)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants())
def test_fmt_round_trips_every_mutant_that_parses(text: str) -> None:
    ast, diags = parse_text(text, "fuzz.policy")
    if ast is None or any(d.is_error for d in diags):
        return
    try:
        out = format_text(text, "fuzz.policy")
    except FormatError as e:  # the formatter's own safety net must never fire on parseable input
        raise AssertionError(e.diagnostics) from e
    again, diags2 = parse_text(out, "fuzz.policy")
    assert again == ast and not [d for d in diags2 if d.is_error]
    assert format_text(out, "fuzz.policy") == out
    assert len(scan_comments(out)) == len(scan_comments(text))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    text, diags = decode(data, "bytes.policy")
    if text is None:
        assert diags and diags[0].code == "E002"
        return
    _, more = check_text(text, "bytes.policy", TAXONOMY, SOURCE)
    _assert_well_formed(more, text)


def test_a_huge_file_is_handled(tmp_path: Path) -> None:
    body = "".join(f'clause c{i} {{ cite "x" "y" value {i}分 }}\n' for i in range(20000))
    text = SMALL + body + "clause broken { value ( }\n"
    _, diags = check_text(text, "huge.policy", TAXONOMY, SOURCE)
    syntax = [d for d in diags if d.code.startswith("E1")]
    assert syntax and syntax[0].span.line == SMALL.count("\n") + 20001
