"""A revision read as sentences, in Chinese and English: what changed, article by article.

    article_sentences(diff: StructuralDiff, old: Policy, new: Policy) -> dict[str, list[Sentence]]
        the structural changes as sentences, keyed by the article the item cites ("(16)", "第12条"; the
        new version's citation, the old one's for an item removed; "" for what cites no article: the
        document's header, the record's fields, readings without a citation).  A sentence does not repeat
        its article: `with_article(article, s)` prefixes it ("(16)：…" / "(16): …").
            (16) → [Sentence("「新批外资项目到账外资奖励」的奖励比例由2%改为3%",
                             "“新批外资项目到账外资奖励”: the reward rate changes from 2% to 3%"), …]
    compare.diff.verdict_sentences.verdict_sentences(sd, old, new) -> list[Sentence]
        the semantic verdicts in plain words, one reading at a time where the readings differ
        ("按读法 ceilings=full：对当年度到账外资10亿元的项目（外资项目），新版本多给1000万元（2000万元→3000万元）").
    compare.diff.verdict_sentences.witness_sentences(sd, old, new) -> list[Sentence]
        the witness projects in the texts' notation, every field the concept's clauses read shown
        (a field at its default too: 增资扩产：否).
    compare.diff.verdict_sentences.semantic_by_reading(old, new, diff, ...) -> list[SemanticDiff]
        one semantic diff per option of each reading a changed figure depends on.

Figures keep the texts' notation (2%, 5000万元, 2‰～5‰); code names never stand where a reader expects
words: an item is named by its label, a path inside it (`value › range › amount › unary › rate`) by
what it is (the reward rate, the cap, a tier, a condition), and a condition of the usual shapes is
read in words (compare.diff.condition_words: 删去适用条件：领取营业执照).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compare.diff.condition_words import condition_words
from compare.diff.structural import Change, StructuralDiff
from compare.engine.notation import STATUS_WORDS
from dsl.check.record import run_record
from dsl.model import Policy
from dsl.record import Record
from dsl.textsafe import md_cell


@dataclass(frozen=True)
class Sentence:
    """One sentence in both languages, plain text (each renderer escapes it for its layer)."""

    zh: str
    en: str

    def both(self) -> str:
        return f"{self.zh} / {self.en}"


_EMPHASIS = {"*": "\\*", "_": "\\_", "$": "\\$", "~": "\\~", "#": "\\#"}


def md_text(text: str | None) -> str:
    """A sentence (or any user text) in a Markdown table cell, shown as written: md_cell's escapes, and
    the markers of emphasis, strike-through, math and headings too (`**b**`, `$m$` stay as typed)."""
    return "".join(_EMPHASIS.get(c, c) for c in md_cell(text))


def with_article(article: str, s: Sentence) -> Sentence:
    """The sentence headed by its article: "(16)：…" / "(16): …" (as it is where there is none)."""
    if not article:
        return s
    return Sentence(f"{article}：{s.zh}", f"{article}: {s.en}")


KIND_WORDS = {
    "clause": ("条款", "the clause"), "split": ("分配规则", "the split"), "param": ("参数", "the parameter"),
    "mechanism": ("机制", "the mechanism"), "reading": ("读法", "the reading"), "field": ("字段", "the field"),
    "category": ("类别", "the category"), "choice": ("选项", "the choice value"), "list": ("名单", "the list"),
    "condition": ("条件", "the named condition"), "unencoded": ("未编码的原文", "the text not encoded"),
}
HEADER_WORDS = {
    "status": ("状态", "status"), "note": ("说明", "note"), "title": ("标题", "title"), "issued": ("发布日期", "issue date"),
    "effective": ("施行日期", "effective date"), "expiry": ("废止日期", "expiry date"), "issuer": ("发文机关", "issuer"),
    "doc_number": ("文号", "document number"), "source": ("原文", "source text"), "city": ("城市", "city"),
    "replaces": ("所替代的文件", "documents replaced"), "partial": ("原文缺失部分", "where the text breaks off"),
}
# what a step of a path inside an item is, read from its end: the last step named here says what changed
ROLE_WORDS = {
    "rate": ("比例", "rate"), "cap": ("上限", "cap"), "floor": ("下限", "floor"), "base": ("计算基数", "base"),
    "per unit": ("单价", "amount per unit"), "quantity": ("计量依据", "quantity it is paid on"),
    "shares": ("分配比例", "shares"), "payer shares": ("出资比例", "payers' shares"),
    "committed": ("承诺目标", "committed target"), "stretch": ("争取目标", "stretch target"),
    "pick rule": ("取值规则", "rule for overlapping rows"), "row order": ("各行次序", "order of the rows"),
    "edges": ("档位边界", "tier edges"), "derived": ("数额的推导说明", "note on how the figure was derived"),
    "label": ("名称", "name"), "concept": ("所属概念", "concept"), "beneficiary": ("受益方", "beneficiary"),
    "beneficiary rules": ("受益方规则", "beneficiary rules"), "splits": ("分配方式", "split"),
    "default": ("默认值", "default"), "because": ("理由", "reason"), "note": ("注释", "note"),
    "payer": ("出资方", "payer"), "type": ("类型", "type"), "unit": ("单位", "unit"), "field": ("字段", "field"),
    "cite": ("所引原文", "quoted text"), "tierscale": ("档位门槛的折算比例", "scale applied to the tier edges"),
}
FIRST_WORDS = {  # the item's part a path starts in, where no later step says more
    "value": ("数额", "figure"), "when": ("适用条件", "condition"), "committed": ("承诺目标", "committed target"),
}
CONCEPT_NOUNS = (("reward.", "奖励", "reward"), ("points.", "加分", "points"), ("subsidy.", "补助", "subsidy"))
_DERIVED = re.compile(r'\s*derived\s+"(?:[^"\\]|\\.)*"')
_TIER = re.compile(r"^[\[(].*,.*[\])]$")


def plain(s: str | None) -> str:
    """A figure as written, without the `derived "…"` note a reform leaves beside it."""
    return _DERIVED.sub("", s or "").strip()


def _label(policy: Policy | None, kind: str, ident: str) -> str | None:
    table = {"clause": "clauses", "split": "splits", "param": "params", "mechanism": "mechanisms",
             "reading": "readings", "field": "fields", "list": "lists", "condition": "conditions"}.get(kind)
    item = getattr(policy, table, {}).get(ident) if policy is not None and table else None
    label = getattr(item, "label", None)
    if label is None and kind == "field" and policy is not None:
        label = policy.record.label(ident)[0]
    return label


def _name(kind: str, ident: str, old: Policy, new: Policy) -> tuple[str, str]:
    """An item as a reader names it: its label in quotes, else its kind and id."""
    label = _label(new, kind, ident) or _label(old, kind, ident)
    if label:
        return f"「{label}」", f"“{label}”"
    zh, en = KIND_WORDS.get(kind, (kind, kind))
    return f"{zh} {ident}", f"{en} {ident}"


def _articles(kind: str, ident: str, policy: Policy | None) -> list[str]:
    table = {"clause": "clauses", "split": "splits", "param": "params", "mechanism": "mechanisms",
             "reading": "readings"}.get(kind)
    item = getattr(policy, table, {}).get(ident) if policy is not None and table else None
    return [c.article for c in getattr(item, "cites", ())]


def article_of(c: Change, old: Policy, new: Policy) -> str:
    """The article a change belongs under: the item's first citation in the new version (the old one's
    where the item is gone); the unencoded text's own article; "" where there is none."""
    if c.kind == "unencoded":
        return c.item
    if c.kind == "header":
        return ""
    ident = c.item.split(" → ")[-1]
    found = _articles(c.kind, ident, new) if c.status != "removed" else []
    found = found or _articles(c.kind, ident, old) or _articles(c.kind, c.item.split(" → ")[0], old)
    return found[0] if found else ""


