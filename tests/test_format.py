"""The formatter: canonical, idempotent, meaning-preserving, comment-preserving."""

from __future__ import annotations

import pytest
from conftest import POLICIES

from dsl.format import FormatError, format_text, scan_comments
from dsl.parse import parse_text

MESSY = '''# leading comment
policy zjg_2017   extends zjg_base {   # header trailing
city zhangjiagang "张家港"
    issued 2017-01-01 status in_force
}
# before clause
clause major "重大外资项目加分" { concept points.host_district beneficiary host_district
  cite "第12条" "按注册资本"   # why
  when foreign and (started or licensed) and paid_in_ratio >= 30% and fortune_global_500 in categories
  # before value
  value tiers registered_capital scaled 50% unless in_core_zone {
    # first row
    [1000万美元, 3000 万美元) -> 2分  # row trailing
    [3000万美元,1亿美元) -> 5分
    [1亿美元, inf) -> 10分
  }
}
clause t { value up to (2%~5‰ of fdi_arrived) cap 5000万元 }
clause u { value (max(a, b, c) * 70%) - (1分 - 2分) + -1分 }
clause w { when not (a and b) or c value if a then 1分 else (if b then 2分 else 3分) }
split s { splits team when x shares referrer, host = 3:7 }
param assessment.fdi_weight_ratio = 1.5:1 { cite "a" "b" }
param target.fdi_2024 = committed 32亿美元 stretch 35亿美元
mechanism lg "领导小组" { office = "市招商局\\"x\\"" members = [a, b] }
reading tier_edges { option lower "x" option upper default lower because "z" }
clause v { value by reading tier_edges { lower: 1分 upper: if a then 2分 else 3分 } }
unencoded "13" "xx" because "yy"
remove clause foo
override param x = USD 4000
# trailing comment at end
'''


def test_format_is_idempotent_and_keeps_meaning_and_comments() -> None:
    out = format_text(MESSY, "t.policy")
    assert format_text(out, "t.policy") == out
    before, _ = parse_text(MESSY, "t.policy")
    after, _ = parse_text(out, "t.policy")
    assert before == after
    assert [c.text for c in scan_comments(out)] == [c.text for c in scan_comments(MESSY)]


def test_canonical_layout_details() -> None:
    out = format_text(MESSY, "t.policy")
    # tier arrows aligned (CJK counted as two columns), figures written without inner spaces
    assert "    [1000万美元, 3000万美元) -> 2分  # row trailing\n" in out
    assert "    [3000万美元, 1亿美元)    -> 5分\n" in out
    assert "    [1亿美元, ∞)             -> 10分\n" in out
    # parentheses only where the grammar needs them
    assert "value up to 2%~5‰ of fdi_arrived cap 5000万元\n" in out
    assert "value max(a, b, c) * 70% - (1分 - 2分) + -1分\n" in out
    assert "when not (a and b) or c\n" in out
    assert "value if a then 1分 else if b then 2分 else 3分\n" in out
    # one statement a line, in canonical order, two-space indent, one blank line between items
    assert out.startswith("# leading comment\npolicy zjg_2017 extends zjg_base {  # header trailing\n"
                          "  city zhangjiagang \"张家港\"\n  issued 2017-01-01\n  status in_force\n}\n\n")
    assert "\n\nsplit s {\n  splits team\n  when x\n  shares referrer, host = 3:7\n}\n" in out
    assert 'office = "市招商局\\"x\\""' in out
    assert "override param x = 4000美元\n" in out


def test_comment_before_a_block_statement_stays_before_it() -> None:
    out = format_text(MESSY, "t.policy")
    assert out.index("# before value") < out.index("value tiers") < out.index("# first row")


def test_format_refuses_a_file_that_does_not_parse() -> None:
    with pytest.raises(FormatError) as e:
        format_text('policy p { city x }\nclause c { value [ }\n', "t.policy")
    assert e.value.diagnostics[0].span.line == 2


def test_format_refuses_rather_than_drop_a_repeated_statement() -> None:
    with pytest.raises(FormatError) as e:
        format_text('policy p { city x }\nclause c { value 1分 value 2分 }\n', "t.policy")
    assert e.value.diagnostics[0].code == "E108"


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.policy")), ids=lambda p: p.name)
def test_bundled_policies_are_formatted(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert format_text(text, str(path)) == text, f"run `policylab fmt {path}`"
