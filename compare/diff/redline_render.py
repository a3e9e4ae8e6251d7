"""A redline (compare.diff.redline) for readers: an HTML fragment (the site's revision page, `policylab
diff --format html`), a whole HTML page, Markdown, and a publish.blocks Document (.docx, .pdf).

Each shows, per article whose wording or clauses changed, the old and the new text side by side with
the removed words struck through (`del`) and the added ones underlined (`ins`), the clauses citing it
in each version with their figures (a changed figure marked the same way), and what changed in words
(compare.diff.sentences); then the labels of the articles left as they were.  Interface text comes in
both languages (`tr`: the site's switch shows one or both); every text from a policy or its source is
escaped for the layer it lands in (compare.site.escape: HTML that is also safe inside Markdown).

The HTML's classes and ids are stable, for the site's style and its browser tests: `div.pl-redline`,
per article `section.pl-article.pl-{changed|added|removed|unchanged}#article-{label slug}` holding
`table.pl-redline-pair` (`tr.pl-redline-text`: old | new with `del`/`ins`; `tr.pl-redline-same`: an
unchanged wording once; `tr.pl-redline-items`: the clauses), `ul.pl-redline-changes`; then
`p.pl-redline-unchanged`; the verdicts `div.pl-semantic` with `ul.pl-verdicts` and `ul.pl-witnesses`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup

from compare.diff.redline import ArticleRedline, ClauseFigures, Redline
from compare.diff.sentences import Sentence
from compare.publish.blocks import Block, Document, Heading, Paragraph, Run, Table
from compare.site.escape import markdown as md_text
from compare.site.escape import text as esc
from compare.site.escape import tr as both

STATUS = {"changed": ("修改", "changed"), "added": ("新增", "added"), "removed": ("删除", "removed"),
          "unchanged": ("未改", "unchanged")}
Tr = Callable[[str, str], Markup]


def _runs_html(runs: Sequence[Run]) -> str:
    out = []
    for r in runs:
        body = str(esc(r.text)).replace("&#10;", "<br>")
        out.append(f"<{r.mark}>{body}</{r.mark}>" if r.mark in ("del", "ins", "strong", "code") else body)
    return "".join(out)


def _clauses_html(clauses: Sequence[ClauseFigures], tr: Tr) -> str:
    if not clauses:
        return f'<p class="pl-redline-none">{tr("无条款引用", "no clause cites it")}</p>'
    items = []
    for c in clauses:
        figures = _runs_html(c.figures) if c.figures else "—"
        items.append(f'<li><span class="pl-clause-label">{esc(c.label or c.item)}</span> '
                     f'<code class="pl-id">{esc(c.item)}</code>：<span class="pl-figures">{figures}</span></li>')
    return f'<ul class="pl-redline-clauses">{"".join(items)}</ul>'


def _sentences_html(sentences: Sequence[Sentence], tr: Tr) -> str:
    if not sentences:
        return ""
    return '<ul class="pl-redline-changes">' + "".join(f"<li>{tr(s.zh, s.en)}</li>" for s in sentences) + "</ul>"


def _anchor(label: str) -> str:
    from compare.site.escape import slug

    return f"article-{slug(label)}"


def _article_html(r: Redline, a: ArticleRedline, tr: Tr) -> str:
    zh, en = STATUS[a.status]
    head = esc(a.label) if a.old_label in (None, a.new_label) or a.new_label is None else \
        Markup("{} → {}").format(esc(a.old_label), esc(a.new_label))
    old_text = _runs_html(a.old) if a.old_label is not None else f'<span class="pl-redline-none">{tr("（无）", "(none)")}</span>'
    new_text = _runs_html(a.new) if a.new_label is not None else f'<span class="pl-redline-none">{tr("（无）", "(none)")}</span>'
    # the same wording twice says nothing: shown once, across both columns
    text_row = f'<tr class="pl-redline-same"><td colspan="2">{new_text}</td></tr>' if a.status == "unchanged" else \
        f'<tr class="pl-redline-text"><td>{old_text}</td><td>{new_text}</td></tr>'
    return (f'<section class="pl-article pl-{a.status}" id="{_anchor(a.label)}">'
            f'<h3>{head} <span class="pl-status">{tr(zh, en)}</span></h3>'
            f'<table class="pl-table pl-redline-pair"><thead><tr><th>{tr("旧", "old")} <code>{esc(r.old)}</code></th>'
            f'<th>{tr("新", "new")} <code>{esc(r.new)}</code></th></tr></thead><tbody>'
            f'{text_row}'
            f'<tr class="pl-redline-items"><td>{_clauses_html(a.old_clauses, tr)}</td>'
            f'<td>{_clauses_html(a.new_clauses, tr)}</td></tr></tbody></table>'
            f'{_sentences_html(a.sentences, tr)}</section>')


def summary(r: Redline) -> Sentence:
    """What the redline finds, in both languages."""
    if not r.articles:
        return Sentence("两个版本均无原文可对照，只列出条款的变化", "neither version has a source text: only the clauses' changes are shown")
    counts = [(r.count(s), *STATUS[s]) for s in ("changed", "added", "removed")]
    zh = "，".join(f"{w}{n}条" for n, w, _ in counts if n) or "文字未改"
    en = ", ".join(f"{n} article{'s' * (n != 1)} {w}" for n, _, w in counts if n) or "the wording is unchanged"
    if not r.own_text:
        zh = f"新版本没有自己的原文（与旧版本引用同一文本），只对照条款的变化；{zh}"
        en = f"the new version has no text of its own (it quotes the old one's): only the clauses' changes are shown; {en}"
    return Sentence(zh, en)


def html_fragment(r: Redline, tr: Tr = both) -> Markup:
    """The redline as one `<div>` of HTML, safe to place in a Markdown page (no blank line inside)."""
    s = summary(r)
    parts = [f'<div class="pl-redline" data-old="{esc(r.old)}" data-new="{esc(r.new)}">',
             f'<p class="pl-redline-summary">{tr(s.zh, s.en)}</p>']
    parts += [_article_html(r, a, tr) for a in r.shown]
    if r.unchanged:
        labels = " ".join(str(esc(x)) for x in r.unchanged)
        parts.append(f'<p class="pl-redline-unchanged">{tr("未改动的条文", "articles unchanged")}：{labels}</p>')
    if r.other_sentences:
        parts.append(f'<h3>{tr("其他变化", "other changes")}</h3>{_sentences_html(r.other_sentences, tr)}')
    parts.append("</div>")
    return Markup("".join(parts))


def semantic_html(r: Redline, tr: Tr = both) -> Markup:
    """What the rules give (Redline.semantic), per reading's option: the verdicts, then the witnesses."""
    parts = []
    for section in r.semantic:
        if section.reading is not None:
            parts.append(f"<h3>{tr(section.reading.zh, section.reading.en)}</h3>")
        parts.append(_sentences_html(section.verdicts, tr).replace("pl-redline-changes", "pl-verdicts"))
        if section.witnesses:
            parts.append(f'<p class="pl-witness-head">{tr("见证项目", "witness projects")}</p>'
                         + _sentences_html(section.witnesses, tr).replace("pl-redline-changes", "pl-witnesses"))
    return Markup(f'<div class="pl-semantic">{"".join(parts)}</div>')


