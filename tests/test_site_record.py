"""The site and the one-file report show each city's own record: the built-in fields a policy reads and
the fields, categories, choice values and lists it declares (type, unit, default, Chinese and English
labels), its named conditions, its `pick` tables with the overlap rule in words, per-unit figures and
who pays each clause; an incomplete source carries a visible notice on the city page, the home page and
in the report.  Every label is data: hostile labels in declarations show as written.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import POLICIES, parse_items

from compare.site.record import OTHERWISE, PICK_RULES, payer_text, pick_tables
from dsl import ast as A
from dsl.model import Policy

# ---------------------------------------------------------------- payers and pick tables, from the AST


def _clause(body: str) -> A.Clause:
    [item] = parse_items(body)
    assert isinstance(item, A.Clause)
    return item


@pytest.mark.parametrize(("payer", "zh", "en"), [
    ("payer city", "由市承担", "paid by city"),
    ("payer city, district = 1:1", "由市、县（市、区）按1:1分担", "paid by city and county/district 1:1"),
    ("payer city = 60%, district = 40%", "市承担60%、县（市、区）承担40%", "city 60%, county/district 40%"),
    ("payer city, district", "由市、县（市、区）共同承担（比例未定）", "shared by city and county/district, shares not stated"),
])
def test_who_pays_in_words(payer: str, zh: str, en: str) -> None:
    """"奖励资金……由市和县（市、区）按现行财政体制分担", "市级财政承担50%": each form of `payer`."""
    c = _clause(f'clause r "奖励" {{ value 10万元  {payer} }}')
    assert payer_text(None, c.payer) == (zh, en)


def test_no_payer_says_nothing() -> None:
    assert payer_text(None, _clause('clause r "奖励" { value 10万元 }').payer) is None


def test_a_pick_is_a_table_with_its_rule_in_words() -> None:
    """"按到账外资的0.5%奖励；其中制造业项目按1%；重点区域制造业项目按2%": three rows, the highest applies."""
    c = _clause('''clause fdi "到账外资奖励" {
  value pick highest {
    when manufacturing and in_core_zone -> 2%
    when manufacturing -> 1%
    otherwise -> 0.5%
  } of cny(fdi_arrived) cap 5000万元
}''')
    [table] = pick_tables(c.value)
    assert table.rule == "highest" and table.rule_words == "取最高 the highest that applies"
    assert table.rows == (("manufacturing and in_core_zone", "2%"), ("manufacturing", "1%"), (OTHERWISE, "0.5%"))
    assert set(PICK_RULES) == {"highest", "lowest", "first", "most_specific"}


def test_a_per_unit_figure_keeps_its_unit_in_common_units() -> None:
    """"按每平方米30元给予租金补贴": 30元/平方米 is 30元 a square metre (not 20000元, its value per 亩)."""
    from compare.site.concepts import common_unit

    [c] = parse_items('clause rent "租金补贴" { value 30元/平方米 * rent_area cap 100万元 }')
    assert isinstance(c, A.Clause)
    per = next(x for x in _walk(c.value) if isinstance(x, A.Quantity) and x.per is not None)
    assert common_unit(per, 7.0, "CNY") == "30元/平方米"
    usd = A.Quantity(per.number, "", "美元", per="平方米")
    assert common_unit(usd, 7.0, "CNY") == "210元/平方米"  # 30美元 × 7.0


def _walk(e: object) -> list[object]:
    from dsl.walk import walk

    return list(walk(e))


# ---------------------------------------------------------------- a policy with its own record

SOURCE = ("第二条 本办法适用于在本市新设立的外资项目（房地产、金融类项目除外）。\n"
          "第三条 按到账外资的0.5%给予奖励；其中制造业项目按1%；重点区域制造业项目按2%；最高5000万元。"
          "奖励资金由市、区按1:1分担。\n"
          "第四条 对租赁厂房的项目，按每平方米30元给予租金补贴，最高100万元，由区级财政承担。\n"
          "第五条 对专精特新“小巨人”企业项目，按新增就业人数每人2000元给予奖励")
POLICY = '''policy recorded {{
  city somecity "某市"
  source "recorded.txt"
  partial "正文至第五条止，其后缺失"
}}

field zone {zone_label} {{
  type choice {{ key_area {key_label}, ordinary "一般区域" }}
  default ordinary
  en "zone"
}}
field rent_area "租赁面积" {{ type area 平方米  default 0平方米  en "rented floor area" }}
field new_jobs "新增就业人数" {{ type count 人  default 0人 }}
category little_giant {category_label} {{ en "little giant" }}
choice referral social_org {choice_label}
list excluded "房地产、金融类" = {{"房地产", "金融"}}
condition eligible "符合第二条规定的项目" {{
  cite "第二条" "本办法适用于在本市新设立的外资项目（房地产、金融类项目除外）"
  when foreign and industry not in excluded
}}

clause fdi_reward "到账外资奖励" {{
  concept reward.fdi
  cite "第三条" "按到账外资的0.5%给予奖励；其中制造业项目按1%；重点区域制造业项目按2%；最高5000万元"
  cite "第三条" "奖励资金由市、区按1:1分担"
  when eligible
  value pick highest {{
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> 1%
    otherwise -> 0.5%
  }} of cny(fdi_arrived) cap 5000万元
  payer city, district = 1:1
}}

clause rent_subsidy "租金补贴" {{
  concept reward.landing
  cite "第四条" "按每平方米30元给予租金补贴，最高100万元，由区级财政承担"
  when eligible
  value 30元/平方米 * rent_area cap 100万元
  payer district
}}

clause jobs_reward "就业奖励" {{
  concept reward.specialized_sme
  cite "第五条" "对专精特新“小巨人”企业项目，按新增就业人数每人2000元给予奖励"
  when eligible and little_giant in categories and referral != social_org
  value 2000元/人 * new_jobs
}}
'''
PLAIN = {"zone_label": '"所在区域"', "key_label": '"重点区域"', "category_label": '"专精特新“小巨人”企业"',
         "choice_label": '"社会组织"'}
# hostile labels: an element with a handler in a field's label, Markdown table and emphasis markers in a
# choice's, a link and an attribute list in a category's, a script in a value's
IMG = "区域<img src=x onerror=window.pwned=4>"
PIPE = "社会 | 组织 *强调* **粗体**"
LINK = "小巨人 [c](javascript:window.pwned=1) {: onfocus=window.pwned=7 autofocus=1 }"
SCRIPT = "重点<script>window.pwned=5</script>"
HOSTILE = {"zone_label": f'"{IMG}"', "key_label": f'"{SCRIPT}"', "category_label": f'"{LINK}"',
           "choice_label": f'"{PIPE}"'}


def _tree(root: Path, labels: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "taxonomy").symlink_to(POLICIES / "taxonomy")
    (root / "recorded.txt").write_text(SOURCE, encoding="utf-8")
    path = root / "recorded.policy"
    path.write_text(POLICY.format(**labels), encoding="utf-8")
    return path


def _checked(path: Path) -> Policy:
    """The checked policy (its errors fail the test)."""
    from dsl.check import check_paths

    result = check_paths([path])
    assert [d.message for d in result.diagnostics if d.is_error] == []
    [policy] = [p for p in result.policies if p.path == path]
    return policy


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    root = tmp_path_factory.mktemp("recorded")
    _tree(root, PLAIN)
    return _checked(root / "recorded.policy")


def test_the_record_view_of_a_city(recorded: Policy) -> None:
    from compare.site.record import BUILT_IN, record_view

    view = record_view(recorded)
    fields = {f.name: f for f in view.fields}
    # built-in fields read: foreign, industry (eligible), manufacturing, fdi_arrived (第三条), categories,
    # referral (第五条); declared: zone, rent_area, new_jobs
    assert {"foreign", "industry", "manufacturing", "fdi_arrived", "categories", "referral", "zone", "rent_area",
            "new_jobs"} <= set(fields)
    assert "registered_capital" not in fields  # built-in, not read
    assert fields["foreign"].origin == BUILT_IN and fields["foreign"].type == "bool"
    assert (fields["foreign"].zh, fields["foreign"].en) == ("外资项目", "foreign-invested project")
    zone = fields["zone"]
    assert (zone.type, zone.default, zone.zh, zone.en, zone.origin) == ("choice", "ordinary", "所在区域", "zone", "recorded")
    assert [(v.value, v.zh) for v in zone.values] == [("key_area", "重点区域"), ("ordinary", "一般区域")]
    rent = fields["rent_area"]
    assert (rent.type, rent.unit, rent.default, rent.en) == ("area", "平方米", "0平方米", "rented floor area")
    assert fields["new_jobs"].unit == "人"
    # the categories and choice values it adds to built-in fields
    assert {(v.field, v.value, v.zh) for v in view.values} == {
        ("categories", "little_giant", "专精特新“小巨人”企业"), ("referral", "social_org", "社会组织")}
    [lst] = view.lists
    assert (lst.id, lst.zh, lst.items) == ("excluded", "房地产、金融类", ("房地产", "金融"))
    [cond] = view.conditions
    assert (cond.id, cond.zh, cond.condition) == ("eligible", "符合第二条规定的项目", "foreign and industry not in excluded")
    assert cond.used_by == ("fdi_reward", "rent_subsidy", "jobs_reward")


def test_city_page_shows_the_record_picks_payers_and_the_gap(recorded: Policy) -> None:
    """The city page's data: the pick table of 第三条, its payer 1:1, 第四条's per-unit figure, the notice."""
    from compare.site.pages import city_page

    page = city_page(recorded)
    assert page.partial == "正文至第五条止，其后缺失"
    items = {i.id: i for i in page.items}
    fdi = items["fdi_reward"]
    [table] = fdi.picks
    assert table.rows == (("manufacturing and zone == key_area", "2%"), ("manufacturing", "1%"), (OTHERWISE, "0.5%"))
    assert fdi.payer == ("由市、县（市、区）按1:1分担", "paid by city and county/district 1:1")
    assert items["rent_subsidy"].payer == ("由县（市、区）承担", "paid by county/district")
    assert "30元/平方米" in items["rent_subsidy"].figures and "2000元/人" in items["jobs_reward"].figures
    assert items["jobs_reward"].payer is None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The site of the policy with hostile labels, and of the bundled 无锡 beside it (a complete source)."""
    pytest.importorskip("material")
    pytest.importorskip("jieba")
    from compare.site.build import SiteInputs, build_site

    root = tmp_path_factory.mktemp("hostile")
    _tree(root / "tree", HOSTILE)
    for name in ("wuxi_2023.policy", "sources"):
        (shutil.copytree if name == "sources" else shutil.copy)(POLICIES / name, root / "tree" / name)
    policies = [_checked(root / "tree" / "recorded.policy"), _checked(root / "tree" / "wuxi_2023.policy")]
    out = build_site(SiteInputs(policies), root / "site")
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*.html")}


