"""Figures fit to print: a journal's size, text in one language or both, axes named for a reader (the
record's fields, the taxonomy's concepts, a figure's clause; never a code name), ticks at round
figures in the texts' notation, promises with no figure drawn, ties named, legends in the scenario's
order, the same bytes on every run.  Labels and ticks are read from the matplotlib objects (the SVGs
draw glyphs as paths, so they hold no text).

Expected figures are worked out by hand from policies/wuxi_2023.policy and its source: (16)
"对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过5000万元奖励" is the clause
`fdi_arrival_reward "新批外资项目到账外资奖励"` (concept reward.fdi).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from conftest import ROOT
from matplotlib.figure import Figure
from matplotlib.text import Text

from compare.simulate import fonts, plots
from compare.simulate.plot_common import DPI, WIDTH
from compare.simulate.plot_ticks import amount_tick, english_amount, field_title, money_ticks, value_text
from compare.simulate.results import Results

pytestmark = pytest.mark.filterwarnings("error:.*missing from font")

# a code name: a dotted path (reward.fdi, fdi_arrival_reward.cap) or a snake_case id (paid_in_ratio)
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z_]+\.[a-z_]+\b")
CITIES = {"wuxi_2023": "无锡 wuxi_2023", "taicang_2020": "太仓 taicang_2020", "jiaxing_draft": "嘉兴 jiaxing_draft"}
ORDER = ["wuxi_2023", "taicang_2020", "jiaxing_draft"]  # as a scenario gives them: not sorted


@pytest.fixture(autouse=True)
def _fresh_font_choice() -> Iterator[None]:
    fonts.reset()
    yield
    fonts.reset()


def _axis_titles(fig: Figure) -> list[str]:
    return [t for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel()) if t]


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _legend(fig: Figure) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    return [t.get_text() for lg in legends for t in lg.get_texts()]


def _ticks(fig: Figure, axis: str = "x") -> list[str]:
    fig.canvas.draw()  # formatters run at draw time
    ax = fig.axes[0]
    lo, hi = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    getter = ax.get_xticklabels if axis == "x" else ax.get_yticklabels
    return [t.get_text() for t in getter() if t.get_text() and lo <= t.get_position()[0 if axis == "x" else 1] <= hi]


def sweep_frame(n: int = 39) -> pd.DataFrame:
    """Wuxi's (16) cap swept from 1000万元 to 2亿元 (every 500万元 for 39 values)."""
    rows = []
    for policy in ORDER:
        for i in range(n):
            cap = 1e7 + i * 5e6
            rows.append({"policy": policy, "label": CITIES[policy], "concept": "reward.fdi",
                         "concept_label": "外资到账奖励 reward on arrived foreign capital", "value": cap,
                         "value_label": f"{cap / 1e4:g}万元", "low": 0.0, "high": 9e8 + cap, "unit": "CNY"})
    return pd.DataFrame(rows)


def bars_frame() -> pd.DataFrame:
    """Per city what the firm gets; 嘉兴 only promises amounts with no figure (381 projects)."""
    rows = [("wuxi_2023", 9.4e8, 9.4e8, 0), ("taicang_2020", 1e8, 3e8, 0), ("jiaxing_draft", 0.0, 0.0, 381)]
    return pd.DataFrame([{"policy": p, "label": CITIES[p], "concept": "firm", "concept_label": "企业 firm",
                          "beneficiary": "", "beneficiary_label": "", "low": lo, "high": hi, "unit": "CNY",
                          "promised": n} for p, lo, hi, n in rows])


def map_frame() -> pd.DataFrame:
    """A 3×3 grid: 无锡 leads, except one cell where 无锡 and 太仓 offer the same."""
    rows = []
    for i, x in enumerate([1e6, 1e7, 1e8]):
        for j, y in enumerate([0.0, 0.5, 1.0]):
            tie = (i, j) == (2, 2)
            rows.append({"x": x, "y": y, "x_label": "", "y_label": "", "best": 1e6 * (i + 1),
                         "winner": "并列 tie" if tie else CITIES["wuxi_2023"],
                         "tied": f"{CITIES['wuxi_2023']} = {CITIES['taicang_2020']}" if tie else "",
                         "margin": 0.0 if tie else 1e5 * (i + j + 1),
                         "offer.wuxi_2023": 1e6, "offer.taicang_2020": 5e5,
                         "promised.wuxi_2023": False, "promised.taicang_2020": False})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- size


