"""The site's other pages: concepts side by side, mechanisms, graphs, revisions, the cities' timelines,
simulations, and the search dictionary.  Each writes its Markdown under `docs` and returns its nav entries.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment

from compare.site.escape import ref
from compare.site.pages import slug, write_page
from dsl.files import SIM_META, SIM_PLOT, SIM_TABLE, FileRefusedError, Kind, open_checked, read_checked
from dsl.model import Policy

MAX_ROWS = 200  # rows of a simulation table shown on its page; the files hold them all


def concept_pages(env: Environment, policies: Sequence[Policy], rate: float, rate_note: str,
                  docs: Path) -> list[tuple[str, str]]:
    from compare.site import charts
    from compare.site.concepts import concept_rows, mechanism_matrix

    rows = concept_rows(policies, rate)
    curves = charts.concept_curves(policies, rate, rows) if charts.available() else {}
    for row in rows:
        chart = None
        if row.key in curves:
            chart = ref(f"{slug(row.key)}.svg")
            (docs / "concepts").mkdir(parents=True, exist_ok=True)
            (docs / "concepts" / chart).write_bytes(charts.chart_svg(curves[row.key], f"{row.zh} {row.key}", row))
        write_page(docs / "concepts" / f"{slug(row.key)}.md", f"{row.zh} {row.key}".strip(), env.get_template("concept.md.j2").render(
            row=row, rate_note=rate_note, chart=chart))
    mechanisms, matrix = mechanism_matrix(policies)
    write_page(docs / "concepts" / "index.md", "概念对照 Concepts side by side", env.get_template("concepts.md.j2").render(
        rows=rows, policies=policies, rate_note=rate_note))
    write_page(docs / "concepts" / "mechanisms.md", "机制 Mechanisms", env.get_template("mechanisms.md.j2").render(
        mechanisms=mechanisms, matrix=matrix, policies=policies))
    # the concept pages are reached from the index (one per taxonomy concept: too many for the nav)
    return [("概念一览 All concepts", "concepts/index.md"), ("机制 Mechanisms", "concepts/mechanisms.md")]


def graph_pages(env: Environment, policies: Sequence[Policy], docs: Path) -> list[tuple[str, str]]:
    """Each policy's dependency graph and the cross-city concept graph, drawn here as SVG."""
    from compare.diff.graph_export import policy_graph
    from compare.engine.graph import build_graph

    graphs = []
    for p in policies:
        svg = policy_graph([p], [build_graph(p)]).to_svg()
        (docs / "graphs").mkdir(parents=True, exist_ok=True)
        (docs / "graphs" / f"{slug(p.id)}.svg").write_text(svg, encoding="utf-8")
        graphs.append({"title": f"{p.city_label} {p.id}", "file": ref(f"{slug(p.id)}.svg")})
    (docs / "graphs" / "cities.svg").write_text(
        policy_graph(list(policies), [build_graph(p) for p in policies]).to_svg(), encoding="utf-8")
    write_page(docs / "graphs" / "index.md", "关系图 Graphs", env.get_template("graphs.md.j2").render(graphs=graphs))
    return [("关系图 Graphs", "graphs/index.md")]


def revision_pages(env: Environment, diffs: Sequence[tuple[Policy, Policy]], docs: Path,
                   cities: set[str]) -> list[dict[str, Any]]:
    """The structural diff as a redline, the semantic diff's verdicts and witnesses, both documents'
    dates; in date order (compare.site.timeline.revision_order), each page with its city's timeline."""
    from compare.diff.dates import revision_dates
    from compare.diff.items import diff_policies
    from compare.diff.redline import redline, with_semantic
    from compare.diff.redline_render import html_fragment, semantic_html
    from compare.site.timeline import revision_order

    out = []
    for k in revision_order(diffs):
        old, new = diffs[k]
        structural = diff_policies(old, new)
        r = with_semantic(redline(old, new, structural), old, new)
        page = {"title": f"{old.id} → {new.id}", "slug": slug(f"{old.id}--{new.id}"), "old": old.id, "new": new.id}
        write_page(docs / "revisions" / f"{page['slug']}.md", page["title"], env.get_template("revision.md.j2").render(
            old=old, new=new, cities=cities, redline=html_fragment(r),
            semantic=semantic_html(r),
            dates=revision_dates(old, new), timelines=sorted({slug(old.city), slug(new.city)})))
        out.append(page)
    return out


