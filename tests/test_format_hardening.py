"""The formatter's promises under comments: idempotent, every comment kept once and still beside
the statement (tier row, reading case, option) it was written beside, and no valid file refused.

Reproducers of three bugs found by a probe, then a property test over the bundled policies (and
an example of every construct of a city's own record: tests/test_format_record.py) with
`# c<n>` comments inserted at line starts, line ends and before every statement, the statements
reordered and run on after one another.
"""

from __future__ import annotations

import functools
import itertools
import re

import pytest
from conftest import POLICIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_format_record import RECORD_POLICY

from dsl.format import FormatError, format_text, scan_comments

HEADER = 'policy p {\n  city x "甲"\n}\n'


def fmt(text: str) -> str:
    """Format, and check on the way that formatting the result again changes nothing."""
    out = format_text(text, "t.policy")
    assert format_text(out, "t.policy") == out, "not idempotent"
    return out


# ---------------------------------------------------------------- bug 1: a comment before `shares`


def test_comment_before_shares_stays_before_shares() -> None:
    # It used to drop below `shares` on the first run, then out of the split on the second.
    text = HEADER + "split s {\n  # 3:7 is referrer:host\n  shares referrer, host = 3:7\n  splits team_reward\n}\n"
    assert fmt(text) == HEADER + ("\nsplit s {\n  splits team_reward\n  # 3:7 is referrer:host\n"
                                  "  shares referrer, host = 3:7\n}\n")


def test_comments_on_shares_in_list_form_are_kept() -> None:
    text = HEADER + "split s {\n  when x  # only then\n  # halves\n  shares a = 50%, b = 50%  # even\n}\n"
    assert fmt(text) == HEADER + ("\nsplit s {\n  when x  # only then\n  # halves\n"
                                  "  shares a = 50%, b = 50%  # even\n}\n")


# ---------------------------------------------------------------- bug 2: statements the AST gives no span

# (item as written, item as formatted): the comment must stay directly above its statement while
# the statements are put in canonical order around it.
DETACHED = {
    "concept": ('clause c {\n  cite "a" "b"\n  # k\n  concept points.x\n  value 1分\n}\n',
                'clause c {\n  # k\n  concept points.x\n  cite "a" "b"\n  value 1分\n}\n'),
    "beneficiary": ("clause c {\n  value 1分\n  # k\n  beneficiary host_district\n}\n",
                    "clause c {\n  # k\n  beneficiary host_district\n  value 1分\n}\n"),
    "note": ('clause c {\n  # k\n  note "n"\n  value 1分\n}\n',
             'clause c {\n  value 1分\n  # k\n  note "n"\n}\n'),
    "splits": ("split s {\n  shares a, b = 3:7\n  # k\n  splits team\n}\n",
               "split s {\n  # k\n  splits team\n  shares a, b = 3:7\n}\n"),
    "split note": ('split s {\n  # k\n  note "n"\n  splits team\n}\n',
                   'split s {\n  splits team\n  # k\n  note "n"\n}\n'),
    "default": ("reading r {\n  # k\n  default a\n  option a\n  option b\n}\n",
                "reading r {\n  option a\n  option b\n  # k\n  default a\n}\n"),
    "because": ('reading r {\n  # k\n  because "x"\n  option a\n  default a\n}\n',
                'reading r {\n  option a\n  default a\n  # k\n  because "x"\n}\n'),
    "reading note": ('reading r {\n  # k\n  note "n"\n  option a\n}\n',
                     'reading r {\n  option a\n  # k\n  note "n"\n}\n'),
    "param beneficiary": ('param p.x = 1分 {\n  cite "a" "b"\n  # k\n  beneficiary host\n}\n',
                          'param p.x = 1分 {\n  # k\n  beneficiary host\n  cite "a" "b"\n}\n'),
    "param note": ('param p.x = 1分 {\n  # k\n  note "n"\n  cite "a" "b"\n}\n',
                   'param p.x = 1分 {\n  cite "a" "b"\n  # k\n  note "n"\n}\n'),
    "mechanism note": ('mechanism m {\n  # k\n  note "n"\n  office = "x"\n}\n',
                       'mechanism m {\n  office = "x"\n  # k\n  note "n"\n}\n'),
}


@pytest.mark.parametrize("case", sorted(DETACHED))
def test_comment_stays_above_a_statement_without_span(case: str) -> None:
    written, formatted = DETACHED[case]
    assert fmt(HEADER + written) == HEADER + "\n" + formatted


def test_each_note_keeps_its_own_comments() -> None:
    text = HEADER + ('clause c {\n  # first\n  note "a"  # on a\n  cite "x" "y"\n  # second\n  note "b"\n'
                     '  concept k.v  # on concept\n}\n')
    assert fmt(text) == HEADER + ('\nclause c {\n  concept k.v  # on concept\n  cite "x" "y"\n  # first\n'
                                  '  note "a"  # on a\n  # second\n  note "b"\n}\n')


