"""The clause-by-clause comparison (compare.site.concepts) and the one-file report (compare.site.report,
`policylab report`): expected content worked out from the four texts, policy text rendered as text,
deterministic files, exit codes."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import POLICIES
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from compare.api import load_policy
from compare.cli.app import app
from compare.site.concepts import (
    ABSENT,
    PRESENT,
    PROMISED,
    ConceptRow,
    Entry,
    concept_rows,
    mechanism_matrix,
    rate_note,
)
from compare.site.report import UnknownConceptError, build_report, render_html, render_markdown, render_xlsx
from dsl.model import Policy

IDS = ("wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft")
FILES = [str(POLICIES / f"{i}.policy") for i in IDS]
BAD = '<script>alert(1)</script> **bold** | pipe {{ x }} [x](y) `tick` &amp; _u_'


@pytest.fixture(scope="module")
def policies() -> list[Policy]:
    return [load_policy(f).policy for f in FILES]


@pytest.fixture(scope="module")
def rows(policies: list[Policy]) -> dict[str, ConceptRow]:
    rate, _ = rate_note(policies)
    return {r.key: r for r in concept_rows(policies, rate)}


def entry(rows: dict[str, ConceptRow], key: str, policy: str) -> Entry:
    return next(e for e in rows[key].entries if e.policy == policy)


# ---------------------------------------------------------------- the comparison model


def test_one_stated_rate_the_latest_policy_year(policies: list[Policy]) -> None:
    rate, note = rate_note(policies)  # 无锡 issued 2023-09-28 is the latest year; 嘉兴's draft has no date
    assert rate == 7.0467
    assert "7.0467" in note and "2023" in note


def test_every_taxonomy_concept_in_order_one_entry_per_city(policies: list[Policy],
                                                             rows: dict[str, ConceptRow]) -> None:
    taxonomy = policies[0].taxonomy
    assert taxonomy is not None
    assert list(rows) == list(taxonomy.concepts)
    for row in rows.values():
        assert [e.policy for e in row.entries] == list(IDS)
        assert all(e.state in (ABSENT, PROMISED, PRESENT) for e in row.entries)
        assert all((e.state == ABSENT) == (not e.provisions) for e in row.entries)


def test_wuxi_fdi_reward(rows: dict[str, ConceptRow]) -> None:
    # 无锡 (16): 按实际到账外资比例给予最高2%、不超过5000万元奖励
    wuxi = entry(rows, "reward.fdi", "wuxi_2023")
    assert wuxi.state == PRESENT and wuxi.city_label == "无锡"
    (p,) = wuxi.provisions
    assert (p.kind, p.id) == ("clause", "fdi_arrival_reward")
    assert any(a == "(16)" and "最高2%、不超过5000万元" in q for a, q in p.cites)
    assert "2%" in p.value and "5000万元" in p.value and "cny(fdi_arrived)" in p.value
    assert p.figures == ("2%", "5000万元") and p.common == ("2%", "5000万元")
    assert p.readings == ("ceilings", "new_project_scope")  # by reading ceilings in the value, scope in `when`
    assert p.beneficiary == "firm" and not p.promised
    # 张家港, 太仓 and 嘉兴 give no reward on arrived FDI
    assert [entry(rows, "reward.fdi", i).state for i in IDS[1:]] == [ABSENT] * 3


def test_zhangjiagang_host_district_points_tiers_in_common_units(rows: dict[str, ConceptRow]) -> None:
    # 张家港 第12条: 受荐单位享受70%的加分, of the highest of seven items, one of them the registered-capital
    # tiers 1000～3000万美元、3000万～1亿美元、1亿美元以上 -> 2、5、10分
    zjg = entry(rows, "points.host_district", "zhangjiagang_2017")
    assert zjg.state == PRESENT
    main, *parts = zjg.provisions
    assert main.id == "host_district_points" and main.part_of is None and "70% of host_points_highest" in main.value
    assert main.beneficiary == "host_district"
    tiers = next(p for p in parts if p.id == "major_foreign_project_points")
    assert tiers.part_of == "host_points_highest"
    assert any(a == "第12条" and "分别给予每个项目2、5、10的加分" in q for a, q in tiers.cites)
    assert "tiers registered_capital" in tiers.value
    common = dict(zip(tiers.figures, tiers.common, strict=True))
    assert common["1000万美元"] == "7046.7万元"  # 1000万美元 × 7.0467
    assert common["1亿美元"] == "7.0467亿元"
    assert common["2分"] == "2分" and common["10分"] == "10分"
    assert {"halving", "tier_edges"} <= set(main.readings)  # through host_points_highest
    assert {p.id for p in parts} >= {"host_points_highest", "listed_company_hq_points", "foreign_hq_points"}
    # 太仓 二(三), 嘉兴 二.3: points for a transferred project, by another document's standard: promised
    assert entry(rows, "points.host_district", "taicang_2020").state == PROMISED
    assert entry(rows, "points.host_district", "jiaxing_draft").state == PROMISED
    assert entry(rows, "points.host_district", "wuxi_2023").state == ABSENT


def test_durations_in_common_units(rows: dict[str, ConceptRow]) -> None:
    # 嘉兴 二.3 赋予首报地1个月的排他性首谈资格: a concept in days, so 1个月 is 30 days; 提前一周: 7 days
    (first_talk,) = entry(rows, "right.first_talk_exclusive_days", "jiaxing_draft").provisions
    assert (first_talk.figures, first_talk.common) == (("1个月",), ("30天",))
    (lead,) = entry(rows, "duty.signing_prereport_lead_time", "jiaxing_draft").provisions
    assert (lead.figures, lead.common) == (("1周",), ("7天",))
    assert entry(rows, "right.first_talk_exclusive_days", "zhangjiagang_2017").state == ABSENT
    # 太仓 三(三) 连续两年考核不合格: a concept in months, so 2年 is 24个月
    (years,) = entry(rows, "dismissal.failing_years", "taicang_2020").provisions
    assert (years.kind, years.figures, years.common) == ("param", ("2年",), ("24个月",))


def test_split_shares_are_concepts(rows: dict[str, ConceptRow]) -> None:
    # 张家港 第13条: 奖金由引荐单位与受荐单位按3:7的比例进行分配
    (referrer,) = entry(rows, "reward.team.referrer", "zhangjiagang_2017").provisions
    assert (referrer.kind, referrer.id) == ("share", "team_reward_split.referrer")
    assert (referrer.figures, referrer.common) == (("3:7",), ("30%",))
    assert referrer.value == "30% of team_reward"
    assert referrer.condition == "referral in {municipal_dept, other_district}"
    assert referrer.beneficiary == ("referring_department if referral == municipal_dept; "
                                    "otherwise referring_district")
    assert "quality_score_table" in referrer.readings  # the 2～5‰ it divides
    (host,) = entry(rows, "reward.team.host", "zhangjiagang_2017").provisions
    assert (host.common, host.beneficiary) == (("70%",), "host_district")
    # the whole: 给予当年度项目到帐外资2～5‰的奖励, with the 1000万美元 / 500万美元 thresholds of 第13条
    (team,) = entry(rows, "reward.team", "zhangjiagang_2017").provisions
    assert dict(zip(team.figures, team.common, strict=True))["500万美元"] == "3523.35万元"
    assert "5‰" in team.figures and "0.5%" in team.common


def test_promises_without_figures(rows: dict[str, ConceptRow]) -> None:
    # 张家港 第6条 给予一定的招商活动经费补贴; 太仓 三(四) 项目落户奖; 无锡 (16) 按照现代产业政策给予相应奖励
    for key, policy in (("intermediary.activity_subsidy", "zhangjiagang_2017"),
                        ("reward.landing", "wuxi_2023"), ("awards.quota.outstanding_promoters", "taicang_2020")):
        e = entry(rows, key, policy)
        assert e.state == PROMISED and all(p.promised for p in e.provisions), key
        assert e.provisions[0].value.startswith("promised ")
    # reward.intermediary: 无锡 (6) 5‰、最高200万元 present; 太仓 and 嘉兴 promise one
    assert [entry(rows, "reward.intermediary", i).state for i in IDS] == [PRESENT, ABSENT, PROMISED, PROMISED]


def test_mechanism_matrix(policies: list[Policy]) -> None:
    names, matrix = mechanism_matrix(policies)
    keys = [k for k, _, _ in names]
    taxonomy = policies[0].taxonomy
    assert taxonomy is not None and keys[: len(taxonomy.mechanisms)] == list(taxonomy.mechanisms)
    assert ("leading_group", "招商工作领导小组", "leading group") in names
    assert matrix[("leading_group", "wuxi_2023")] is None
    group = matrix[("leading_group", "taicang_2020")]
    assert group is not None and group.label == "太仓市招商引资工作领导小组"
    assert len(matrix) == len(keys) * len(IDS)


# ---------------------------------------------------------------- the report


def test_markdown_report(policies: list[Policy]) -> None:
    text = render_markdown(build_report(policies))
    assert "### reward.fdi — 外资到账奖励 / reward on arrived foreign capital" in text
    assert "1000万美元 = 7046.7万元" in text and "USD→CNY 7.0467" in text
    assert "● present" in text and "◐ promised, no figure" in text and "○ absent" in text
    assert "| 太政发〔2020〕43号 |" in text  # the documents header
    assert "## Mechanisms" in text and "✓ 太仓市招商引资工作领导小组" in text
    assert text == render_markdown(build_report(policies))


def test_concepts_chosen_and_concepts_no_city_has(policies: list[Policy]) -> None:
    wuxi = build_report(policies[:1])
    assert "points.host_district" in {r.key for r in wuxi.missing}  # 无锡 gives no assessment points
    assert "reward.fdi" in {r.key for r in wuxi.rows}
    assert "## Concepts no city has" in render_markdown(wuxi)
    chosen = build_report(policies, ["reward.fdi", "reward.team.host"])
    assert [r.key for r in chosen.rows] == ["reward.fdi", "reward.team.host"] and not chosen.missing
    with pytest.raises(UnknownConceptError, match="did you mean `reward.fdi`"):
        build_report(policies, ["reward.fdl"])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    """无锡 with markup in a label, a quote (added to its source text too) and the title; `=1+1` as a label."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "sources").mkdir()
    (root / "taxonomy").symlink_to(POLICIES / "taxonomy")
    text = (POLICIES / "wuxi_2023.policy").read_text(encoding="utf-8")
    text = text.replace('clause fdi_arrival_reward "新批外资项目到账外资奖励" {',
                        f'clause fdi_arrival_reward "{BAD}\\n# second line" {{\n  cite "(16)" "{BAD}"', 1)
    text = text.replace('clause specialized_sme_reward "首次获评专精特新一次性奖励"', 'clause specialized_sme_reward "=1+1"')
    text = text.replace('title "关于加强新形势下招商引资工作的若干政策措施"', f'title "{BAD}"')
    (root / "wuxi_2023.policy").write_text(text, encoding="utf-8")
    source = (POLICIES / "sources" / "wuxi_2023.txt").read_text(encoding="utf-8")
    (root / "sources" / "wuxi_2023.txt").write_text(source + "\n" + BAD + "\n", encoding="utf-8")
    return load_policy(root / "wuxi_2023.policy").policy


