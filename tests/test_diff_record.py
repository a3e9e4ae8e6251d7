"""`policylab diff` of policies that declare their own record and use the new clause shapes: pick
tables, lists and text sets, per-unit amounts, payers, a partial source.

The policies are small made-up revisions of one text (the shapes of ../shared/clause-shapes.md, part
A: "按到账外资的0.5%奖励；其中制造业项目按1%；重点区域制造业项目按2%", "不含房地产、金融类项目",
"按每平方米30元给予租金补贴，最高100万元").  The structural diff must name exactly the edit; the
semantic diff must find a witness where the edit matters, which the evaluator reproduces, with the
figures worked out by hand below (money rounded to the fen, half away from zero, at the end of each
clause; the rate fixed at 7 so that USD amounts are worked out easily), and prove equivalence where two
tables written differently give the same.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from random import Random
from typing import Any

import pytest
import z3

from compare.api import outcomes
from compare.diff.items import diff_policies
from compare.diff.semantic import EQUIVALENT, LESS, MIXED, MORE, ConceptDiff, SemanticDiff, Witness, semantic_diff
from compare.diff.semantic_render import render_table as semantic_table
from compare.diff.structural import Change
from compare.engine.evaluate import CompiledPolicy
from dsl.check import check_paths
from dsl.model import Policy

FX = 7.0

HEAD = """policy small_2024 {{
  city small "小城"
  source "{source}"
{extra}}}
field zone "所在区域" {{
  type choice {{ key_area "重点区域", ordinary "一般区域" }}
  default ordinary
}}
field rent_area "租赁面积" {{ type area 平方米  default 0平方米 }}
"""

FDI = """clause fdi_reward "到账外资奖励" {{
  concept reward.fdi
  cite "第三条" "{quote}"
  when foreign
  value {table} of cny(fdi_arrived) cap 5000万元
}}
"""

HIGHEST = """pick highest {{
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> {rate}
    otherwise -> 0.5%
  }}"""

FDI_TEXT = "按到账外资的0.5%奖励；其中制造业项目按{rate}；重点区域制造业项目按2%，单个项目最高5000万元。"


def write(folder: Path, name: str, body: str, source: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(source, encoding="utf-8")
    path = folder / f"{name}.policy"
    path.write_text(HEAD.format(source=f"{name}.txt", extra=extra) + body, encoding="utf-8")
    return path


def fdi_policy(folder: Path, name: str, rate: str, table: str | None = None) -> Path:
    text = FDI_TEXT.format(rate=rate)
    body = FDI.format(quote=text, table=table or HIGHEST.format(rate=rate))
    return write(folder, name, body, text)


def checked(path: Path) -> Policy:
    r = check_paths([path])
    errors = [f"{d.code} {d.message}" for d in r.diagnostics if d.is_error]
    assert not errors, errors
    return r.policies[0]


def semantic(old: Path, new: Path, **kw: Any) -> tuple[SemanticDiff, CompiledPolicy, CompiledPolicy]:
    a, b = CompiledPolicy(checked(old)), CompiledPolicy(checked(new))
    d = semantic_diff(a, b, fx=FX, **kw)
    assert d.unreproduced == []
    for cd in d.concepts:
        for w in witnesses(cd):
            reproduce(d, a, b, cd, w)
    return d, a, b


def witnesses(cd: ConceptDiff) -> list[Witness]:
    found = [m.witness for m in cd.moves] + [m.extreme.witness for m in cd.moves if m.extreme is not None]
    assert all(w is not None for w in found), cd
    return found  # type: ignore[return-value]


def reproduce(d: SemanticDiff, old: CompiledPolicy, new: CompiledPolicy, cd: ConceptDiff, w: Witness) -> None:
    """The witness, evaluated again here through the public API in one run of both policies (read with
    the run's record: the values either declares), gives the values the diff shows."""
    outs = outcomes([old, new], [w.project], fx=d.fx, readings=d.readings, analyse=False)
    for out, key, shown in zip(outs, (cd.old_concept, cd.new_concept), (w.old, w.new), strict=True):
        assert key is not None
        assert out.value(key, 0) == shown, (key, w.project)


def yuan(text: str) -> Decimal:
    """A witness's amount (`4000万美元`, `1.5亿元`, `12.34元`) in yuan at the diff's rate."""
    usd = text.endswith("美元")
    number = text.removesuffix("美元").removesuffix("元")
    scale = Decimal(1)
    for word, factor in (("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4)):
        if number.endswith(word):
            number, scale = number.removesuffix(word), factor
    return Decimal(number) * scale * (Decimal(str(FX)) if usd else 1)


def fen(x: Decimal) -> float:
    return float(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------------ a pick row's rate


def test_a_pick_rows_rate_raised_is_found_where_that_row_decides(tmp_path: Path) -> None:
    """制造业项目 1% → 1.5%.  Under `pick highest` the key area's manufacturing projects still get 2%
    (2% > 1.5%), the others 0.5%: only a foreign manufacturing project outside the key area with FDI
    arrived gains, 0.5% of its FDI (in yuan), up to the cap."""
    old = fdi_policy(tmp_path / "old", "small", "1%")
    new = fdi_policy(tmp_path / "new", "small", "1.5%")
    d, _, _ = semantic(old, new)
    fdi = d.of("reward.fdi")
    assert fdi.verdict == MORE
    (move,) = fdi.moves
    w = move.witness
    assert w is not None
    p = w.project
    assert p.get("foreign") is True and p.get("manufacturing") is True
    assert p.get("zone", "ordinary") == "ordinary"  # not in the key area (ordinary is the default)
    x = yuan(p["fdi_arrived"])
    assert x > 0
    assert w.old == fen(min(x * Decimal("0.01"), Decimal(50_000_000)))
    assert w.new == fen(min(x * Decimal("0.015"), Decimal(50_000_000)))
    # the largest gain: 1.5% of x reaches the cap 5000万元 at x = 33.3333亿元 (333,333,333,334分 the least
    # whole fen there), where 1% gives 3333.33万元 (3,333,333,333.34分 rounds to …333分): 16,666,666.67元
    gain = fdi.max_gain
    assert gain is not None and gain.kind == "bounded" and gain.exact
    assert gain.amount == 16_666_666.67


def test_two_pick_tables_written_differently_are_proved_the_same(tmp_path: Path) -> None:
    """`pick highest` with the key area's row first, against `pick most specific` with the rows listed the
    other way round (the two-part condition is the more specific: it wins where both hold, as 2% is the
    higher): the same rate for every project, proved."""
    old = fdi_policy(tmp_path / "old", "small", "1%")
    other = """pick most specific {
    when manufacturing -> 1%
    when zone == key_area and manufacturing -> 2%
    otherwise -> 0.5%
  }"""
    new = fdi_policy(tmp_path / "new", "small", "1%", other)
    d, _, _ = semantic(old, new)
    assert d.of("reward.fdi").verdict == EQUIVALENT
    assert d.undecided == []


def test_first_against_highest_differs_in_the_key_area_and_the_witness_reads_its_label(tmp_path: Path) -> None:
    """`pick first` with the 1% row listed first gives a key-area manufacturing project 1% where `pick
    highest` gives 2%: less generous there only, and the witness names the area by its label."""
    old = fdi_policy(tmp_path / "old", "small", "1%")
    first = """pick first {
    when manufacturing -> 1%
    when manufacturing and zone == key_area -> 2%
    otherwise -> 0.5%
  }"""
    new = fdi_policy(tmp_path / "new", "small", "1%", first)
    d, _, _ = semantic(old, new)
    fdi = d.of("reward.fdi")
    assert fdi.verdict == LESS
    (move,) = fdi.moves
    w = move.witness
    assert w is not None and w.project["zone"] == "key_area" and w.project["manufacturing"] is True
    x = yuan(w.project["fdi_arrived"])
    assert (w.old, w.new) == (fen(min(x * Decimal("0.02"), Decimal(50_000_000))),
                              fen(min(x * Decimal("0.01"), Decimal(50_000_000))))
    assert w.shown is not None and w.shown["zone"] == "重点区域"
    assert "zone 重点区域" in semantic_table(d)


# ------------------------------------------------------------------ lists and text sets

EXCLUDED = """list excluded "{label}" = {{{items}}}
condition eligible "符合第二条规定的项目" {{
  cite "第二条" "{quote}"
  when foreign and industry not in excluded
}}
clause fdi_reward "到账外资奖励" {{
  concept reward.fdi
  cite "第三条" "按到账外资的1%奖励"
  when eligible
  value 1% of cny(fdi_arrived)
}}
"""


def excluded_policy(folder: Path, items: list[str]) -> Path:
    label = "、".join(items) + "类"
    quote = f"外资项目（不含{label}项目）"
    body = EXCLUDED.format(label=label, items=", ".join(f'"{i}"' for i in items), quote=quote)
    return write(folder, "small", body, f"第二条 {quote}。第三条 按到账外资的1%奖励。")


def test_a_list_that_gains_an_industry_takes_the_reward_from_that_industry(tmp_path: Path) -> None:
    """不含房地产类 → 不含房地产、金融类: a foreign project in 金融 with FDI arrived had 1% of it and has
    nothing now; no other project changes."""
    old = excluded_policy(tmp_path / "old", ["房地产"])
    new = excluded_policy(tmp_path / "new", ["房地产", "金融"])
    changes = [c for c in diff_policies(checked(old), checked(new)).changes if c.kind == "list"]
    assert changes == [Change("list", "excluded", "changed", "label", "房地产类", "房地产、金融类"),
                       Change("list", "excluded", "changed", "items › item added", "—", '"金融"')]
    d, _, _ = semantic(old, new)
    fdi = d.of("reward.fdi")
    assert fdi.verdict == LESS
    (move,) = fdi.moves
    w = move.witness
    assert w is not None and w.project["industry"] == "金融" and w.project["foreign"] is True
    x = yuan(w.project["fdi_arrived"])
    assert (w.old, w.new) == (fen(x * Decimal("0.01")), 0.0)


def test_a_text_set_in_a_condition_against_a_list_of_the_same_texts_is_the_same(tmp_path: Path) -> None:
    """`industry not in excluded` (a declared list) and `industry not in {"金融", "房地产"}` (the texts
    written out, in another order): equivalent."""
    old = excluded_policy(tmp_path / "old", ["房地产", "金融"])
    text = old.read_text(encoding="utf-8").replace("industry not in excluded", 'industry not in {"金融", "房地产"}')
    new = tmp_path / "new" / "small.policy"
    new.parent.mkdir()
    new.write_text(text, encoding="utf-8")
    (tmp_path / "new" / "small.txt").write_text((tmp_path / "old" / "small.txt").read_text(encoding="utf-8"),
                                                encoding="utf-8")
    d, _, _ = semantic(old, new)
    assert d.of("reward.fdi").verdict == EQUIVALENT


# ------------------------------------------------------------------ per-unit amounts

RENT = """clause rent_subsidy "租金补贴" {{
  concept reward.landing
  cite "第四条" "{quote}"
  value {figure}/平方米 * rent_area cap 100万元
  payer {payer}
}}
"""


def rent_policy(folder: Path, figure: str, payer: str = "district") -> Path:
    quote = f"按每平方米{figure}给予租金补贴，最高100万元"
    return write(folder, "small", RENT.format(quote=quote, figure=figure, payer=payer), quote + "。")


def test_a_per_unit_figure_raised_gains_ten_yuan_a_square_metre_up_to_the_cap(tmp_path: Path) -> None:
    """每平方米30元 → 40元, 最高100万元: a project renting A平方米 gets min(30A, 100万) before and
    min(40A, 100万) after.  The gain 10A grows until 40A reaches the cap at A = 25000平方米, where the old
    rule gives 75万元: 25万元 at most (beyond, the gain 100万 − 30A falls)."""
    old, new = rent_policy(tmp_path / "old", "30元"), rent_policy(tmp_path / "new", "40元")
    figures = [c for c in diff_policies(checked(old), checked(new)).changes if c.is_figure]
    assert [(c.item, c.where, c.old, c.new) for c in figures] == [
        ("rent_subsidy", "value › amount › per unit", "30元/平方米", "40元/平方米")]
    assert figures[0].relative == pytest.approx(1 / 3)
    d, _, _ = semantic(old, new)
    rent = d.of("reward.landing")
    assert rent.verdict == MORE
    (move,) = rent.moves
    w = move.witness
    assert w is not None
    area = Decimal(w.project["rent_area"].removesuffix("平方米"))
    assert area > 0
    assert (w.old, w.new) == (fen(min(30 * area, Decimal(1_000_000))), fen(min(40 * area, Decimal(1_000_000))))
    gain = rent.max_gain
    assert gain is not None and gain.kind == "bounded" and gain.exact and gain.amount == 250_000.0
    assert gain.witness is not None
    a = Decimal(gain.witness.project["rent_area"].removesuffix("平方米"))
    assert 1_000_000 - 30 * a == 250_000  # the maximum is attained at 25000平方米 only


def test_a_per_unit_figure_written_per_mu_is_the_same_figure(tmp_path: Path) -> None:
    """30元/平方米 is 20000元/亩 (1亩 = 2000/3平方米): no change, structurally or in what is given."""
    old = rent_policy(tmp_path / "old", "30元")
    new = tmp_path / "new" / "small.policy"
    new.parent.mkdir()
    new.write_text(old.read_text(encoding="utf-8").replace("value 30元/平方米", 'value 20000元/亩 derived "30元/平方米"'),
                   encoding="utf-8")
    (tmp_path / "new" / "small.txt").write_text((tmp_path / "old" / "small.txt").read_text(encoding="utf-8"),
                                                encoding="utf-8")
    assert [c for c in diff_policies(checked(old), checked(new)).changes if c.is_figure] == []
    d, _, _ = semantic(old, new)
    assert d.of("reward.landing").verdict == EQUIVALENT


# ------------------------------------------------------------------ the structural diff of declarations


def test_declarations_and_payers_are_reported_in_words(tmp_path: Path) -> None:
    """A field's type, default and values, a category added, a condition rewritten, the payer shared,
    the source marked incomplete: each named once, where it is."""
    quote = "按每平方米30元给予租金补贴，最高100万元，由市和县（市、区）按1:1分担"
    old = write(tmp_path / "old", "small", RENT.format(quote=quote, figure="30元", payer="district")
                + 'field new_jobs "新增就业人数" { type count 人  default 0人 }\n', quote + "。")
    new_body = (RENT.format(quote=quote, figure="30元", payer="city, district = 1:1")
                + 'field new_jobs "新增就业人数" { type number  default 5 }\n'
                + 'category little_giant "专精特新“小巨人”企业"\n')
    new = write(tmp_path / "new", "small", new_body.replace('key_area "重点区域"', 'key_area "重点区域", ordinary'),
                quote + "。", extra='  partial "至第四条止"\n')
    new.write_text(new.read_text(encoding="utf-8").replace(
        'ordinary "一般区域" }', 'ordinary "一般区域", zone_b "二类区域" }'), encoding="utf-8")
    got = {(c.kind, c.item, c.status, c.where, c.old, c.new) for c in diff_policies(checked(old), checked(new)).changes}
    assert got == {
        ("header", "partial", "added", "", None, "至第四条止"),
        ("field", "new_jobs", "changed", "type", "count 人", "number"),
        ("field", "new_jobs", "changed", "default", "0人", "5"),
        ("field", "zone", "changed", "value zone_b added", None, "zone_b “二类区域”"),
        ("category", "little_giant", "added", "", None, "“专精特新“小巨人”企业” a category of projects"),
        ("clause", "rent_subsidy", "changed", "payer", "district", "city, district = 1:1"),
    }


def test_pick_rows_are_matched_by_condition_not_position(tmp_path: Path) -> None:
    """Rows reordered under `highest` are no change; a row added, a row's rate changed and the rule
    changed are each one change, in the row they are about."""
    old = fdi_policy(tmp_path / "old", "small", "1%")
    reordered = """pick highest {
    when manufacturing -> 1%
    when manufacturing and zone == key_area -> 2%
    otherwise -> 0.5%
  }"""
    same = fdi_policy(tmp_path / "same", "small", "1%", reordered)
    assert [c for c in diff_policies(checked(old), checked(same)).changes if c.kind == "clause"] == []
    edited = """pick first {
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> 1.5%
    when foreign and zone == key_area -> 1%
    otherwise -> 0.5%
  }"""
    text = FDI_TEXT.format(rate="1.5%") + "重点区域外资项目按1%。"
    new = write(tmp_path / "new", "small", FDI.format(quote=text, table=edited), text)
    got = [(c.where, c.old, c.new, c.relative) for c in diff_policies(checked(old), checked(new)).changes
           if c.kind == "clause" and c.where != "cite"]
    assert sorted(got, key=str) == sorted([
        ("value › amount › rate › pick rule", "highest", "first", None),
        ("value › amount › rate › row added", "—", "when foreign and zone == key_area -> 1%", None),
        ("value › amount › rate › when manufacturing › value", "1%", "1.5%", 0.5),
    ], key=str)


def test_a_clause_that_changes_its_rate_one_way_and_its_list_the_other_is_mixed(tmp_path: Path) -> None:
    """1% → 2% of FDI, and 金融 excluded: a 金融 project loses its 1%, every other eligible one gains 1%."""
    old = excluded_policy(tmp_path / "old", ["房地产"])
    new = excluded_policy(tmp_path / "new", ["房地产", "金融"])
    new.write_text(new.read_text(encoding="utf-8").replace("1%", "2%"), encoding="utf-8")
    src = tmp_path / "new" / "small.txt"
    src.write_text(src.read_text(encoding="utf-8").replace("1%", "2%"), encoding="utf-8")
    d, _, _ = semantic(old, new)
    fdi = d.of("reward.fdi")
    assert fdi.verdict == MIXED
    ups = [m.witness for m in fdi.moves if m.direction == "up"]
    downs = [m.witness for m in fdi.moves if m.direction == "down"]
    assert ups and downs
    assert all(w is not None and w.project.get("industry") != "金融" for w in ups)
    assert all(w is not None and w.project.get("industry") == "金融" for w in downs)


# ------------------------------------------------------------------ every declared type, read back by the data layer

DECLARED = """field new_jobs "新增就业人数" {{ type count 人  default 0人 }}
field landed_on "落地日期" {{ type date }}
field honours "企业荣誉" {{ type set {{ gazelle "瞪羚企业", unicorn "独角兽企业" }} }}
field equipment_investment "设备投资额" {{ type money  default 0元 }}
category little_giant "专精特新“小巨人”企业"
choice referral social_org "社会组织"
clause jobs_reward "就业奖励" {{
  concept reward.landing
  cite "第五条" "{jobs}"
  when landed_on >= {since}
  value 2000元/人 * new_jobs
}}
clause equipment "设备补助" {{
  concept reward.specialized_sme
  cite "第六条" "按设备投资额的10%给予补助，最高500万元"
  when {who}
  value 10% of equipment_investment cap 500万元
}}
"""


def declared_policy(folder: Path, since: str, who: str) -> Path:
    jobs = f"{since}以后落地的项目，按新增就业人数每人2000元给予奖励"
    body = DECLARED.format(jobs=jobs, since=since, who=who)
    return write(folder, "small", body, f"第五条 {jobs}。第六条 按设备投资额的10%给予补助，最高500万元。")


def test_a_later_start_date_takes_the_per_head_reward_from_projects_landed_in_between(tmp_path: Path) -> None:
    """2024-01-01以后 → 2024-07-01以后: a project landed from 2024-01-01 to 2024-06-30 with new jobs had
    2000元 a head and has nothing now (the date is a required field: every witness gives it)."""
    old = declared_policy(tmp_path / "old", "2024-01-01", "gazelle in honours")
    new = declared_policy(tmp_path / "new", "2024-07-01", "gazelle in honours")
    d, _, _ = semantic(old, new, concepts=["reward.landing"])
    jobs = d.of("reward.landing")
    assert jobs.verdict == LESS
    (move,) = jobs.moves
    w = move.witness
    assert w is not None
    assert "2024-01-01" <= w.project["landed_on"] < "2024-07-01"
    heads = Decimal(w.project["new_jobs"].removesuffix("人"))
    assert heads > 0 and (w.old, w.new) == (fen(2000 * heads), 0.0)


def test_a_condition_widened_to_a_declared_category_and_referrer_gives_to_them(tmp_path: Path) -> None:
    """瞪羚企业 only → also 专精特新“小巨人”企业 or a project a 社会组织 referred: those gain 10% of their
    equipment investment (up to 500万元); the gazelles keep theirs."""
    old = declared_policy(tmp_path / "old", "2024-01-01", "gazelle in honours")
    new = declared_policy(tmp_path / "new", "2024-01-01",
                          "gazelle in honours or little_giant in categories or referral == social_org")
    d, _, _ = semantic(old, new, concepts=["reward.specialized_sme"], regions=True)
    sme = d.of("reward.specialized_sme")
    assert sme.verdict == MORE
    (move,) = sme.moves
    w = move.witness
    assert w is not None
    p = w.project
    assert "gazelle" not in p.get("honours", [])
    assert "little_giant" in p.get("categories", []) or p.get("referral") == "social_org"
    x = yuan(p["equipment_investment"])
    assert (w.old, w.new) == (0.0, fen(min(x * Decimal("0.1"), Decimal(5_000_000))))
    # the date is required (no default) but this reward does not read it: given, so the project reads
    # back, and not shown, since it does not matter here
    assert "landed_on" in p and w.shown is not None and "landed_on" not in w.shown
    gain = sme.max_gain
    assert gain is not None and gain.amount == 5_000_000.0  # the whole cap: 10% of 5000万元 or more
    ahead = [r for r in sme.regions if r.ahead == "new"]
    assert ahead and all(r.fixed.get("honours.gazelle") is False for r in ahead)


# ------------------------------------------------------------------ the encoding against the evaluator, construct by construct

EVERY = """field new_jobs "新增就业人数" { type count 人  default 0人 }
field floors "楼层数" { type integer  default 0 }
field landed_on "落地日期" { type date  default 2020-01-01 }
field honours "企业荣誉" { type set { gazelle "瞪羚企业", unicorn "独角兽企业" } }
field equipment_investment "设备投资额" { type money  default 0元 }
field sector "细分行业" { type text  default "" }
category little_giant "专精特新“小巨人”企业"
choice referral social_org "社会组织"
list excluded "房地产、金融类" = {"房地产", "金融"}
condition eligible "符合第二条规定的项目" {
  cite "第二条" "外资项目（不含房地产、金融类项目）"
  when foreign and industry not in excluded
}
clause fdi_reward "到账外资奖励" {
  concept reward.fdi
  cite "第三条" "按到账外资的0.5%奖励；其中制造业项目按1%；重点区域制造业项目按2%，单个项目最高5000万元"
  when eligible
  value pick highest {
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> 1%
    otherwise -> 0.5%
  } of cny(fdi_arrived) cap 5000万元
}
clause rent_subsidy "租金补贴" {
  concept reward.landing
  cite "第四条" "按每平方米30元给予租金补贴，最高100万元"
  when landed_on >= 2024-01-01 or gazelle in honours
  value 30元/平方米 * rent_area cap 100万元
}
clause jobs_reward "就业奖励" {
  concept reward.landing
  cite "第五条" "按新增就业人数每人2000元给予奖励"
  when sector != "房地产" and floors >= 2 derived "两层以上"
  value 2000元/人 * new_jobs
}
clause equipment "设备补助" {
  concept reward.specialized_sme
  cite "第六条" "按设备投资额的10%、8%、5%给予补助，最高500万元"
  when little_giant in categories or referral in {social_org, intermediary} or unicorn in honours
  value pick most specific {
    when little_giant in categories -> 8%
    when little_giant in categories and zone == key_area -> 10%
    when referral == social_org -> 5%
  } of equipment_investment cap 500万元
}
clause points "评价加分" {
  concept points.host_district
  cite "第七条" "分别加1分、2分、3分"
  value pick lowest {
    when manufacturing -> 3分
    when zone == key_area -> 2分
    otherwise -> 1分
  } + pick first {
    when industry in {"制造", "软件"} -> 1分
    when landed_on < 2023-06-30 -> 2分
  }
}
"""

EVERY_TEXT = ("第二条 外资项目（不含房地产、金融类项目）。第三条 按到账外资的0.5%奖励；其中制造业项目按1%；重点区域制造业项目按2%，"
              "单个项目最高5000万元。第四条 按每平方米30元给予租金补贴，最高100万元。第五条 按新增就业人数每人2000元给予奖励。"
              "第六条 按设备投资额的10%、8%、5%给予补助，最高500万元。第七条 分别加1分、2分、3分。")


def random_project(rng: Random, i: int) -> dict[str, Any]:
    """A project drawn around the policy's own figures and edges (each field given or left at its default)."""
    p: dict[str, Any] = {"id": f"p{i}"}
    pick = rng.random
    if pick() < 0.8:
        p["foreign"] = True
    if pick() < 0.6:
        p["manufacturing"] = True
    for name, values in (("zone", ["key_area", "ordinary"]), ("referral", ["none", "intermediary", "social_org"]),
                         ("industry", ["房地产", "金融", "制造", "软件", "其他"]), ("sector", ["房地产", "", "其他"])):
        if pick() < 0.8:
            p[name] = rng.choice(values)
    amounts = ["0元", "1万元", "123.45元", "33.3333亿元", "4000万美元", "5000万元", "1亿元", "0.17元"]
    for name in ("fdi_arrived", "equipment_investment"):
        if pick() < 0.8:
            p[name] = rng.choice(amounts)
    if pick() < 0.8:
        p["rent_area"] = rng.choice(["0平方米", "1平方米", "1234平方米", "25000平方米", "33334平方米", "7亩"])
    if pick() < 0.8:
        p["new_jobs"] = f"{rng.choice([0, 1, 3, 250])}人"
    if pick() < 0.8:
        p["floors"] = rng.choice([0, 1, 2, 7])
    if pick() < 0.8:
        p["landed_on"] = rng.choice(["2023-06-29", "2023-06-30", "2023-12-31", "2024-01-01", "2025-05-05"])
    p["honours"] = [m for m in ("gazelle", "unicorn") if pick() < 0.4]
    p["categories"] = [c for c in ("little_giant", "fortune_global_500") if pick() < 0.4]
    return p


def test_the_encoding_agrees_with_the_evaluator_on_every_construct_of_the_open_record(tmp_path: Path) -> None:
    """Every clause shape of the open record (a pick table under each rule, per-unit amounts of an area
    and a count, a named condition, a list, a text set, declared choice, set, date, integer, text and
    money fields, a new category and referrer): the z3 terms pinned to a project give what the
    evaluator gives it, money to the fen, on projects drawn around the policy's edges."""
    from compare.data.read import from_dicts
    from compare.diff.encode import Encoder, value_of
    from compare.diff.symbolic import Project

    path = write(tmp_path, "every", EVERY, EVERY_TEXT)
    policy = checked(path)
    cp = CompiledPolicy(policy)
    rng = Random(7)
    rows = [random_project(rng, i) for i in range(80)]
    batch = from_dicts(rows, record=policy.record)
    out = cp.evaluate(batch, FX, {})
    pr = Project(record=policy.record)
    enc = Encoder(policy, pr, Fraction(7), {})
    terms = {k: enc.concept(k) for k in enc.concepts}
    assert set(terms) == {"reward.fdi", "reward.landing", "reward.specialized_sme", "points.host_district"}
    for i, row in enumerate(rows):
        s = z3.Solver()
        s.add(*pin(pr, batch.columns, i))
        assert s.check() == z3.sat, row
        m = s.model()
        for key, term in terms.items():
            lo, hi = value_of(m, term)
            want = out.value(key, i)
            scale = 1 if key == "points.host_district" else 100
            assert (lo, hi) == (Fraction(str(want)) * scale,) * 2, (key, sorted(row.items()), lo, want)
    for key in terms:  # the projects reach more than one value of each outcome: the rows are told apart
        assert len({out.value(key, i) for i in range(len(rows))}) > 2, key


def pin(pr: Any, columns: dict[str, Any], i: int) -> list[Any]:
    """The symbolic project's variables held at project i's values as the data layer read them (its
    columns: an amount in yuan or dollars and its currency, a choice's code, a set's members, a date in
    days, an area in 亩; `foreign` implied by FDI arrived, as a run implies it)."""
    out = []
    for name, v in pr.vars.items():
        kind = pr.kinds[name]
        if kind == "money":
            amount = Fraction(str(columns[name][i])) * 100
            assert amount.denominator == 1
            out += [v[0] == int(amount), v[1] == bool(columns[f"{name}#cur"][i] == 1)]
        elif kind == "code":
            out.append(v == int(columns[name][i]))
        elif kind == "text":
            said = str(columns[name][i])
            out.append(v == (pr.texts[name].index(said) + 1 if said in pr.texts[name] else 0))
        elif kind in ("number", "integer", "date"):
            q = Fraction(str(columns[name][i]))
            out.append(v == (z3.RealVal(f"{q.numerator}/{q.denominator}") if kind == "number" else int(q)))
        else:  # a bool field, a category, a member of a declared set
            out.append(v == bool(columns[name][i]))
    return out


def test_a_witness_gives_a_field_whose_default_the_revision_changed(tmp_path: Path) -> None:
    """The revision raises 制造业项目 1% → 1.5% and makes 重点区域 the default area.  The gain is outside
    the key area; the witness says `zone ordinary` although that is OLD's default, since under NEW a
    project that left it out would be in the key area (2%): each policy alone reads the witness as shown."""
    old = fdi_policy(tmp_path / "old", "small", "1%")
    new = fdi_policy(tmp_path / "new", "small", "1.5%")
    new.write_text(new.read_text(encoding="utf-8").replace("default ordinary", "default key_area"), encoding="utf-8")
    d, a, b = semantic(old, new)
    fdi = d.of("reward.fdi")
    assert fdi.verdict == MORE
    (move,) = fdi.moves
    w = move.witness
    assert w is not None and w.project["zone"] == "ordinary" and w.project["manufacturing"] is True
    x = yuan(w.project["fdi_arrived"])
    for cp, rate, shown in ((a, "0.01", w.old), (b, "0.015", w.new)):  # each policy on its own record
        (out,) = outcomes([cp], [w.project], fx=FX, analyse=False)
        assert out.value("reward.fdi", 0) == shown == fen(min(x * Decimal(rate), Decimal(50_000_000)))


def test_a_witness_says_not_foreign_where_its_fdi_would_imply_foreign(tmp_path: Path) -> None:
    """`when foreign` → `when manufacturing`: a domestic manufacturing project with FDI arrived gains 1% of
    it.  A record that gives FDI arrived and leaves `foreign` out is read as foreign (the reader implies
    it, compare.engine.implied), so the witness says `foreign: false` (a given value wins): otherwise it
    would not be the project found, and would not reproduce."""
    text = "按到账外资的1%奖励"
    body = f'clause fdi_reward "到账外资奖励" {{\n  concept reward.fdi\n  cite "第三条" "{text}"\n  when {{when}}\n' \
           '  value 1% of cny(fdi_arrived)\n}\n'
    old = write(tmp_path / "old", "small", body.replace("{when}", "foreign"), text)
    new = write(tmp_path / "new", "small", body.replace("{when}", "manufacturing"), text)
    d, _, _ = semantic(old, new)
    fdi = d.of("reward.fdi")
    assert fdi.verdict == MIXED
    (up,) = [m.witness for m in fdi.moves if m.direction == "up"]
    assert up is not None and up.project["foreign"] is False and up.project["manufacturing"] is True
    x = yuan(up.project["fdi_arrived"])
    assert x > 0 and (up.old, up.new) == (0.0, fen(x * Decimal("0.01")))
    assert "not foreign" in semantic_table(d)


def test_a_field_declared_with_two_types_is_no_pair_to_prove_over(tmp_path: Path) -> None:
    """OLD's `rent_area` is an area, NEW's a number: no project record gives both what they read, so the
    semantic diff refuses the pair (the CLI reports it as a usage error) and says which field."""
    old = rent_policy(tmp_path / "old", "30元")
    new = tmp_path / "new" / "small.policy"
    new.parent.mkdir()
    new.write_text(old.read_text(encoding="utf-8").replace("type area 平方米  default 0平方米", "type count 人  default 0人")
                   .replace("30元/平方米", "30元/人"), encoding="utf-8")
    (tmp_path / "new" / "small.txt").write_text("按每人30元给予租金补贴，最高100万元。", encoding="utf-8")
    new.write_text(new.read_text(encoding="utf-8").replace("按每平方米30元给予租金补贴", "按每人30元给予租金补贴"), encoding="utf-8")
    a, b = CompiledPolicy(checked(old)), CompiledPolicy(checked(new))
    with pytest.raises(ValueError, match="rent_area"):
        semantic_diff(a, b, fx=FX)


def test_a_value_the_revision_adds_to_a_choice_is_a_value_of_the_pair(tmp_path: Path) -> None:
    """The 2025 text adds 二类区域 to `zone` and gives it 1%: a project there, not manufacturing, had 0.5%
    and has 1% (OLD does not know the value, and pays it `otherwise`).  The pair's record has the values
    of both."""
    old = fdi_policy(tmp_path / "old", "small", "1%")
    table = """pick highest {
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> 1%
    when zone == zone_b -> 1%
    otherwise -> 0.5%
  }"""
    new = fdi_policy(tmp_path / "new", "small", "1%", table)
    new.write_text(new.read_text(encoding="utf-8").replace('ordinary "一般区域" }', 'ordinary "一般区域", zone_b "二类区域" }')
                   .replace("policy small_2024", "policy small_2025"), encoding="utf-8")
    d, _, _ = semantic(old, new)
    fdi = d.of("reward.fdi")
    assert fdi.verdict == MORE, fdi.note
    (move,) = fdi.moves
    w = move.witness
    assert w is not None and w.project["zone"] == "zone_b" and not w.project.get("manufacturing")
    assert w.shown is not None and w.shown["zone"] == "二类区域"
    x = yuan(w.project["fdi_arrived"])
    assert (w.old, w.new) == (fen(x * Decimal("0.005")), fen(x * Decimal("0.01")))


def test_the_command_shows_the_per_unit_gain_on_a_project_in_square_metres(tmp_path: Path) -> None:
    """`policylab diff OLD NEW --semantic` as a user runs it: the largest gain of 每平方米30元 → 40元
    (最高100万元) is 25万元, on a project renting 25000平方米 (75万元 → 100万元)."""
    import os
    import subprocess
    import sys

    old, new = rent_policy(tmp_path / "old", "30元"), rent_policy(tmp_path / "new", "40元")
    r = subprocess.run([sys.executable, "-m", "compare.cli", "diff", str(old), str(new), "--semantic", "--fx", "7"],
                       capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "reward.landing: small_2024 more generous" in r.stdout
    assert "新版本最多多给25万元，如租赁面积25000平方米的项目：75万元→100万元" in r.stdout
    # the round project below it: 10000平方米 × 30元 = 30万元 → × 40元 = 40万元, under the cap both times
    assert "对租赁面积10000平方米的项目，新版本多给10万元（30万元→40万元）" in r.stdout
