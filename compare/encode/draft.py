"""A draft policy's text from a source text: the header the text states, a `cite` per figure-bearing
sentence grouped by article, `unencoded` entries, and candidate clauses for the shapes recognised.

    text = draft_policy("suzhou", "sources/suzhou.txt", source_text)   # policy text; `check` accepts it

The language has no marker for an unconfirmed clause, so a candidate is an ordinary clause without a
concept whose id starts `draft_` and which carries `note "DRAFT: …"`: `check` verifies its figures
against its quote like any clause's, and the researcher confirms it by giving it a concept.  Each
article's sentences are cited by a clause `article_…` whose value is `promised "待编码"` (nothing is
computed from it).  A sentence none of whose figures dsl.figures reads as a quantity (a date, a
number in a name: "“465”现代产业集群") is an `unencoded` entry instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compare.encode.reading import articles
from compare.encode.similar import Entry, nearest
from compare.testing.source_coverage import FIGURE
from dsl.figures import quote_figures
from dsl.format import format_text
from dsl.units import Dim

_TITLE = re.compile(r"《(关于[^》]+)》")
_TITLE_LINE = re.compile(r"^(?:\S*印发)?(\S*关于[^\s。；，]+?)(?:的通知)?$")
_ISSUER = re.compile(r"^\S{2,20}(?:人民政府|人民政府办公室|委员会|办公室|管理委员会)$")
_DATE = re.compile(r"((?:19|20)[0-9]{2})年([0-9]{1,2})月([0-9]{1,2})日")
_DOCNO = re.compile(r"[\u4e00-\u9fff]{1,8}〔(?:19|20)[0-9]{2}〕[0-9]+号")
_EFFECTIVE = re.compile(r"自[^。；，,]{0,30}?起(?:施行|实施|执行)")
_VALID = re.compile(r"有效期(?:为)?([0-9一二三四五六七八九十]+)年")
_MONEY = r"([0-9]+(?:\.[0-9]+)?)(万元|亿元|元)"
# 按…的X%…最高Y万元: a rate of a base with a cap
_RATE_CAP = re.compile(r"按([^，。；]{1,20}?)(?:的)?(?:给予)?(?:最高)?([0-9]+(?:\.[0-9]+)?)([%‰])[^。；]*?(?:最高|不超过)" + _MONEY)
_RESPECTIVE = re.compile(r"分别给予最高((?:[0-9]+(?:\.[0-9]+)?(?:万元|亿元|元)[和、及])+[0-9]+(?:\.[0-9]+)?(?:万元|亿元|元))")
_ORDINAL = ("first", "second", "third", "fourth")
_POINTS = re.compile(r"(?:加|给予)([0-9]+(?:\.[0-9]+)?)分")
_CEILING = re.compile(r"(?:最高|不超过)" + _MONEY)
# the record's built-in field a base names (dsl.schema); a base named otherwise is left for the researcher
_BASES = {"到账外资": "fdi_arrived", "实缴": "paid_in_capital", "注册资本": "registered_capital",
          "总投资": "total_investment", "固定资产": "fixed_asset_investment"}


@dataclass(frozen=True)
class Candidate:
    id: str
    article: str
    quote: str
    value: str  # a value expression, its figures copied from the quote
    why: str
    when: str = ""  # the thresholds the sentence sets (…以上), "" for none


def _text(s: str) -> str:
    """A policy text: one line (a text must close on the line it opens on), escaped."""
    return '"' + re.sub(r"\s+", " ", s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ident(label: str) -> str:
    """An ASCII id part for an article label: "(16)" → "16", "一(二)" → "s1_2", "第12条" → "12"."""
    from compare.diff.articles import numeral
    found = re.findall(r"[0-9]+|[零〇一二三四五六七八九十]+", label)
    nums = [str(n) if (n := numeral(f)) is not None else "x" for f in found]
    if len(found) == 1 and label == found[0] and not label.isdigit():  # a section, 一、: "s1"
        return "s" + nums[0]
    return "_".join(nums) if nums else ("opening" if label == "开头" else "closing")


def _iso(m: re.Match[str]) -> str:
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def header(city: str, policy_id: str, source_name: str, text: str) -> str:
    """The header: what the text states of its title, issuer, date, entry into force and term."""
    lines = [s.strip() for s in text.splitlines() if s.strip()]
    meta = [f"city {city}", "status draft", f"source {_text(source_name)}"]
    m = _TITLE.search(text)
    title = m.group(1) if m else next((t.group(1) for s in lines[:8] if (t := _TITLE_LINE.match(s))), None)
    if title:
        title = re.sub(r"\s+", "", title)  # a title broken over lines
        meta.append(f"title {_text(title)}")
    issuer = next((s for s in lines[:12] if _ISSUER.match(s)), None)
    if issuer:
        meta.append(f"issuer {_text(issuer)}")
    d = _DATE.search("".join(lines[:12]))
    if d:
        meta.append(f"issued {_iso(d)}")
    no = _DOCNO.search("".join(lines[:12]))
    if no:
        meta.append(f"docno {_text(no.group())}")
    e = _EFFECTIVE.search(re.sub(r"\s+", "", text))
    if e:
        day = _DATE.fullmatch(e.group()[1:-3])  # 自2017年1月1日起实施: a date, so --as-of can use it
        meta.append(f"effective {_iso(day)}" if day else f"effective {_text(e.group())}")
    v = _VALID.search(re.sub(r"\s+", "", text))
    if v:
        from compare.diff.articles import numeral
        years = numeral(v.group(1))
        if years:
            meta.append(f"valid {years}年")
    meta.append('note "DRAFT written by `policylab new` from the text: confirm the header, the candidate '
                'clauses (draft_…) and the unencoded entries against the document"')
    return "policy " + policy_id + " {\n" + "".join(f"  {m_}\n" for m_ in meta) + "}\n"


_UNIT = r"(?:万亿|万|亿)?(?:美元|元)"
_EDGE = re.compile(r"([0-9]+(?:\.[0-9]+)?)(万亿|万|亿)?(美元|元)?")
# 按注册资本500～1000万美元、…、1亿美元以上的标准，分别给予…1、2、5、10的加分 (or …万元)
_TIERS = re.compile(r"按([^0-9，。；]{1,12}?)([0-9][^。；]*?(?:以上|以下))的?(?:标准)?，?分别给予[^0-9。；]*"
                    r"([0-9]+(?:\.[0-9]+)?(?:、[0-9]+(?:\.[0-9]+)?)+)(?:的加分|分|(万元|元))")


def _edges(item: str) -> tuple[str, str] | None:
    """One bracket of a tier table, "500～1000万美元" → ("500万美元", "1000万美元"); "1亿美元以上" → ("1亿美元", "∞")."""
    found = [(m.group(1), m.group(2) or "", m.group(3) or "") for m in _EDGE.finditer(item)]
    if not found or len(found) > 2:
        return None
    unit = found[-1][2]
    if not unit:
        return None
    if len(found) == 1:
        return (f"{found[0][0]}{found[0][1]}{unit}", "∞") if item.endswith("以上") else None
    (a, sa, _), (b, sb, _) = found
    return f"{a}{sa or sb}{unit}", f"{b}{sb}{unit}"


def _tiers(sentence: str) -> tuple[str, str] | None:
    """A tier table's value expression and its subject's words, or None where the shape is not this one."""
    m = _TIERS.search(sentence)
    if not m:
        return None
    field = next((f for word, f in _BASES.items() if word in m.group(1)), None)
    items = m.group(2).split("、")
    values = m.group(3).split("、")
    brackets = [_edges(i) for i in items]
    if field is None or len(items) != len(values) or any(b is None for b in brackets):
        return None
    unit = m.group(4) or "分"
    rows = "".join(f"    [{b[0]}, {b[1]}) -> {v}{unit}\n" for b, v in zip(brackets, values, strict=True) if b)
    return f"tiers {field} {{\n{rows}  }}", m.group(1)


_AMOUNT_AT_LEAST = re.compile(r"(注册资本|总投资|实缴资金|固定资产投资)超?([0-9]+(?:\.[0-9]+)?(?:万亿|万|亿)?(?:美元|元))及?以上")
_PAID_IN_AT_LEAST = re.compile(r"([0-9]+(?:\.[0-9]+)?%)以上(?:的)?(?:外资|首期资金|注册资本)?到[账帐]")


def conditions(sentence: str) -> list[str]:
    """The thresholds a sentence sets (…以上) on the record's built-in fields, as conditions."""
    out = []
    for m in _AMOUNT_AT_LEAST.finditer(sentence):
        field = next(f for word, f in _BASES.items() if word[:2] == m.group(1)[:2])
        out.append(f"{field} >= {m.group(2)}")
    out += [f"paid_in_ratio >= {m.group(1)}" for m in _PAID_IN_AT_LEAST.finditer(sentence)]
    return list(dict.fromkeys(out))