def timeline_pages(env: Environment, policies: Sequence[Policy], revisions: Sequence[dict[str, Any]], docs: Path,
                   cities: set[str]) -> list[dict[str, Any]]:
    """A page per city: its documents (those the site shows and those its revisions compare) in date order,
    and the step chart of the figures that changed (compare.history.chart, where matplotlib is at hand)."""
    from compare.site import charts
    from compare.site.timeline import timeline_pages as pages_of

    linked = {(r["old"], r["new"]): ref(f"../revisions/{r['slug']}.html") for r in revisions}
    out = []
    for page in pages_of(policies, linked, cities):
        title = f"{page.city_label} 时间线 Timeline"
        chart = None
        if charts.available() and page.figures is not None and page.figures.changed():
            from compare.history.chart import chart_bytes

            chart = ref(f"{page.slug}.svg")
            (docs / "timelines").mkdir(parents=True, exist_ok=True)
            (docs / "timelines" / chart).write_bytes(chart_bytes(page.figures, "svg", "policylab site build"))
        write_page(docs / "timelines" / f"{page.slug}.md", title, env.get_template("timeline.md.j2").render(
            page=page, chart=chart, last_day=lambda end: (end - timedelta(days=1)).isoformat()))
        out.append({"title": title, "slug": page.slug})
    return out


def _table(path: Path, folder: Path) -> tuple[list[str], list[list[str]], int]:
    """The header, the first MAX_ROWS rows and the number of rows of a simulation's CSV, read by the file
    rule (dsl.files: a regular file inside the folder)."""
    with open_checked(path, SIM_TABLE, folder) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return [], [], 0
        rows = list(itertools.islice(reader, MAX_ROWS))
        return header, rows, len(rows) + sum(1 for _ in reader)


def _unique(name: str, used: set[str]) -> str:
    """`name`, or `name-2`, `name-3` … where it is taken (names that slug alike)."""
    return next(n for n in (name, *(f"{name}-{k}" for k in range(2, len(used) + 3))) if n not in used)


def simulation_pages(env: Environment, folders: Sequence[Path], docs: Path,
                     skipped: list[str] | None = None) -> list[dict[str, Any]]:
    """What `policylab simulate` wrote: its tables (the first rows; the files hold all) and plots.  Only
    regular files inside the folder are published (dsl.files): a link out of it (`plots/x.png ->
    /etc/shadow`), a FIFO or a device is neither copied nor rendered, and noted in `skipped`."""
    out: list[dict[str, Any]] = []
    left_out = skipped if skipped is not None else []
    for folder in folders:
        meta: dict[str, Any] = {}
        raw = _published(folder / "meta.json", SIM_META, folder, left_out)
        if raw is not None:
            try:
                meta = json.loads(raw.decode("utf-8"))
            except ValueError:  # UnicodeDecodeError is one
                left_out.append(f"`{folder / 'meta.json'}` is not the JSON `policylab simulate` writes")
        name = _unique(slug(folder.name), {o["slug"] for o in out})  # 模拟甲, 模拟乙: a page each
        target = docs / "simulations" / name
        plots: list[dict[str, Any]] = []
        for png in sorted((folder / "plots").glob("*.png")) if (folder / "plots").is_dir() else []:
            data = _published(png, SIM_PLOT, folder, left_out)
            if data is None:
                continue
            target.mkdir(parents=True, exist_ok=True)
            # a link made of slugs (the file's own name is only shown), one file per plot
            shipped = _unique(slug(png.stem), {p["file"].rsplit("/", 1)[1][:-4] for p in plots}) + ".png"
            (target / shipped).write_bytes(data)
            plots.append({"name": png.stem, "file": ref(f"{name}/{shipped}")})
        tables = []
        for path in sorted(folder.glob("*.csv")):
            try:
                header, rows, total = _table(path, folder)
            except FileRefusedError as e:
                left_out.append(f"{e.message}: not published")
                continue
            except (UnicodeDecodeError, csv.Error):
                left_out.append(f"`{path}` is not a CSV table `policylab simulate` writes: not published")
                continue
            tables.append({"name": path.stem, "header": header, "rows": rows, "total": total})
        page = {"title": folder.name, "slug": ref(name)}
        write_page(docs / "simulations" / f"{name}.md", folder.name, env.get_template("simulation.md.j2").render(
            title=folder.name, meta=meta, plots=plots, tables=tables))
        out.append(page)
    return out


def _published(path: Path, kind: Kind, folder: Path, skipped: list[str]) -> bytes | None:
    """A simulation's file to publish, or None (noted in `skipped`) when the file rule refuses it."""
    try:
        return read_checked(path, kind, folder)
    except FileRefusedError as e:
        if e.reason != "does not exist":
            skipped.append(f"{e.message}: not published")
        return None
