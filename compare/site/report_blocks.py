"""The one-file report (compare.site.report) as publish blocks, for the .docx and .pdf writers.

    report = build_report(policies)
    doc = report_document(report, chart_pngs(policies, report.rate, report.rows))
    write_document(doc, Path("memo.pdf"))          # compare.publish.write; or memo.docx

The same content as the Markdown and HTML report, laid out for a printed page: the documents; per
concept a chart of what each city gives as a project grows (where some city's figure moves with the
size; the concept pages' chart, as PNG at print resolution), a table of the cities that have it
(city and state, article and quote, value and condition, figures) and a line naming the cities that
do not; the concepts no city has;
the readings; the cities' records; the mechanisms.  Text stays text (the writers escape it for their
own layer), identifiers are marked `code` so they break only between their words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compare.publish.blocks import Block, Document, Figure, Heading, Paragraph, Run, Table, plain
from compare.site.concepts import ABSENT, PRESENT, ConceptRow, Provision
from compare.site.record import RecordView, values_text
from compare.site.report import (
    STATES,
    TITLE,
    Report,
    figures_text,
    item_text,
    mechanism_cell,
    partial_note,
    state_text,
    who,
)
from dsl.model import Policy

CHART_WIDTH_MM = 170.0  # the text's width (A4 less 20 mm margins): the chart at nearly its own 174 mm


def chart_pngs(policies: Sequence[Policy], rate: float, rows: Sequence[ConceptRow]) -> dict[str, bytes]:
    """Concept key -> the concept page's chart (compare.site.charts) as PNG, for the rows' concepts whose
    figure moves with a project's size in some city (the row's states name the cities drawn as no line).
    Needs matplotlib and pandas."""
    from compare.simulate import plots
    from compare.site.charts import chart, concept_curves

    curves = concept_curves(policies, rate, rows)
    return {r.key: plots.render(chart(curves[r.key], row=r), "png") for r in rows if curves.get(r.key)}


def _lines(*parts: Sequence[Run]) -> tuple[Run, ...]:
    """Runs of several lines in one cell, a line break between non-empty parts."""
    out: list[Run] = []
    for part in (p for p in parts if p):
        if out:
            out.append(Run("\n"))
        out.extend(part)
    return tuple(out)


def _labelled(label: str, text: str | None) -> tuple[Run, ...]:
    return (Run(f"{label} "), Run(text)) if text else ()


def _codes(ids: Sequence[str]) -> tuple[Run, ...]:
    """Identifiers, each marked code, separated by commas."""
    out: list[Run] = []
    for i in ids:
        out += [Run(", "), Run(i, "code")] if out else [Run(i, "code")]
    return tuple(out)


def _state(state: str) -> tuple[Run, ...]:
    return (Run(state_text(state), "strong" if state == PRESENT else ""),)


def _provision_cells(report: Report, p: Provision) -> tuple[tuple[Run, ...], tuple[Run, ...], tuple[Run, ...]]:
    quotes = tuple(Run(f"{article} “{quote}”") for article, quote in p.cites)
    cites: list[Run] = []
    for run in quotes:
        cites += [Run("\n"), run] if cites else [run]
    value = _lines((Run(p.value),), _labelled("条件 when", p.condition), (Run(item_text(p), "code"),),
                   (Run(p.label),) if p.label else ())
    figures = _lines((Run(figures_text(p)),) if p.figures else (),
                     (Run("读法 readings "), *_codes(p.readings)) if p.readings else (),
                     _labelled("受益 beneficiary", who(report, p.beneficiary)),
                     _labelled("支付 payer", p.payer))
    return tuple(cites), value, figures


def concept_blocks(report: Report, row: ConceptRow, chart: bytes | None = None) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, f"{row.zh} {row.en}"),
        Paragraph((Run(row.key, "code"), Run(f" · {row.kind} · unit {row.unit}")), "note"),
    ]
    if chart is not None:
        blocks.append(Figure(chart, f"{row.zh}：各城市随项目规模给予的数额 {row.en} as a project grows "
                                    f"(at {report.rate_note})", CHART_WIDTH_MM))
    rows: list[tuple[tuple[Run, ...], ...]] = []
    for e in row.entries:
        city = (Run(e.city_label), Run("\n"), Run(e.policy, "code"), Run("\n"), *_state(e.state))
        for i, p in enumerate(e.provisions):
            rows.append((city if i == 0 else (), *_provision_cells(report, p)))
    if rows:
        blocks.append(Table(("城市与状态 city and state", "条款与原文 article and quote", "取值与条件 value",
                             "数额 figures (common units)"), tuple(rows), (2.0, 3.8, 3.4, 2.2)))
    # the cities that have nothing for it: one line under the table, not an empty row each
    absent = [e for e in row.entries if not e.provisions]
    if absent:
        names: list[Run] = [Run(state_text(ABSENT) + "：")]
        for i, e in enumerate(absent):
            names += [Run("、" if i else ""), Run(f"{e.city_label} "), Run(e.policy, "code")]
        blocks.append(Paragraph(tuple(r for r in names if r.text), "note"))
    return blocks


def _documents(report: Report) -> list[Block]:
    rows = tuple((plain(d.city_label), (Run(d.policy, "code"),), plain(d.title), plain(d.docno), plain(d.issuer),
                  plain(d.date), plain(d.status)) for d in report.documents)
    blocks: list[Block] = [
        Heading(1, "文件 Documents"),
        Table(("城市 city", "政策 policy", "标题 title", "文号 document no.", "发布机关 issuer", "日期 date",
               "状态 status"), rows, (1.0, 1.6, 3.4, 1.6, 1.6, 1.6, 1.0)),
    ]
    blocks += [Paragraph((Run(f"{d.city_label} ", "strong"), Run(partial_note(d))), "note")
               for d in report.documents if d.partial is not None]
    blocks.append(Paragraph(plain(
        f"Money in common units is in CNY at {report.rate_note}; ratios are in %, durations of a concept measured "
        "in days (1个月 = 30天). States: " + "; ".join(state_text(s) for s in STATES) + ".")))
    return blocks


def _record(city: str, policy: str, r: RecordView) -> list[Block]:
    blocks: list[Block] = [Heading(3, f"{city} {policy}")]
    if r.fields:
        blocks.append(Table(
            ("字段 field", "类型 type", "默认 default", "标签 label", "取值 values", "来源 origin"),
            tuple(((Run(f.name, "code"), *(() if f.read else (Run(" (not read)"),))),
                   plain(f.type + (f" ({f.unit})" if f.unit else "")), plain(f.default),
                   plain(" / ".join(x for x in (f.zh, f.en) if x)), plain(values_text(f.values)), plain(f.origin))
                  for f in r.fields), (1.8, 1.0, 1.2, 2.2, 2.6, 1.4)))
    if r.values:
        blocks.append(Table(("字段与取值 field and value", "标签 label", "来源 origin"),
                            tuple(((Run(f"{v.field}.{v.value}", "code"),), plain(" / ".join(x for x in (v.zh, v.en) if x)),
                                   plain(v.origin)) for v in r.values), (2.0, 3.0, 1.5)))
    if r.lists:
        blocks.append(Table(("名单 list", "标签 label", "项 items"),
                            tuple(((Run(x.id, "code"),), plain(" / ".join(y for y in (x.zh, x.en) if y)),
                                   plain("、".join(x.items))) for x in r.lists), (1.5, 2.0, 4.0)))
    if r.conditions:
        blocks.append(Table(
            ("条件 named condition", "标签 label", "当 when", "条款与原文 article and quote", "用于 used by"),
            tuple(((Run(c.id, "code"),), plain(c.zh), plain(c.condition),
                   plain("\n".join(f"{a} “{q}”" for a, q in c.cites)),
                   _codes(c.used_by))
                  for c in r.conditions), (1.6, 1.6, 2.4, 3.0, 1.6)))
    return blocks


def report_document(report: Report, charts: Mapping[str, bytes] | None = None) -> Document:
    """The report as blocks; `charts`: concept key -> PNG (chart_pngs), drawn above the concept's table."""
    charts = charts or {}
    cities = " · ".join(f"{d.city_label} {d.policy}" for d in report.documents)
    blocks: list[Block] = _documents(report)
    blocks.append(Heading(1, "概念 Concepts"))
    for row in report.rows:
        blocks += concept_blocks(report, row, charts.get(row.key))
    if report.missing:
        blocks.append(Heading(1, "各城市均无的概念 Concepts no city has"))
        blocks += [Paragraph((Run(r.key, "code"), Run(f" — {r.zh} / {r.en}"))) for r in report.missing]
    if report.readings:
        blocks += [
            Heading(1, "读法 Readings"),
            Paragraph(plain("Open points of the texts the provisions above depend on, and the option each policy "
                            "takes by default.")),
            Table(("城市 city", "读法 reading", "问题 question", "默认 default", "选项 options"),
                  tuple((plain(r.city_label), (Run(r.id, "code"),), plain(r.label), (Run(r.default, "code"),),
                         _codes(r.options))
                        for r in report.readings), (1.0, 2.0, 3.5, 1.5, 2.5)),
        ]
    records = [d for d in report.documents if d.record]
    if records:
        blocks += [Heading(1, "各城市的项目字段 The cities' records"),
                   Paragraph(plain("The project fields each policy reads (built-in) or declares, the categories and "
                                   "choice values it adds, its lists and its named conditions."))]
        for d in records:
            assert d.record is not None
            blocks += _record(d.city_label, d.policy, d.record)
    blocks += [
        Heading(1, "机制 Mechanisms"),
        Table(("机制 mechanism", *(d.city_label for d in report.documents)),
              tuple(((Run(key, "code"), Run("\n"), Run(zh)),
                     *(plain(("✓ " + mechanism_cell(m)) if m is not None else "—")
                       for d in report.documents for m in [report.matrix.get((key, d.policy))]))
                    for key, zh, _en in report.mechanisms),
              (2.0, *(1.5 for _ in report.documents))),
    ]
    return Document(TITLE, tuple(blocks), subtitle=cities)