def _png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("make", [lambda: plots.sweep_curve(sweep_frame(), "t"),
                                  lambda: plots.city_bars(bars_frame(), "t"),
                                  lambda: plots.competition_map(map_frame(), "t", "x", "y", x_log=True)])
def test_every_figure_is_a_journals_full_width_at_300_dpi(make: Any) -> None:
    fig = make()
    assert fig.get_size_inches()[0] == pytest.approx(174 / 25.4)  # 174 mm
    width, _ = _png_size(plots.render(fig, "png"))
    assert (DPI, width) == (300, round(WIDTH * 300))  # 2055 px


# ---------------------------------------------------------------- ticks


def test_amounts_on_ticks_are_written_as_the_texts_write_them() -> None:
    assert [amount_tick(v) for v in (1e6, 5e6, 1e7, 5e7, 1e8, 1.5e8, 1.05e8, 800)] == \
        ["100万", "500万", "1000万", "5000万", "1亿", "1.5亿", "1.05亿", "800"]
    assert [english_amount(v) for v in (5e7, 1e8, 1e9)] == ["50M", "100M", "1B"]
    assert value_text(1.05e8, "10500万元") == "1.05亿元"  # a swept value keeps its currency, not its scale
    assert value_text(0.02, "2%") == "2%"


def test_a_log_axis_of_amounts_ticks_at_1_2_5_in_the_texts_notation() -> None:
    import matplotlib

    from compare.simulate.plot_common import rc

    with matplotlib.rc_context(rc()):
        fig = Figure(figsize=(WIDTH, 3))
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.set_xlim(1e6, 1e9)  # 100万 to 10亿
        money_ticks(ax.xaxis, log=True)
        assert _ticks(fig) == ["100万", "200万", "500万", "1000万", "2000万", "5000万", "1亿", "2亿", "5亿", "10亿"]


def test_a_long_sweep_ticks_at_round_figures_without_thousands_commas() -> None:
    ticks = _ticks(plots.sweep_curve(sweep_frame(), "t"))
    assert ticks, "no ticks drawn"
    for tick in ticks:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)(万|亿)", tick)
        assert m, f"{tick!r} is not an amount as the texts write it"
        lead = float(m.group(1)) / 10 ** (len(m.group(1).split(".")[0]) - 1)
        assert lead in (1, 1.5, 2, 2.5, 5), f"{tick!r} is not a round figure"
    y = _ticks(plots.sweep_curve(sweep_frame(), "t"), "y")
    assert y and not any("," in t for t in y)


# ---------------------------------------------------------------- names


def test_fields_and_figures_are_named_for_a_reader() -> None:
    from compare.api import load_policy
    from compare.simulate.figures import figure_title

    assert field_title("registered_capital") == ("注册资本", "registered capital")
    assert field_title("paid_in_ratio") == ("实缴比例", "share of registered capital paid in")
    policy = load_policy(ROOT / "policies" / "wuxi_2023.policy").policy
    # (16): the clause's own label, the part the figure plays, its unit, the article
    assert figure_title(policy, "fdi_arrival_reward.cap") == ("新批外资项目到账外资奖励上限", "cap of fdi arrival reward",
                                                              "元", "CNY", "(16)")
    assert figure_title(policy, "fdi_arrival_reward.rate")[:2] == ("新批外资项目到账外资奖励比例", "rate of fdi arrival reward")