def _options(old: Policy, new: Policy) -> dict[str, str]:
    """Every reading option id → its reading's id, in both versions."""
    return {o.id: r.id for p in (old, new) for r in p.readings.values() for o in r.options}


def _role(steps: list[str], concept: str | None) -> tuple[str, str]:
    """What a path points at, in words: the last step that names a part (rate, cap, a tier's figure …)."""
    noun = next(((zh, en) for prefix, zh, en in CONCEPT_NOUNS if concept and concept.startswith(prefix)), ("", ""))
    for i in range(len(steps) - 1, -1, -1):
        step = steps[i]
        if step in ROLE_WORDS:
            zh, en = ROLE_WORDS[step]
            if step == "rate" and noun[0]:
                return f"{noun[0]}{zh}", f"{noun[1]} {en}"
            return zh, en
        if step.startswith(("conjunct", "alternative")):
            deeper = i < len(steps) - 1  # a figure inside one term: `paid_in_ratio >= 30%` → 40%
            return ("适用条件中的数额", "figure in the condition") if deeper else ("适用条件", "condition")
        if step.startswith("when ") or step == "otherwise":
            return f"“{step}”一行的数额", f"figure of the row “{step}”"
        if _TIER.match(step):
            part = steps[i + 1] if i + 1 < len(steps) else "value"
            zh = {"low": "下沿", "high": "上沿"}.get(part, "数额")
            en = {"low": "lower edge", "high": "upper edge"}.get(part, "figure")
            tz, te = tier_words(step)
            return f"{tz}一档的{zh}", f"{en} of the tier {te}"
        if step.startswith(("payer ", "share ", "attribute ", "option ")):
            head, _, name = step.partition(" ")
            zh = {"payer": "出资方", "share": "份额", "attribute": "属性", "option": "选项"}[head]
            return f"{zh} {name}", f"{head} {name}"
    first = FIRST_WORDS.get(steps[0] if steps else "", ("数额", "figure"))
    if first[0] == "数额" and noun[0]:
        return f"{noun[0]}数额", f"{noun[1]} amount"
    return first