def test_markdown_renders_policy_text_as_text(hostile: Policy, policies: list[Policy]) -> None:
    html = MarkdownIt("commonmark").enable("table").render(render_markdown(build_report([hostile, policies[1]])))
    assert "<script" not in html and "<strong>bold" not in html and "<a " not in html and "<code>tick" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt; **bold** | pipe {{ x }} [x](y) `tick` &amp;amp; _u_") >= 3
    assert "# second line" in html and "<h1>second" not in html
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        widths = {len(re.findall(r"<t[dh][ >]", r)) for r in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert len(widths) == 1, widths  # no `|` or newline broke a row


def test_html_is_one_self_contained_escaped_page(hostile: Policy, policies: list[Policy]) -> None:
    page = render_html(build_report([hostile, policies[1]]))
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{ x }}" in page and "**bold** | pipe" in page
    for outside in ("http://", "https://", "<link", "@import", "url(", "src="):
        assert outside not in page
    assert 'class="state state-present"' in page and 'class="state state-absent"' in page
    assert 'class="state state-promised"' in page
    assert page == render_html(build_report([hostile, policies[1]]))


def test_xlsx_sheets_text_cells_and_identical_bytes(hostile: Policy, policies: list[Policy], tmp_path: Path) -> None:
    report = build_report([hostile, *policies[1:]])
    data = render_xlsx(report)
    assert data == render_xlsx(build_report([hostile, *policies[1:]]))
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # no time of writing anywhere: not in the same second either
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in z.read("docProps/core.xml")
    (tmp_path / "r.xlsx").write_bytes(data)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["documents", "concepts", "mechanisms", "readings", "record"]
    concepts = wb["concepts"]
    assert concepts.freeze_panes == "A2" and concepts.column_dimensions["M"].width == 60
    head = [c.value for c in concepts[1]]
    assert head[:8] == ["concept", "zh", "en", "kind", "unit", "city", "policy", "state"]
    lines = [[c.value for c in r] for r in concepts.iter_rows(min_row=2)]
    fdi = [r for r in lines if r[0] == "reward.fdi" and r[6] == "wuxi_2023"]
    assert fdi and "5000万元" in fdi[0][head.index("value")] and fdi[0][head.index("label")].startswith(BAD)
    sme = next(r for r in concepts.iter_rows(min_row=2) if r[0].value == "reward.specialized_sme" and r[6].value == "wuxi_2023")
    assert sme[head.index("label")].value == "=1+1" and sme[head.index("label")].data_type == "s"  # text, not a formula
    assert wb.properties.created == wb.properties.modified
    assert wb["mechanisms"]["A1"].value == "mechanism"