def test_a_sweeps_y_axis_names_the_concept_it_totals() -> None:
    fig = plots.sweep_curve(sweep_frame(), "t", "新批外资项目到账外资奖励上限 (16) (元)")
    # both languages, on two lines where long; the unit in both
    assert fig.axes[0].get_ylabel() == "外资到账奖励\nreward on arrived foreign capital (亿元, CNY 100M)"
    with fonts.language("zh"):
        assert plots.sweep_curve(sweep_frame(), "t").axes[0].get_ylabel() == "外资到账奖励 (亿元)"


@pytest.fixture(scope="module")
def small_run() -> Results:
    """Wuxi with a reform that changes nothing (so the map ties wherever Wuxi pays): a small sweep and map."""
    from compare.api import simulate

    return simulate({
        "name": "print-test", "title": "无锡", "seed": 1, "fx": 7.0, "policies": ["wuxi_2023"],
        "reforms": [{"name": "wuxi_same", "base": "wuxi_2023", "set": {"fdi_arrival_reward.cap": "5000万元"}}],
        "portfolio": {"file": str(ROOT / "examples" / "projects.yaml")},
        "analyses": {"compare": True,
                     "sweep": {"policy": "wuxi_2023", "figure": "fdi_arrival_reward.cap",
                               "values": {"from": "1000万元", "to": "1亿元", "steps": 4}},
                     "competition_map": {"beneficiary": "firm", "policies": ["wuxi_2023", "wuxi_same"],
                                         "x": {"field": "registered_capital", "from": "100万美元", "to": "10亿美元",
                                               "steps": 4, "scale": "log"},
                                         "y": {"field": "paid_in_ratio", "from": "0%", "to": "100%", "steps": 3},
                                         "project": {"foreign": True, "licensed": True, "started": True,
                                                     "fdi_arrived": {"share_of": "registered_capital"}}}}})


@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_no_axis_of_a_scenarios_plots_carries_a_code_name(small_run: Results, lang: str) -> None:
    figures = small_run.plots(lang)
    assert set(figures) >= {"totals", "sweep", "competition_map"}
    for name, fig in figures.items():
        for title in _axis_titles(fig):
            assert not CODE.search(title), f"{name} ({lang}): {title!r} holds a code name"
    sweep = figures["sweep"].axes[0].get_xlabel()
    assert sweep == {"zh": "新批外资项目到账外资奖励上限 (16) (元)", "en": "cap of fdi arrival reward (16) (CNY)",
                     "both": "新批外资项目到账外资奖励上限\ncap of fdi arrival reward (16) (元, CNY)"}[lang]
    assert figures["competition_map"].axes[0].get_xlabel() == {
        "zh": "注册资本 (美元)", "en": "registered capital (USD)", "both": "注册资本 registered capital (美元, USD)"}[lang]


def test_in_english_no_chinese_is_drawn_and_in_chinese_no_english_word_on_an_axis(small_run: Results) -> None:
    for fig in small_run.plots("en").values():
        own = fig.get_suptitle()  # the scenario's own title, as its author wrote it
        for text in _texts(fig):
            assert text == own or not re.search(r"[\u4e00-\u9fff]", text), text
    for fig in small_run.plots("zh").values():
        for title in _axis_titles(fig):
            assert not re.search(r"[A-Za-z]{3,}", title.replace("CNY", "")), title


def test_the_sweep_marks_the_figure_the_policy_has_now(small_run: Results) -> None:
    fig = small_run.plots("both")["sweep"]
    assert any(t.startswith("现行 now 5000万元") for t in _legend(fig))  # (16) 不超过5000万元
    assert any(list(line.get_xdata()) == [5e7, 5e7] for line in fig.axes[0].get_lines())


def test_the_competition_map_names_who_ties(small_run: Results) -> None:
    table = small_run.competition_map
    tied = table[table["winner"] == "并列 tie"]
    assert len(tied) and set(tied["tied"]) == {"无锡 wuxi_2023 = 无锡 wuxi_same"}
    assert set(table.loc[table["winner"] != "并列 tie", "tied"]) <= {""}
    legend = _legend(small_run.plots("both")["competition_map"])
    assert "并列 tie：无锡 wuxi_2023 = 无锡 wuxi_same" in legend


