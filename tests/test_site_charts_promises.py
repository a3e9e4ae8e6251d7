"""A concept's chart (compare.site.charts) never draws a promise with no figure, or nothing at all, as a
line at 0: on the bundled four policies, points.host_district is

- 张家港 zhangjiagang_2017 第12条 "在区镇绩效考核加分项中增加“引进落地重大项目”加分", 2/5/10分 by
  registered capital from 1000万美元 (clause host_district_points): present, a line, at 0 below 1000万美元
  (the project does not qualify there, which is true);
- 太仓 taicang_2020 二(三) "分别对项目转出地（首谈地）和落户地（承接地）予以招商考核加分奖励" by the
  standards of another document, no figure (clause transfer_host_points, `promised`): promised;
- 嘉兴 jiaxing_draft 二.3 "经流转的项目，在考核上予以共享地和流转承接地同等赋分", no figure (clause
  transfer_host_points, `promised`): promised;
- 无锡 wuxi_2023: no clause, param or split share for it: absent.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from conftest import POLICIES

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

CITIES = ("zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023")
CONCEPT = "points.host_district"


@pytest.fixture(scope="module")
def bundled() -> tuple[list[Any], list[Any]]:
    from compare.api import load_policy
    from compare.site.concepts import concept_rows

    policies = [load_policy(POLICIES / f"{name}.policy").policy for name in CITIES]
    return policies, concept_rows(policies, 7.0)


def _row(rows: list[Any], key: str = CONCEPT) -> Any:
    return next(r for r in rows if r.key == key)


def _legend(fig: Any) -> tuple[list[str], list[Any]]:
    legend = fig.axes[0].get_legend()
    return [t.get_text() for t in legend.get_texts()], list(legend.legend_handles)


def _drawn(fig: Any) -> list[str]:
    """The labels of the lines drawn on the plot (the dashed `low` lines have none)."""
    return [line.get_label() for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")]


def test_states_as_the_texts_give_them(bundled: tuple[list[Any], list[Any]]) -> None:
    from compare.site.concepts import ABSENT, PRESENT, PROMISED

    _, rows = bundled
    states = {e.policy: e.state for e in _row(rows).entries}
    assert states == {"zhangjiagang_2017": PRESENT, "taicang_2020": PROMISED, "jiaxing_draft": PROMISED,
                      "wuxi_2023": ABSENT}


def test_only_the_city_with_a_figure_has_a_curve(bundled: tuple[list[Any], list[Any]]) -> None:
    from compare.site.charts import SIZES, concept_curves

    policies, rows = bundled
    curves = concept_curves(policies, 7.0, rows)
    assert {r["policy"] for r in curves[CONCEPT]} == {"zhangjiagang_2017"}
    assert concept_curves(policies, 7.0)[CONCEPT] == curves[CONCEPT]  # the rows made when not given
    high = {r["value"]: r["high"] for r in curves[CONCEPT]}
    assert high[SIZES[0]] == 0.0  # 100万美元: below 第12条's 1000万美元, a true 0, kept
    assert high[SIZES[-1]] == 10.0  # 10亿美元: 1亿美元以上 10分


def test_a_city_with_some_figure_keeps_its_curve(bundled: tuple[list[Any], list[Any]]) -> None:
    """The chart follows the row's state: an entry that states a figure somewhere (present) is drawn, even
    where it gives 0; the same entry as a promise is not."""
    from compare.site.charts import concept_curves
    from compare.site.concepts import PRESENT

    policies, rows = bundled
    row = _row(rows)
    figured = dataclasses.replace(row, entries=tuple(
        dataclasses.replace(e, state=PRESENT) if e.policy == "taicang_2020" else e for e in row.entries))
    curves = concept_curves(policies, 7.0, [figured if r is row else r for r in rows])
    taicang = [r["high"] for r in curves[CONCEPT] if r["policy"] == "taicang_2020"]
    # 二(三) applies to transferred projects only (referral == other_district); the chart's project is not one
    assert taicang and set(taicang) == {0.0}


@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_the_legend_names_the_promises_and_the_absent(bundled: tuple[list[Any], list[Any]], lang: str) -> None:
    from matplotlib.patches import Patch

    from compare.simulate.fonts import cjk_family
    from compare.simulate.plot_common import city_colours
    from compare.site.charts import chart, concept_curves

    policies, rows = bundled
    row = _row(rows)
    fig = chart(concept_curves(policies, 7.0, rows)[CONCEPT], lang, row)
    drawn = _drawn(fig)
    assert len(drawn) == 1 and "zhangjiagang_2017" in drawn[0]
    texts, handles = _legend(fig)
    zh = lang != "en" and cjk_family() is not None
    promised = {"taicang_2020": "太仓 taicang_2020：有承诺、无数额", "jiaxing_draft": "嘉兴 jiaxing_draft：有承诺、无数额"}
    colours = city_colours(CITIES)
    for policy, text in promised.items():
        k = next(i for i, t in enumerate(texts) if policy in t)
        if zh:
            assert texts[k].splitlines()[0] == text
        if lang != "zh" or not zh:
            assert texts[k].endswith("promised, no figure")
        patch = handles[k]
        assert isinstance(patch, Patch) and patch.get_hatch() == "xxxx"
        assert patch.get_edgecolor()[:3] == pytest.approx(tuple(int(colours[policy][i:i + 2], 16) / 255
                                                                for i in (1, 3, 5)))
    absent = [t for t in texts if "wuxi_2023" in t]
    assert absent == (["无此项：无锡 wuxi_2023"] if lang == "zh" and zh else
                      ["无此项 nothing for it：无锡 wuxi_2023"] if zh else ["nothing for it: wuxi_2023"])


def test_the_chart_is_the_same_bytes_on_rerun(bundled: tuple[list[Any], list[Any]]) -> None:
    from compare.site.charts import chart_svg, concept_curves
    from compare.site.report_blocks import chart_pngs

    policies, rows = bundled
    curve, row = concept_curves(policies, 7.0, rows)[CONCEPT], _row(rows)
    assert chart_svg(curve, "t", row) == chart_svg(curve, "t", row)
    first, again = chart_pngs(policies, 7.0, [row]), chart_pngs(policies, 7.0, [row])
    assert set(first) == {CONCEPT} and first[CONCEPT] == again[CONCEPT]
    assert chart_svg(curve, "t") != chart_svg(curve, "t", row)  # the legend's names are drawn
