"""A policy's figures by concept, a city's figures over time, and `policylab timeline`.

Expected figures are read off the source texts by hand (policies/sources/*.txt, article cited):
张家港 第12条 "考核权重比由1:1调整为1.5:1" in force from 2017-01-01 (the 2017 opinions' 自2017年1月1日起实施);
无锡 (十六) "按实际到账外资比例给予最高2%、不超过5000万元奖励".
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES, ROOT

from compare.history.documents import cities_of, city_files
from compare.history.figures import figure_rows
from compare.history.steps import city_history
from dsl.cache import check_paths_cached


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, env=env,
                          timeout=180)


def _policy(pid: str):  # type: ignore[no-untyped-def]
    result = check_paths_cached([POLICIES / f"{pid}.policy"])
    return next(p for p in result.policies if p.id == pid)


def _row(pid: str, path: str):  # type: ignore[no-untyped-def]
    return next(r for r in figure_rows(_policy(pid)) if r.path == path)


# ---------------------------------------------------------------- figures by concept


def test_a_ratio_param_in_both_versions_of_zhangjiagang() -> None:
    """第12条: 由1:1调整为1.5:1 — a ratio's value is its first part over its second."""
    before, after = _row("zhangjiagang_base", "assessment.fdi_weight_ratio"), \
        _row("zhangjiagang_2017", "assessment.fdi_weight_ratio")
    assert (before.concept, before.kind, before.value, before.unit, before.text, before.article) == \
        ("assessment.fdi_weight_ratio", "ratio", 1.0, "ratio", "1:1", "第12条")
    assert (after.kind, after.value, after.text, after.article) == ("ratio", 1.5, "1.5:1", "第12条")
    assert "由1:1调整为1.5:1" in after.quote


def test_a_rate_and_a_cap_in_base_units() -> None:
    """无锡 (十六): 最高2%、不超过5000万元 -> a rate 0.02 (fraction) and a cap of 50,000,000 yuan."""
    rate, cap = _row("wuxi_2023", "fdi_arrival_reward.rate"), _row("wuxi_2023", "fdi_arrival_reward.cap")
    assert (rate.concept, rate.kind, rate.value, rate.unit, rate.text, rate.article) == \
        ("reward.fdi", "rate", 0.02, "fraction", "2%", "(16)")
    assert (cap.kind, cap.value, cap.unit, cap.text) == ("cap", 50_000_000.0, "CNY", "5000万元")
    assert "最高2%、不超过5000万元" in rate.quote


def test_tier_edges_points_and_a_clause_read_by_another() -> None:
    """张家港 第12条: 3000万～1亿美元 … 5 的加分, under points.host_district (the clause has no concept of its
    own; host_district_points reads it); 每个加10分 for a listed company's HQ likewise."""
    edge = _row("zhangjiagang_2017", "major_foreign_project_points.tiers[2].low")
    points = _row("zhangjiagang_2017", "major_foreign_project_points.tiers[2]")
    hq = _row("zhangjiagang_2017", "listed_company_hq_points.amount")
    assert (edge.concept, edge.kind, edge.value, edge.unit, edge.text) == \
        ("points.host_district", "tier_edge", 30_000_000.0, "USD", "3000万美元")
    assert (points.kind, points.value, points.unit, points.text, points.article) == \
        ("points", 5.0, "points", "5分", "第12条")
    assert (hq.concept, hq.kind, hq.value, hq.quote) == \
        ("points.host_district", "points", 10.0, "对引进上市公司总部企业的，每个加10分")


def test_a_split_share_as_a_fraction_of_the_whole() -> None:
    """张家港 第13条: 按3:7的比例 -> the referrer's share is 0.3 of reward.team, the host's 0.7."""
    referrer = _row("zhangjiagang_2017", "team_reward_split.referrer")
    host = _row("zhangjiagang_2017", "team_reward_split.host")
    assert (referrer.concept, referrer.kind, referrer.value, referrer.unit, referrer.text) == \
        ("reward.team.referrer", "share", 0.3, "fraction", "3:7")
    assert (host.concept, host.value) == ("reward.team.host", 0.7)


# ---------------------------------------------------------------- steps over time


