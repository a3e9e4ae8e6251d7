"""Thousands of mutated policy texts: only diagnostics come out, never an exception, and
the formatter round-trips every mutant that still parses.  Deep nesting is refused past MAX_DEPTH
at the first construct past it, and goes through every stage within it; CR and CRLF line endings
read as LF."""

from __future__ import annotations

from pathlib import Path

from conftest import POLICIES
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_format import MESSY

from compare.data.records import Record
from compare.data.validate import clean_records, columns
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain import explain
from dsl.check import check_text
from dsl.diagnostics import CATALOGUE, render
from dsl.format import FormatError, format_text, scan_comments
from dsl.lark_parser import MAX_DEPTH
from dsl.parse import decode, parse_text
from dsl.taxonomy import load_taxonomy
from dsl.walk import same

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


# ---------------------------------------------------------------- deep nesting


# Constructs that nest an expression one level each, as (prefix, suffix, where its node begins in the
# prefix): every combination is a valid figure in points.
VALUE_NESTS = [("- ", "", 0), ("up to ", "", 0), ("about ", "", 0), ("max(", ")", 0), ("max(2分, ", ")", 0),
               ("(1分 + ", ")", 1), ("(if foreign then ", " else 2分)", 1), ("50% of (", ")", 0),
               ("tiers registered_capital { [0美元, ∞) -> ", " }", 0),
               ("by reading r { x: ", " y: 1分 }", 0)]
WHEN_NESTS = [("not ", "", 0), ("(foreign and ", ")", 1), ("(true == (", "))", 1), ("(if started then ", " else false)", 1),
              ("(started or ", ")", 1)]
DEEP_HEADER = ('policy p {\n  city x "x"\n  source "s.txt"\n}\n'
               'reading r "r" {\n  cite "第1条" "r"\n  option x\n  option y\n  default x\n  because "r"\n}\n')


def _nest(nests: list[tuple[str, str, int]], inner: str) -> str:
    return "".join(p for p, _, _ in nests) + inner + "".join(s for _, s, _ in reversed(nests))


def _first_past_limit(nests: list[tuple[str, str, int]], column: int, above: int = 0) -> int:
    """The column where the first construct past the limit begins: the nests begin at `column`, inside
    `above` levels."""
    k = MAX_DEPTH - above  # constructs within the limit
    return column + sum(len(p) for p, _, _ in nests[:k]) + nests[k][2]


def _nests(choices: list[tuple[str, str, int]]) -> st.SearchStrategy[list[tuple[str, str, int]]]:
    """Shallow, or close to the limit on either side of it."""
    depth = st.integers(0, 8) | st.integers(MAX_DEPTH - 3, MAX_DEPTH + 12)
    return depth.flatmap(lambda n: st.lists(st.sampled_from(choices), min_size=n, max_size=n))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_nests(VALUE_NESTS), _nests(WHEN_NESTS), st.integers(1, 400))
def test_deep_nesting_is_refused_past_the_limit_and_evaluated_within_it(
        value: list[tuple[str, str, int]], when: list[tuple[str, str, int]], chain: int) -> None:
    cond = " and ".join(["foreign"] * chain + [_nest(when, "started")])  # a chain is one level however long
    text = (DEEP_HEADER + 'clause c {\n  concept points.host_district\n  cite "第1条" "注册资本0美元以上加1分，否则2分，50%"\n'
            f"  when {cond}\n  value {_nest(value, '1分')}\n}}\n")
    policy, diags = check_text(text, "deep.policy")
    _assert_well_formed(diags, text)
    deep = [d for d in diags if d.code == "E111"]
    expected = []  # the when (line 15) comes before the value (line 16)
    if len(when) + 1 > MAX_DEPTH:  # inside the chain, which is one level
        expected.append((15, _first_past_limit(when, 8 + len("foreign and ") * chain, above=1)))
    if len(value) > MAX_DEPTH:
        expected.append((16, _first_past_limit(value, 9)))
    expected = expected[:1]  # the item is refused at its first construct past the limit
    assert [(d.span.line, d.span.column) for d in deep] == expected
    assert [d.code for d in diags if d.is_error] == ["E111"] * len(expected)
    if expected:
        return
    assert policy is not None
    out = format_text(text, "deep.policy")
    assert same(parse_text(out, "deep.policy")[0], parse_text(text, "deep.policy")[0])
    cp = CompiledPolicy(policy)
    batch = columns(clean_records([Record({"id": "a", "foreign": True, "started": True,
                                           "registered_capital": "2000万美元"}, 1)]))
    cp.evaluate(batch, 7.0)
    explain(cp, batch, "a", 7.0).render()


# ---------------------------------------------------------------- line endings


@st.composite
def line_endings(draw: st.DrawFn) -> tuple[str, str]:
    """A text of the corpus (or a mutant), and the same text with each line ending \\n, \\r\\n or \\r."""
    text = draw(st.sampled_from(CORPUS) | mutants())
    assume("\r" not in text)
    lines = text.split("\n")
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines)))
    out = []
    for k, line in enumerate(lines[:-1]):
        end = ends[k]
        if end == "\n" and not line and out and out[-1].endswith("\r"):
            end = "\r\n"  # `\r` then `\n` would be one CRLF, not two line ends
        out.append(line + end)
    return text, "".join(out) + lines[-1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line_endings())
def test_cr_and_crlf_line_endings_read_as_lf(texts: tuple[str, str]) -> None:
    lf, mixed = texts
    ast, diags = parse_text(mixed, "fuzz.policy")
    lf_ast, lf_diags = parse_text(lf, "fuzz.policy")
    assert diags == lf_diags and same(ast, lf_ast)
    assert decode(mixed.encode("utf-8"), "fuzz.policy") == decode(lf.encode("utf-8"), "fuzz.policy")
    if lf_ast is not None and not [d for d in lf_diags if d.is_error]:
        try:
            want = format_text(lf, "fuzz.policy")
        except FormatError:  # the formatter's own net (tested above): only the line endings matter here
            return
        assert format_text(mixed, "fuzz.policy") == want