BODY_CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:2em auto;max-width:70em;line-height:1.6;padding:0 1em}"""
REDLINE_CSS = """.pl-en{margin-left:.4em;color:#555}.pl-redline-pair{width:100%;border-collapse:collapse;table-layout:fixed}
.pl-redline-pair td,.pl-redline-pair th{border:1px solid #ccc;padding:.4em .6em;vertical-align:top;text-align:left}
del{color:#c00000;text-decoration:line-through;background:#fde8e8}ins{color:#0050b0;text-decoration:underline;background:#e6f0fb}
code{word-break:keep-all;white-space:nowrap;font-size:.85em}.pl-status{font-size:.8em;color:#555}"""


def html_page(r: Redline) -> str:
    """A whole HTML page (no script, no outside file): `policylab diff --format html`."""
    title = f"{r.old} → {r.new}"
    return (f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{BODY_CSS}\n{REDLINE_CSS}</style></head><body>\n<h1>{esc(r.old_title)} <small>{esc(title)}</small></h1>\n"
            f"{html_fragment(r)}\n{_semantic_part(r)}</body></html>\n")


def _semantic_part(r: Redline) -> str:
    if not r.semantic:
        return ""
    return f'<h2 id="semantic">{both("各版本所给", "What the rules give")}</h2>\n{semantic_html(r)}\n'


# ---------------------------------------------------------------- Markdown


def _runs_md(runs: Sequence[Run]) -> str:
    return "".join(f"<{r.mark}>{md_text(r.text)}</{r.mark}>" if r.mark in ("del", "ins") else md_text(r.text)
                   for r in runs)


def _clauses_md(clauses: Sequence[ClauseFigures]) -> str:
    return "<br>".join(f"{md_text(c.label or c.item)} `{c.item}`：{_runs_md(c.figures) or '—'}" for c in clauses) or "—"


def markdown(r: Redline) -> str:
    """The redline as Markdown (GitHub and Python-Markdown read `<del>`/`<ins>`)."""
    s = summary(r)
    out = [f"## {md_text(r.old)} → {md_text(r.new)}", "", f"{md_text(s.zh)}  ", md_text(s.en), ""]
    for a in r.shown:
        zh, en = STATUS[a.status]
        out += [f"### {md_text(a.label)} · {zh} {en}", ""]
        if a.status == "unchanged":  # the same wording once, above the clauses
            out += [f"> {_runs_md(a.new)}", ""]
        out += [f"| 旧 old `{r.old}` | 新 new `{r.new}` |", "|---|---|"]
        if a.status != "unchanged":
            out.append(f"| {_runs_md(a.old) or '—'} | {_runs_md(a.new) or '—'} |")
        out += [f"| {_clauses_md(a.old_clauses)} | {_clauses_md(a.new_clauses)} |", ""]
        out += [f"- {md_text(x.zh)} / {md_text(x.en)}" for x in a.sentences]
        out += [""] if a.sentences else []
    if r.unchanged:
        out += [f"未改动的条文 articles unchanged：{md_text(' '.join(r.unchanged))}", ""]
    if r.other_sentences:
        out += ["### 其他变化 other changes", "", *(f"- {md_text(x.zh)} / {md_text(x.en)}" for x in r.other_sentences), ""]
    if r.semantic:
        out += ["### 各版本所给 What the rules give", ""]
    for section in r.semantic:
        if section.reading is not None:
            out += [f"#### {md_text(section.reading.zh)} · {md_text(section.reading.en)}", ""]
        out += [f"- {md_text(x.zh)} / {md_text(x.en)}" for x in section.verdicts]
        if section.witnesses:
            out += ["", "见证项目 witness projects:", "", *(f"- {md_text(x.zh)} / {md_text(x.en)}" for x in section.witnesses)]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- blocks (.docx, .pdf)


def _clause_cell(clauses: Sequence[ClauseFigures]) -> tuple[Run, ...]:
    runs: list[Run] = []
    for c in clauses:
        if runs:
            runs.append(Run("\n"))
        runs += [Run(f"{c.label or c.item}："), *(c.figures or (Run("—"),))]
    return tuple(runs) or (Run("—"),)


def to_document(r: Redline) -> Document:
    """The redline as blocks: per article a heading, a two-column table (old | new: wording, then
    clauses and figures), the changes in words."""
    s = summary(r)
    blocks: list[Block] = [Paragraph((Run(s.zh),)), Paragraph((Run(s.en),), "note")]
    for a in r.shown:
        zh, en = STATUS[a.status]
        blocks.append(Heading(2, f"{a.label} {zh} {en}"))
        wording: tuple[tuple[tuple[Run, ...], ...], ...] = ((a.old or (Run("—"),), a.new or (Run("—"),)),)
        if a.status == "unchanged":  # the same wording once, above the clauses
            blocks.append(Paragraph(a.new, "quote"))
            wording = ()
        blocks.append(Table((f"旧 old {r.old}", f"新 new {r.new}"),
                            (*wording, (_clause_cell(a.old_clauses), _clause_cell(a.new_clauses)))))
        blocks += [Paragraph((Run(f"{x.zh} / {x.en}"),)) for x in a.sentences]
    if r.unchanged:
        blocks.append(Paragraph((Run("未改动的条文 articles unchanged：" + " ".join(r.unchanged)),), "note"))
    if r.other_sentences:
        blocks.append(Heading(2, "其他变化 other changes"))
        blocks += [Paragraph((Run(f"{x.zh} / {x.en}"),)) for x in r.other_sentences]
    if r.semantic:
        blocks.append(Heading(2, "各版本所给 What the rules give"))
    for section in r.semantic:
        if section.reading is not None:
            blocks.append(Heading(3, f"{section.reading.zh} · {section.reading.en}"))
        blocks += [Paragraph((Run(f"{x.zh} / {x.en}"),)) for x in section.verdicts]
        if section.witnesses:
            blocks.append(Paragraph((Run("见证项目 witness projects", "strong"),)))
            blocks += [Paragraph((Run(f"{x.zh} / {x.en}"),)) for x in section.witnesses]
    return Document(f"{r.old_title} 对照 redline", tuple(blocks), f"{r.old} → {r.new}")


__all__ = ["html_fragment", "html_page", "markdown", "semantic_html", "summary", "to_document"]