def tier_words(label: str) -> tuple[str, str]:
    """A tier's edges as the texts write them: `[500万美元, 1000万美元)` → 500万美元（含）至1000万美元 /
    500万美元 (inclusive) to 1000万美元; an open top `[1亿美元, ∞)` → 1亿美元（含）以上 / 1亿美元 (inclusive) and above."""
    low, _, high = label[1:-1].partition(", ")
    low_in, high_in = label[0] == "[", label[-1] == "]"
    lz = f"{low}（含）" if low_in else f"{low}（不含）"
    le = f"{low} ({'inclusive' if low_in else 'exclusive'})"
    if high.strip() in ("∞", "inf"):
        return f"{lz}以上", f"{le} and above"
    return f"{lz}至{high}" + ("（含）" if high_in else ""), f"{le} to {high}" + (" (inclusive)" if high_in else "")


def _said(x: str, role: tuple[str, str], rec: Record | None, quoted: bool) -> tuple[str, str]:
    """A changed part as a reader reads it: a condition in words where its shape allows
    (compare.diff.condition_words), else as written."""
    words = condition_words(x, rec) if rec is not None and role[1] == "condition" and x else None
    if words is None:
        return x, x
    return (f"「{words[0]}」", f"“{words[1]}”") if quoted else words


def _change_sentence(c: Change, head: tuple[str, str], role: tuple[str, str], reading: str,
                     rec: Record | None = None) -> Sentence:
    """`「X」的比例由2%改为3%` / `“X”: the rate changes from 2% to 3%`; a term or row added or removed
    says so; a condition in words where it can be (`rec`: the record its names are read in)."""
    old, new = plain(c.old), plain(c.new)
    if c.where == "cite":  # `(16) “…”`: the article heads the sentences already
        old, new = (x.split(" ", 1)[-1] if x else x for x in (old, new))
    elif c.where == "label":
        old, new = (f"“{x}”" if x else x for x in (old, new))
    last = c.where.split(" › ")[-1]
    at_zh = f"（读法 {reading}）" if reading else ""
    at_en = f" (reading {reading})" if reading else ""
    if last.endswith("added") or c.old in (None, "—"):
        what_zh = {"row added": "新增一行", "item added": "新增一项"}.get(last, f"新增{role[0]}")
        what_en = {"row added": "adds the row", "item added": "adds the item"}.get(last, f"adds the {role[1]}")
        nz, ne = _said(new, role, rec, False)
        return Sentence(f"{head[0]}{at_zh}{what_zh}：{nz}", f"{head[1]}{at_en}: {what_en} {ne}")
    if last.endswith("removed") or c.new in (None, "—"):
        what_zh = {"row removed": "删去一行", "item removed": "删去一项"}.get(last, f"删去{role[0]}")
        what_en = {"row removed": "drops the row", "item removed": "drops the item"}.get(last, f"drops the {role[1]}")
        oz, oe = _said(old, role, rec, False)
        return Sentence(f"{head[0]}{at_zh}{what_zh}：{oz}", f"{head[1]}{at_en}: {what_en} {oe}")
    (oz, oe), (nz, ne) = _said(old, role, rec, True), _said(new, role, rec, True)
    return Sentence(f"{head[0]}{at_zh}的{role[0]}由{oz}改为{nz}",
                    f"{head[1]}{at_en}: the {role[1]} changes from {oe} to {ne}")


