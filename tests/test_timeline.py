"""dsl.timeline: when each document of a city is in force, and which one is in force on a date.

Every expected date below is worked out by hand from the header written in the test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dsl.load import merge
from dsl.model import Policy, PolicyFileInfo
from dsl.parse import parse_text
from dsl.timeline import Document, add_years, document_of, header_diagnostics, parse_as_of, timelines

D = dt.date


def _info(text: str, name: str) -> PolicyFileInfo:
    ast, diags = parse_text(text, f"{name}.policy")
    assert ast is not None and not [d for d in diags if d.is_error], [d.message for d in diags]
    return PolicyFileInfo(Path(f"{name}.policy"), text, ast)


def policy(pid: str, *meta: str, city: str = "wuxi", label: str = "无锡", base: str | None = None,
           base_text: str | None = None) -> Policy:
    ext = f" extends {base}" if base else ""
    lines = "\n".join(f"  {m}" for m in meta)
    head = f'policy {pid}{ext} {{\n  city {city} "{label}"\n{lines}\n}}\n'
    chain = ([_info(base_text, base)] if base and base_text else []) + [_info(head, pid)]
    return merge(chain, [])


def doc(pid: str, *meta: str, **kw: str) -> Document:
    p = policy(pid, *meta, **kw)  # type: ignore[arg-type]
    return document_of(p, p.path)


# ---------------------------------------------------------------- start and end of one document

def test_start_is_the_effective_date() -> None:
    d = doc("a", "issued 2016-12-20", "effective 2017-01-01")
    assert (d.issued, d.effective, d.start) == (D(2016, 12, 20), D(2017, 1, 1), D(2017, 1, 1))
    assert d.start_reason == "effective 2017-01-01"


def test_start_from_issue_where_the_text_says_so() -> None:
    d = doc("a", "issued 2023-09-28", 'effective "自发布之日起实施"')
    assert d.effective is None and d.start == D(2023, 9, 28)
    assert d.start_reason == "issued 2023-09-28 (自发布之日起实施)"


def test_start_from_the_issue_date_alone_says_no_entry_into_force_is_stated() -> None:
    d = doc("a", "issued 2020-07-06")
    assert d.start == D(2020, 7, 6)
    assert "the text states no date of entry into force" in d.start_reason


def test_no_date_means_in_force_since_ever_and_open() -> None:
    d = doc("a")
    assert d.start is None and d.end is None and d.start_reason == "not stated"
    assert d.in_force(D(1990, 1, 1)) and d.in_force(D(2090, 1, 1))


def test_expires_is_the_last_day_in_force() -> None:
    d = doc("a", "effective 2021-03-01", "expires 2023-12-31")
    assert d.end == D(2024, 1, 1) and d.end_reason == "expires 2023-12-31"
    assert d.in_force(D(2023, 12, 31)) and not d.in_force(D(2024, 1, 1))
    assert d.in_force(D(2021, 3, 1)) and not d.in_force(D(2021, 2, 28))


def test_valid_counts_whole_years_from_the_start() -> None:
    d = doc("a", "effective 2021-03-01", "valid 3年")
    assert d.end == D(2024, 3, 1) and d.end_reason == "valid 3年"


def test_trial_from_29_february_ends_on_1_march() -> None:
    d = doc("a", "effective 2024-02-29", "trial 1年")  # 2025 has no 29 February
    assert d.end == D(2025, 3, 1)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)


def test_the_earliest_end_wins() -> None:
    d = doc("a", "effective 2021-03-01", "valid 5年", "expires 2022-06-30")
    assert d.end == D(2022, 7, 1) and d.end_reason == "expires 2022-06-30"


def test_a_draft_is_never_in_force() -> None:
    d = doc("a", "effective 2021-03-01", "status draft")
    assert not d.in_force(D(2022, 1, 1))


# ---------------------------------------------------------------- a city's timeline

BASE = 'policy zjg_base {\n  city zhangjiagang "张家港"\n  status superseded\n}\n'


def test_a_revision_ends_its_base_where_it_takes_effect() -> None:
    base = doc("zjg_base", "status superseded", city="zhangjiagang", label="张家港")
    rev = doc("zjg_2017", "effective 2017-01-01", "status in_force", city="zhangjiagang", label="张家港",
              base="zjg_base", base_text=BASE)
    assert rev.revises == "zjg_base"  # extends implies revises
    lines, diags = timelines([rev, base])
    assert diags == []
    tl = lines["zhangjiagang"]
    assert [d.policy for d in tl.documents] == ["zjg_base", "zjg_2017"]
    ended = tl.documents[0]
    assert ended.end == D(2017, 1, 1) and ended.end_reason == "revised by zjg_2017"
    assert tl.as_of(D(2016, 6, 1)).policy == "zjg_base"  # type: ignore[union-attr]
    assert tl.as_of(D(2016, 12, 31)).policy == "zjg_base"  # type: ignore[union-attr]
    assert tl.as_of(D(2017, 1, 1)).policy == "zjg_2017"  # type: ignore[union-attr]
    assert tl.as_of(D(2017, 6, 1)).policy == "zjg_2017"  # type: ignore[union-attr]


def test_replaces_ends_each_document_named() -> None:
    a = doc("wuxi_2019", "effective 2019-01-01")
    b = doc("wuxi_2020", "effective 2020-01-01", "expires 2022-12-31")
    c = doc("wuxi_2023", "effective 2023-09-28", "replaces wuxi_2019, wuxi_2020")
    assert c.replaces == ("wuxi_2019", "wuxi_2020")
    lines, diags = timelines([a, b, c])
    # wuxi_2019 (open) and wuxi_2020 overlap from 2020-01-01 with neither ending the other
    assert [(d.code, d.span.file) for d in diags] == [("E222", "wuxi_2020.policy")]
    ends = {d.policy: (d.end, d.end_reason) for d in lines["wuxi"].documents}
    assert ends["wuxi_2019"] == (D(2023, 9, 28), "replaced by wuxi_2023")
    assert ends["wuxi_2020"] == (D(2023, 1, 1), "expires 2022-12-31")  # its own expiry comes first
    assert lines["wuxi"].as_of(D(2023, 6, 1)).policy == "wuxi_2019"  # type: ignore[union-attr]
    assert lines["wuxi"].as_of(D(2024, 1, 1)).policy == "wuxi_2023"  # type: ignore[union-attr]


def test_two_documents_in_force_at_once_is_an_error_at_the_later_header_naming_both() -> None:
    a = doc("wuxi_2023", "issued 2023-09-28", 'effective "自发布之日起实施"')
    b = doc("wuxi_2024", "effective 2024-05-01")
    _lines, diags = timelines([b, a])
    assert len(diags) == 1
    e = diags[0]
    assert e.code == "E222" and e.is_error and e.span.file == "wuxi_2024.policy" and e.span.line == 1
    assert "无锡" in e.message and "2024-05-01" in e.message
    assert "wuxi_2023" in e.message and "wuxi_2024" in e.message
    assert "replaces wuxi_2023" in (e.hint or "")


def test_documents_whose_periods_do_not_meet_are_fine() -> None:
    a = doc("wuxi_2020", "effective 2020-01-01", "expires 2022-12-31")
    b = doc("wuxi_2023", "effective 2023-01-01")
    lines, diags = timelines([a, b])
    assert diags == []
    assert lines["wuxi"].as_of(D(2022, 12, 31)).policy == "wuxi_2020"  # type: ignore[union-attr]
    assert lines["wuxi"].as_of(D(2023, 1, 1)).policy == "wuxi_2023"  # type: ignore[union-attr]
    assert lines["wuxi"].as_of(D(2019, 12, 31)) is None


def test_two_undated_documents_are_not_compared_and_both_prevail() -> None:
    """Two alternative revisions of one base, neither dated: nothing says which applies, so no error,
    and both are in force (a folder gives both, as it did before dates)."""
    base = doc("b", city="wuxi")
    rev = doc("r", base="b", base_text='policy b {\n  city wuxi "无锡"\n}\n')
    own = doc("o", base="b", base_text='policy b {\n  city wuxi "无锡"\n}\n')
    lines, diags = timelines([base, rev, own])
    assert diags == []
    assert sorted(d.policy for d in lines["wuxi"].prevailing(D(2020, 1, 1))) == ["o", "r"]
    dated = doc("d", "effective 2020-01-01")
    _lines, diags = timelines([base, rev, dated])  # a dated one meets the undated ones from its start
    assert [(d.code, d.span.file) for d in diags] == [("E222", "d.policy"), ("E222", "d.policy")]


def test_a_draft_overlaps_nothing_and_is_offered_only_as_a_draft() -> None:
    a = doc("jx_2020", "effective 2020-01-01", "expires 2020-12-31", city="jiaxing", label="嘉兴")
    b = doc("jx_draft", "status draft", city="jiaxing", label="嘉兴")
    lines, diags = timelines([a, b])
    assert diags == []
    tl = lines["jiaxing"]
    assert tl.as_of(D(2024, 1, 1)) is None
    assert tl.draft().policy == "jx_draft"  # type: ignore[union-attr]


def test_replacing_another_citys_document_is_a_warning_and_ends_nothing() -> None:
    a = doc("wuxi_2023", "effective 2023-09-28")
    b = doc("taicang_2024", "effective 2024-01-01", "replaces wuxi_2023", city="taicang", label="太仓")
    lines, diags = timelines([a, b])
    assert [(d.code, d.span.file) for d in diags] == [("W720", "taicang_2024.policy")]
    assert "无锡" in diags[0].message
    assert lines["wuxi"].documents[0].end is None


def test_a_document_ended_before_it_starts_is_an_error() -> None:
    a = doc("wuxi_2023", "effective 2023-09-28")
    b = doc("wuxi_2019", "effective 2019-01-01", "replaces wuxi_2023")
    _lines, diags = timelines([a, b])
    assert [(d.code, d.span.file) for d in diags] == [("E224", "wuxi_2019.policy")]


# ---------------------------------------------------------------- one header's own errors

def _codes(p: Policy) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.column) for d in header_diagnostics(p)]


def test_expiry_before_the_effective_date_is_an_error_at_the_expires_entry() -> None:
    p = policy("a", "effective 2021-03-01", "expires 2020-12-31")
    # line 4 of the header, `expires 2020-12-31`: the date starts at column 11
    assert _codes(p) == [("E220", 4, 11)]
    assert "2020-12-31" in header_diagnostics(p)[0].message and "2021-03-01" in header_diagnostics(p)[0].message


def test_expiring_on_the_first_day_is_one_day_in_force() -> None:
    p = policy("a", "effective 2021-03-01", "expires 2021-03-01")
    assert _codes(p) == []
    d = document_of(p, p.path)
    assert d.in_force(D(2021, 3, 1)) and not d.in_force(D(2021, 3, 2))


@pytest.mark.parametrize("term", ["6月", "0年", "2.5年"])
def test_a_term_not_in_whole_positive_years_is_an_error(term: str) -> None:
    p = policy("a", "effective 2021-03-01", f"trial {term}")
    assert _codes(p) == [("E221", 4, 9)]  # `  trial ` is 8 characters: the term starts at column 9


def test_replacing_itself_is_an_error() -> None:
    p = policy("a", "effective 2021-03-01", "replaces a")
    assert [c for c, _, _ in _codes(p)] == ["E223"]


# ---------------------------------------------------------------- --as-of

def test_parse_as_of_takes_iso_dates() -> None:
    assert parse_as_of("2017-06-01") == D(2017, 6, 1)
    assert parse_as_of(" 2016-06-01 ") == D(2016, 6, 1)
    assert parse_as_of(D(2020, 1, 2)) == D(2020, 1, 2)


@pytest.mark.parametrize("text", ["2017-02-30", "2017/06/01", "June 2017", "", "20170601", "2017-6-1"])
def test_parse_as_of_refuses_with_a_readable_message(text: str) -> None:
    with pytest.raises(ValueError) as e:
        parse_as_of(text)
    assert "YYYY-MM-DD" in str(e.value)


# ---------------------------------------------------------------- what a run says about its choice

def test_why_a_document_named_explicitly_is_out_of_its_period() -> None:
    from dsl.in_force import outside_period

    a = doc("wuxi_2019", "effective 2019-01-01")
    b = doc("wuxi_2023", "effective 2023-09-28", "expires 2025-12-31", "revises wuxi_2019")
    lines, _ = timelines([a, b])
    tl = lines["wuxi"]
    old, new = tl.documents
    assert outside_period(old, tl, D(2020, 1, 1)) is None
    assert outside_period(old, tl, D(2024, 1, 1)) == \
        "wuxi_2019 is used as of 2024-01-01, after it was revised by wuxi_2023 on 2023-09-28"
    assert outside_period(new, tl, D(2018, 5, 5)) == \
        "wuxi_2023 is used as of 2018-05-05, before it takes effect on 2023-09-28"
    # expires 2025-12-31: 2026-01-01 is the first day out
    assert outside_period(new, tl, D(2026, 1, 1)) == \
        "wuxi_2023 is used as of 2026-01-01, past its expiry: its last day in force was 2025-12-31 (expires 2025-12-31)"


def test_the_notice_line_says_which_document_and_why() -> None:
    from dsl.in_force import notice

    a = doc("wuxi_2019", "effective 2019-01-01")
    b = doc("wuxi_2023", "effective 2023-09-28", "replaces wuxi_2019")
    tl = timelines([a, b])[0]["wuxi"]
    assert notice(tl, tl.as_of(D(2020, 1, 1)), D(2020, 1, 1), "无锡") == \
        "wuxi: wuxi_2019 (in force from 2019-01-01 until 2023-09-27), as of 2020-01-01"
    assert notice(tl, tl.as_of(D(2018, 1, 1)), D(2018, 1, 1), "无锡") == \
        "wuxi: no document of 无锡 in force as of 2018-01-01 (wuxi_2019 takes effect on 2019-01-01): left out"