def test_a_tie_is_striped_in_both_cities_colours() -> None:
    from matplotlib.patches import Rectangle

    colours = plots.city_colours(ORDER)
    fig = plots.competition_map(map_frame(), "t", "x", "y", x_log=True, colours=colours)
    stripes = [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(stripes) == 1  # the one tied cell
    import matplotlib.colors as mcolors

    assert mcolors.to_hex(stripes[0].get_edgecolor()) == colours["taicang_2020"]
    assert "并列 tie：无锡 wuxi_2023 = 太仓 taicang_2020" in _legend(fig)


# ---------------------------------------------------------------- promises, legends


def test_a_promise_with_no_figure_is_drawn_and_counted_not_left_as_zero() -> None:
    fig = plots.city_bars(bars_frame(), "t")
    texts = _texts(fig)
    assert "+381" in texts
    hatched = [p for p in fig.axes[0].patches if p.get_hatch() == "xxxx"]
    assert len(hatched) == 1 and hatched[0].get_width() > 0
    assert "+N：N个项目承诺无数额\n+N: N projects promised, no figure" in _legend(fig)


def test_the_totals_keep_a_beneficiary_that_is_only_promised() -> None:
    frame = bars_frame().rename(columns={"concept": "beneficiary_", "concept_label": "bl"})
    table = pa.Table.from_pandas(pd.DataFrame({
        "policy": frame["policy"], "label": frame["label"], "city": frame["policy"], "beneficiary": "firm",
        "beneficiary_label": "企业", "unit": "CNY", "low": frame["low"], "high": frame["high"],
        "low_with_figure": frame["low"], "high_with_figure": frame["high"], "promised": frame["promised"]}))
    res = Results("r", "标题", tables={"by_beneficiary": table.slice(2), "totals": table.slice(2)},  # 嘉兴's alone
                  meta={"lines": [{"name": p} for p in ORDER]})
    fig = res.plots()["totals"]
    assert "+381" in _texts(fig)


@pytest.mark.parametrize("make", [lambda: plots.sweep_curve(sweep_frame(), "t"), lambda: plots.city_bars(bars_frame(), "t")])
def test_legends_list_the_lines_in_the_order_given(make: Any) -> None:
    legend = _legend(make())
    assert [t for t in legend if t in CITIES.values()] == [CITIES[p] for p in ORDER]


def test_results_put_the_lines_in_the_scenarios_order() -> None:
    sorted_rows = sweep_frame().sort_values("policy")  # a table as a run writes it may be sorted by id
    res = Results("r", "t", tables={"sweep": pa.Table.from_pandas(sorted_rows, preserve_index=False)},
                  meta={"lines": [{"name": p} for p in ORDER]})
    assert list(dict.fromkeys(res.frame_in_order("sweep")["policy"])) == ORDER


# ---------------------------------------------------------------- the same bytes


def test_every_plot_of_a_run_and_the_gallerys_images_are_the_same_bytes_twice(small_run: Results) -> None:
    from compare.cli.gallery import small_png

    for lang in ("zh", "en"):
        first, second = small_run.plots(lang), small_run.plots(lang)
        for name in first:
            for fmt in ("png", "svg"):
                assert plots.render(first[name], fmt) == plots.render(second[name], fmt), (name, lang, fmt)
            assert small_png(first[name]) == small_png(second[name]), name


def test_the_gallery_page_shows_each_kind_of_figure() -> None:
    page = (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")
    assert "python -m compare.cli.gallery docs" in page
    shown = re.findall(r"!\[[^\]]*\]\((img/gallery/[\w-]+\.png)\)", page)
    kinds = {"sweep", "sweep_heatmap", "totals", "by_year", "monte_carlo", "tornado", "competition_map", "concept",
             "timeline"}
    assert {Path(p).stem for p in shown} >= kinds
    for rel in shown:
        data = (ROOT / "docs" / rel).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) < 60_000, rel  # committed: kept small


def test_a_line_of_promises_over_years_is_named_not_read_as_zeros() -> None:
    from compare.simulate.plot_years import years_lines

    frame = pd.DataFrame([{"policy": p, "label": CITIES[p], "year": y, "concept": "money.total",
                           "concept_label": "支付合计（有数额部分） money paid, outcomes with a figure", "unit": "CNY",
                           "low": 0.0, "high": 0.0 if p == "jiaxing_draft" else 1e8} for p in ORDER for y in (2024, 2025)])
    with fonts.language("zh"):
        fig = years_lines(frame, "t", promised={"jiaxing_draft": 381})
    legend = _legend(fig)
    assert "嘉兴 jiaxing_draft（另381项承诺无数额）" in legend and "无锡 wuxi_2023" in legend
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_label() == "嘉兴 jiaxing_draft（另381项承诺无数额）")
    assert line.get_linestyle() == ":" and line.get_markerfacecolor() == "none"


