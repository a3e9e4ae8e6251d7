"""Simulation plots: every kind renders, byte for byte the same twice, with no tofu and no font needed to view.

The frames are small and hand-made in the shapes `compare.simulate.plots` documents.  A CJK font is
required (CI installs fonts-noto-cjk): its absence fails one test with the hint, it is not skipped.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from matplotlib.figure import Figure
from matplotlib.text import Text

from compare.simulate import fonts, plots

# A glyph the fonts lack would be drawn as a box: matplotlib warns, and here that fails the test.
pytestmark = pytest.mark.filterwarnings("error:.*missing from font")

INF = math.inf
CITIES = {"wuxi_2023": "无锡 wuxi_2023", "taicang_2020": "太仓 taicang_2020", "jiaxing_draft": "嘉兴 jiaxing_draft"}


def sweep_frame() -> pd.DataFrame:
    rows = []
    values = [1e7, 3e7, 5e7, 1e8, 3e8]
    for policy, label in CITIES.items():
        for i, v in enumerate(values):
            k = {"wuxi_2023": 1.0, "taicang_2020": 0.6, "jiaxing_draft": 0.3}[policy]
            high = INF if policy == "jiaxing_draft" and i == len(values) - 1 else k * v * 0.02 + 2e5 * i
            rows.append({"policy": policy, "label": label, "concept": "cash.fdi_reward",
                         "concept_label": "外资到位奖励 FDI arrival reward",
                         "value": v, "value_label": f"{v / 1e4:,.0f}万元", "low": k * v * 0.01, "high": high, "unit": "CNY"})
    frame = pd.DataFrame(rows)
    frame.attrs["figure_label"] = "注册资本 registered_capital"
    return frame


def heatmap_frame() -> pd.DataFrame:
    rows = []
    for i, v in enumerate([1e7, 3e7, 1e8, 3e8]):
        for j, w in enumerate([0.1, 0.3, 0.5]):
            high = INF if (i, j) == (3, 2) else (i + 1) * (j + 1) * 1e6
            rows.append({"value": v, "value2": w, "value_label": f"{v / 1e4:,.0f}万美元", "value2_label": f"{w:.0%}",
                         "high": high, "unit": "CNY", "concept_label": "外资到位奖励"})
    frame = pd.DataFrame(rows)
    frame.attrs.update(figure_label="注册资本 registered_capital", figure2_label="到位比例 paid_in_ratio")
    return frame


def distribution_frame() -> pd.DataFrame:
    rows = []
    for policy, label in CITIES.items():
        for draw in range(200):
            base = {"wuxi_2023": 5e6, "taicang_2020": 3e6, "jiaxing_draft": 4e6}[policy]
            x = base * (0.5 + ((draw * 37 + len(policy)) % 101) / 100)
            high = INF if policy == "jiaxing_draft" and draw % 50 == 0 else x
            rows.append({"draw": draw, "policy": policy, "label": label, "concept": "cash.total", "concept_label": "现金奖励合计",
                         "low": x * 0.7, "high": high, "unit": "CNY"})
    return pd.DataFrame(rows)


def bars_frame() -> pd.DataFrame:
    rows = []
    spec = [("cash.fdi_reward", "外资到位奖励", "CNY", 2e6, 5e6), ("cash.rent", "租金补贴", "CNY", 3e5, INF),
            ("points.host_district", "招商考核加分", "points", 2, 10)]
    for policy, label in CITIES.items():
        for n, (concept, clabel, unit, low, high) in enumerate(spec):
            k = 1 + 0.3 * len(policy) % 3
            rows.append({"policy": policy, "label": label, "concept": concept, "concept_label": clabel,
                         "beneficiary": "company" if n < 2 else "district",
                         "beneficiary_label": "企业 company" if n < 2 else "属地 district",
                         "low": low * k, "high": high * k if math.isfinite(high) else high, "unit": unit})
    rows[-1]["high"] = math.nan  # a total that could not be computed
    return pd.DataFrame(rows)


def competition_frame(n: int = 6) -> pd.DataFrame:
    rows = []
    xs = [1e6 * 10 ** (i / 2) for i in range(n)]
    ys = [0.1 + 0.15 * j for j in range(n)]
    names = list(CITIES.values())
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            if i == 0 and j == 0:
                winner, margin = "—", 0.0
            elif (i + j) % 5 == 0:
                winner, margin = "并列 tie", 0.0
            else:
                winner, margin = names[(i + 2 * j) % 3], 1e5 * (i + 1) * (j + 1)
            rows.append({"x": x, "y": y, "x_label": f"{x / 1e4:,.0f}万美元", "y_label": f"{y:.0%}",
                         "winner": winner, "margin": margin, "best": margin * 3})
    return pd.DataFrame(rows)


def tornado_frame() -> pd.DataFrame:
    rows = []
    readings = [("fdi_scope", "外资口径", "registered", "paid_in", 1e6, 4e6), ("cap_basis", "封顶口径", "per_year", "per_project", 2e6, 2.5e6),
                ("rent_term", "租期", "three_years", "open", 1.5e6, INF), ("same", "无影响的解读", "a", "b", 2.2e6, 2.2e6)]
    for policy in ("wuxi_2023", "taicang_2020"):
        for reading, rlabel, olo, ohi, tlo, thi in readings:
            rows.append({"policy": policy, "label": CITIES[policy], "reading": reading, "reading_label": rlabel,
                         "option_low": olo, "option_high": ohi, "total_low": tlo, "total_high": thi, "baseline": 2.2e6,
                         "concept_label": "现金奖励合计", "unit": "CNY"})
    return pd.DataFrame(rows)


def _competition(frame: pd.DataFrame, title: str) -> Figure:
    return plots.competition_map(frame, title, "注册资本 registered_capital", "到位比例 paid_in_ratio", x_log=True)


KINDS: dict[str, tuple[Callable[[pd.DataFrame, str], Figure], Callable[[], pd.DataFrame]]] = {
    "sweep_curve": (plots.sweep_curve, sweep_frame),
    "sweep_heatmap": (plots.sweep_heatmap, heatmap_frame),
    "distribution": (plots.distribution, distribution_frame),
    "city_bars": (plots.city_bars, bars_frame),
    "competition_map": (_competition, competition_frame),
    "tornado": (plots.tornado, tornado_frame),
}
TITLES = {kind: f"{kind}：外资到位奖励 无锡与太仓" for kind in KINDS}


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


@pytest.fixture(autouse=True)
def _fresh_font_choice() -> Iterator[None]:
    """Each test finds the font anew, so one that forces "none" cannot leak into the next."""
    fonts.reset()
    yield
    fonts.reset()


def test_a_cjk_font_is_installed() -> None:
    family = fonts.cjk_family()
    assert family is not None, f"no CJK font found, so plots would be labelled in English only: {fonts.HINT}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_renders_the_same_bytes_twice_without_tofu(kind: str, tmp_path: Path) -> None:
    draw, make = KINDS[kind]
    fig = draw(make(), TITLES[kind])
    family = fonts.cjk_family()
    assert family is not None, fonts.HINT
    # the title's Chinese is in the chosen font itself, not merely somewhere in the fallback chain
    assert fonts.missing_glyphs(TITLES[kind], [family]) == []
    for text in _texts(fig):
        assert fonts.can_render(text), f"{kind}: {text!r} has characters no font can draw: {fonts.missing_glyphs(text)}"
    paths = plots.save(fig, tmp_path / kind, ["png", "svg"])
    assert [p.name for p in paths] == [f"{kind}.png", f"{kind}.svg"]
    png, svg = (p.read_bytes() for p in paths)
    assert png.startswith(b"\x89PNG") and svg.lstrip().startswith(b"<?xml")
    # a figure drawn again from the same frame gives the same bytes
    again = draw(make(), TITLES[kind])
    assert plots.render(again, "png") == png
    assert plots.render(again, "svg") == svg
    # glyphs are paths: nothing in the SVG needs a font, and nothing dates or signs it
    assert b"<text" not in svg and b"font-family" not in svg and b"@font-face" not in svg
    assert b"<dc:date>" not in svg and b"Matplotlib" not in svg
    assert b"Software" not in png[:4096]
    # atomic writes leave nothing beside the figures
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{kind}.png", f"{kind}.svg"]


def test_another_process_renders_the_same_bytes(tmp_path: Path) -> None:
    """Hash salts and ids are fixed, not per process: a fresh interpreter writes identical files."""
    fig = plots.sweep_curve(sweep_frame(), TITLES["sweep_curve"])
    here = plots.save(fig, tmp_path / "here", ["png", "svg"])
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from pathlib import Path\n"
        "import test_simulate_plots as t\n"
        "from compare.simulate import plots\n"
        "plots.save(plots.sweep_curve(t.sweep_frame(), t.TITLES['sweep_curve']), Path(sys.argv[3]), ['png', 'svg'])\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # a different string-hash seed must not matter either
    subprocess.run([sys.executable, "-c", script, str(ROOT), str(ROOT / "tests"), str(tmp_path / "there")],
                   check=True, env=env, cwd=tmp_path, timeout=120)
    for mine in here:
        assert (tmp_path / f"there{mine.suffix}").read_bytes() == mine.read_bytes(), mine.suffix


def test_without_a_cjk_font_labels_are_english_and_one_warning_says_how_to_fix_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_search", lambda: None)
    fonts.reset()
    with pytest.warns(fonts.CJKFontWarning, match="fonts-noto-cjk") as caught:
        figs = [draw(make(), TITLES[kind]) for kind, (draw, make) in KINDS.items()]
        assert fonts.label("金额", "amount") == "amount"
    assert len([w for w in caught if issubclass(w.category, fonts.CJKFontWarning)]) == 1
    for fig in figs:
        for text in _texts(fig):
            assert fonts.can_render(text, [fonts.LATIN]), f"{text!r} would be drawn as boxes"
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # drawing must not warn of missing glyphs either
            plots.render(fig, "png")
    texts = _texts(figs[0])
    assert "FDI arrival reward (CNY 10k)" in texts  # the y axis names the concept it totals, in English
    assert any("wuxi_2023" in t for t in texts) and any("100M CNY" in t for t in texts)  # 10000万元 → 100M CNY


def test_labels_turn_chinese_amounts_into_english_ones() -> None:
    assert fonts.ascii_text("8000万元") == "80M CNY"
    assert fonts.ascii_text("1000万美元") == "10M USD"
    assert fonts.ascii_text("并列 tie") == "tie"
    assert fonts.ascii_text("无上限") == "unbounded"


def test_the_font_can_come_from_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    family = fonts.cjk_family()
    assert family is not None, fonts.HINT
    from matplotlib import font_manager

    path = str(font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False))
    monkeypatch.setenv(fonts.ENV_VAR, path)
    monkeypatch.setattr(fonts, "_installed", lambda candidates: None)  # only the variable can supply it
    monkeypatch.setattr(fonts, "_bundled", lambda: None)
    monkeypatch.setattr(fonts, "_system_files", lambda: None)
    fonts.reset()
    assert fonts.cjk_family() is not None
    monkeypatch.setenv(fonts.ENV_VAR, str(ROOT / "README.md"))
    fonts.reset()
    with pytest.warns(fonts.CJKFontWarning):
        assert fonts.cjk_family() is None


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_empty_frame_draws_no_data(kind: str) -> None:
    draw, make = KINDS[kind]
    for frame in (make().iloc[0:0], pd.DataFrame()):
        fig = draw(frame, "空 empty")
        assert "没有数据 no data" in _texts(fig)
        assert plots.render(fig, "png").startswith(b"\x89PNG")


@pytest.mark.parametrize("kind", list(KINDS))
def test_all_infinite_or_missing_totals_do_not_crash(kind: str) -> None:
    draw, make = KINDS[kind]
    frame = make()
    for col in ("low", "high", "total_low", "total_high", "baseline", "margin", "best"):
        if col in frame.columns:
            frame[col] = [INF if i % 2 else math.nan for i in range(len(frame))]
    plots.render(draw(frame, TITLES[kind]), "png")


def test_a_frame_missing_a_column_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no column.*unit"):
        plots.sweep_curve(sweep_frame().drop(columns=["unit"]), "t")


def test_a_large_competition_grid_uses_contours_and_thinned_ticks() -> None:
    fig = plots.competition_map(competition_frame(14), "大网格 large grid", "x", "y", x_log=True)
    assert plots.render(fig, "png").startswith(b"\x89PNG")


def test_cities_keep_their_colours_across_figures() -> None:
    colours = plots.city_colours(["wuxi_2023", "taicang_2020", "jiaxing_draft", "zhangjiagang_2017"])
    assert colours == plots.city_colours(reversed(list(colours)))
    fig = plots.sweep_curve(sweep_frame(), "t", colours=colours)
    line = next(ln for ln in fig.axes[0].get_lines() if "wuxi" in str(ln.get_label()))
    assert line.get_color() == colours["wuxi_2023"]


def test_a_fresh_machine_draws_chinese_with_the_font_the_extras_install(tmp_path: Path) -> None:
    """No installed CJK font and a new matplotlib cache (a fresh HOME): the font the `simulate` and
    `site` extras bring (mplfonts' Noto Sans CJK SC) draws every title."""
    script = (
        "import sys, warnings\n"
        "sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "warnings.simplefilter('error')\n"  # a CJKFontWarning or a missing glyph fails the run
        "from compare.simulate import fonts\n"
        "fonts._installed = lambda candidates: None\n"
        "fonts.SYSTEM_FONT_FOLDERS = ()\n"
        "import test_simulate_plots as t\n"
        "family = fonts.cjk_family()\n"
        "assert family == 'Noto Sans CJK SC', family\n"
        "for kind, title in t.TITLES.items():\n"
        "    assert fonts.missing_glyphs(title) == [], (kind, fonts.missing_glyphs(title))\n"
        "print(family)\n"
    )
    env = {**os.environ, "HOME": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    done = subprocess.run([sys.executable, "-c", script, str(ROOT), str(ROOT / "tests")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Noto Sans CJK SC"


def test_a_font_installed_after_matplotlib_built_its_cache_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """matplotlib lists fonts once, in a cache; a CJK font installed later (apt-get install
    fonts-noto-cjk) is found by looking at the system's font folders."""
    if not any(Path(f).expanduser().is_dir() and any(Path(f).expanduser().rglob("*CJK*"))
               for f in fonts.SYSTEM_FONT_FOLDERS):
        pytest.skip("no CJK font file in the system's font folders")
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    monkeypatch.setattr(fonts, "_bundled", lambda: None)
    monkeypatch.setattr(fonts, "_installed", lambda candidates: None)  # as if the cache did not list it
    fonts.reset()
    try:
        family = fonts.cjk_family()
        assert family is not None and "CJK" in family
        assert fonts.missing_glyphs(TITLES["sweep_curve"], [family]) == []
    finally:
        fonts.reset()