def test_built_city_page_holds_the_record_as_text(built: dict[str, str]) -> None:
    from test_site_escaping import injected, visible

    page = built["cities/recorded.html"]
    assert injected(page) == []
    shown = visible(page)
    for label in (IMG, PIPE, LINK, SCRIPT):
        assert label in shown, label
    assert "<strong>" not in page.split('id="record"')[1] and "<em>" not in page.split('id="record"')[1]
    assert 'id="field-zone"' in page and 'id="condition-eligible"' in page and 'id="list-excluded"' in page
    # who pays and the interface's words in both languages, one span each (the zh/en switch shows one or both)
    assert "取最高 the highest that applies" in shown
    assert "由市、县（市、区）按1:1分担paid by city and county/district 1:1" in shown
    assert "原文不完整Partial source" in shown and "正文至第五条止，其后缺失" in shown
    assert "原文至此中断the text breaks off here" in visible(page.split('id="source"')[1])  # under the text
    assert "原文不完整" not in visible(built["cities/wuxi_2023.html"])


def test_home_page_marks_the_partial_source(built: dict[str, str]) -> None:
    from test_site_escaping import injected, visible

    home = built["index.html"]
    assert injected(home) == []
    shown = visible(home)
    assert "原文不完整 Partial sources" in shown and "正文至第五条止，其后缺失" in shown
    assert re.search(r'href="cities/recorded\.html#partial"', home)
    assert shown.count("原文不完整 partial") == 1  # the badge on 某市's row only


