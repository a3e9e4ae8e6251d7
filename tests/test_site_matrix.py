"""The site reads as a comparison: a clause's figures summarised as the texts write them
(compare.site.notation), the home page's matrix of the main concepts × cities (compare.site.pages.home_matrix)
and the concept pages with the figures, not only present/absent.  Expected figures are read off the
source texts (policies/sources/*.txt), the article cited."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import POLICIES, parse_items

from dsl import ast as A
from dsl.model import Policy

CITIES = ("zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023")


@pytest.fixture(scope="module")
def policies() -> dict[str, Policy]:
    from dsl.check import check_paths

    result = check_paths([POLICIES / f"{name}.policy" for name in CITIES])
    assert not [d for d in result.diagnostics if d.is_error]
    by_id = {p.id: p for p in result.policies}
    return {name: by_id[name] for name in CITIES}


def _summary(policy: Policy, name: str) -> tuple[str, str, tuple[str, ...]] | None:
    from compare.site.notation import summarise

    def lookup(ref: str) -> A.Expr | A.Target | None:
        c = policy.clauses.get(ref)
        if c is not None:
            return c.value
        p = policy.params.get(ref)
        return p.value if p is not None else None

    item = policy.clauses.get(name) or policy.params[name]
    s = summarise(item.value, lookup, {r.id: r.default for r in policy.readings.values() if r.default})
    return None if s is None else (s.short, s.full, s.readings)


# ---------------------------------------------------------------- the texts' own figures


@pytest.mark.parametrize(("policy", "item", "short", "full"), [
    # 无锡 (16) "分类别按实际到账外资比例给予最高2%、不超过5000万元奖励"
    ("wuxi_2023", "fdi_arrival_reward", "最高2%，最高5000万元", "最高2%，最高5000万元"),
    # 无锡 (6) "按项目实缴资金给予引荐中介机构5‰、最高200万元奖励"
    ("wuxi_2023", "intermediary_referral_reward", "5‰，最高200万元", "5‰，最高200万元"),
    # 无锡 (1) "给予最高50万元的一次性奖励": both readings of 最高 (a range, the full amount) give it
    ("wuxi_2023", "specialized_sme_reward", "最高50万元", "最高50万元"),
    # 无锡 (16) "分别给予最高600万元和200万元资金补助", the higher of the two (就高不重复)
    ("wuxi_2023", "hq_subsidy", "最高600万元", "最高200万元/600万元"),
    # 张家港 第5条 "分别给予引荐单位0.5、1、1.5、2的加分"
    # "按注册资本500～1000万美元、1000～3000万美元、3000万～1亿美元、1亿美元以上的标准"
    ("zhangjiagang_2017", "dept_referral_points", "0.5～2分",
     "500～1000万美元 0.5分、1000～3000万美元 1分、3000万～1亿美元 1.5分、1亿美元以上 2分"),
    # 张家港 第12条 "分别给予引荐区镇1、2、5、10的加分"
    ("zhangjiagang_2017", "district_referral_points", "1～10分",
     "500～1000万美元 1分、1000～3000万美元 2分、3000万～1亿美元 5分、1亿美元以上 10分"),
    # 张家港 第12条 host district: the highest of 10, 5, 3, 2, 10, 5 and the tiers 2, 5, 10;
    # "项目如由市级机关或其他区镇引荐的，受荐单位享受70%的加分"
    ("zhangjiagang_2017", "host_district_points", "2～10分或其70%", "2/3/5/10分或其70%"),
    # 嘉兴 一(二) "2024年实际利用外资确保32亿美元，力争35亿美元"
    ("jiaxing_draft", "target.fdi_annual", "确保32亿美元，力争35亿美元", "确保32亿美元，力争35亿美元"),
    # 太仓 一(二) "规模100人左右", "港区、高新区各配备专职招商人员不少于15人"
    ("taicang_2020", "staffing.total", "100人左右", "100人左右"),
    ("taicang_2020", "staffing.full_time_per_zone", "15人以上", "15人以上"),
    # 太仓 三(二) "职级奖金系数可最高按照上浮50%的标准"
    ("taicang_2020", "incentive.bonus_coefficient_max", "最高50%", "最高50%"),
])
def test_a_clause_reads_as_its_text_writes_it(policies: dict[str, Policy], policy: str, item: str, short: str,
                                              full: str) -> None:
    got = _summary(policies[policy], item)
    assert got is not None and got[:2] == (short, full)


def test_a_reading_that_changes_the_figures_is_named(policies: dict[str, Policy]) -> None:
    # 张家港 第13条 "给予当年度项目到帐外资2～5‰的奖励": the default reading quality_score_table=range;
    # the other (linear) gives another rate, so the summary names the reading
    assert _summary(policies["zhangjiagang_2017"], "team_reward") == ("2‰～5‰", "2‰～5‰", ("quality_score_table",))
    # 张家港 第12条 "投资规模条件……减半实施": halving thresholds (default) or points changes the points
    got = _summary(policies["zhangjiagang_2017"], "major_foreign_project_points")
    # "按注册资本1000～3000万美元、3000万～1亿美元、1亿美元以上的标准分别给予每个项目2、5、10的加分"
    assert got == ("2～10分", "1000～3000万美元 2分、3000万～1亿美元 5分、1亿美元以上 10分", ("halving",))


def test_a_promise_has_no_figures(policies: dict[str, Policy]) -> None:
    # 太仓 二(三) "按照《太仓市区镇招商引资绩效奖励办法（试行）》有关标准…予以招商考核加分奖励"
    assert _summary(policies["taicang_2020"], "transfer_host_points") is None
    # 无锡 (16) "按照现代产业政策给予相应奖励"
    assert _summary(policies["wuxi_2023"], "landing_reward") is None


def _value(body: str) -> A.Expr:
    [clause] = parse_items(f'clause c "c" {{\n  value {body}\n}}\n')
    assert isinstance(clause, A.Clause) and clause.value is not None
    return clause.value


@pytest.mark.parametrize(("value", "short", "full"), [
    # examples/shapes/a07: 第二条 "按每平方米30元给予租金补贴，最高100万元"
    ("30元/平方米 * rent_area cap 100万元", "30元/平方米，最高100万元", "30元/平方米，最高100万元"),
    # examples/shapes/a01: 第二条 0.5%, 1%, 2% 按就高原则; 第三条 "单个项目奖励最高不超过500万元"
    ("pick highest {\n when manufacturing -> 1%\n when key_area -> 2%\n otherwise -> 0.5%\n } of cny(fdi_arrived) "
     "cap 500万元", "0.5%～2%，最高500万元", "0.5%/1%/2%，最高500万元"),
    # a span of money with its unit, and a scale both ends share, once: 张家港 第5条 "500～1000万美元",
    # "3000万～1亿美元"
    ("500万美元~1000万美元", "500～1000万美元", "500～1000万美元"),
    ("3000万美元~1亿美元", "3000万～1亿美元", "3000万～1亿美元"),
    ("5亿美元~1000亿美元", "5～1000亿美元", "5～1000亿美元"),
    ("0.5分~2分", "0.5～2分", "0.5～2分"),
    ("2‰~5‰ of fdi_arrived", "2‰～5‰", "2‰～5‰"),
    ("1亿元", "1亿元", "1亿元"),
    ("1% of cny(fdi_arrived) floor 10万元", "1%，最低10万元", "1%，最低10万元"),
    ("at least 70%", "70%以上", "70%以上"),
    ("at most 5个", "不超过5个", "不超过5个"),
    ("up to ∞", None, None),
    ('promised "另行制定"', None, None),
])
def test_each_shape_of_value(value: str, short: str | None, full: str | None) -> None:
    from compare.site.notation import summarise

    s = summarise(_value(value))
    assert (s.short, s.full) == (short, full) if s is not None else (short, full) == (None, None)


def test_readings_decide_only_where_their_figures_differ() -> None:
    from compare.site.notation import summarise

    # a ceiling read as a range or as the full amount: the same figure, no reading named
    same = summarise(_value("by reading ceilings {\n range: up to 50万元\n full: 50万元\n}"))
    assert same is not None and (same.short, same.readings) == ("最高50万元", ())
    # other figures: the default option's, wherever it is listed, and the reading named
    other = _value("by reading r {\n a: 1分\n b: 2分\n}")
    by_default = summarise(other, None, {"r": "b"})
    assert by_default is not None and (by_default.short, by_default.readings) == ("2分", ("r",))


def test_a_name_reads_the_clause_it_names_and_a_loop_ends() -> None:
    from compare.site.notation import summarise

    values: dict[str, A.Expr] = {"a": _value("max(b, 5分)"), "b": _value("if x then 70% of a else 3分")}
    lookup: Callable[[str], A.Expr | None] = values.get
    s = summarise(values["a"], lookup)
    # b: 3分 or 70% of a; a: 5分 or b; the second visit of a (a loop check would refuse) reads nothing
    assert s is not None and (s.short, s.full) == ("3～5分或其70%", "3/5分或其70%")


def test_no_summary_holds_a_raw_number(policies: dict[str, Policy]) -> None:
    """Every clause and param of the bundled cities: figures in 万/亿 and %/‰, never 50000000 or 0.02."""
    for policy in policies.values():
        for name in [*policy.clauses, *policy.params]:
            got = _summary(policy, name)
            for text in got[:2] if got else ():
                assert not re.search(r"\d{5,}|\b0\.0\d|\.0(?!\d)", text), (policy.id, name, text)


# ---------------------------------------------------------------- the home page's matrix


@pytest.fixture(scope="module")
def matrix(policies: dict[str, Policy]) -> object:
    from compare.site.concepts import concept_rows, rate_note
    from compare.site.pages import home_matrix

    ps = list(policies.values())
    return home_matrix(concept_rows(ps, rate_note(ps)[0]))


def test_the_main_concepts_are_those_two_cities_give(matrix: object) -> None:
    # points.host_district: 张家港 第12条, 太仓 二(三), 嘉兴 二.3; points.referring_district: the same three;
    # points.referring_department: 张家港 第5条, 太仓 三(二); reward.intermediary: 太仓 三(四), 嘉兴 三(二),
    # 无锡 (6); reward.hq_introduction: 嘉兴 三(二), 无锡 (2) (both 按有关规定); in the taxonomy's order
    assert [m.row.key for m in matrix.shared] == [  # type: ignore[attr-defined]
        "points.host_district", "points.referring_district", "points.referring_department", "reward.intermediary",
        "reward.hq_introduction"]
    single = [m.row.key for m in matrix.single]  # type: ignore[attr-defined]
    # 无锡 (16) FDI reward, 张家港 第13条 team reward and its 3:7 split: one city each, money
    assert {"reward.fdi", "reward.team", "reward.team.referrer", "reward.team.host", "reward.specialized_sme"} <= set(single)
    # a duty (嘉兴 二.3) and a city-level parameter are not per-project money or points
    assert "duty.first_talk_registration" not in single and "training.per_year" not in single


def test_each_cell_links_to_its_clause(matrix: object) -> None:
    rows = {m.row.key: m for m in [*matrix.shared, *matrix.single]}  # type: ignore[attr-defined]
    cells = {c.entry.policy: c for c in rows["reward.intermediary"].cells}
    assert cells["wuxi_2023"].href == "cities/wuxi_2023.html#item-clause-intermediary_referral_reward"
    assert cells["wuxi_2023"].entry.summary.short == "5‰，最高200万元"  # 无锡 (6)
    assert cells["taicang_2020"].entry.state == "promised"  # 太仓 三(四) 项目落户奖, no figure
    assert cells["zhangjiagang_2017"].entry.state == "absent" and cells["zhangjiagang_2017"].href is None
    assert cells["wuxi_2023"].id == "matrix-reward-intermediary--wuxi_2023"
    team = {c.entry.policy: c for c in rows["reward.team"].cells}["zhangjiagang_2017"]
    # the reading the † stands for, with the label zhangjiagang_2017.policy gives it (第13条's annex is missing)
    assert team.entry.reading_note == "quality_score_table「按项目质量积分给予2～5‰：计分标准附件未随文公布」"
    host = {c.entry.policy: c for c in rows["reward.team.host"].cells}["zhangjiagang_2017"]
    # 张家港 第13条 "按3:7的比例进行分配": the host's 70% of 2‰～5‰, linked to the split
    assert (host.entry.summary.short, host.href) == ("2‰～5‰的70%", "cities/zhangjiagang_2017.html#item-split-team_reward_split")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, policies: dict[str, Policy]) -> Path:
    pytest.importorskip("jinja2")
    from compare.site.build import SiteInputs, render_pages

    docs = tmp_path_factory.mktemp("docs")
    render_pages(SiteInputs(list(policies.values())), docs)
    return docs


def _cell(page: str, cell_id: str) -> str:
    m = re.search(rf'<td [^>]*id="{cell_id}"[^>]*>(.*?)</td>', page)
    assert m is not None, cell_id
    return html.unescape(m.group(1))


def test_the_home_page_shows_the_figures_and_marks_promises_and_absences_apart(rendered: Path) -> None:
    home = (rendered / "index.md").read_text(encoding="utf-8")
    assert 'id="pl-matrix"' in home and 'id="pl-matrix-shared"' in home and 'id="pl-matrix-single"' in home
    fdi = _cell(home, "matrix-reward-fdi--wuxi_2023")  # 无锡 (16)
    assert 'href="cities/wuxi_2023.html#item-clause-fdi_arrival_reward"' in fdi and "最高2%，最高5000万元" in fdi
    assert "2‰～5‰" in _cell(home, "matrix-reward-team--zhangjiagang_2017")  # 张家港 第13条
    promised = _cell(home, "matrix-points-referring_department--taicang_2020")  # 太仓 三(二), no figure
    absent = _cell(home, "matrix-points-referring_department--wuxi_2023")
    assert "promised, no figure" in promised and "—" in absent and "href" not in absent
    assert re.search(r'class="pl-cell pl-state-promised" id="matrix-points-referring_department--taicang_2020"', home)
    # the rule that picks the rows is stated on the page
    assert "至少两个城市有规定" in home and "at least two cities provide for" in home


def test_every_matrix_link_lands_on_an_item_of_the_city_page(rendered: Path) -> None:
    home = (rendered / "index.md").read_text(encoding="utf-8")
    links = re.findall(r'href="(cities/[^"#]+)\.html#([^"]+)"', home)
    assert links
    for page, anchor in links:
        assert f'id="{anchor}"' in (rendered / f"{page}.md").read_text(encoding="utf-8"), (page, anchor)


def test_a_concept_page_shows_each_city_s_figures(rendered: Path) -> None:
    page = (rendered / "concepts" / "points-referring_department.md").read_text(encoding="utf-8")
    row = page[page.index('id="concept-zhangjiagang_2017"'):]
    # 张家港 第5条, every tier with its edges
    assert "500～1000万美元 0.5分、1000～3000万美元 1分" in html.unescape(row[:row.index("</tr>")])
    index = (rendered / "concepts" / "index.md").read_text(encoding="utf-8")
    assert "0.5～2分" in html.unescape(index)
    assert "matplotlib" not in page and "pip install" not in page


def test_the_same_policies_give_the_same_pages(rendered: Path, tmp_path: Path, policies: dict[str, Policy]) -> None:
    from compare.site.build import SiteInputs, render_pages

    render_pages(SiteInputs(list(policies.values())), tmp_path)
    for name in ("index.md", "concepts/index.md", "concepts/reward-fdi.md"):
        assert (tmp_path / name).read_bytes() == (rendered / name).read_bytes(), name

