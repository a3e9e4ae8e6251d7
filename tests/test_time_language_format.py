"""fmt on the header's dates and replaced documents and on a clause's time statements: canonical,
idempotent, the AST kept (dsl.walk.same), every comment kept."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import HEADER

from dsl import ast as A
from dsl.format import format_text, scan_comments
from dsl.parse import parse_text
from dsl.walk import same

MESSY = '''policy zhangjiagang_2017 extends zhangjiagang_base {   # header
  city zhangjiagang "张家港"
  issued 2017-01-01
  expires   2021-12-31  # the last day in force
  valid 5年
  trial  2年
  replaces zjg_2015,zjg_2016  # 同时废止
  replaces zjg_2014
  revises zhangjiagang_base
}
'''

CLAUSE = '''clause fdi_reward "外资到账奖励" { value up to 2% of fdi_arrived
  winners 20  by quality_score   # the quota
  # before the cap
  cumulative cap 300万元  within 3年
  once
  schedule 100%,50% , 25%
  clawback when foreign and not licensed within 10年  # 10年内迁离
  installments 1/3,1/3, 1/3
  budget 98万元
  note "n"
}
'''


def fmt_ok(text: str) -> str:
    out = format_text(text, "t.policy")
    assert format_text(out, "t.policy") == out, "fmt twice is fmt once"
    before, _ = parse_text(text, "t.policy")
    after, diags = parse_text(out, "t.policy")
    assert after is not None and not [d for d in diags if d.is_error]
    assert same(before, after), "fmt keeps the AST"
    assert sorted(c.text for c in scan_comments(out)) == sorted(c.text for c in scan_comments(text))
    return out


def test_header_dates_terms_and_replaced_documents_laid_out() -> None:
    out = fmt_ok(MESSY)
    assert out.startswith('''policy zhangjiagang_2017 extends zhangjiagang_base {  # header
  city zhangjiagang "张家港"
  issued 2017-01-01
  expires 2021-12-31  # the last day in force
  valid 5年
  trial 2年
  replaces zjg_2015, zjg_2016  # 同时废止
  replaces zjg_2014
  revises zhangjiagang_base
}
''')


def test_an_expiry_given_as_a_text_stays_a_text() -> None:
    out = fmt_ok('policy t {\n  city t "测试"\n  expires  "至2025年底"\n}\n')
    assert '  expires "至2025年底"\n' in out


def test_time_statements_one_a_line_in_the_canonical_order() -> None:
    out = fmt_ok(HEADER + CLAUSE)
    assert '''clause fdi_reward "外资到账奖励" {
  value up to 2% of fdi_arrived
  # before the cap
  cumulative cap 300万元 within 3年
  schedule 100%, 50%, 25%
  installments 1/3, 1/3, 1/3
  once
  clawback when foreign and not licensed within 10年  # 10年内迁离
  budget 98万元
  winners 20 by quality_score  # the quota
  note "n"
}
''' in out


STATEMENTS = [
    "cumulative cap   300万元", "cumulative cap 1000万元 within 3年", "cumulative cap 5% of registered_capital",
    "schedule 100%", "schedule 100% derived \"全额\",50%", "installments 50%,50%", "installments 1/3, 2/3",
    "once", "clawback when relocated", "clawback when relocated  within 10年", "budget 98万元",
    "winners 2", "winners 2 by quality_score * 2",
]


@pytest.mark.parametrize("stmt", STATEMENTS)
def test_each_statement_round_trips(stmt: str) -> None:
    fmt_ok(HEADER + "clause c {\n  value 10万元\n  " + stmt + "  # kept\n}\n")


def test_every_kind_of_time_statement_is_written_out() -> None:
    """A statement the formatter forgot would be dropped (the meaning check would refuse the file): each
    field of dsl.ast_time.Timing, given alone, comes back from fmt."""
    kinds = {f.name for f in dataclasses.fields(A.Timing)}
    seen: set[str] = set()
    for stmt in STATEMENTS:
        ast, _ = parse_text(format_text(HEADER + f"clause c {{\n  value 10万元\n  {stmt}\n}}\n", "t.policy"), "t.policy")
        assert ast is not None
        timing = ast.items[0].timing  # type: ignore[union-attr]
        seen |= {k for k in kinds if getattr(timing, k) is not None}
    assert seen == kinds


def test_a_clause_without_time_statements_is_laid_out_as_before() -> None:
    out = fmt_ok(HEADER + "clause c { value 10万元 }\n")
    assert out.endswith("clause c {\n  value 10万元\n}\n")


def test_a_long_clawback_condition_breaks_like_a_when() -> None:
    cond = " and ".join(f"registered_capital >= {n}万美元" for n in range(100, 110))
    out = fmt_ok(HEADER + f"clause c {{\n  value 10万元\n  clawback when {cond} within 10年\n}}\n")
    lines = [x for x in out.splitlines() if "registered_capital" in x]
    assert lines[0] == "  clawback when registered_capital >= 100万美元"
    assert lines[-1] == "    and registered_capital >= 109万美元 within 10年"