def candidates(article_id: str, article: str, sentence: str, n: int) -> list[Candidate]:
    """Candidate clauses for one sentence, where its shape is recognised."""
    found = _candidates(article_id, article, sentence, n)
    when = " and ".join(conditions(sentence))
    return [Candidate(c.id, c.article, c.quote, c.value, c.why, when) for c in found]


def _candidates(article_id: str, article: str, sentence: str, n: int) -> list[Candidate]:
    out: list[Candidate] = []
    tiers = _tiers(sentence)
    if tiers:
        out.append(Candidate(f"draft_{article_id}_{n}", article, sentence, tiers[0],
                             f"a tier table by {tiers[1]} (分别给予)"))
        return out
    m = _RATE_CAP.search(sentence)
    if m:
        field = next((f for word, f in _BASES.items() if word in m.group(1)), None)
        if field:
            base = f"cny({field})" if m.group(5).endswith("元") else field  # a record's 美元 paid in 元
            value = f"up to {m.group(2)}{m.group(3)} of {base} cap {m.group(4)}{m.group(5)}"
            out.append(Candidate(f"draft_{article_id}_{n}", article, sentence, value,
                                 f"a rate of {field} ({m.group(1)}) with a cap"))
            return out
    caps = _CEILING.findall(sentence)
    amounts = [f for f in quote_figures(sentence) if f.dim in (Dim.CNY, Dim.USD, Dim.MONEY)]
    if len(caps) == 1 and len(amounts) == 1:  # 最高600万元和200万元 is two amounts, not one ceiling
        out.append(Candidate(f"draft_{article_id}_{n}", article, sentence, f"up to {caps[0][0]}{caps[0][1]}",
                             "a ceiling (最高/不超过)"))
        return out
    # 分别给予最高600万元和200万元: one ceiling each, in the order the text names who receives them
    respective = _RESPECTIVE.search(sentence)
    if respective:
        for k, (number, unit) in enumerate(re.findall(_MONEY, respective.group(1)), 1):
            out.append(Candidate(f"draft_{article_id}_{n}_{k}", article, sentence, f"up to {number}{unit}",
                                 f"the {_ORDINAL[k - 1] if k <= len(_ORDINAL) else k} of the ceilings given 分别"))
        return out
    # 每个加10分 / 给予5分: points, where the sentence states that one quantity
    points = _POINTS.search(sentence)
    if points and len([f for f in quote_figures(sentence) if f.dim is not Dim.SCALAR]) == 1:  # 500强 is a name
        out.append(Candidate(f"draft_{article_id}_{n}", article, sentence, f"{points.group(1)}分", "points (加分)"))
    return out


