"""Conditions on the industry, a free-text field: `industry == "房地产"` and `industry != "房地产"` check,
and evaluate through every stage (the column-wise evaluator on both ways of reading records, the
per-row reference interpreter, the explanation, the semantic diff with its witnesses and regions, the
formatter, the command line).  Any other use of a text that `check` would once accept is E302.

Other cities' documents exclude an industry (“房地产项目除外”): clause `not_property` below gives 1分 to
every project outside 房地产.  By hand: a 房地产 project gets 0 (not eligible), a 制造业 project 1分, and
a project that names no industry (the empty text "") 1分.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES
from reference import Reference

from compare.api import outcomes
from compare.data.records import Record
from compare.data.validate import clean_records, columns
from compare.diff.semantic import LESS, MIXED, MORE, semantic_diff
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain import explain
from dsl.check import check_text
from dsl.format import format_text
from dsl.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]
SOURCE = "第1条 对房地产以外的项目加1分。"
HEADER = 'policy t {\n  city t "测试"\n  source "t.txt"\n}\n'
RECORDS = [{"id": "property", "industry": "房地产"}, {"id": "factory", "industry": "制造业"}, {"id": "none"}]


def policy(when: str, value: str = "1分") -> str:
    return (HEADER + 'clause not_property {\n  concept points.host_district\n  cite "第1条" "对房地产以外的项目加1分"\n'
            f"  when {when}\n  value {value}\n}}\n")


def checked(text: str) -> tuple[CompiledPolicy | None, list[tuple[str, str]]]:
    p, diags = check_text(text, "t.policy", TAXONOMY, SOURCE)
    errors = [(d.code, d.message) for d in diags if d.is_error and d.code != "E503"]  # a revision's figure
    return (CompiledPolicy(p) if p is not None and not errors else None), errors


def compiled(text: str) -> CompiledPolicy:
    cp, errors = checked(text)
    assert cp is not None, errors
    return cp


@pytest.mark.parametrize(("when", "expected"), [
    ('industry != "房地产"', [None, 1.0, 1.0]),
    ('"房地产" != industry', [None, 1.0, 1.0]),
    ('industry == "房地产"', [1.0, None, None]),
    ('industry == ""', [None, None, 1.0]),  # a record that names no industry has the empty text
    ('not (industry == "制造业") and industry != ""', [1.0, None, None]),
])
def test_a_text_condition_evaluates_on_every_path(when: str, expected: list[float | None]) -> None:
    """None: not eligible.  The same figures from records read as a table (compare.data.vector), from
    validated records (compare.data.validate.columns), and from the reference interpreter."""
    cp = compiled(policy(when))
    (table,) = outcomes([cp], RECORDS, fx=7.0, analyse=False)
    got_table = [table.value("points.host_district", i) if table.eligible["points.host_district"][i] else None
                 for i in range(3)]
    clean = clean_records([Record(r, i + 1) for i, r in enumerate(RECORDS)])
    out = cp.evaluate(columns(clean), 7.0)
    got_columns = [out.value("points.host_district", i) if out.eligible["points.host_district"][i] else None
                   for i in range(3)]
    ref = Reference(cp.policy, 7.0)
    got_reference = [float(ref.run(r)["points.host_district"].lo) for r in clean]
    assert got_table == got_columns == expected
    assert got_reference == [x or 0.0 for x in expected]


def test_the_explanation_shows_the_text_and_the_condition() -> None:
    cp = compiled(policy('industry != "房地产"'))
    b = columns(clean_records([Record(r, i + 1) for i, r in enumerate(RECORDS)]))
    shown = explain(cp, b, "property", 7.0).render()
    assert 'when industry != "房地产": NO' in shown and 'industry = "房地产"' in shown
    assert 'industry = ""' in explain(cp, b, "none", 7.0).render()  # an empty text stays visible


def test_the_formatter_keeps_a_text_condition() -> None:
    text = policy('"房地产"   !=  industry')
    out = format_text(text, "t.policy")
    assert '"房地产" != industry' in out and format_text(out, "t.policy") == out


def test_semantic_diff_finds_the_industry_a_dropped_exclusion_reaches() -> None:
    """Without the exclusion, a 房地产 project gains 1分 and no project loses: more generous, and the
    witness (re-evaluated by the diff itself) names the industry."""
    old, new = compiled(policy('industry != "房地产"')), compiled(policy("true"))
    d = semantic_diff(old, new, fx=7.0, regions=True)
    (cd,) = d.concepts
    assert cd.verdict == MORE and d.unreproduced == []
    assert {m.witness.project.get("industry") for m in cd.moves if m.witness} == {"房地产"}
    assert any('industry == "房地产"' in r.conditions for r in cd.regions), cd.regions


def test_semantic_diff_of_two_industries_is_mixed_and_other_texts_are_found() -> None:
    """房地产 → 制造业: the 房地产 project loses, the 制造业 one gains."""
    old, new = compiled(policy('industry == "房地产"')), compiled(policy('industry == "制造业"'))
    d = semantic_diff(old, new, fx=7.0)
    (cd,) = d.concepts
    assert cd.verdict == MIXED and d.unreproduced == []
    said = {m.direction: m.witness.project.get("industry") for m in cd.moves if m.witness}
    assert said == {"up": "制造业", "down": "房地产"}
    # the empty text named by a policy: the project outside it needs a text no policy names
    d = semantic_diff(compiled(policy('industry != ""')), compiled(policy('industry != "" and industry != "其他"')),
                      fx=7.0)
    (cd,) = d.concepts
    assert cd.verdict == LESS and d.unreproduced == []
    assert {m.witness.project.get("industry") for m in cd.moves if m.witness} == {"其他"}


@pytest.mark.parametrize(("when", "words"), [
    ('industry > "房地产"', "has no order"),
    ("industry == id", "`id` names the project"),
    ('id == "p1"', "`id` names the project"),
    ('"房地产" == "房地产"', "a text field against a quoted text"),
    ('industry == (if foreign then "房地产" else "制造业")', "a text field against a quoted text"),
    ("categories == categories", "sets are not compared"),
    ("industry in {a, b}", "its set lists quoted texts"),
])
def test_other_uses_of_a_text_are_check_errors(when: str, words: str) -> None:
    cp, errors = checked(policy(when))
    assert cp is None and any(code == "E302" and words in message for code, message in errors), errors


def test_cli_eval_reads_the_industry_column(tmp_path: Path) -> None:
    (tmp_path / "t.policy").write_text(policy('industry != "房地产"'), encoding="utf-8")
    (tmp_path / "t.txt").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "p.csv").write_text("id,industry\nproperty,房地产\nfactory,制造业\nnone,\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "compare.cli", "eval", "t.policy", "--projects", "p.csv",
                        "--format", "csv", "--fx", "7"], cwd=tmp_path, capture_output=True, text=True,
                       env={**os.environ, "COLUMNS": "200"}, timeout=120)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    rows = {line.split(",")[0]: line for line in r.stdout.splitlines()[1:]}
    assert "not_eligible" in rows["property"] and "not_eligible" not in rows["factory"], r.stdout


@pytest.mark.parametrize("concept", ["reward.foreign_rnd_center", "points.host_district", None])
@pytest.mark.parametrize(("value", "words"), [
    ("industry", "is text"), ("grade", "is text"), ('if foreign then "房地产" else "制造业"', "is text"),
    ("referral", "is a choice"), ("categories", "is a set"),
])
def test_a_text_choice_or_set_is_no_clause_value(concept: str | None, value: str, words: str) -> None:
    """Under a concept of unit `any` (reward.foreign_rnd_center), or none, check once accepted these:
    `referral` then evaluated to its code (2 for other_district), text raised CompileError."""
    text = policy("foreign", value)
    text = text.replace("  concept points.host_district\n", f"  concept {concept}\n" if concept else "")
    cp, errors = checked(text)
    assert cp is None and [code for code, _ in errors] == ["E302"], errors
    assert f"the value of clause `not_property` {words}" in errors[0][1]
