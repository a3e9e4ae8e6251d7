"""Hints that teach: a wrong value after a header keyword shows the form expected, a quoted
choice is told to drop its quotes."""

from __future__ import annotations

import pytest

from dsl.check import check_text
from dsl.parse import parse_text


def first(text: str) -> tuple[str, int, int, str | None]:
    _, diags = parse_text(text, "t.policy")
    d = diags[0]
    return d.code, d.span.line, d.span.column, d.hint


@pytest.mark.parametrize("line, code, col, hint", [
    ('  city "张家港"', "E101", 8, 'a city is an ASCII id, then its name in quotes: city zhangjiagang "张家港"'),
    ("  city 张家港", "E100", 8, 'a city is an ASCII id, then its name in quotes: city zhangjiagang "张家港"'),
    ("  city zhangjiagang 张家港", "E100", 21,
     'a city is an ASCII id, then its name in quotes: city zhangjiagang "张家港"'),
    ("  title 关于招商", "E100", 9, 'a title is a quoted text: title "关于进一步完善招商引资工作机制的实施办法"'),
    ("  title foo", "E101", 9, 'a title is a quoted text: title "关于进一步完善招商引资工作机制的实施办法"'),
    ("  docno 43", "E101", 9, 'a document number is a quoted text: docno "太政发〔2020〕43号"'),
    ("  issuer foo", "E101", 10, 'an issuer is a quoted text: issuer "太仓市人民政府"'),
    ("  issued July", "E101", 10,
     'issued takes a date, YYYY-MM-DD: issued 2020-07-06 (or a quoted text: issued "2020年7月")'),
    ("  effective soon", "E101", 13,
     'effective takes a date, YYYY-MM-DD: effective 2017-01-01 (or a quoted text: effective "自发布之日起施行")'),
    ('  status "draft"', "E101", 10, "a status is one unquoted word: status in_force (or draft, superseded)"),
    ("  source sources/x.txt", "E101", 10,
     'the source is the path of the text in quotes, relative to the policy: source "sources/zhangjiagang_2017.txt"'),
    ("  note hello", "E101", 8, 'a note is a quoted text: note "原文无标题"'),
])
def test_a_wrong_value_after_a_header_keyword_shows_the_form(line: str, code: str, col: int, hint: str) -> None:
    assert first(f"policy p {{\n{line}\n}}\n") == (code, 2, col, hint)


def test_the_form_is_found_across_a_comment_and_a_line_break() -> None:
    text = 'policy p {\n  city # the id first\n    "张家港"\n}\n'
    assert first(text) == ("E101", 3, 5, 'a city is an ASCII id, then its name in quotes: city zhangjiagang "张家港"')


def test_a_keyword_in_a_comment_gives_no_header_hint() -> None:
    code, line, col, hint = first("policy p {\n  # the city\n  foo\n}\n")
    assert (code, line, col) == ("E101", 3, 3)
    assert hint is not None and hint.startswith("expected `}`, `city`")


CHOICE = '''policy p {
  city wuxi "无锡"
}

clause c "x" {
  cite "(1)" "对"
  when referral == "intermediary"
  value 1分
}
'''


def test_a_quoted_choice_is_told_to_drop_the_quotes() -> None:
    _, diags = check_text(CHOICE, "t.policy", None, "对")
    (d,) = [d for d in diags if d.code == "E302"]
    assert (d.span.line, d.span.column, d.span.end_column) == (7, 20, 34)
    assert d.message == "`referral` is compared with one of its choices, not with a quoted text"
    assert d.hint == "drop the quotes: write referral == intermediary"


def test_a_quoted_unknown_choice_lists_the_choices() -> None:
    _, diags = check_text(CHOICE.replace('"intermediary"', '"agent"'), "t.policy", None, "对")
    (d,) = [d for d in diags if d.code == "E302"]
    assert d.hint == "drop the quotes; choices: none, municipal_dept, other_district, intermediary"