def test_report_shows_the_record_and_the_gap_escaped(tmp_path: Path) -> None:
    """Markdown: the labels as written, no table row broken by `|`, no emphasis from `*`; HTML escaped."""
    from markdown_it import MarkdownIt

    from compare.site.report import build_report, render_html, render_markdown

    path = _tree(tmp_path / "tree", HOSTILE)
    report = build_report([_checked(path)])
    text = render_markdown(report)
    assert "## The cities' records" in text and "正文至第五条止，其后缺失" in text
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<img" not in html and "<script" not in html and "<em>" not in html and "<a " not in html
    assert "<strong>" not in html.split("records</h2>")[1]  # the report's own bold is above
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        widths = {len(re.findall(r"<t[dh][ >]", r)) for r in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert len(widths) == 1, widths
    assert "社会 | 组织 *强调* **粗体**" in html
    assert "由市、县（市、区）按1:1分担 / paid by city and county/district 1:1" in html
    page = render_html(report)
    assert "<img src=x" not in page and "<script>window" not in page
    assert "区域&lt;img src=x onerror=window.pwned=4&gt;" in page and "原文不完整 partial source" in page


def test_report_workbook_has_the_record_sheet(tmp_path: Path) -> None:
    """XLSX: a `record` sheet, one row per field, value, list and condition; a label is text."""
    openpyxl = pytest.importorskip("openpyxl")
    from compare.site.report import build_report, render_xlsx

    labels = dict(HOSTILE, zone_label='"=1+1"')
    path = _tree(tmp_path / "tree", labels)
    (tmp_path / "r.xlsx").write_bytes(render_xlsx(build_report([_checked(path)])))
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["record"]
    rows = {(r[2].value, r[3].value): r for r in sheet.iter_rows(min_row=2)}
    zone = rows[("field", "zone")]
    assert zone[7].value == "=1+1" and zone[7].data_type == "s"  # text, never a formula
    assert rows[("value", "referral.social_org")][7].value == PIPE
    assert rows[("list", "excluded")][9].value == "房地产、金融"
    assert rows[("condition", "eligible")][9].value == "foreign and industry not in excluded"

