"""A source recovered in part (`partial "…"`): `policylab coverage` and `policylab test --coverage` say
the text is incomplete and where it breaks off, and give the covered share of the recovered text,
never "3/3 (100%)" as if it were the whole document.

The source below is a test text cut off inside 第三条, as a scan that ends mid-sentence is: 第一条
(1%, 最高1000万元) and 第二条 (10万元) are whole, 第三条 breaks off after "每人给予2000元补贴".  Its
sentences with figures, by hand: 第一条 (1%, 1000万元), 第二条 (10万元), 第三条 (2000元): 3.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import POLICIES, ROOT

from compare.testing.source_coverage import SourceCoverage

SOURCE = ("某市招商引资奖励办法（节选）\n"
          "第一条 对新引进的外资项目，按实际到账外资的1%给予奖励，最高1000万元。\n"
          "第二条 对引荐项目落地的中介机构，给予10万元奖励。\n"
          "第三条 对新增就业的项目，每人给予2000元补贴")
BREAKS_OFF = "正文至第三条“每人给予2000元补贴”止，其后缺失"

CLAUSES = '''
clause fdi_reward "到账外资奖励" {
  concept reward.fdi
  cite "第一条" "按实际到账外资的1%给予奖励，最高1000万元"
  when foreign
  value 1% of cny(fdi_arrived) cap 1000万元
}
'''
INTERMEDIARY = '''
clause intermediary_reward "中介机构引荐奖励" {
  concept reward.intermediary
  cite "第二条" "对引荐项目落地的中介机构，给予10万元奖励"
  when referral == intermediary and licensed
  value 10万元
}
'''
UNENCODED = 'unencoded "第三条" "每人给予2000元补贴" because "the sentence breaks off: its conditions are lost"\n'


def _policy(pid: str, partial: str | None, body: str, extends: str | None = None, source: bool = True) -> str:
    head = f"policy {pid}" + (f" extends {extends}" if extends else "") + " {\n  city somecity \"某市\"\n"
    if source:
        head += '  source "part.txt"\n'
    if partial is not None:
        head += f'  partial "{partial}"\n'
    return head + "}\n" + body


def _folder(tmp: Path, files: dict[str, str]) -> Path:
    (tmp / "taxonomy").symlink_to(POLICIES / "taxonomy")
    (tmp / "part.txt").write_text(SOURCE, encoding="utf-8")
    for name, text in files.items():
        (tmp / name).write_text(text, encoding="utf-8")
    return tmp


def _reports(folder: Path) -> dict[str, list[SourceCoverage]]:
    from compare.testing.source_coverage import source_coverage
    from dsl.check import check_paths

    result = check_paths([folder])
    assert not [d for d in result.diagnostics if d.is_error], [d.message for d in result.diagnostics]
    return {p.id: list(source_coverage(p)) for p in result.policies}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_a_partial_source_is_measured_as_far_as_it_goes(tmp_path: Path) -> None:
    from compare.testing.source_coverage import render, share_text

    folder = _folder(tmp_path, {"part.policy": _policy("part", BREAKS_OFF, CLAUSES + INTERMEDIARY + UNENCODED)})
    [report] = _reports(folder)["part"]
    assert report.partial == BREAKS_OFF
    assert len(report.with_figures) == 3 and report.uncited == []
    assert share_text(report) == "3/3 (100% of a partial text)"
    text = render(report)
    assert f"PARTIAL SOURCE: the text is incomplete, it breaks off: {BREAKS_OFF}" in text
    assert "(100%)" not in text and "not measured" in text


def test_the_share_is_of_the_recovered_text(tmp_path: Path) -> None:
    """第二条 left uncited: 2 of the 3 recovered sentences with figures are covered, 67%."""
    from compare.testing.source_coverage import share_text

    folder = _folder(tmp_path, {"part.policy": _policy("part", BREAKS_OFF, CLAUSES + UNENCODED)})
    [report] = _reports(folder)["part"]
    assert share_text(report) == "2/3 (67% of a partial text)"


def test_a_complete_source_says_nothing_of_the_kind(tmp_path: Path) -> None:
    from compare.testing.source_coverage import render, share_text

    folder = _folder(tmp_path, {"whole.policy": _policy("whole", None, CLAUSES + INTERMEDIARY + UNENCODED)})
    [report] = _reports(folder)["whole"]
    assert report.partial is None
    assert share_text(report) == "3/3 (100%)"
    assert "PARTIAL" not in render(report) and "partial" not in render(report)


def test_a_revision_quoting_its_base_text_inherits_its_gap(tmp_path: Path) -> None:
    """A revision without a `source` quotes its base's text, incomplete as the base says; one with a
    `source` of its own is complete unless it says otherwise."""
    from compare.testing.source_coverage import partial_sources
    from dsl.check import check_paths

    folder = _folder(tmp_path, {
        "base.policy": _policy("base", BREAKS_OFF, CLAUSES + INTERMEDIARY + UNENCODED),
        "rev.policy": _policy("rev", None, "", extends="base", source=False),
        "own.policy": _policy("own", None, "", extends="base"),
    })
    result = check_paths([folder])
    by_id = {p.id: p for p in result.policies}
    assert partial_sources(by_id["rev"]) == [BREAKS_OFF, BREAKS_OFF]
    assert partial_sources(by_id["own"]) == [BREAKS_OFF, None]
    assert _reports(folder)["rev"][0].partial == BREAKS_OFF


def test_coverage_command_says_the_source_is_partial(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"part.policy": _policy("part", BREAKS_OFF, CLAUSES + INTERMEDIARY + UNENCODED)})
    done = _cli("coverage", str(folder / "part.policy"))
    assert done.returncode == 0, done.stderr
    assert "cited or explained: 3/3 (100% of a partial text)" in done.stdout
    assert f"breaks off: {BREAKS_OFF}" in done.stdout


CASES = """policy: part
cases:
  - name: "第一条: 2000万元 arrived, 1% is 20万元, under the 1000万元 cap"
    article: "第一条"
    why: "按实际到账外资的1%给予奖励，最高1000万元: 2000万元 × 1% = 20万元 < 1000万元"
    project: {id: c1, foreign: true, fdi_arrived: 2000万元}
    expect:
      reward.fdi: 20万元
"""


def test_branch_coverage_of_a_partial_text_is_said_so_and_still_gates(tmp_path: Path) -> None:
    """`test --coverage --fail-under N`: the recovered part is measured (one case cannot cover every
    branch, so 100 fails and 1 passes) and every line with a share says it is of a partial text."""
    folder = _folder(tmp_path, {"part.policy": _policy("part", BREAKS_OFF, CLAUSES + INTERMEDIARY + UNENCODED),
                                "part.cases.yaml": CASES})
    done = _cli("test", str(folder), "--coverage", "--fail-under", "100")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 0 failed" in done.stdout
    assert "% of a partial text (" in done.stdout and f"partial source: the text breaks off ({BREAKS_OFF})" in done.stdout
    assert "coverage under 100%: part " in done.stderr and "of a partial text" in done.stderr
    done = _cli("test", str(folder), "--coverage", "--fail-under", "1")
    assert done.returncode == 0, done.stdout + done.stderr