def _item_sentence(c: Change, old: Policy, new: Policy) -> Sentence:
    """An item added, removed or renamed, by its label (and its figure where that is one short figure)."""
    kind_zh, kind_en = KIND_WORDS.get(c.kind, (c.kind, c.kind))
    if c.status == "renamed":  # the id changed (the clause kept its concept and a quotation)
        a, b = (c.old or ""), (c.new or "")
        was, now = _name(c.kind, a, old, old), _name(c.kind, b, new, new)
        if was == now:
            return Sentence(f"{kind_zh}{now[0]}的代码名由{a}改为{b}", f"{kind_en} {now[1]}: its code name changes from {a} to {b}")
        return Sentence(f"{kind_zh}{was[0]}改名为{now[0]}", f"{kind_en} {was[1]} is renamed {now[1]}")
    if c.kind == "unencoded":
        quote = c.new if c.status == "added" else c.old
        return Sentence(f"{'新增' if c.status == 'added' else '删去'}原文：{quote}",
                        f"{'adds' if c.status == 'added' else 'drops'} the text: {quote}")
    head = _name(c.kind, c.item, old, new)
    summary = plain(c.new if c.status == "added" else c.old)
    figure = summary.rsplit("”", 1)[-1].strip() if "”" in summary else summary
    short = c.kind not in ("field", "category", "choice") and figure and len(figure) <= 24 \
        and not any(ch in figure for ch in '{}:;"')
    figure_zh = figure.replace("at least ", "至少").replace("up to ", "最高")
    tail_zh, tail_en = (f"（{figure_zh}）", f" ({figure})") if short else ("", "")
    if c.status == "added":
        return Sentence(f"新增{kind_zh}{head[0]}{tail_zh}", f"adds {kind_en} {head[1]}{tail_en}")
    return Sentence(f"删去{kind_zh}{head[0]}{tail_zh}", f"drops {kind_en} {head[1]}{tail_en}")


def _header_sentence(c: Change) -> Sentence:
    zh, en = HEADER_WORDS.get(c.item, (c.item, c.item))
    if c.item == "status":
        a = STATUS_WORDS.get(c.old or "", (c.old or "—", c.old or "—"))
        b = STATUS_WORDS.get(c.new or "", (c.new or "—", c.new or "—"))
        return Sentence(f"文件状态由{a[0]}改为{b[0]}", f"the document's status changes from {a[1]} to {b[1]}")
    if c.status == "added":
        return Sentence(f"新增{zh}：{c.new}", f"adds the {en}: {c.new}")
    if c.status == "removed":
        return Sentence(f"删去{zh}：{c.old}", f"drops the {en}: {c.old}")
    if c.item == "note":
        return Sentence(f"{zh}改为：{c.new}", f"the {en} now reads: {c.new}")
    return Sentence(f"{zh}由{c.old}改为{c.new}", f"the {en} changes from {c.old} to {c.new}")