def test_the_commands_take_the_language_of_their_plots(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "timeline.png"
    run = [sys.executable, "-m", "compare.cli", "timeline", "example_panel", "--policies", "examples/time/panel"]
    done = subprocess.run([*run, "--out", str(out), "--lang", "en"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
    for command in (run, [sys.executable, "-m", "compare.cli", "simulate", "examples/wuxi_fdi_cap.scenario.yaml"]):
        wrong = subprocess.run([*command, "--out", str(tmp_path / "x"), "--lang", "fr"], cwd=ROOT, capture_output=True,
                               text=True)
        assert wrong.returncode == 2 and "'fr' is not one of 'zh', 'en', 'both'" in wrong.stderr, wrong.stderr


def test_a_timeline_in_english_names_the_city_by_its_id_and_the_figures_by_their_clause() -> None:
    from compare.api import city_history
    from compare.history.chart import step_chart

    fig = step_chart(city_history("example_panel", [ROOT / "examples" / "time" / "panel"]), "en")
    assert fig.get_suptitle() == "example_panel: figures over time"
    # examples/time/panel: 第二条 sets the FDI reward's rate (1% → 2%) and cap (100万元 → 300万元)
    assert [ax.get_title(loc="left") for ax in fig.axes][:2] == ["rate of fdi reward 第二条", "cap of fdi reward 第二条"]
    with fonts.language("zh"):
        zh = step_chart(city_history("example_panel", [ROOT / "examples" / "time" / "panel"]), "zh")
    assert [ax.get_title(loc="left") for ax in zh.axes][:2] == ["外资到账奖励比例 第二条", "外资到账奖励上限 第二条"]


def test_a_runs_files_are_drawn_in_the_language_asked(small_run: Results, tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        small_run.write(tmp_path / lang, ["png"], lang=lang)
        assert (tmp_path / lang / "plots" / "sweep.png").read_bytes() == plots.render(small_run.plots(lang)["sweep"], "png")
    assert (tmp_path / "zh" / "plots" / "sweep.png").read_bytes() != (tmp_path / "en" / "plots" / "sweep.png").read_bytes()


def test_a_reform_is_labelled_with_what_it_sets(small_run: Results) -> None:
    # the fixture's reform sets (16)'s cap: 不超过5000万元 → 5000万元
    assert small_run.meta["line_notes"] == {"wuxi_same": ["上限5000万元", "cap 50M CNY"]}
    assert "无锡 wuxi_same（上限5000万元）" in _legend(small_run.plots("zh")["totals"])
    assert "wuxi_same (cap 50M CNY)" in _legend(small_run.plots("en")["totals"])


def test_the_totals_legend_explains_only_the_marks_drawn() -> None:
    point = bars_frame().assign(high=lambda f: f["low"], promised=0)  # every total a single figure
    legend = _legend(plots.city_bars(point, "t"))
    assert legend == [CITIES[p] for p in ORDER]  # no "low / up to high", no "+N" key
    assert "至上限 up to high" in _legend(plots.city_bars(bars_frame(), "t"))
