"""A simulation's results: named tables (pyarrow), DataFrames for notebooks, plots, and the files.

    res = simulate("examples/wuxi_fdi_cap.scenario.yaml")
    res.totals            # DataFrame: per line and concept, [low, high] over the portfolio
    res.plot_sweep()      # a matplotlib Figure

`write(out)` puts every table as CSV, JSON and Parquet, every plot as PNG and SVG, the checked reform
revisions and `scenario.lock` into a folder, built beside it and renamed into place at the end, so an
interrupted run leaves the previous folder (or none), never half of one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from compare.data.folders import atomic_folder
from compare.data.sheet import csv_text
from compare.data.table_text import safe_text

TABLE_FORMATS = ("csv", "json", "parquet")
PLOT_FORMATS = ("png", "svg")


@dataclass
class Results:
    name: str
    title: str
    tables: dict[str, pa.Table] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # rate note, lines, notes
    revisions: dict[str, str] = field(default_factory=dict)  # reform name -> .policy text
    sources: dict[str, bytes] = field(default_factory=dict)  # sources/NAME -> text a transplant quotes
    lock: dict[str, Any] = field(default_factory=dict)
    axes: dict[str, Any] = field(default_factory=dict)  # the competition map's axes

    def frame(self, name: str) -> Any:
        """A table as a pandas DataFrame (empty if the scenario did not ask for it)."""
        import pandas as pd

        t = self.tables.get(name)
        return t.to_pandas() if t is not None else pd.DataFrame()

    totals = property(lambda self: self.frame("totals"))
    by_beneficiary = property(lambda self: self.frame("by_beneficiary"))
    by_payer = property(lambda self: self.frame("by_payer"))  # where the policies' clauses name payers
    per_project = property(lambda self: self.frame("per_project"))
    deltas = property(lambda self: self.frame("deltas"))
    delta_summary = property(lambda self: self.frame("delta_summary"))
    competitiveness = property(lambda self: self.frame("competitiveness"))
    wins = property(lambda self: self.frame("wins"))
    sweep = property(lambda self: self.frame("sweep"))
    by_year = property(lambda self: self.frame("by_year"))  # a portfolio over years: each year's totals
    sweep_by_year = property(lambda self: self.frame("sweep_by_year"))
    due_later = property(lambda self: self.frame("due_later"))
    monte_carlo = property(lambda self: self.frame("monte_carlo"))
    monte_carlo_summary = property(lambda self: self.frame("monte_carlo_summary"))
    tornado = property(lambda self: self.frame("tornado"))
    readings = property(lambda self: self.frame("readings"))
    competition_map = property(lambda self: self.frame("competition_map"))

    # ------------------------------------------------------------ plots

    def plots(self, lang: str = "both") -> dict[str, Any]:
        """Plot name -> matplotlib Figure, for every analysis that ran; text in `lang` (zh, en or both)."""
        from compare.simulate.fonts import language

        out: dict[str, Any] = {}
        with language(lang):
            for name, make in (("totals", self.plot_totals), ("by_year", self.plot_years), ("sweep", self.plot_sweep),
                               ("monte_carlo", self.plot_distribution), ("tornado", self.plot_tornado),
                               ("competition_map", self.plot_competition_map)):
                if name in self.tables and self.tables[name].num_rows:
                    out[name] = make()
        return out

    def frame_in_order(self, name: str) -> Any:
        """A table as a DataFrame, its rows in the scenario's order of lines (its cities as given, then its
        reforms), so every legend lists them alike."""
        frame = self.frame(name)
        order = {str(ln["name"]): k for k, ln in enumerate(self.meta.get("lines", []))}
        if not len(frame) or "policy" not in frame.columns or not order:
            return frame
        rank = frame["policy"].astype(str).map(lambda p: order.get(p, len(order)))
        return frame.iloc[rank.argsort(kind="stable").to_numpy()].reset_index(drop=True)

    def _bilingual(self, frame: Any, label: str, key: str, prefix: str = "") -> Any:
        """`label` column as "zh en" where the taxonomy gives the English of `key` (the plots pick one or both)."""
        english = self.meta.get("english", {})
        if not len(frame) or label not in frame.columns or key not in frame.columns:
            return frame
        texts = [f"{zh} {english[prefix + str(k)]}" if prefix + str(k) in english and " " not in str(zh).strip()
                 else zh for zh, k in zip(frame[label].astype(str), frame[key].astype(str), strict=True)]
        return frame.assign(**{label: texts})

    def _title(self, zh: str, en: str) -> str:
        from compare.simulate.fonts import label

        return f"{self.title}：{label(zh, en)}"

    def plot_totals(self) -> Any:
        from compare.simulate import plots

        frame = self._bilingual(self.frame_in_order("by_beneficiary"), "beneficiary_label", "beneficiary", "beneficiary:")
        if len(frame):  # the amounts with a figure; promises with none are counted in the table
            frame = frame.assign(concept=frame["beneficiary"], concept_label=frame["beneficiary_label"],
                                 beneficiary="", beneficiary_label="",
                                 low=frame["low_with_figure"], high=frame["high_with_figure"])
            # a beneficiary no line pays or promises anything on this portfolio is only in the table
            given = (frame.groupby(["concept", "unit"])["high"].transform("max") > 0) | \
                (frame.groupby(["concept", "unit"])["promised"].transform("max") > 0)
            frame = frame[given]
        return plots.city_bars(frame, self._title("按受益方合计", "totals by beneficiary"),
                               axis=("合计（有数额部分）", "total of the amounts with a figure"),
                               groups=("受益方", "beneficiary"))

    def plot_years(self) -> Any:
        """A portfolio over years: what each line pays each year (money.total, CNY)."""
        from compare.simulate.plot_years import years_lines

        frame = self._bilingual(self.frame_in_order("by_year"), "concept_label", "concept")
        return years_lines(frame, self._title("逐年支付", "paid each year"))

    def plot_sweep(self) -> Any:
        from compare.simulate import plots

        frame = self._bilingual(self.frame_in_order("sweep"), "concept_label", "concept")
        names = self.meta.get("figure_labels", {})  # a figure's title: its clause and role, not its path

        def title(col: str) -> str | None:
            from compare.simulate.plot_ticks import titled

            if not len(frame) or col not in frame.columns:
                return None
            path = str(frame[col].iloc[0])
            return titled(*names[path]) if path in names else path
        if "value2" in frame.columns and frame["value2"].notna().any():
            return plots.sweep_heatmap(frame, self._title("参数扫描", "sweep"), title("figure"), title("figure2"))
        now = self.meta.get("figure_values", {}).get(str(frame["figure"].iloc[0])) if len(frame) else None
        return plots.sweep_curve(frame, self._title("参数扫描", "sweep"), title("figure"),
                                 current=(float(now[0]), str(now[1])) if now else None)

    def plot_distribution(self) -> Any:
        from compare.simulate import plots

        frame = self.frame_in_order("monte_carlo")
        lines = self.meta.get("labels", {})
        concepts = self.meta.get("concept_labels", {})
        units = self.meta.get("units", {})
        focus = self.meta.get("mc_concepts") or ["money.total"]  # default: what each city pays in all
        frame = frame[frame["concept"].isin(focus)].copy()
        frame["label"] = [lines.get(p, p) for p in frame["policy"]]
        frame["concept_label"] = [concepts.get(c, c) for c in frame["concept"]]
        frame["unit"] = [units.get(c, "") for c in frame["concept"]]
        frame = self._bilingual(frame, "concept_label", "concept")
        return plots.distribution(frame, self._title("蒙特卡洛模拟", "Monte Carlo"))

    def plot_tornado(self) -> Any:
        from compare.simulate import plots

        frame = self._bilingual(self.frame_in_order("tornado"), "concept_label", "concept")
        frame = frame[frame["swing"] > 0] if len(frame) else frame
        if len(frame):  # per line and unit (points, CNY …), the concept its readings move most
            top = frame.sort_values(["policy", "unit", "swing"], ascending=[True, True, False])
            top = top.groupby(["policy", "unit"]).head(1)
            keep = set(zip(top["policy"], top["concept"], strict=True))
            frame = frame[[(p, c) in keep for p, c in zip(frame["policy"], frame["concept"], strict=True)]]
        if len(frame):  # an option by the words its text gives it ("每档含上限"), not its code name
            from compare.simulate.fonts import current_lang

            names, english = self.meta.get("option_labels", {}), current_lang() == "en"

            def short(policy: str, reading: str, option: str) -> str:
                zh = re.split(r"[：:，,（(]", names.get(f"{policy}:{reading}.{option}", ""), maxsplit=1)[0].strip()
                zh = zh if len(zh) <= 10 else zh[:9] + "…"
                return option.replace("_", " ") if english or not zh else zh
            frame = frame.assign(**{col: [short(p, r, o) for p, r, o in zip(frame["policy"], frame["reading"], frame[col],
                                                                            strict=True)]
                                    for col in ("option_low", "option_high")})
        return plots.tornado(frame, self._title("解读敏感性", "readings"))

    def plot_competition_map(self) -> Any:
        from compare.simulate import plots
        from compare.simulate.plot_ticks import currency_of, titled

        ax = self.axes

        def title(key: str) -> str:
            zh, en = ax.get(f"{key}_names") or (ax.get(f"{key}_title", key), ax.get(f"{key}_title", key))
            return titled(zh, en, *currency_of(str(ax.get(f"{key}_unit", ""))))
        return plots.competition_map(self.frame("competition_map"), self._title("竞争地图", "competition map"),
                                     title("x"), title("y"), bool(ax.get("x_log")),
                                     kinds=(str(ax.get("x_kind", "number")), str(ax.get("y_kind", "number"))),
                                     names=self.meta.get("labels", {}))

    # ------------------------------------------------------------ files

    def write(self, out: Path, formats: Sequence[str] = (*TABLE_FORMATS, *PLOT_FORMATS), force: bool = False,
              lang: str = "both") -> list[Path]:
        """Everything into folder `out` (replaced as a whole, if new, empty or written by `policylab simulate`,
        else with `force`: compare.data.folders); the files written, relative to `out`."""
        written: list[Path] = []
        with atomic_folder(Path(out), COMMAND, force) as tmp:
            for name, table in sorted(self.tables.items()):
                for fmt in (f for f in TABLE_FORMATS if f in formats):
                    path = tmp / f"{name}.{fmt}"
                    _write_table(table, path, fmt)
                    written.append(path)
            wanted = [f for f in PLOT_FORMATS if f in formats]
            if wanted:  # matplotlib is imported only when plots are written
                from compare.simulate import plots

                (tmp / "plots").mkdir()
                for name, fig in self.plots(lang).items():
                    written += plots.save(fig, tmp / "plots" / name, wanted)
            for name, text in sorted(self.revisions.items()):
                (tmp / "policies").mkdir(exist_ok=True)
                (tmp / "policies" / f"{name}.policy").write_text(text, encoding="utf-8")
                written.append(tmp / "policies" / f"{name}.policy")
            for rel, data in sorted(self.sources.items()):
                path = tmp / "policies" / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            (tmp / "meta.json").write_text(_json(self.meta), encoding="utf-8")
            (tmp / "scenario.lock").write_text(_json(self.lock), encoding="utf-8")
            written += [tmp / "meta.json", tmp / "scenario.lock"]
        return [p.relative_to(tmp) for p in written]


COMMAND = "policylab simulate"  # the marker of the folders it writes


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (dt.date, dt.time)):  # a date a project file carries (landed_on): as written, ISO
        return x.isoformat()
    return x


def _json(data: Any) -> str:
    return json.dumps(_clean(data), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _csv_safe(table: pa.Table) -> pa.Table:
    """Text cells and headers as compare.data.sheet.csv_text makes them: a spreadsheet opening the CSV
    runs no formula from a label, a project id or a sweep's value."""
    columns = [safe_text(col.combine_chunks()) if pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
               or (pa.types.is_dictionary(col.type) and pa.types.is_string(col.type.value_type)) else col
               for col in table.columns]
    return pa.table(columns, names=[csv_text(n) for n in table.column_names])


def _write_table(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "csv":
        pacsv.write_csv(_csv_safe(table), path)
    elif fmt == "parquet":
        import pyarrow.parquet as pq  # not imported by a run that writes no Parquet (~60 ms)

        pq.write_table(table, path)
    else:
        rows = [_clean(r) for r in table.to_pylist()]
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