def test_trailing_comments_move_with_their_statements() -> None:
    text = HEADER + 'reading r {\n  because "x"  # why\n  default a  # chosen\n  option a  # the one\n}\n'
    assert fmt(text) == HEADER + ('\nreading r {\n  option a  # the one\n  default a  # chosen\n'
                                  '  because "x"  # why\n}\n')


def test_statements_sharing_a_line_get_their_comments() -> None:
    text = HEADER + 'clause c { value 1分 note "n"  # on note\n  # before concept\n  concept k.v cite "a" "b" }\n'
    assert fmt(text) == HEADER + ('\nclause c {\n  # before concept\n  concept k.v\n  cite "a" "b"\n  value 1分\n'
                                  '  note "n"  # on note\n}\n')


# ---------------------------------------------------------------- bug 3: a long expression holding a commented block

LONG_WHEN = (
    "clause c {\n"
    "  when foreign and referral == municipal_dept and licensed and paid_in_ratio >= 30% and by reading over {\n"
    "    # inside the block\n"
    "    inclusive: registered_capital >= 500万美元\n"
    "    strict: registered_capital > 500万美元  # strict trailing\n"
    "  }\n"
    "  value 1分\n"
    "}\n")
LONG_WHEN_FORMATTED = (
    "clause c {\n"
    "  when foreign\n"
    "    and referral == municipal_dept\n"
    "    and licensed\n"
    "    and paid_in_ratio >= 30%\n"
    "    and by reading over {\n"
    "      # inside the block\n"
    "      inclusive: registered_capital >= 500万美元\n"
    "      strict:    registered_capital > 500万美元  # strict trailing\n"
    "    }\n"
    "  value 1分\n"
    "}\n")
LONG_VALUE = (
    "clause c {\n"
    "  value max(some_long_clause_name_number_one, some_long_clause_name_number_two, tiers registered_capital {\n"
    "    # first row\n"
    "    [1000万美元, 3000万美元) -> 2分\n"
    "    [3000万美元, ∞) -> 5分  # top\n"
    "  })\n"
    "}\n")
LONG_VALUE_FORMATTED = (
    "clause c {\n"
    "  value max(\n"
    "    some_long_clause_name_number_one,\n"
    "    some_long_clause_name_number_two,\n"
    "    tiers registered_capital {\n"
    "      # first row\n"
    "      [1000万美元, 3000万美元) -> 2分\n"
    "      [3000万美元, ∞)          -> 5分  # top\n"
    "    }\n"
    "  )\n"
    "}\n")


@pytest.mark.parametrize(("written", "formatted"), [(LONG_WHEN, LONG_WHEN_FORMATTED),
                                                    (LONG_VALUE, LONG_VALUE_FORMATTED)], ids=["when", "value"])
def test_long_expression_with_a_commented_block_is_formatted(written: str, formatted: str) -> None:
    # It used to be refused ("would lose a comment"): the block was rendered twice, and the
    # first rendering had used up its comments.
    assert fmt(HEADER + written) == HEADER + "\n" + formatted


def test_comment_between_operands_of_a_broken_chain_stays_on_its_line() -> None:
    text = HEADER + LONG_WHEN.replace("and licensed and", "and licensed  # licence\n    # then the ratio\n    and")
    out = fmt(text)
    assert "    and licensed  # licence\n    # then the ratio\n    and paid_in_ratio >= 30%\n" in out


# ---------------------------------------------------------------- property: the bundled policies, commented

# The bundled policies, and the example of every construct of a city's own record.
POLICY_TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(POLICIES.glob("*.policy"))}
POLICY_TEXTS["record.policy"] = RECORD_POLICY
KEYWORDS = frozenset("concept beneficiary cite when value note splits shares option default because payer "
                     "type en clause split param mechanism reading unencoded override remove "
                     "field category choice list condition".split())
INSERTED = re.compile(r"# c\d+")
TRAILING = re.compile(r"  # c\d+$")


@functools.cache
def _canonical(name: str) -> str:
    """A bundled policy in canonical layout (test_format checks that the files are kept so), so that
    formatting it with comments added should change nothing but where the comments are."""
    return format_text(POLICY_TEXTS[name], name)


