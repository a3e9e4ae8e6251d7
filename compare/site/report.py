"""The one-file report for a memo: the site's clause-by-clause comparison as Markdown, HTML or XLSX.

    report = build_report(policies, concepts=["reward.fdi"])   # UnknownConceptError for a key no taxonomy has
    text = render_markdown(report)    # GitHub-flavoured Markdown
    page = render_html(report)        # one self-contained UTF-8 page: inline CSS, no fonts, scripts or links
    data = render_xlsx(report)        # bytes: sheets documents, concepts, mechanisms, readings

A header with the documents and the stated USD→CNY rate; per concept its labels, kind and unit and per
city its state (present, promised with no figure, absent: each marked distinctly) and provisions
(compare.site.concepts); the readings the provisions depend on; the mechanisms as a matrix.

Policy text is data: Markdown escapes every character that could start markup in CommonMark, GitHub's
tables or Python-Markdown with `attr_list` (compare.site.escape.markdown: a cell never breaks on `|` or
a newline), HTML is rendered by Jinja2 with autoescape on and never re-rendered, XLSX cells holding
text are typed as text, headers included (compare.data.sheet: a label `=1+1` is not a formula).  Deterministic: no dates; the workbook's
created/modified stamps and its zip entries' times are fixed, so two runs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from compare.data.sheet import text_cell
from compare.engine.notation import status_words
from compare.site import escape
from compare.site.concepts import (
    ABSENT,
    PRESENT,
    PROMISED,
    ConceptRow,
    Provision,
    concept_rows,
    mechanism_matrix,
    rate_note,
)
from compare.site.record import RecordView, record_rows, record_view, values_text
from compare.testing.source_coverage import partial_sources
from dsl import ast as A
from dsl.diagnostics import did_you_mean
from dsl.model import Policy

FORMATS = ("markdown", "html", "xlsx")
TITLE = "招商引资政策逐条对照 Clause-by-clause comparison"
STATES = {PRESENT: ("●", "present"), PROMISED: ("◐", "promised, no figure"), ABSENT: ("○", "absent")}
NOT_STATED = "未载明 not stated"  # a header field the document does not state
FIXED_TIME = dt.datetime(2000, 1, 1)  # the workbook's created/modified stamps: no run date in the file


class UnknownConceptError(ValueError):
    def __init__(self, key: str, hint: str | None):
        super().__init__(f"no taxonomy concept `{key}`" + (f"; {hint}" if hint else ""))
        self.key, self.hint = key, hint


@dataclass(frozen=True)
class Document:
    policy: str
    city: str
    city_label: str
    title: str
    docno: str
    issuer: str
    date: str  # "issued 2023-09-28", else "effective …"
    status: str
    partial: str | None = None  # where an incomplete source text breaks off (`partial "…"`)
    record: RecordView | None = None  # the city's own record (compare.site.record)


@dataclass(frozen=True)
class ReadingInfo:
    policy: str
    city_label: str
    id: str
    label: str
    default: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    documents: tuple[Document, ...]
    rate: float
    rate_note: str
    rows: tuple[ConceptRow, ...]  # shown in full
    missing: tuple[ConceptRow, ...]  # listed by name: the concepts no city has (none when concepts were chosen)
    mechanisms: tuple[tuple[str, str, str], ...]  # (key, zh, en)
    matrix: dict[tuple[str, str], A.Mechanism | None] = field(default_factory=dict)  # (key, policy id)
    readings: tuple[ReadingInfo, ...] = ()  # those some provision shown depends on
    beneficiaries: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (zh, en)


def _meta(p: Policy, key: str) -> str:
    m = p.meta.get(key)
    return "" if m is None else (m.label or m.value) if key != "city" else m.value


def _document(p: Policy) -> Document:
    date = next((f"{k} {_meta(p, k)}" for k in ("issued", "effective") if _meta(p, k)), "")
    return Document(p.id, p.city, p.city_label, _meta(p, "title") or NOT_STATED, _meta(p, "docno") or NOT_STATED,
                    _meta(p, "issuer") or NOT_STATED, date, " ".join(status_words(_meta(p, "status") or None)), partial_sources(p)[-1] if p.files else p.partial, record_view(p))


PARTIAL_NOTE = ("原文不完整 partial source: the text was recovered in part and breaks off at “{where}”; what follows is "
                "not encoded and not compared")


def partial_note(d: Document) -> str:
    return PARTIAL_NOTE.format(where=d.partial) if d.partial is not None else ""


def build_report(policies: Sequence[Policy], concepts: Sequence[str] | None = None,
                 fx: float | None = None) -> Report:
    """The report over `policies` (in that order).  `concepts`: only these keys, in the order given
    (UnknownConceptError for one no taxonomy has); default every concept some city has, and the rest
    listed as missing.  `fx`: the USD→CNY rate (default: compare.engine.runs.choose_rates)."""
    rate, note = rate_note(policies, fx)
    every = {r.key: r for r in concept_rows(policies, rate)}
    if concepts:
        for key in concepts:
            if key not in every:
                raise UnknownConceptError(key, did_you_mean(key, every))
        rows, missing = [every[k] for k in dict.fromkeys(concepts)], []
    else:
        rows = [r for r in every.values() if r.anywhere]
        missing = [r for r in every.values() if not r.anywhere]
    names, matrix = mechanism_matrix(policies)
    by_id = {p.id: p for p in policies}
    used = sorted({(e.policy, r) for row in rows for e in row.entries for pr in e.provisions for r in pr.readings},
                  key=lambda pr: ([p.id for p in policies].index(pr[0]), pr[1]))
    readings = tuple(ReadingInfo(pid, by_id[pid].city_label, rid, rd.label or "", rd.default or "",
                                 tuple(o.id for o in rd.options))
                     for pid, rid in used if (rd := by_id[pid].readings.get(rid)) is not None)
    beneficiaries: dict[str, tuple[str, str]] = {}
    for p in policies:
        for k, v in (p.taxonomy.beneficiaries if p.taxonomy is not None else {}).items():
            beneficiaries.setdefault(k, v)
    return Report(tuple(_document(p) for p in policies), rate, note, tuple(rows), tuple(missing),
                  tuple(names), matrix, readings, beneficiaries)


def state_text(state: str) -> str:
    mark, words = STATES[state]
    return f"{mark} {words}"


def who(report: Report, beneficiary: str | None) -> str:
    """A beneficiary with its Chinese name where it is one key: `host_district (落户地（受荐单位）)`."""
    if not beneficiary:
        return ""
    zh = report.beneficiaries.get(beneficiary, ("", ""))[0]
    return f"{beneficiary} ({zh})" if zh else beneficiary


def figures_text(p: Provision) -> str:
    """`1000万美元 = 7046.7万元, 2分`: each figure, with its common-unit form where that differs."""
    return ", ".join(f if f == c else f"{f} = {c}" for f, c in zip(p.figures, p.common, strict=True))


def mechanism_cell(m: A.Mechanism | None) -> str:
    if m is None:
        return ""
    articles = list(dict.fromkeys(c.article for c in m.cites))
    return (m.label or m.id) + (f" ({', '.join(articles)})" if articles else "")


def item_text(p: Provision) -> str:
    return f"{p.kind} {p.id}" + (f" (part of {p.part_of})" if p.part_of else "")


# ---------------------------------------------------------------- Markdown

md = escape.markdown  # policy text as Markdown that renders as written (compare.site.escape)


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c or " " for c in cells) + " |"


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_md_row(head), "|" + "---|" * len(head), *(_md_row(r) for r in rows), ""]


def _md_concept(report: Report, row: ConceptRow) -> list[str]:
    out = [f"### {md(row.key)} — {md(row.zh)} / {md(row.en)}", "", f"{md(row.kind)} · unit {md(row.unit)}", ""]
    body = []
    for e in row.entries:
        city = f"{md(e.city_label)} ({md(e.policy)})"
        state = f"**{state_text(e.state)}**" if e.state == PRESENT else \
            f"*{state_text(e.state)}*" if e.state == PROMISED else state_text(e.state)
        if not e.provisions:
            body.append([city, state, "", "", "", "", "", "", "", ""])
        for i, p in enumerate(e.provisions):
            cites = "<br>".join(f"{md(a)} “{md(q)}”" for a, q in p.cites)
            item = md(item_text(p)) + (f"<br>{md(p.label)}" if p.label else "")
            body.append([city if i == 0 else "", state if i == 0 else "", item, cites, md(p.value),
                         md(p.condition), md(figures_text(p)), md(", ".join(p.readings)), md(who(report, p.beneficiary)),
                         md(p.payer)])
    return out + _md_table(["city", "state", "item", "article and quote", "value", "condition",
                            "figures (common units)", "readings", "beneficiary", "payer"], body)


def _md_record(d: Document) -> list[str]:
    r = d.record
    if not r:
        return []
    out = [f"### {md(d.city_label)} ({md(d.policy)})", ""]
    if r.fields:
        out += _md_table(["field", "type", "unit", "default", "label", "English", "values", "origin"],
                         [[md(f.name) + ("" if f.read else " (not read)"), md(f.type), md(f.unit), md(f.default),
                           md(f.zh), md(f.en), md(values_text(f.values)), md(f.origin)] for f in r.fields])
    if r.values:
        out += _md_table(["field", "value added", "label", "English", "origin"],
                         [[md(v.field), md(v.value), md(v.zh), md(v.en), md(v.origin)] for v in r.values])
    if r.lists:
        out += _md_table(["list", "label", "English", "items"],
                         [[md(x.id), md(x.zh), md(x.en), md("、".join(x.items))] for x in r.lists])
    if r.conditions:
        out += _md_table(["named condition", "label", "when", "article and quote", "used by"],
                         [[md(c.id), md(c.zh), md(c.condition), "<br>".join(f"{md(a)} “{md(q)}”" for a, q in c.cites),
                           md(", ".join(c.used_by))] for c in r.conditions])
    return out


def render_markdown(report: Report) -> str:
    out = [f"# {TITLE}", "", "## Documents", ""]
    out += _md_table(["city", "policy", "title", "document no.", "issuer", "date", "status"],
                     [[md(d.city_label), md(d.policy), md(d.title), md(d.docno), md(d.issuer), md(d.date),
                       md(d.status)] for d in report.documents])
    out += [f"- **{md(d.city_label)} ({md(d.policy)})**: {md(partial_note(d))}" for d in report.documents
            if d.partial is not None] + ([""] if any(d.partial is not None for d in report.documents) else [])
    out += [f"Money in common units is in CNY at {md(report.rate_note)}; ratios are in %, durations of a concept "
            "measured in days (1个月 = 30天). States: " + "; ".join(md(state_text(s)) for s in STATES) + ".", "",
            "## Concepts", ""]
    for row in report.rows:
        out += _md_concept(report, row)
    if report.missing:
        out += ["## Concepts no city has", ""]
        out += [f"- {md(r.key)} — {md(r.zh)} / {md(r.en)}" for r in report.missing] + [""]
    if report.readings:
        out += ["## Readings", "", "Open points of the texts the provisions above depend on, and the option each "
                "policy takes by default.", ""]
        out += _md_table(["city", "reading", "question", "default", "options"],
                         [[md(r.city_label), md(r.id), md(r.label), md(r.default), md(", ".join(r.options))]
                          for r in report.readings])
    if any(d.record for d in report.documents):
        out += ["## The cities' records", "", "The project fields each policy reads (built-in) or declares, the "
                "categories and choice values it adds, its lists and its named conditions.", ""]
        for d in report.documents:
            out += _md_record(d)
    out += ["## Mechanisms", ""]
    out += _md_table(["mechanism", *(md(d.city_label) for d in report.documents)],
                     [[f"{md(key)}<br>{md(zh)}", *(md(("✓ " + mechanism_cell(m)) if m is not None else "—")
                                                  for d in report.documents
                                                  for m in [report.matrix.get((key, d.policy))])]
                      for key, zh, _en in report.mechanisms])
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------- HTML


def render_html(report: Report) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("compare.site", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    template = env.get_template("report.html.j2")
    return template.render(report=report, title=TITLE, states=STATES, state_text=state_text, who=who,
                           figures_text=figures_text, mechanism_cell=mechanism_cell, item_text=item_text,
                           slug=escape.slug, partial_note=partial_note, values_text=values_text,
                           records=[d for d in report.documents if d.record])


# ---------------------------------------------------------------- XLSX

_CONCEPT_HEAD = [("concept", 28), ("zh", 24), ("en", 30), ("kind", 10), ("unit", 8), ("city", 8), ("policy", 18),
                 ("state", 18), ("item", 34), ("label", 28), ("part of", 22), ("article", 10), ("quote", 60),
                 ("value", 50), ("condition", 40), ("figures", 24), ("common units", 24), ("readings", 24),
                 ("beneficiary", 28), ("promised", 9), ("payer", 30)]


def _sheet(wb: Any, title: str, head: Sequence[tuple[str, int]], rows: Sequence[Sequence[Any]]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for c, (name, width) in enumerate(head, 1):
        cell = text_cell(ws.cell(1, c), name)  # a header is text too (a city label `=HYPERLINK(…)`)
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    top = Alignment(vertical="top", wrap_text=True)
    for r, values in enumerate(rows, 2):
        for c, v in enumerate(values, 1):
            cell = ws.cell(r, c)
            if isinstance(v, str):
                text_cell(cell, v)  # text, never a formula, shown as given: policy text is data
            else:
                cell.value = v
            cell.alignment = top
    ws.freeze_panes = "A2"


def _concept_rows(report: Report) -> list[list[Any]]:
    out: list[list[Any]] = []
    for row in report.rows:
        for e in row.entries:
            head = [row.key, row.zh, row.en, row.kind, row.unit, e.city_label, e.policy, state_text(e.state)]
            if not e.provisions:
                out.append(head + [""] * (len(_CONCEPT_HEAD) - len(head)))
            for p in e.provisions:
                out.append(head + [f"{p.kind} {p.id}", p.label or "", p.part_of or "",
                                   "\n".join(a for a, _ in p.cites), "\n".join(q for _, q in p.cites), p.value,
                                   p.condition or "", ", ".join(p.figures), ", ".join(p.common),
                                   ", ".join(p.readings), who(report, p.beneficiary), p.promised, p.payer or ""])
    return out


class _StampedZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed time: openpyxl's would carry the moment of writing (or a
    temporary file's)."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: int | None = None,
                 compresslevel: int | None = None) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=(1980, 1, 1, 0, 0, 0))
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:
        """A file (openpyxl writes each worksheet to a temporary file first): its bytes, at the fixed time."""
        with open(filename, "rb") as f:
            self.writestr(str(arcname if arcname is not None else filename), f.read(), compress_type, compresslevel)


def render_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = "policylab"
    docs = report.documents
    _sheet(wb, "documents", [("city", 10), ("policy", 20), ("title", 50), ("document no.", 20), ("issuer", 20),
                             ("date", 24), ("status", 12), ("source", 50)],
           [[d.city_label, d.policy, d.title, d.docno, d.issuer, d.date, d.status, partial_note(d)] for d in docs]
           + [[], ["USD→CNY", report.rate_note]])
    _sheet(wb, "concepts", _CONCEPT_HEAD, _concept_rows(report))
    _sheet(wb, "mechanisms", [("mechanism", 24), ("zh", 30), ("en", 30)] + [(d.city_label, 36) for d in docs],
           [[key, zh, en, *(mechanism_cell(report.matrix.get((key, d.policy))) or "—" for d in docs)]
            for key, zh, en in report.mechanisms])
    _sheet(wb, "readings", [("city", 10), ("policy", 20), ("reading", 24), ("question", 60), ("default", 18),
                            ("options", 40)],
           [[r.city_label, r.policy, r.id, r.label, r.default, ", ".join(r.options)] for r in report.readings])
    _sheet(wb, "record", [("city", 10), ("policy", 20), ("kind", 12), ("name", 24), ("type", 10), ("unit", 8),
                          ("default", 14), ("label", 28), ("English", 28), ("values / items / when", 50),
                          ("origin", 20)], [[d.city_label, d.policy, *row] for d in docs if d.record is not None
                                                  for row in record_rows(d.record)])
    buf = io.BytesIO()
    with _StampedZip(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return buf.getvalue()


def render(report: Report, fmt: str) -> str | bytes:
    """The report in one of FORMATS: text for markdown and html, bytes for xlsx."""
    renderers: dict[str, Callable[[Report], str | bytes]] = {"markdown": render_markdown, "html": render_html,
                                                             "xlsx": render_xlsx}
    if fmt not in renderers:
        raise ValueError(f"format is one of {', '.join(FORMATS)}, not `{fmt}`")
    return renderers[fmt](report)


__all__ = ["FORMATS", "Document", "ReadingInfo", "Report", "UnknownConceptError", "build_report", "md", "render",
           "render_html", "render_markdown", "render_xlsx"]
