"""Cases of several projects over years (compare.testing.year_cases) and the explanation per year
(compare.engine.explain_years): the examples of shapes 12–14 pass, a wrong expectation fails with the
year and the figure, and a case that cannot be run says what to change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import ROOT

from compare.api import load_policy
from compare.data.read import from_dicts
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain_years import explain_years
from compare.engine.project_years import ProjectYears
from compare.testing.cases import Coverage, all_branches, load_cases, run_case

TIME = ROOT / "examples" / "time"


def compiled(name: str) -> CompiledPolicy:
    return load_policy(TIME / f"{name}.policy", cache=False)


def write_cases(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "b12_cumulative_cap.cases.yaml"
    path.write_text("policy: b12_cumulative_cap\ncases:\n" + body, encoding="utf-8")
    return path


def run_text(tmp_path: Path, body: str) -> list[str]:
    _, cases = load_cases(write_cases(tmp_path, body))
    cp = compiled("b12_cumulative_cap")
    result = run_case(cp, cases[0])
    return result.failures


def test_the_examples_of_shapes_12_to_14_pass() -> None:
    done = subprocess.run([sys.executable, "-m", "compare.cli", "test", str(TIME)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 failed" in done.stdout


def test_a_wrong_figure_fails_naming_the_project_and_year_and_explains_the_years(tmp_path: Path) -> None:
    path = write_cases(tmp_path, """
  - name: wrong
    projects:
      - {id: p1, landed_on: 2024, foreign: true,
         years: {2024: {fdi_arrived: 2000万元}, 2025: {fdi_arrived: 2000万元}}}
    expect:
      p1: {2025: {reward.arrival: "200万元"}}
""")
    _, cases = load_cases(path)
    result = run_case(compiled("b12_cumulative_cap"), cases[0])
    # 10% of 2000万元 = 200万元 in 2024; 2025 gets the 100万元 left of the 300万元
    assert result.failures == ["p1, 2025: reward.arrival: expected 200万元, got 100万元"]
    assert result.explanation is not None
    assert "cumulative cap 300万元: 100万元 left of it after 2024 → 100万元" in result.explanation


def test_a_gap_in_a_projects_years_is_said(tmp_path: Path) -> None:
    failures = run_text(tmp_path, """
  - name: gap
    projects:
      - {id: p1, foreign: true, years: {2024: {fdi_arrived: 1元}, 2026: {fdi_arrived: 1元}}}
    expect: {p1: {total: {reward.arrival: "0.2元"}}}
""")
    assert len(failures) == 1 and "gap at 2025" in failures[0]


def test_a_row_before_the_landing_year_is_said(tmp_path: Path) -> None:
    failures = run_text(tmp_path, """
  - name: early
    projects:
      - {id: p1, landed_on: 2025-03-01, foreign: true, years: {2024: {fdi_arrived: 1元}}}
    expect: {p1: {total: {reward.arrival: "0.1元"}}}
""")
    assert failures == ["project `p1`: a row for 2024, before it landed in 2025"]


def test_a_landing_date_that_does_not_parse_is_said(tmp_path: Path) -> None:
    failures = run_text(tmp_path, """
  - name: date
    projects:
      - {id: p1, landed_on: "2024-13-01", foreign: true, years: {2024: {fdi_arrived: 1元}}}
    expect: {p1: {total: {reward.arrival: "0.1元"}}}
""")
    assert failures == ["project `p1`: landed_on `2024-13-01` is not a date (YYYY-MM-DD) or a year"]


def test_projects_with_and_without_years_are_refused(tmp_path: Path) -> None:
    failures = run_text(tmp_path, """
  - name: mixed
    projects:
      - {id: p1, foreign: true, years: {2024: {fdi_arrived: 1元}}}
      - {id: p2, foreign: true, fdi_arrived: 1元}
    expect: {p1: {total: {reward.arrival: "0.1元"}}}
""")
    assert failures == ["give every project `years`, or none (a case of one year)"]


def test_a_concept_without_its_year_in_a_case_of_several_years_is_said(tmp_path: Path) -> None:
    failures = run_text(tmp_path, """
  - name: which year
    projects:
      - {id: p1, foreign: true, years: {2024: {fdi_arrived: 1元}, 2025: {fdi_arrived: 1元}}}
    expect: {p1: {reward.arrival: "0.1元"}}
""")
    assert failures == ["p1: `reward.arrival`: say the year (2024: {reward.arrival: …}) or `total`"]


def test_a_case_of_one_year_and_several_projects_takes_the_concepts_directly(tmp_path: Path) -> None:
    # the portfolio's form: five projects of one year; 10% of each one's 到账外资 (第二条)
    failures = run_text(tmp_path, """
  - name: one year
    projects:
      - {id: a, foreign: true, fdi_arrived: 100万元}
      - {id: b, foreign: true, fdi_arrived: 5000万元}
      - {id: c, foreign: false, fdi_arrived: 100万元}
    expect:
      a: {reward.arrival: "10万元"}
      b: {reward.arrival: "300万元"}
      c: {reward.arrival: "not eligible"}
""")
    assert failures == []  # b: 500万元 capped at the cumulative 300万元 in its one year


def test_coverage_counts_each_projects_years(tmp_path: Path) -> None:
    _, cases = load_cases(TIME / "b12_cumulative_cap.cases.yaml")
    cp = compiled("b12_cumulative_cap")
    cov = Coverage()
    all_branches(cp, cov)
    for case in cases:
        assert run_case(cp, case, cov).ok
    assert cov.branches["clause arrival_reward fires"] and cov.branches["clause arrival_reward does not fire"]
    assert cov.branches["clause equipment_subsidy: `not expansion` false"]


def test_explain_names_each_rule_that_changed_a_year_and_why() -> None:
    cp = compiled("b14_history")
    record = cp.policy.record
    rows = {2024: {"fdi_arrived": "1000万元"}, 2025: {"fdi_arrived": "1000万元"}, 2026: {"relocated": True}}
    batches = {y: from_dicts([{"id": "p", "foreign": True, **r}], record=record) for y, r in rows.items()}
    py = ProjectYears(["p"], [2024, 2025, 2026], batches, {y: np.ones(1, dtype=bool) for y in rows},
                      np.array([2024]))
    text = explain_years(cp, py, "p", 7.0).render()
    assert "2026 (year 3 of its life)" in text
    # 2% × 1000万元 = 20万元 in 2024 and 2025; 2026 it moves out (第四条)
    assert ("arrival_reward: 0元 in the year alone; clawback when relocated within 10年: holds in year 3 of its "
            "life; minus the 40万元 paid in 2024–2025, nothing this year → -40万元") in text
    assert "in total over 2024–2026\n  reward.arrival: 0元" in text