def article_sentences(diff: StructuralDiff, old: Policy, new: Policy) -> dict[str, list[Sentence]]:
    """The structural changes as sentences, per article (see the module docstring), the figures first
    (then conditions and other parts, then names, quotations and notes).  A change made alike under
    every option of a reading (the rate of both `range` and `full`) is one sentence; one made under some
    options only names them.  A quotation dropped and one added in its place is one sentence."""
    options = _options(old, new)
    out: dict[str, list[tuple[int, int, Sentence]]] = {}
    grouped: dict[tuple[str, str, tuple[str, str], str, str, str], list[str]] = {}
    firsts: dict[tuple[str, str, tuple[str, str], str, str, str], Change] = {}
    for c in diff.changes:
        article = article_of(c, old, new)
        if c.kind == "header":
            out.setdefault(article, []).append((3, len(out.get(article, [])), _header_sentence(c)))
        elif not c.where:
            out.setdefault(article, []).append((3, len(out.get(article, [])), _item_sentence(c, old, new)))
        else:
            steps = c.where.split(" › ")
            chosen = [f"{options[s]}={s}" for s in steps if s in options]
            rest = " › ".join(s for s in steps if s not in options)
            item = new.clauses.get(c.item) or old.clauses.get(c.item)
            concept = item.concept.dotted if item is not None and item.concept is not None else None
            role = _role(rest.split(" › "), concept)
            key = (article, c.item, role, plain(c.old), plain(c.new), rest.split(" › ")[-1])
            grouped.setdefault(key, []).extend(chosen or [""])
            firsts.setdefault(key, c)
    quoted = _paired_quotes(firsts)
    rec = run_record([old.record, new.record])[0]
    for key, chosen in grouped.items():
        article, ident, role = key[:3]
        c = firsts[key]
        if key in quoted:
            if quoted[key] is None:
                continue
            c = quoted[key]  # type: ignore[assignment]
        reading = "" if _covers(chosen, old, new) else "、".join(sorted(set(chosen)))
        rank = 0 if c.is_figure else 2 if c.where in ("label", "cite", "note") else 1
        out.setdefault(article, []).append(
            (rank, len(out.get(article, [])), _change_sentence(c, _name(c.kind, ident, old, new), role, reading, rec)))
    return {a: [s for _, _, s in sorted(out[a], key=lambda t: t[:2])] for a in sorted(out, key=article_order)}


def _paired_quotes(firsts: dict[tuple[str, str, tuple[str, str], str, str, str], Change]
                   ) -> dict[tuple[str, str, tuple[str, str], str, str, str], Change | None]:
    """An item's quotation of one article dropped and another added: the pair as one change (the
    added one's key), the dropped one's key to None; a quotation only dropped or only added is left."""
    out: dict[tuple[str, str, tuple[str, str], str, str, str], Change | None] = {}
    cites = [(k, c) for k, c in firsts.items() if c.where == "cite"]
    for k, c in cites:
        if c.new is not None or k in out:
            continue
        match = next(((k2, c2) for k2, c2 in cites if c2.old is None and k2 not in out and k2[:2] == k[:2]), None)
        if match is not None:
            out[k] = None
            out[match[0]] = Change(c.kind, c.item, "changed", "cite", c.old, match[1].new)
    return out


_NUMERALS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_number(s: str) -> int | None:
    """十二 → 12, 二十 → 20, 三 → 3 (the numbering of articles: below a hundred)."""
    if not s or any(ch not in _NUMERALS and ch != "十" for ch in s):
        return None
    if "十" not in s:
        return _NUMERALS[s[0]] if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    return (_NUMERALS.get(tens, 1) if tens else 1) * 10 + (_NUMERALS.get(ones, 0) if ones else 0)


def article_order(article: str) -> tuple[int, int, str]:
    """Articles in the text's order: what cites none first, then by number ("(2)" before "(16)",
    "第二条" before "第十二条"), then the rest (结语) by name."""
    if not article:
        return 0, 0, ""
    digits = re.search(r"\d+", article)
    if digits:
        return 1, int(digits.group()), article
    chinese = re.search(r"[零一二两三四五六七八九十]+", article)
    number = _chinese_number(chinese.group()) if chinese else None
    return (1, number, article) if number is not None else (2, 0, article)


def _covers(chosen: list[str], old: Policy, new: Policy) -> bool:
    """Whether a change made under these reading options is made under every option of those readings."""
    if "" in chosen:
        return True
    for reading in {c.split("=")[0] for c in chosen}:
        declared = {o.id for p in (old, new) if reading in p.readings for o in p.readings[reading].options}
        if not declared <= {c.split("=")[1] for c in chosen if c.split("=")[0] == reading}:
            return False
    return True