# ---------------------------------------------------------------- the command


def test_cli_writes_each_format_byte_identical(tmp_path: Path) -> None:
    runner = CliRunner()
    for suffix in ("md", "html", "xlsx"):
        outs = []
        for n in (1, 2):
            out = tmp_path / f"r{n}.{suffix}"
            r = runner.invoke(app, ["report", *FILES, "--out", str(out)])
            assert r.exit_code == 0, r.output
            outs.append(out.read_bytes())
        assert outs[0] == outs[1], suffix
    assert b"reward.fdi" in (tmp_path / "r1.md").read_bytes()
    r = runner.invoke(app, ["report", FILES[1], "--concept", "reward.team.referrer", "--format", "markdown"])
    assert r.exit_code == 0 and "30% of team_reward" in r.stdout and "reward.fdi" not in r.stdout


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["report", FILES[0], "--concept", "reward.fdl"])
    assert r.exit_code == 2 and "did you mean `reward.fdi`?" in r.stderr
    r = runner.invoke(app, ["report", FILES[0], "--format", "xlsx"])
    assert r.exit_code == 2 and "--out" in r.stderr
    r = runner.invoke(app, ["report", str(tmp_path / "nowhere.policy")])
    assert r.exit_code == 2
    for name in ("wuxi_2023.policy", "sources"):
        (shutil.copytree if name == "sources" else shutil.copy)(POLICIES / name, tmp_path / name)
    (tmp_path / "taxonomy").symlink_to(POLICIES / "taxonomy")
    bad = tmp_path / "wuxi_2023.policy"
    bad.write_text(bad.read_text(encoding="utf-8").replace("concept reward.fdi", "concept reward.fdx"), encoding="utf-8")
    r = runner.invoke(app, ["report", str(bad), "--out", str(tmp_path / "r.md")])
    assert r.exit_code == 1 and "E204" in r.stderr and not (tmp_path / "r.md").exists()
