"""A city's history as text for the terminal, Markdown and CSV; a panel as CSV and Parquet.

The history: the city's documents (id, title, issued, in force from and why, until and why, status),
then the figures that changed, each step with its dates, value, document and article, then every other
figure with the one value it had.  Dates: `from` is the first day in force, `to` the last (the day
before the next change), "not stated" where the record gives no start and "open" where nothing ends it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from compare.data.write import aligned
from compare.history.outputs import MARK, csv_bytes
from compare.history.panel import COLUMNS, NUMBERS, Panel, Row
from compare.history.steps import CityHistory, FigureHistory, Step
from dsl.textsafe import md_cell

HISTORY_COLUMNS = ("city", "concept", "figure", "kind", "from", "to", "value", "unit", "text", "policy", "article",
                   "quote", "changed")
DOC_HEAD = ("policy", "title", "issued", "in force from", "until", "status")
STEP_HEAD = ("concept / figure", "kind", "from", "to", "value", "document", "article")


def _day(d: dt.date | None, none: str) -> str:
    return d.isoformat() if d is not None else none


def _last(d: dt.date | None) -> str:
    return (d - dt.timedelta(days=1)).isoformat() if d is not None else "open"


def document_cells(history: CityHistory) -> list[list[str]]:
    out = []
    for doc in history.documents:
        start = _day(doc.start, "not stated") + (f" ({doc.start_reason})" if doc.start is not None else "")
        until = "open" if doc.end is None else f"{_last(doc.end)} ({doc.end_reason})"
        out.append([doc.policy, doc.title or "—", _day(doc.issued, "—"), start,
                    until if doc.status != "draft" else "never in force (draft)", doc.status or "—"])
    return out


def _step_cells(f: FigureHistory, s: Step, first: bool) -> list[str]:
    name = (f.path if not f.concept or f.concept == f.path else f"{f.concept} · {f.path}") if first else ""
    return [name, f.kind if first else "", _day(s.start, "not stated"), _last(s.end), s.row.text, s.policy,
            s.row.article or "—"]


def history_cells(figures: Iterator[FigureHistory] | list[FigureHistory]) -> list[list[str]]:
    return [_step_cells(f, s, i == 0) for f in figures for i, s in enumerate(f.steps)]


def history_text(history: CityHistory) -> str:
    changed = history.changed()
    rest = [f for f in history.figures if not f.changed]
    n = len(history.documents)
    lines = [f"{history.label} {history.city}: {n} document{'s' * (n != 1)}",
             *aligned([list(DOC_HEAD), *document_cells(history)], "  "), ""]
    lines.append(f"figures that changed ({len(changed)} of {len(history.figures)}):" if changed else
                 f"no figure changed ({len(history.figures)} figures)")
    if changed:
        lines += aligned([list(STEP_HEAD), *history_cells(changed)], "  ")
    if rest:
        lines += ["", "figures with one value:", *aligned([list(STEP_HEAD), *history_cells(rest)], "  ")]
    drafts = [d.policy for d in history.documents if d.status == "draft"]
    if drafts:
        lines += ["", f"{', '.join(drafts)}: a draft is never in force, so its figures are not in the history "
                      f"(`policylab figures {drafts[0]}` lists them)"]
    return "\n".join(lines) + "\n"


def _md_table(head: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(md_cell(c, "") for c in row) + " |" for row in rows)]


def history_markdown(history: CityHistory, command: str = "timeline") -> str:
    changed = history.changed()
    rest = [f for f in history.figures if not f.changed]
    lines = [f"<!-- {MARK} {command} -->", f"# {md_cell(history.label)} {md_cell(history.city)}", "",
             "## Documents", "", *_md_table(DOC_HEAD, document_cells(history)), ""]
    lines += ["## Figures that changed", ""]
    lines += _md_table(STEP_HEAD, history_cells(changed)) if changed else ["No figure changed."]
    if rest:
        lines += ["", "## Figures with one value", "", *_md_table(STEP_HEAD, history_cells(rest))]
    return "\n".join(lines) + "\n"


def history_csv(history: CityHistory) -> bytes:
    rows = [(history.city, f.concept, f.path, f.kind, _day(s.start, ""), "" if s.end is None else _last(s.end),
             s.row.value, s.row.unit, s.row.text, s.policy, s.row.article, s.row.quote, "yes" if f.changed else "no")
            for f in history.figures for s in f.steps]
    return csv_bytes(HISTORY_COLUMNS, rows)


def panel_csv(panel: Panel) -> Iterator[bytes]:
    """The panel as CSV (compare.history.outputs.csv_bytes's cells), a city and date at a time; a document's
    rows are made into text once, and each date's lines are its head and that text."""
    lines: dict[int, str] = {}
    heads: dict[Row, str] = {}
    yield csv_bytes(COLUMNS, ())
    for head, block in panel.parts:
        if id(block) not in lines:
            lines[id(block)] = csv_bytes(COLUMNS[len(head):], block).decode("utf-8").split("\n", 1)[1]
        if head not in heads:
            heads[head] = csv_bytes(COLUMNS[:len(head)], [head]).decode("utf-8").split("\n")[1] + ","
        text = lines[id(block)]  # one line per row: csv_text escapes a newline inside a cell
        yield (heads[head] + text[:-1].replace("\n", "\n" + heads[head]) + "\n").encode("utf-8") if text else b""


def panel_parquet(panel: Panel, meta: dict[str, str]) -> bytes:
    """The panel as Parquet: numbers as float64 (null where empty), texts as strings; `meta` (the mark, the
    rate, the dates) in the schema's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.float64() if c in NUMBERS else pa.string()) for c in COLUMNS],
                       metadata={k.encode(): v.encode() for k, v in meta.items()})
    tails: dict[int, pa.Table] = {}
    tables = []
    for head, block in panel.parts:
        names = COLUMNS[len(head):]
        if id(block) not in tails:
            tails[id(block)] = pa.table({c: pa.array([row[i] for row in block], type=schema.field(c).type)
                                         for i, c in enumerate(names)})
        tail = tails[id(block)]
        heads = {c: pa.array([v] * tail.num_rows, type=pa.string()) for c, v in zip(COLUMNS, head, strict=False)}
        tables.append(pa.table({**heads, **{c: tail.column(c) for c in names}}, schema=schema))
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    return bytes(sink.getvalue().to_pybytes())


__all__ = ["HISTORY_COLUMNS", "history_csv", "history_markdown", "history_text", "panel_csv", "panel_parquet"]