def test_zhangjiagang_weight_ratio_steps_on_2017_01_01() -> None:
    files = city_files("zhangjiagang", None)
    cities, diags = cities_of(check_paths_cached(files).policies, files)
    assert not [d for d in diags if d.is_error]
    history = city_history(cities.timelines["zhangjiagang"], cities.policies)
    ratio = history.figure("assessment.fdi_weight_ratio")
    assert ratio is not None and ratio.changed
    got = [(s.start and s.start.isoformat(), s.end and s.end.isoformat(), s.policy, s.row.text, s.row.article)
           for s in ratio.steps]
    assert got == [(None, "2017-01-01", "zhangjiagang_base", "1:1", "第12条"),
                   ("2017-01-01", None, "zhangjiagang_2017", "1.5:1", "第12条")]
    # every other figure is stated by the 2017 text only: one step from 2017-01-01
    assert [f.path for f in history.changed()] == ["assessment.fdi_weight_ratio"]


SOURCE = "（测试用文本，并非真实文件。）第二条 按到账外资的{rate}给予奖励，最高不超过{cap}。"


def _city(tmp_path: Path, docs: list[tuple[str, str, str, str | None, str]]) -> Path:
    """A made-up city: (id, effective date, rate, cap or None, header extra) per document."""
    folder = tmp_path / "city"
    (folder / "sources").mkdir(parents=True)
    for pid, effective, rate, cap, extra in docs:
        text = SOURCE.format(rate=rate, cap=cap or "100万元")
        (folder / "sources" / f"{pid}.txt").write_text(text, encoding="utf-8")
        value = f"{rate} of cny(fdi_arrived)" + (f" cap {cap}" if cap else "")
        quote = f"按到账外资的{rate}给予奖励" + (f"，最高不超过{cap}" if cap else "")
        (folder / f"{pid}.policy").write_text(
            f'policy {pid} {{\n  city testcity "测试市"\n  effective {effective}\n{extra}'
            f'  source "sources/{pid}.txt"\n}}\n\n'
            f'clause reward "奖励" {{\n  concept reward.fdi\n  cite "第二条" "{quote}"\n  when foreign\n'
            f'  value {value}\n}}\n', encoding="utf-8")
    return folder


def test_a_value_kept_by_a_revision_continues_its_step_and_a_dropped_figure_ends(tmp_path: Path) -> None:
    """The mechanism: 2018 sets 1% (cap 100万元); 2019 keeps 1% and the cap; 2020 sets 2% and drops the cap.
    The rate is one step 2018-01-01 – 2019-12-31 (set by the 2018 document), then 2% from 2020-01-01; the
    cap ends on 2020-01-01 with nothing after it."""
    folder = _city(tmp_path, [("t2018", "2018-01-01", "1%", "100万元", ""),
                              ("t2019", "2019-01-01", "1%", "100万元", "  replaces t2018\n"),
                              ("t2020", "2020-01-01", "2%", None, "  replaces t2019\n")])
    files = sorted(folder.glob("*.policy"))
    result = check_paths_cached(files)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    cities, diags = cities_of(result.policies, files)
    assert not [d for d in diags if d.is_error]
    history = city_history(cities.timelines["testcity"], cities.policies)
    rate, cap = history.figure("reward.rate"), history.figure("reward.cap")
    assert rate is not None and cap is not None
    assert [(s.period, s.policy, s.row.text) for s in rate.steps] == \
        [("2018-01-01 – 2019-12-31", "t2018", "1%"), ("2020-01-01 – open", "t2020", "2%")]
    assert [(s.period, s.policy) for s in cap.steps] == [("2018-01-01 – 2019-12-31", "t2018")]
    assert rate.changed and not cap.changed


# ---------------------------------------------------------------- the command


def test_timeline_zhangjiagang_shows_the_step() -> None:
    r = run("timeline", "zhangjiagang")
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode()
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "assessment.fdi_weight_ratio ratio not stated 2016-12-31 1:1 zhangjiagang_base 第12条" in lines
    assert "2017-01-01 open 1.5:1 zhangjiagang_2017 第12条" in lines
    assert any(line.startswith("zhangjiagang_2017 — — 2017-01-01 (effective 2017-01-01) open") for line in lines)
    assert any(line.startswith("zhangjiagang_base — — not stated 2016-12-31 (revised by zhangjiagang_2017)")
               for line in lines)