def _is_code(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _is_statement(line: str) -> bool:
    """A line that starts an item or a statement (in canonical layout, as the texts here are)."""
    return _is_code(line) and len(_indent(line)) <= 2 and line.lstrip()[0] not in "})"


def _kind(line: str) -> str:
    word = line.split()[0]
    return word if word in KEYWORDS else "attr"


def _code(text: str) -> list[str]:
    """The code lines, without blank lines, comment lines and inserted trailing comments."""
    return [TRAILING.sub("", line) for line in text.splitlines() if _is_code(line)]


def _followers(text: str) -> dict[str, str | None]:
    """For each inserted comment on a line of its own, the code line after it (None at the end)."""
    lines = text.splitlines()
    out: dict[str, str | None] = {}
    for i, line in enumerate(lines):
        if INSERTED.fullmatch(line.strip()):
            out[line.strip()] = next((TRAILING.sub("", x) for x in lines[i + 1:] if _is_code(x)), None)
    return out


def _shuffle_bodies(data: st.DataObject, lines: list[str], entries: list[str]) -> list[str]:
    """Reorder the statements of each item (comments travel with them), keeping the relative order
    of statements of one kind (two cites, two notes …) so that the meaning stays the same."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        out.append(entries[i])
        head = lines[i]
        if not (_is_statement(head) and not _indent(head) and head.endswith("{") and not head.startswith("policy")):
            i += 1
            continue
        end = lines.index("}", i + 1)
        groups: list[list[int]] = []
        for j in range(i + 1, end):
            if _is_statement(lines[j]):
                groups.append([j])
            elif groups:
                groups[-1].append(j)
            else:  # the rest of the head: a block in a param's value
                out.append(entries[j])
        perm = data.draw(st.permutations(range(len(groups))), label=f"statements of line {i + 1}")
        queues: dict[str, list[list[int]]] = {}
        for g in groups:
            queues.setdefault(_kind(lines[g[0]]), []).append(g)
        for p in perm:
            out.extend(entries[j] for j in queues[_kind(lines[groups[p][0]])].pop(0))
        i = end
    return out


def _commented(data: st.DataObject, names: tuple[str, ...] = tuple(sorted(POLICY_TEXTS)),
               ) -> tuple[str, str, dict[str, str], dict[str, str | None]]:
    """(text with comments, the canonical text it came from, {trailing comment: the line it ends},
    {comment on a line of its own: the line it is above})."""
    original = _canonical(data.draw(st.sampled_from(names), label="policy"))
    lines = original.splitlines()
    line_numbers = st.integers(0, len(lines) - 1)
    starts = data.draw(st.sets(line_numbers, min_size=1, max_size=30), label="comment above line (0-based)")
    ends = data.draw(st.sets(line_numbers, max_size=30), label="comment ending line (0-based)")
    # Half the time a comment above every statement; otherwise statements are left free to be run
    # on after the line before (below), which a comment above them would prevent.
    every_statement = data.draw(st.booleans(), label="a comment above every statement")
    numbers = itertools.count(1)
    trails: dict[str, str] = {}
    entries: list[str] = []  # one per original line, with the comments inserted around it
    for i, line in enumerate(lines):
        above = (i in starts) + (every_statement and _is_statement(line))
        before = [f"{_indent(line)}# c{next(numbers)}" for _ in range(above)]
        if i in ends and _is_code(line) and "#" not in line:
            comment = f"# c{next(numbers)}"
            trails[comment] = line
            line = f"{line}  {comment}"
        entries.append("\n".join([*before, line]))
    if data.draw(st.booleans(), label="reorder statements"):
        entries = _shuffle_bodies(data, lines, entries)
    followers = _followers("\n".join(entries))
    # Run some lines on after the line before (a statement may share a line with others).
    joins = data.draw(st.sets(st.integers(1, len(entries) - 1), max_size=40), label="lines run on after the one before")
    joined: list[str] = []
    for k, entry in enumerate(entries):
        prev = joined[-1].rsplit("\n", 1)[-1] if joined else ""
        if k in joins and "\n" not in entry and _is_code(entry) and _is_code(prev) and "#" not in prev:
            joined[-1] += " " + entry.strip()
        else:
            joined.append(entry)
    return "\n".join(joined) + "\n", original, trails, followers


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_comments_inserted_into_bundled_policies_stay_in_place(data: st.DataObject) -> None:
    _check_commented(*_commented(data))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_comments_inserted_into_the_record_example_stay_in_place(data: st.DataObject) -> None:
    # declarations, pick rows, a value list broken over lines, payers: each kind of line commented
    _check_commented(*_commented(data, ("record.policy",)))


def _check_commented(text: str, original: str, trails: dict[str, str], followers: dict[str, str | None]) -> None:
    try:
        out = format_text(text, "t.policy")
    except FormatError as e:  # a valid file must never be refused
        raise AssertionError([d.message for d in e.diagnostics]) from e
    assert format_text(out, "t.policy") == out
    found = [c.text for c in scan_comments(out)]
    assert len(found) == len(scan_comments(text))
    inserted = INSERTED.findall(text)
    assert inserted and all(found.count(c) == 1 for c in inserted)
    # layout is untouched by comments: the code is the canonical file's, in its order
    assert _code(out) == _code(original)
    # a comment on a line of its own is still directly above the same line; one at the end of a
    # line still ends that line
    assert _followers(out) == followers
    for comment, line in trails.items():
        assert f"{line}  {comment}" in out.splitlines()
