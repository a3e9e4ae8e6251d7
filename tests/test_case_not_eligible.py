"""A single-project case may expect "not eligible" (no clause gives the concept), and an expected value
that is a word but not that one fails the case with a message, never an internal error.

Worked from examples/shapes/sources/a07_per_unit.txt, 第二条: the rent subsidy is for 新落户企业 (a
licensed project that is not a capital increase of a settled firm); an expansion gets none of it."""

from __future__ import annotations

from pathlib import Path

from compare.api import load_policy
from compare.testing.cases import Case, run_case

POLICY = Path(__file__).parent.parent / "examples" / "shapes" / "a07_per_unit.policy"


def _case(project: dict[str, object], expect: dict[str, object]) -> Case:
    return Case("t", "第二条", project, expect, None, {}, [], 1, "t.cases.yaml")


def test_an_expansion_is_not_eligible_for_the_rent_subsidy() -> None:
    cp = load_policy(POLICY)
    project = {"id": "x1", "licensed": True, "expansion": True, "rent_area": "1000平方米"}
    assert run_case(cp, _case(project, {"reward.rent": "not eligible"})).ok


def test_not_eligible_expected_of_a_project_that_gets_the_subsidy_fails_with_the_figure() -> None:
    cp = load_policy(POLICY)
    project = {"id": "x2", "licensed": True, "rent_area": "1000平方米"}  # 30元 × 1000平方米 = 3万元
    result = run_case(cp, _case(project, {"reward.rent": "not eligible"}))
    assert not result.ok
    assert "expected not eligible, got 30000" in result.failures[0]


def test_a_word_that_is_no_expected_value_fails_the_case_with_a_message() -> None:
    cp = load_policy(POLICY)
    project = {"id": "x3", "licensed": True, "expansion": True}
    result = run_case(cp, _case(project, {"reward.rent": "not elegible"}))
    assert not result.ok
    assert "cannot read the expected value `not elegible`" in result.failures[0]