def test_timeline_csv_and_markdown(tmp_path: Path) -> None:
    r = run("timeline", "zhangjiagang", "--out", str(tmp_path / "h.csv"))
    assert r.returncode == 0, r.stderr.decode()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "h.csv").read_text(encoding="utf-8"))))
    ratio = [(x["from"], x["to"], x["value"], x["text"], x["policy"], x["article"], x["changed"])
             for x in rows if x["figure"] == "assessment.fdi_weight_ratio"]
    assert ratio == [("", "2016-12-31", "1", "1:1", "zhangjiagang_base", "第12条", "yes"),
                     ("2017-01-01", "", "1.5", "1.5:1", "zhangjiagang_2017", "第12条", "yes")]
    r = run("timeline", "zhangjiagang", "--out", str(tmp_path / "h.md"))
    assert r.returncode == 0, r.stderr.decode()
    md = (tmp_path / "h.md").read_text(encoding="utf-8")
    assert "| assessment.fdi_weight_ratio | ratio | not stated | 2016-12-31 | 1:1 | zhangjiagang_base | 第12条 |" in md


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_the_step_chart_is_the_same_bytes_on_a_rerun(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"h.{fmt}"
    assert run("timeline", "zhangjiagang", "--out", str(out)).returncode == 0
    first = out.read_bytes()
    r = run("timeline", "zhangjiagang", "--out", str(out))  # over its own file: allowed
    assert r.returncode == 0, r.stderr.decode()
    assert out.read_bytes() == first
    assert b"policylab timeline" in first[:65536]


def test_timeline_bad_input_is_a_command_line_error(tmp_path: Path) -> None:
    r = run("timeline", "zhangjiagng")
    assert r.returncode == 2 and b"no city `zhangjiagng`" in r.stderr and b"zhangjiagang" in r.stderr
    r = run("timeline", "zhangjiagang_2017")
    assert r.returncode == 2 and b"zhangjiagang_2017 is a document of zhangjiagang" in r.stderr
    r = run("timeline", "zhangjiagang", "--out", str(tmp_path / "h.xlsx"))
    assert r.returncode == 2 and b"unknown output format `.xlsx`" in r.stderr
    assert b"Traceback" not in r.stderr and not (tmp_path / "h.xlsx").exists()


def test_timeline_never_writes_over_a_file_it_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "notes.md"
    mine.write_text("# my notes\n", encoding="utf-8")
    r = run("timeline", "zhangjiagang", "--out", str(mine))
    assert r.returncode == 2 and b"did not write it" in r.stderr and b"--force" in r.stderr
    assert mine.read_text(encoding="utf-8") == "# my notes\n"
    link = tmp_path / "link.md"
    link.symlink_to(mine)
    r = run("timeline", "zhangjiagang", "--out", str(link), "--force")
    assert r.returncode == 2 and b"symbolic link" in r.stderr
    assert mine.read_text(encoding="utf-8") == "# my notes\n"
    r = run("timeline", "zhangjiagang", "--out", str(mine), "--force")
    assert r.returncode == 0 and "1.5:1" in mine.read_text(encoding="utf-8")


def test_the_chart_draws_every_label_and_says_when_nothing_changed() -> None:
    """Every text of the chart has its glyphs in the plots' fonts (Chinese too, where a CJK font is found:
    compare.simulate.fonts); a city whose documents never changed a figure gets a chart saying so."""
    from compare.history.chart import step_chart
    from compare.simulate.fonts import missing_glyphs

    for city, panels in (("zhangjiagang", 1), ("wuxi", 0)):
        files = city_files(city, None)
        cities, _ = cities_of(check_paths_cached(files).policies, files)
        fig = step_chart(city_history(cities.timelines[city], cities.policies))
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]
        assert texts and not [t for t in texts if missing_glyphs(t)]
        assert sum(1 for ax in fig.axes if ax.axison) == panels
        if not panels:
            assert any("no figure changed" in t for t in texts)


def test_texts_from_a_policy_are_escaped_for_each_output(tmp_path: Path) -> None:
    """A title that Markdown would turn into markup, and a quote a spreadsheet would read as a formula,
    reach the .md and the .csv as text."""
    folder = _city(tmp_path, [("t2018", "2018-01-01", "1%", "100万元",
                               '  title "<img src=x onerror=alert(1)> [a](javascript:x) | b"\n')])
    for p in (folder / "t2018.policy", folder / "sources" / "t2018.txt"):
        p.write_text(p.read_text(encoding="utf-8").replace("按到账外资", "=按到账外资"), encoding="utf-8")
    md, table = tmp_path / "h.md", tmp_path / "h.csv"
    for out in (md, table):
        r = run("timeline", "testcity", "--policies", str(folder), "--out", str(out), cwd=tmp_path)
        assert r.returncode == 0, r.stderr.decode()
    text = md.read_text(encoding="utf-8")
    assert "<img" not in text and "[a](javascript" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; \\[a\\](javascript:x) \\| b" in text
    quotes = [row["quote"] for row in csv.DictReader(io.StringIO(table.read_text(encoding="utf-8")))]
    assert quotes and all(q.startswith("'=按到账外资") for q in quotes)
