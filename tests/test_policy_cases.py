"""The hand-worked cases beside the policies (policies/*.cases.yaml), one pytest test each.

Each case was worked out by hand from the source text (its `why` shows the arithmetic and its
`article` names the clause), never by running the code; see compare/casetest.py for the format.
"""

from __future__ import annotations

import pytest
from conftest import POLICIES

from compare.engine.evaluate import CompiledPolicy
from compare.testing.cases import case_files, load_cases, run_case
from dsl.check import check_paths

FILES = case_files([POLICIES])
RESULT = check_paths([POLICIES])
COMPILED = {p.id: CompiledPolicy(p) for p in RESULT.policies}
CASES = [(policy, case) for f in FILES for policy, cases in [load_cases(f)] for case in cases]


@pytest.mark.parametrize("policy, case", CASES, ids=[f"{p}:{c.line}:{c.name[:60]}" for p, c in CASES])
def test_hand_worked_case(policy: str, case) -> None:  # type: ignore[no-untyped-def]
    assert policy in COMPILED, f"no policy {policy}"
    r = run_case(COMPILED[policy], case)
    assert r.ok, "\n".join([*r.failures, r.explanation or ""])


def test_there_are_hand_worked_cases_for_each_city() -> None:
    assert len(CASES) >= 60


def test_every_branch_of_the_four_policies_is_exercised() -> None:
    from compare.testing.cases import Coverage, all_branches

    for f in FILES:
        policy, cases = load_cases(f)
        cov = Coverage()
        all_branches(COMPILED[policy], cov)
        for case in cases:
            run_case(COMPILED[policy], case, cov)
        assert cov.missed() == [], (policy, cov.missed())


def test_every_figure_bearing_sentence_is_cited_or_explained() -> None:
    from compare.testing.source_coverage import source_coverage

    for p in RESULT.policies:
        if p.meta.get("status") and p.meta["status"].value == "superseded":
            continue  # a base that exists to be extended: its revision is reported
        for report in source_coverage(p):
            assert report.uncited == [], (p.id, [s.text for s in report.uncited])
            assert report.with_figures


def test_bundled_policies_check_clean() -> None:
    assert [f"{d.span}: {d.code} {d.message}" for d in RESULT.diagnostics] == []