# who a sentence rewards: 对首次获评“专精特新”的企业 / 对新引进的…项目 (up to the first comma or 给予)
_WHO = re.compile(r"对([^，。；]{2,40}?(?:企业|项目|机构|人员|人才|团队|单位|区镇|总部))(?:，|给予|、|的，|（)")


def unheld(sentence: str) -> str | None:
    """Who the sentence rewards, where the built-in record holds no such field: the words, else None."""
    m = _WHO.search(sentence)
    if m is None:
        return None
    who = m.group(1)
    rest = _AMOUNT_AT_LEAST.sub("", _PAID_IN_AT_LEAST.sub("", who))  # thresholds are written as a `when`
    rest = re.sub(r"^每个|的|(?:企业|项目)$", "", rest)  # words every project answers to
    return who if re.search(r"[\u4e00-\u9fff]{2}", rest) else None


def _who_note(c: Candidate) -> str:
    who = unheld(c.quote)
    if who is None:
        return ""
    text = (f"the record holds no field for 「{who}」: declare what it needs, e.g. a category or a condition "
            "(see Declaring a city's own record), then write it in when")
    return f"  note {_text(text)}\n"


# where a number names something, not a quantity: “465”, 《…》, 〔2020〕43号, 十四届四次全会, 第46次, dates
_NAMES = re.compile(r"“[^”]*”|《[^》]*》|〔[^〕]*〕[0-9]*号|[0-9一二三四五六七八九十]+届[一二三四五六七八九十]+次全会"
                    r"|第[0-9一二三四五六七八九十]+次|(?:19|20)[0-9]{2}年(?:[0-9]{1,2}月(?:[0-9]{1,2}日)?)?"
                    r"|[0-9]{1,2}月[0-9]{1,2}日")


