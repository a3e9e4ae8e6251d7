"""Malformed policies: each mistake gives the right code, at the right line and column.

Every case is a short text with one mistake.  The expected line and column are counted
by hand from the text (1-based; the column of the first character of the offending
token), never copied from what the tool prints.  Where the tool disagrees with the
text, the case is a strict xfail that names the bug.

Texts are built from lines: `HEADER` is lines 1-4, so the first item starts at line 5.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dsl.check import check_text
from dsl.diagnostics import CATALOGUE, Diagnostic, render
from dsl.parse import decode, parse_text
from dsl.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(Path(__file__).parents[1] / "policies" / "taxonomy")[0]

# The source text the quotes are checked against (whitespace is ignored by the checker).
SOURCE = """第1条 对注册资本500万美元以上的项目，给予落户地加1分。
第2条 对引荐成功的项目，一次性奖励项目团队20万元。
第3条 奖金由引荐单位与受荐单位按3:7的比例进行分配。
第4条 按注册资本500～1000万美元、1000～3000万美元分档，分别给予1分、2分。
"""


def lines(*ls: str) -> str:
    return "\n".join(ls) + "\n"


HEADER = lines(
    "policy t {",               # 1
    '  city t "测试"',           # 2
    '  source "sources/t.txt"',  # 3
    "}",                         # 4
)


def doc(*items: str) -> str:
    """HEADER, then the given lines from line 5 on."""
    return HEADER + lines(*items)


# A reading with two options, lines 5-11 when it follows HEADER.
READING = (
    'reading r "档位边界" {',                    # 5
    '  cite "第4条" "按注册资本500～1000万美元"',  # 6
    '  option lower_closed "含下限"',            # 7
    '  option upper_closed "含上限"',            # 8
    "  default lower_closed",                     # 9
    '  because "以上含本数"',                     # 10
    "}",                                          # 11
)

# The first lines of a tier clause (lines 5-7); rows start at line 8.
TIERS_OPEN = (
    "clause a {",                            # 5
    '  cite "第1条" "给予落户地加1分"',       # 6
    "  value tiers registered_capital {",    # 7
)
TIERS_CLOSE = ("  }", "}")

# A clause whose value a split divides (lines 5-9).
TEAM_REWARD = (
    "clause team_reward {",                   # 5
    "  concept reward.team",                   # 6
    '  cite "第2条" "奖励项目团队20万元"',     # 7
    "  value 20万元",                          # 8
    "}",                                       # 9
)

# A header whose note holds a form feed (a page break copied from a PDF): still 5 lines.
FF_HEADER = lines(
    "policy t {",                 # 1
    '  city t "测试"',             # 2
    '  note "第1页\x0c第2页"',     # 3
    '  source "sources/t.txt"',    # 4
    "}",                           # 5
)

POSITION = "position"  # the bug is in the line or column only; code, message and hint are right
DIAGNOSTIC = "diagnostic"  # the diagnostic is missing or has the wrong code
HINT = "hint"  # the hint is wrong or unhelpful


@dataclass(frozen=True)
class Case:
    id: str
    text: str | bytes
    code: str
    line: int
    column: int
    message: str
    hint: str | None = None  # a part of the hint; None: the tool gives no hint
    mode: str = "check"  # "decode" (bytes), "parse" (syntax), "check" (checker with taxonomy and source)
    also: tuple[str, ...] = ()  # other error codes the input is allowed to give
    hint_excludes: tuple[str, ...] = ()
    bug: str | None = None  # a real bug: the case is a strict xfail
    bug_in: str = POSITION


CASES: list[Case] = [
    # ------------------------------------------------------------ reading the file
    Case("empty_text", "", "E003", 1, 1, "the file is empty", "a policy starts with a header", mode="parse"),
    Case("blank_lines_only", "\n\n   \n\t\n", "E003", 1, 1, "the file is empty", "policy ID {", mode="parse"),
    Case("only_comments", "# 太仓 2020\n  # 草稿\n", "E003", 1, 1, "the file has only comments",
         "a policy starts with a header", mode="parse"),
    Case("binary_nul_first", b"\x00\x01\x02\x03policy", "E002", 1, 1, "NUL byte", "UTF-8 text", mode="decode"),
    Case("nul_byte_on_line_3", b'policy t {\n  city t "x"\n  ti\x00tle "y"\n}\n', "E002", 3, 5, "NUL byte",
         "UTF-8 text", mode="decode"),
    Case("gbk_bytes", b'policy t {\n  city t "\xb2\xe2"\n}\n', "E002", 2, 11, "invalid UTF-8 byte 0xb2",
         "GBK-encoded files must be converted", mode="decode"),
    Case("bad_byte_after_chinese", b'policy t {\n  title "\xe5\xa4\xaa\xe4\xbb\x93\xff"\n}\n', "E002", 2, 12,
         "invalid UTF-8 byte 0xff", "save the file as UTF-8", mode="decode"),
    Case("truncated_utf8_at_end", b'policy t {\n  city t "\xe6\xb5', "E002", 2, 11, "invalid UTF-8 byte 0xe6",
         "save the file as UTF-8", mode="decode"),
    # ------------------------------------------------------------ syntax
    Case("chinese_id_outside_quotes", doc("clause 重大项目 {", "}"), "E100", 5, 8,
         "unexpected character `重` outside a quoted text", "put Chinese in quotes", mode="parse"),
    Case("stray_ascii_character", doc("clause c1 {", "  value 1分 @", "}"), "E100", 6, 12,
         "unexpected character `@`", None, mode="parse"),
    Case("unterminated_quote", doc("clause c1 {", '  cite "第1条" "对注册资本', "  value 1分", "}"), "E103", 6, 14,
         "unterminated string", 'close it with `"`', mode="parse"),
    Case("unterminated_title", 'policy t {\n  title "太仓\n}\n', "E103", 2, 9, "unterminated string",
         'close it with `"`', mode="parse"),
    Case("unit_hong_kong_dollars", doc("clause c1 {", "  value 500万港元", "}"), "E106", 6, 13,
         "unknown unit `港元`", "units are 美元 元", mode="parse"),
    Case("unit_after_space", doc("clause c1 {", "  value 3000 万港元", "}"), "E106", 6, 15,
         "unknown unit `港元`", "units are 美元 元", mode="parse"),
    Case("assign_instead_of_compare", doc("clause c1 {", "  when referral = intermediary", "}"), "E101", 6, 17,
         "unexpected `=`", "compare with `==`, not `=`", mode="parse"),
    Case("tier_row_without_arrow",
         doc("clause c1 {", "  value tiers registered_capital {", "    [1分, 2分) 3分", "  }", "}"),
         "E101", 7, 14, "unexpected `3分`", "the `->` is missing", mode="parse"),
    Case("tier_edges_without_comma",
         doc("clause c1 {", "  value tiers registered_capital {", "    [1分 2分) -> 3分", "  }", "}"),
         "E101", 7, 9, "unexpected `2分`", "separated by a comma", mode="parse"),
    Case("missing_brace_at_end_of_file", doc("clause c1 {", '  cite "第1条" "给予落户地加1分"', "  value 1分"),
         "E102", 7, 11, "the file ends in the middle of an item", "expected `}`, `beneficiary`", mode="parse"),
    Case("header_not_closed_at_end_of_file", 'policy t {\n  city t "测试"\n', "E102", 2, 14,
         "the file ends inside the header: a `}` is missing", "`}`", mode="parse"),
    Case("header_not_closed_before_clause",
         lines("policy t {", '  city t "测试"', "", "clause c1 {", "  value 1分", "}"),
         "E101", 4, 1, "unexpected `clause`", "`}`", mode="parse"),
    Case("file_starts_with_clause", lines("# 草稿", "", "  clause c1 {", "  value 1分", "}"), "E104", 3, 3,
         "the file starts with `clause`, not with its header", "a policy starts with: policy ID {", mode="parse"),
    Case("misspelt_policy_keyword", lines("polcy t {", "}"), "E104", 1, 1, "the file starts with `polcy`",
         "policy ID {", mode="parse"),
    Case("keyword_as_clause_id", doc("clause value {", "  value 1分", "}"), "E101", 5, 8,
         "`value` is a keyword and cannot be used as a name", "choose another name", mode="parse"),
    Case("statement_outside_block", doc("value 1分"), "E105", 5, 1, "`value` is a statement of an item, outside any item", "put it inside a block",
         mode="parse"),
    # a misspelt keyword is named (the list of what may come there is long and need not show it)
    Case("misspelt_statement", doc("clause c1 {", "  valu 1分", "}"), "E101", 6, 3, "unexpected `valu`",
         "did you mean `value`? expected `}`, `beneficiary`", mode="parse"),
    Case("two_values", doc("clause c1 {", "  value 1分", "  value 2分", "}"), "E108", 7, 3,
         "`value` given twice in clause `c1`", "a clause has one `value`", mode="parse"),
    Case("two_whens", doc("clause c1 {", "  when licensed", "  when started", "  value 1分", "}"), "E108", 7, 3,
         "`when` given twice in clause `c1`", "a clause has one `when`", mode="parse"),
    Case("city_twice_in_header", lines("policy t {", '  city t "测试"', '  city u "别处"', "}"), "E108", 3, 3,
         "`city` given twice in the header", "first given at line 2", mode="parse"),
    Case("cite_with_one_string", doc("clause c1 {", '  cite "第1条"', "  value 1分", "}"), "E101", 7, 3,
         "unexpected `value`", "`cite` takes the article and then the quote", mode="parse"),
    Case("date_without_leading_zeros", lines("policy t {", '  city t "测试"', "  issued 2020-7-6", "}"),
         "E109", 3, 10, "`2020-7-6` is not a date", "dates are YYYY-MM-DD", mode="parse"),
    Case("usd_code_and_unit", doc("clause c1 {", "  value USD 500万美元", "}"), "E106", 6, 9,
         "`USD` is followed by a plain number, not `500万美元`", "write `USD 5000000` or `500万美元`", mode="parse"),
    Case("cny_code_and_unit", doc("clause c1 {", "  value CNY 200万元", "}"), "E106", 6, 9,
         "`CNY` is followed by a plain number, not `200万元`", "write `CNY 2000000` or `200万元`", mode="parse"),
    # `USD 4000万` is 4000万美元 (docs/language.md, tests/test_limits.py); a unit after the code stays an error
    Case("usd_code_scale_and_unit", doc("clause c1 {", "  value USD 4000万美元", "}"), "E106", 6, 9,
         "`USD` is followed by a plain number, not `4000万美元`", "write `USD 40000000` or `4000万美元`", mode="parse"),
    Case("plus_without_right_side", doc("clause c1 {", "  value 1分 +", "}"), "E101", 7, 1, "unexpected `}`",
         "expected a value: a figure (500万美元, 30%), a name, `(`", mode="parse", hint_excludes=("`->`", "__anon")),
    Case("undefined_clause_name", doc("clause c1 {", '  cite "第1条" "给予落户地加1分"', "  value host_total", "}"),
         "E200", 7, 9, "undefined name `host_total`", "names are project fields, clause ids or param keys"),
    Case("hint_lost_after_resync",
         doc("clause c1 {", "  value 重", "}", "clause c2 {", "  when foreign = true", "}"),
         "E101", 9, 16, "unexpected `=`", "compare with `==`, not `=`", mode="parse", also=("E100",)),
    Case("form_feed_then_missing_brace", FF_HEADER + lines("clause c1 {", "  value 1分"), "E102", 7, 11,
         "the file ends in the middle of an item", "a `}` is missing", mode="parse"),
    Case("form_feed_then_unknown_unit", FF_HEADER + lines("clause c1 {", "  value 500万港元", "}"), "E106", 7, 13,
         "unknown unit `港元`", "units are 美元 元", mode="parse"),
    # ------------------------------------------------------------ names
    Case("undefined_field_did_you_mean",
         doc("clause c1 {", "  concept points.host_district", '  cite "第1条" "对注册资本500万美元以上的项目"',
             "  when registerd_capital >= 500万美元", "  value 1分", "}"),
         "E202", 8, 8, "`registerd_capital` is not a field of the project record", "did you mean `registered_capital`?"),
    Case("unknown_category",
         doc("clause c1 {", '  cite "第1条" "给予落户地加1分"', "  when fortune_500 in categories", "  value 1分", "}"),
         "E203", 7, 8, "unknown category `fortune_500`", "did you mean `fortune_global_500`?"),
    Case("unknown_referral_choice",
         doc("clause c1 {", '  cite "第1条" "给予落户地加1分"', "  when referral == intermediery", "  value 1分", "}"),
         "E203", 7, 20, "`intermediery` is not a choice of `referral`", "did you mean `intermediary`?"),
    Case("unknown_grade",
         doc("clause c1 {", '  cite "第1条" "给予落户地加1分"', '  when grade >= "G"', "  value 1分", "}"),
         "E203", 7, 17, 'unknown grade "G"', "grades are A+, A, B+"),
    Case("unknown_concept_did_you_mean",
         doc("clause c1 {", "  concept points.host_distrct", "  beneficiary host_district",
             '  cite "第1条" "给予落户地加1分"', "  value 1分", "}"),
         "E204", 6, 11, "`points.host_distrct` is not a concept of the taxonomy", "did you mean `points.host_district`?"),
    Case("unknown_beneficiary",
         doc("clause c1 {", "  concept points.host_district", "  beneficiary host_distrct",
             '  cite "第1条" "给予落户地加1分"', "  value 1分", "}"),
         "E205", 7, 15, "unknown beneficiary `host_distrct`", "did you mean `host_district`?"),
    Case("unknown_reading_in_by_reading",
         doc("reading tier_edges {", '  cite "第4条" "按注册资本500～1000万美元"', "  option lower_closed",
             "  option upper_closed", "  default lower_closed", '  because "以上含本数"', "}",
             "clause c1 {", '  cite "第1条" "给予落户地加1分"',
             "  value by reading tier_edgs { lower_closed: 1分  upper_closed: 2分 }", "}"),
         "E206", 14, 20, "unknown reading `tier_edgs`", "did you mean `tier_edges`?"),
    Case("circular_clause_reference",
         doc("clause a {", '  cite "第1条" "给予落户地加1分"', "  value b", "}",
             "clause b {", '  cite "第1条" "给予落户地加1分"', "  value a", "}"),
         "E207", 11, 9, "clauses refer to each other in a circle: a -> b -> a", "cannot depend on its own value"),
    Case("unknown_status",
         lines("policy t {", '  city t "测试"', "  status inforce", '  source "sources/t.txt"', "}"),
         "E208", 3, 10, "unknown status `inforce`", "did you mean `in_force`?"),
    Case("duplicate_clause_id",
         doc("clause a {", '  cite "第1条" "给予落户地加1分"', "  value 1分", "}",
             "clause a {", '  cite "第1条" "给予落户地加1分"', "  value 2分", "}"),
         "E201", 9, 1, "clause `a` is defined twice", "first defined at line 5"),
    # ------------------------------------------------------------ types and units
    Case("usd_and_cny_in_one_tier_table",
         doc(*TIERS_OPEN, "    [500万美元, 1000万元) -> 1分", *TIERS_CLOSE),
         "E300", 8, 14, "the tier edges: USD (美元) and CNY (元) are mixed", "convert explicitly with cny(…) / usd(…)"),
    Case("points_plus_money",
         doc("clause a {", '  cite "第1条" "给予落户地加1分"', "  value 1分 + 20万元", "}"),
         "E301", 7, 9, "`+`: points (分) and an amount in CNY (元) do not match", None),
    Case("months_plus_days",
         doc("clause a {", '  cite "第1条" "给予落户地加1分"', "  value 1个月 + 3天", "}"),
         "E301", 7, 9, "months (月, 年) and days (天, 周) do not match", "a month is not a fixed number of days"),
    Case("ratio_as_cap_of_money",
         doc("clause a {", '  cite "第2条" "奖励项目团队20万元"', "  value 5‰ of paid_in_capital cap 30%", "}"),
         "E302", 7, 35, "`cap` needs an amount of money, got a ratio", "e.g. cap 200万元"),
    Case("money_as_rate_before_of",
         doc("clause a {", '  cite "第2条" "奖励项目团队20万元"', "  value 5万元 of paid_in_capital", "}"),
         "E302", 7, 9, "the rate before `of` must be a ratio such as 5‰, got an amount in CNY (元)", "5‰ of paid_in_capital"),
    Case("when_is_money",
         doc("clause a {", '  cite "第2条" "奖励项目团队20万元"', "  when registered_capital", "  value 20万元", "}"),
         "E303", 7, 8, "the condition of clause `a` is an amount of money, not true/false", "compare it: paid_in_ratio >= 30%"),
    Case("money_for_points_concept",
         doc("clause a {", "  concept points.host_district", '  cite "第2条" "奖励项目团队20万元"', "  value 20万元", "}"),
         "E304", 8, 9, "`points.host_district` is measured in points, but the value is an amount in CNY (元)",
         "check the unit of the figures"),
    Case("cny_figure_where_quote_says_usd",
         doc("clause c1 {", "  concept points.host_district", '  cite "第1条" "对注册资本500万美元以上的项目"',
             "  when registered_capital >= 500万元", "  value 1分", "}"),
         "E305", 8, 30, "500万元 is in 元 (CNY) but the quoted text speaks of 美元 (USD)", "write 500万美元"),
    # ------------------------------------------------------------ tiers and splits
    Case("tier_gap",
         doc(*TIERS_OPEN, "    [500万美元, 1000万美元) -> 1分", "    [2000万美元, 3000万美元) -> 2分", *TIERS_CLOSE),
         "E400", 9, 5, "gap between tiers [500万美元, 1000万美元) and [2000万美元, 3000万美元)", "add a tier with 0"),
    Case("tier_gap_at_open_edges",
         doc(*TIERS_OPEN, "    [500万美元, 1000万美元) -> 1分", "    (1000万美元, 3000万美元) -> 2分", *TIERS_CLOSE),
         "E400", 9, 5, "gap between tiers", "a value of exactly 1000万美元 matches no tier"),
    Case("tier_overlap",
         doc(*TIERS_OPEN, "    [500万美元, 1000万美元] -> 1分", "    [1000万美元, 3000万美元) -> 2分", *TIERS_CLOSE),
         "E401", 9, 5, "overlap at 1000万美元", "close one side and open the other"),
    Case("tiers_unsorted",
         doc(*TIERS_OPEN, "    [1000万美元, 3000万美元) -> 2分", "    [500万美元, 1000万美元) -> 1分", *TIERS_CLOSE),
         "E402", 9, 5, "tier [500万美元, 1000万美元) starts below the tier before it", "from the lowest edge up"),
    Case("tier_empty",
         doc(*TIERS_OPEN, "    [1000万美元, 500万美元) -> 1分", *TIERS_CLOSE),
         "E403", 8, 5, "the tier [1000万美元, 500万美元) contains no value", "the low edge comes first"),
    Case("tier_edge_computed",
         doc(*TIERS_OPEN, "    [500万美元, 2 * 500万美元) -> 1分", *TIERS_CLOSE),
         "E406", 8, 5, "tier edges must be figures", "a computed edge cannot be checked"),
    Case("shares_add_to_90_percent",
         doc(*TEAM_REWARD, "split s {", '  cite "第3条" "奖金由引荐单位与受荐单位按3:7的比例进行分配"',
             "  splits team_reward", "  shares referrer = 30%, host = 60%", "}"),
         "E404", 13, 10, "the shares add up to 90", "is a scale, not a split"),
    Case("shares_two_names_three_proportions",
         doc(*TEAM_REWARD, "split s {", '  cite "第3条" "奖金由引荐单位与受荐单位按3:7的比例进行分配"',
             "  splits team_reward", "  shares referrer, host = 3:3:4", "}"),
         "E405", 13, 10, "2 shares but 3 proportions in `3:3:4`", "one proportion per share"),
    # ------------------------------------------------------------ citations
    Case("quote_not_in_source",
         doc("clause a {", '  cite "第1条" "港澳台投资项目"', "  value 1分", "}"),
         "E500", 6, 14, "quote not found in the source: no part of it occurs", "copy the text verbatim"),
    Case("quote_on_next_line_differs",
         doc("clause a {", '  cite "第1条"', '       "给予落户地加2分"', "  value 1分", "}"),
         "E500", 7, 8, "matches up to “给予落户地加”, then the quote has “2分”", "copy the text verbatim"),
    Case("clause_without_cite", doc("clause a {", "  value 1分", "}"), "E502", 5, 1,
         "clause `a` cites no article", 'add: cite "第5条"'),
    Case("clause_without_value", doc("clause a {", '  cite "第1条" "给予落户地加1分"', "}"), "E110", 5, 1,
         "clause `a` has no `value`", "add: value 10分"),
    Case("invalid_date",
         lines("policy t {", '  city t "测试"', "  issued 2020-13-45", '  source "sources/t.txt"', "}"),
         "E109", 3, 10, "`2020-13-45` is not a date", "dates are YYYY-MM-DD"),
    # ------------------------------------------------------------ readings
    Case("default_not_an_option",
         doc(*READING[:4], "  default lower_close", *READING[5:]),
         "E600", 9, 11, "default `lower_close` is not an option of reading `r`", "did you mean `lower_closed`?"),
    Case("reading_case_missing",
         doc(*READING, "clause c1 {", '  cite "第1条" "给予落户地加1分"', "  value by reading r { lower_closed: 1分 }", "}"),
         "E601", 14, 9, "reading `r` has no case for `upper_closed`", "give a value for every option"),
    Case("reading_case_unknown_option",
         doc(*READING, "clause c1 {", '  cite "第1条" "给予落户地加1分"',
             "  value by reading r { lower_closed: 1分  upper_closed: 2分  middle: 3分 }", "}"),
         "E601", 14, 60, "`middle` is not an option of reading `r`", "options: lower_closed, upper_closed"),
    # ------------------------------------------------------------ warnings
    Case("paid_in_ratio_above_100_percent",
         doc("clause a {", '  cite "第1条" "给予落户地加1分"', "  when paid_in_ratio > 130%", "  value 1分", "}"),
         "W700", 7, 8, "clause `a` can never fire: no value of `paid_in_ratio` satisfies all its bounds",
         "check the condition against the text"),
    Case("licensed_and_not_licensed",
         doc("clause a {", '  cite "第1条" "给予落户地加1分"', "  when licensed and not licensed", "  value 1分", "}"),
         "W700", 7, 8, "it requires both `licensed` and `not licensed`", "check the condition"),
    Case("shadowed_tier",
         doc(*TIERS_OPEN, "    [500万美元, ∞) -> 1分", "    [1000万美元, 3000万美元) -> 2分", *TIERS_CLOSE),
         "W701", 9, 5, "tier [1000万美元, 3000万美元) is never reached", "the first matching tier wins"),
    Case("max_item_never_selected",
         doc("clause a {", '  cite "第1条" "给予落户地加1分"', "  value 1分", "}",
             "clause b {", '  cite "第1条" "给予落户地加1分"', "  value 2分", "}",
             "clause m {", '  cite "第1条" "给予落户地加1分"', "  value max(a, b)", "}"),
         "W702", 15, 13, "`a` is never the highest: `b` fires whenever it does", None),
    Case("reading_never_used", doc(*READING), "W703", 5, 1, "reading `r` is declared but no value depends on it",
         "by reading r"),
]

# The reading cases also leave their reading unused (W703): a warning, allowed.
_IDS = [c.id for c in CASES]
assert len(set(_IDS)) == len(_IDS), "case ids must be distinct"


def run(case: Case) -> list[Diagnostic]:
    """All diagnostics of the input; never lets an exception through unnoticed."""
    if case.mode == "decode":
        assert isinstance(case.text, bytes)
        text, diags = decode(case.text, "t.policy")
        assert text is None
        return diags
    assert isinstance(case.text, str)
    if case.mode == "parse":
        return parse_text(case.text, "t.policy")[1]
    return check_text(case.text, "t.policy", taxonomy=TAXONOMY, source_text=SOURCE)[1]


def params(cases: list[Case]) -> list[Any]:
    out = []
    for c in cases:
        marks = [pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else []
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


def show(diags: list[Diagnostic]) -> list[str]:
    return [f"{d.span.line}:{d.span.column} {d.code} {d.message} | {d.hint}" for d in diags]


def the_diagnostic(case: Case, diags: list[Diagnostic]) -> Diagnostic:
    found = [d for d in diags if d.code == case.code]
    assert len(found) == 1, show(diags)
    d = found[0]
    # these small cases quote only what their own error needs, not every figure (E503: tests/test_trust.py)
    others = [x for x in diags if x is not d and x.is_error and x.code not in case.also and x.code != "E503"]
    assert not others, f"unexpected further errors: {show(others)}"
    return d


def check_message_and_hint(case: Case, d: Diagnostic) -> None:
    assert case.message in d.message, show([d])
    if case.hint is None:
        assert d.hint is None, show([d])
    else:
        assert d.hint is not None and case.hint in d.hint, show([d])
    for bad in case.hint_excludes:
        assert bad not in (d.hint or ""), show([d])


@pytest.mark.parametrize("case", params(CASES))
def test_malformed_input(case: Case) -> None:
    assert case.code in CATALOGUE
    d = the_diagnostic(case, run(case))
    assert (d.span.line, d.span.column) == (case.line, case.column), show([d])
    check_message_and_hint(case, d)


# Where only the position is wrong, the rest of the diagnostic is still checked (not an xfail).
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if c.bug and c.bug_in == POSITION]
                         or [pytest.param(None, marks=pytest.mark.skip(reason="no known position bug"))])
def test_message_and_hint_where_the_position_is_wrong(case: Case) -> None:
    d = the_diagnostic(case, run(case))
    check_message_and_hint(case, d)


def test_enough_cases_cover_every_family() -> None:
    assert len(CASES) >= 40
    codes = {c.code for c in CASES}
    for family in ("E002", "E003", "E100", "E101", "E102", "E103", "E104", "E106", "E108", "E109", "E110",
                   "E200", "E201", "E203", "E204", "E205", "E206", "E207", "E208",
                   "E300", "E301", "E302", "E303", "E304", "E305",
                   "E400", "E401", "E402", "E403", "E404", "E405", "E406",
                   "E500", "E502", "E600", "E601", "W700", "W701", "W702", "W703"):
        assert family in codes, family


# ---------------------------------------------------------------- several errors in one file


def test_every_item_with_a_syntax_error_is_reported() -> None:
    text = doc(
        "clause c1 {",        # 5
        "  value 1分 +",       # 6
        "}",                   # 7  <- E101: `}` where the right side of `+` should be
        "clause c2 {",        # 8
        "  value 重",          # 9  <- E100 at column 9
        "}",                   # 10
        "clause ok {",        # 11
        "  value 2分",         # 12
        "}",                   # 13
        "clause c3 {",        # 14
        '  cite "第1条',       # 15 <- E103 at column 8
        "}",                   # 16
    )
    _, diags = parse_text(text, "t.policy")
    got = [(d.code, d.span.line, d.span.column) for d in diags]
    assert got == [("E101", 7, 1), ("E100", 9, 9), ("E103", 15, 8)], show(diags)
    assert "unexpected `}`" in diags[0].message
    assert "`重`" in diags[1].message and "unterminated string" in diags[2].message


def test_valid_item_between_two_syntax_errors_is_kept() -> None:
    text = doc(
        "clause c1 {",                          # 5
        "  value 1分 +",                         # 6
        "}",                                     # 7  <- E101
        "clause ok {",                          # 8  a valid clause
        '  cite "第1条" "给予落户地加1分"',       # 9
        "  value 1分",                           # 10 (the quote's own figure: E503)
        "}",                                     # 11
        "clause c3 {",                          # 12
        "  value 重",                            # 13 <- E100 at column 9
        "}",                                     # 14
        "clause uses {",                        # 15
        '  cite "第1条" "给予落户地加1分"',       # 16
        "  value ok",                            # 17 refers to the valid clause `ok`
        "}",                                     # 18
    )
    _, diags = check_text(text, "t.policy", taxonomy=TAXONOMY, source_text=SOURCE)
    got = [(d.code, d.span.line, d.span.column) for d in diags if d.is_error]
    assert got == [("E101", 7, 1), ("E100", 13, 9)], show(diags)


def test_header_error_and_item_error_are_both_reported() -> None:
    text = lines(
        "policy t {",          # 1
        "  city 太仓",          # 2  <- E100 at column 8
        "}",                    # 3
        "clause c1 {",          # 4
        "  value 1分 = 2分",    # 5  <- E101 at column 12
        "}",                    # 6
    )
    _, diags = parse_text(text, "t.policy")
    got = [(d.code, d.span.line, d.span.column) for d in diags]
    assert got == [("E100", 2, 8), ("E101", 5, 12)], show(diags)
    assert "`太`" in diags[0].message and "unexpected `=`" in diags[1].message


def test_checker_reports_every_problem_not_just_the_first() -> None:
    text = doc(
        "clause a {",                                  # 5  <- E502 (no cite)
        "  concept points.host_distrct",               # 6  <- E204 at column 11
        "  when registerd_capital >= 500万美元",        # 7  <- E202 at column 8
        "  value 1分",                                 # 8
        "}",                                           # 9
        "clause b {",                                  # 10 <- E110 (no value)
        '  cite "第1条" "给予落户地加1分"',              # 11
        "}",                                           # 12
    )
    _, diags = check_text(text, "t.policy", taxonomy=TAXONOMY, source_text=SOURCE)
    got = sorted((d.code, d.span.line, d.span.column) for d in diags if d.is_error)
    assert got == sorted([("E502", 5, 1), ("E204", 6, 11), ("E202", 7, 8), ("E110", 10, 1)]), show(diags)


# ---------------------------------------------------------------- a huge input


def test_huge_input_reports_the_right_line() -> None:
    # 50,000 clauses of 4 lines each: lines 5 .. 200,004; the bad clause starts at line 200,005.
    body = "".join(f"clause c{i} {{\n  when licensed\n  value 1分\n}}\n" for i in range(50_000))
    text = HEADER + body + lines("clause bad {", "  value 1分 = 2分", "}")
    assert text.count("\n") == 4 + 200_000 + 3
    _, diags = parse_text(text, "t.policy")
    assert [(d.code, d.span.line, d.span.column) for d in diags] == [("E101", 200_006, 12)], show(diags)
    assert diags[0].message == "unexpected `=`"


def test_huge_input_bad_byte_at_the_end() -> None:
    data = (HEADER + "# 注释\n" * 200_000).encode("utf-8") + b'clause c1 "\xcd\xe2" {\n}\n'
    text, diags = decode(data, "t.policy")
    assert text is None
    assert [(d.code, d.span.line, d.span.column) for d in diags] == [("E002", 200_005, 12)], show(diags)
    assert "0xcd" in diags[0].message


# ---------------------------------------------------------------- never an exception

NASTY: list[str | bytes] = [
    "{", "}", '"', "policy", "policy t { city", "policy t {} }", "(" * 3000, "policy t {}\x00",
    "policy t {}\nclause c { value " + "(" * 500 + "1分" + ")" * 500 + " }",
    "policy t {}\nclause c { value tiers x { } }", "policy t {}\nremove clause x", "policy t {}\noverride clause x { }",
    'policy t { city t "测试" }\nparam x.y = 1 { }', "policy t {}\r\nclause c {\r\n  value 1分\r\n",
    "policy t {}\nsplit s { shares a = 3:7 }", "policy t {}\nclause c { value max() }",
    "policy t {}\nclause c { value by reading r { } }", "policy t { issued 0000-00-00 }",
    b"\xff\xfe\x00p\x00o\x00l", b"\xef\xbb\xbfpolicy t {}", "policy t {}\nclause c { value 1" + "0" * 5000 + "分 }",
    "policy t {}\nmechanism m { a = [1, 2 b = 3 }", "policy t {}\nunencoded \"第1条\" because",
]


@pytest.mark.parametrize("text", [c.text for c in CASES] + NASTY,
                         ids=[c.id for c in CASES] + [f"nasty{i}" for i in range(len(NASTY))])
def test_no_input_raises(text: str | bytes) -> None:
    if isinstance(text, bytes):
        decoded, diags = decode(text, "t.policy")
        if decoded is None:
            assert diags and all(d.code == "E002" for d in diags)
            return
        text = decoded
    for diags in (parse_text(text, "t.policy")[1],
                  check_text(text, "t.policy", taxonomy=TAXONOMY, source_text=SOURCE)[1],
                  check_text(text, "t.policy")[1]):
        n_lines = text.count("\n") + 1
        src = text.split("\n")
        for d in diags:
            assert d.code in CATALOGUE, d
            assert 1 <= d.span.line <= n_lines and d.span.column >= 1, show([d])
            assert render(d, src).startswith(f"t.policy:{d.span.line}:{d.span.column}: ")


# ---------------------------------------------------------------- the caret under the spot


def test_render_caret_ascii_line() -> None:
    text = doc("clause c1 {", "  when referral = intermediary", "}")
    _, diags = parse_text(text, "t.policy")
    (d,) = diags
    out = render(d, text.split("\n")).split("\n")
    assert out[0] == "t.policy:6:17: error[E101]: unexpected `=`"
    assert out[1] == "     6 |   when referral = intermediary"
    # `  when referral ` is 16 columns wide: the caret is in the 17th.
    assert out[2] == "       | " + " " * 16 + "^"
    assert out[3] == "  hint: compare with `==`, not `=`"


def test_render_caret_chinese_line() -> None:
    text = doc('clause c1 "重大项目" { value 500万港元 }')
    _, diags = parse_text(text, "t.policy")
    (d,) = diags
    assert (d.code, d.span.line, d.span.column) == ("E106", 5, 30)
    out = render(d, text.split("\n")).split("\n")
    assert out[1] == '     5 | clause c1 "重大项目" { value 500万港元 }'
    # Before 港: `clause c1 "` (11) + 重大项目 (4 wide characters, 8 columns) + `" { value 500` (13)
    # + 万 (2 columns) = 34 columns; 港元 is 4 columns wide.
    assert out[2] == "       | " + " " * 34 + "^^^^"


def test_render_caret_under_a_long_chinese_line() -> None:
    # A 300-character line: render shows a window around the spot, the caret still under it.
    quote = "甲" * 290
    text = doc(f'clause c1 {{ note "{quote}" @ }}')
    _, diags = parse_text(text, "t.policy")
    (d,) = diags
    # `clause c1 { note "` is 18 characters, then 290 甲, then `" `: the `@` is character 311.
    assert (d.code, d.span.line, d.span.column) == ("E100", 5, 18 + 290 + 2 + 1)
    out = render(d, text.split("\n")).split("\n")
    shown = out[1][len("     5 | "):]
    caret = out[2][len("       | "):]
    at = shown.index("@")
    width_before = sum(2 if ch == "甲" else 1 for ch in shown[:at])  # `…` is one column
    assert caret == " " * width_before + "^"