def names_only(sentence: str) -> bool:
    """Whether every figure of the sentence (as coverage counts them) is part of a name or a date, or
    dsl.figures reads no quantity in it: an `unencoded` entry, not a cite."""
    return not quote_figures(sentence) or not FIGURE.search(_NAMES.sub("", sentence))


def _unique(wanted: str, ids: set[str]) -> str:
    name, n = wanted, 2
    while name in ids:
        name, n = f"{wanted}_v{n}", n + 1
    ids.add(name)
    return name


def _like_note(index: list[Entry] | None, c: Candidate) -> str:
    like = nearest(index, c.quote, c.value) if index else None
    if like is None:
        return ""
    concept = f"concept {like.concept}" if like.concept else "no concept: it feeds another clause"
    return f"  note {_text(f'like {like.policy} {like.clause} ({concept}; words {like.score:.0%} alike)')}\n"


def draft_policy(city: str, source_name: str, text: str, index: list[Entry] | None = None) -> str:
    """The draft policy's text, laid out as `policylab fmt` lays it out; with `index`
    (compare.encode.similar.bundled_index) each candidate names the bundled clause most like it."""
    city_id = re.sub(r"[^a-z0-9_]", "_", city.lower()).strip("_") or "city"
    if city_id[0].isdigit():
        city_id = "city_" + city_id
    out = [header(city_id, city_id + "_draft", source_name, text)]
    taken: set[str] = set()
    ids: set[str] = set()  # the clauses' ids: unique (E201)
    for article in articles(text):
        if not article.sentences:
            continue
        aid = base = _ident(article.label)
        n = 2
        while aid in taken:  # 三、 and （三） numbered on through the sections: both "3"
            aid, n = f"{base}_{n}", n + 1
        taken.add(aid)
        cited = [s for s in article.sentences if not names_only(s)]
        unread = [s for s in article.sentences if names_only(s)]
        if cited:
            out.append(f"\n# ---------------------------------------------------------------- {article.label}\n"
                       f"clause article_{aid} {_text(article.label + '（待编码）')} {{\n"
                       + "".join(f"  cite {_text(article.label)} {_text(s)}\n" for s in cited)
                       + '  value promised "待编码"\n  note "the article\'s figure-bearing sentences, '
                       'to be encoded as clauses"\n}\n')
        for k, s in enumerate(cited, 1):
            for c in candidates(aid, article.label, s, k):
                note = _text(f"DRAFT: {c.why}; confirm the condition and give it a concept")
                when = f"  when {c.when}\n" if c.when else ""
                cid = _unique(c.id, ids)  # article 2's "draft_2_2_1" may meet article "2_2"'s first
                out.append(f"clause {cid} {_text('草稿' + article.label)} {{\n  cite {_text(c.article)} "
                           f"{_text(c.quote)}\n{when}  value {c.value}\n  note {note}\n{_who_note(c)}"
                           f"{_like_note(index, c)}}}\n")
        for s in unread:
            out.append(f"unencoded {_text(article.label)} {_text(s)} because "
                       '"DRAFT: its figures are dates or parts of names, no amounts"\n')
    return format_text("".join(out))


__all__ = ["Candidate", "candidates", "draft_policy", "header"]
