"""Random policies over every construct of the language (grammar/policy.lark, docs/language.md), for
the property test that what `check` accepts evaluates (tests/test_check_evaluates.py).

The generator is directed by the grammar and by the type rules: each expression is drawn for a
dimension (an amount in 元 or 美元, points, a count, months, days, 亩, a ratio, a plain number, or
true/false) from the forms that give it, so most policies check; figures are valid by construction
(no division by a zero figure, tier rows in order without gaps, range ends low before high).  Quotes
are not matched to figures: the tests skip E503.  A policy is the base text and, for some, a
revision of it (`extends`, with `override` and `remove`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from dsl.schema import CATEGORIES, GRADES, REFERRALS
from dsl.schema import FIELDS as SCHEMA_FIELDS

NUMERIC = ("cny", "usd", "points", "count", "months", "days", "area", "ratio", "scalar")
UNITS = {"cny": ("元", "万元", "亿元"), "usd": ("美元", "万美元", "亿美元"), "points": ("分",), "count": ("人", "个", "次"),
         "months": ("个月", "年"), "days": ("天", "周"), "area": ("亩",), "ratio": ("%", "‰"), "scalar": ("",)}
NUMBERS = ("0", "1", "2", "2.5", "3", "10", "30", "100", "500", "1000", "3000")
NONZERO = ("1", "2", "2.5", "4", "10", "100")
FIELDS = {"cny": ("registered_capital", "total_investment", "paid_in_capital", "fdi_arrived", "fixed_asset_investment"),
          "usd": ("registered_capital", "fdi_arrived", "paid_in_capital"),
          "ratio": ("paid_in_ratio",), "scalar": ("quality_score", "year")}
FLAGS = ("foreign", "licensed", "started", "in_core_zone", "expansion", "manufacturing", "needs_municipal_support")
INDUSTRIES = ("房地产", "制造业", "")
# outcome concepts by the dimension of their clauses' values (taxonomy units: points, CNY, USD-free, bool, days)
CONCEPTS = {"points": ("points.host_district", "points.referring_district", "points.referring_department"),
            "cny": ("reward.team", "reward.fdi", "reward.hq", "reward.intermediary"),
            "bool": ("gate.leading_group_review", "duty.first_talk_registration"),
            "days": ("right.first_talk_exclusive_days",), "months": ("right.first_talk_exclusive_days",),
            "any": ("reward.foreign_rnd_center",)}
# parameter concepts by dimension (a reference to a param gives its (committed) value)
PARAMS = {"ratio": ("assessment.fdi_weight_ratio", "incentive.bonus_coefficient_max"), "count": ("training.per_year",),
          "months": ("reporting.interval_months",), "cny": ("awards.team_max",), "usd": ("target.fdi_annual",),
          "area": ("land.reserve_min_area",), "bool": ("land.reserve_no_split",)}
BENEFICIARIES = ("firm", "team", "host_district", "referring_district", "referring_department", "intermediary")
CITE = 'cite "第1条" "b"'
HEADERS = ('policy g {\n  city g "生成"\n  source "g.txt"\n}\n',  # no year: `year` is unknown
           'policy g {\n  city g "生成"\n  effective 2017-01-01\n  status in_force\n  source "g.txt"\n}\n',
           'policy g {\n  city g "生成"\n  issued 2023-09-28\n  effective "自发布之日起实施"\n  source "g.txt"\n}\n')
REVISION = 'policy g2 extends g {\n  city g "生成"\n  status draft\n}\n'


@dataclass
class Scope:
    """What an expression may name: earlier clauses and the params by dimension, the readings."""

    clauses: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, list[str]] = field(default_factory=dict)
    readings: dict[str, list[str]] = field(default_factory=dict)
    record: bool = False  # the policy declares the fields of RECORD (and may use them)
    condition: bool = False  # ... and the named condition `eligible`


# A city's own record: one declared field of every type, a category, a referral value, a list.
RECORD = """field new_jobs "新增就业人数" {
  type count 人
  default 0人
  en "new employees"
}
field rent_area "租赁面积" {
  type area 平方米
  default 0平方米
}
field equipment "设备投资额" {
  type money
  default 0元
}
field zone "所在区域" {
  type choice { key_area "重点区域", ordinary "一般区域" }
  default ordinary
}
field honours "企业荣誉" {
  type set { gazelle "瞪羚企业", unicorn "独角兽企业" }
}
field landed_on "落地日期" {
  type date
  default 2020-01-01
}
field score2 "评分" { type number  default 0 }
field staff "员工" { type integer  default 0 }
field local_share "本地配套率" { type ratio  default 0 }
field sector "细分行业" { type text  default "" }
field hitech "高新技术企业" { type bool  default false }
category little_giant "专精特新“小巨人”企业"
choice referral social_org "社会组织"
list bad_industries "房地产、金融类" = {"房地产", "金融"}
"""
DECLARED_FIELDS = {"cny": ("equipment",), "count": ("new_jobs", "staff"), "area": ("rent_area",),
                   "ratio": ("local_share",), "scalar": ("score2", "staff")}
PER_UNIT = {"count": ("2000元/人", "5万元/名", "0.5万元/人"), "area": ("30元/平方米", "2万元/亩", "10元/㎡")}


def literal(draw: st.DrawFn, dim: str) -> str:
    n = draw(st.sampled_from(NUMBERS))
    if dim == "ratio" and draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(["1.5:1", "3:7", "0.35", "1:2:3"]))
    if dim in ("scalar", "ratio") and draw(st.integers(0, 15)) == 0:
        return "1" + "0" * 200  # a figure far beyond any amount, below the checker's limit
    if draw(st.integers(0, 25)) == 0:
        return "∞"
    if dim in ("cny", "usd") and draw(st.integers(0, 6)) == 0:
        return f"{dim.upper()} {n}万"  # a coded amount: USD 4000万
    if draw(st.integers(0, 12)) == 0 and dim != "scalar":
        return f'{n}{draw(st.sampled_from(UNITS[dim]))} derived "推得"'
    if dim in ("cny", "usd") and draw(st.integers(0, 15)) == 0:
        return "1000000000000亿元" if dim == "cny" else "100000000000亿美元"  # beyond any record's amount
    return f"{n}{draw(st.sampled_from(UNITS[dim]))}"


def positive(draw: st.DrawFn, dim: str) -> str:
    return f"{draw(st.sampled_from(NONZERO))}{draw(st.sampled_from(UNITS[dim]))}"


def factor(draw: st.DrawFn) -> str:
    """A fixed ratio or plain number: a multiplier, a tier scale, a divisor (never 0)."""
    return draw(st.sampled_from(["50%", "70%", "2", "0.5", "1.5:1", "5‰", "100%", "1" + "0" * 200]))


def ascending(draw: st.DrawFn, dim: str, k: int) -> list[str]:
    values = sorted({float(x) for x in draw(st.lists(st.sampled_from(NUMBERS), min_size=k, max_size=k))})
    unit = draw(st.sampled_from(UNITS[dim]))
    return [f"{v:g}{unit}" for v in values] or [f"0{unit}"]


def tiers(draw: st.DrawFn, dim: str, depth: int, scope: Scope) -> str:
    subject_dim = draw(st.sampled_from(["cny", "usd", "ratio", "scalar", *[d for d in scope.clauses if d in NUMERIC],
                                        *[d for d in scope.params if d in NUMERIC]]))
    subject = draw(st.sampled_from(FIELDS.get(subject_dim, ()) + tuple(scope.clauses.get(subject_dim, ()))
                                   + tuple(scope.params.get(subject_dim, ()))))
    edges = ascending(draw, subject_dim if subject_dim != "scalar" else "scalar", draw(st.integers(1, 4)))
    low_closed = draw(st.booleans())
    rows = []
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        top = "∞" if hi is None else hi
        o, c = ("[" if low_closed else "(", ")" if low_closed or hi is None else "]")
        rows.append(f"    {o}{lo}, {top}{c} -> {num(draw, dim, depth - 1, scope)}")
    scaling = by_reading(draw, scope, lambda: factor(draw)) if draw(st.integers(0, 3)) == 0 else None
    scale = draw(st.sampled_from(["", f" scaled {factor(draw)} unless {flag(draw)}",
                                  f" scaled {scaling or factor(draw)} when {cond(draw, 0, scope)}"]))
    return f"tiers {subject}{scale} {{\n" + "\n".join(rows) + "\n  }"


def by_reading(draw: st.DrawFn, scope: Scope, case: object) -> str | None:
    if not scope.readings:
        return None
    rid = draw(st.sampled_from(sorted(scope.readings)))
    cases = " ".join(f"{o}: {case()}" for o in scope.readings[rid])  # type: ignore[operator]
    return f"by reading {rid} {{ {cases} }}"


def num(draw: st.DrawFn, dim: str, depth: int, scope: Scope) -> str:  # noqa: C901 - one case per form
    """An expression of dimension `dim`."""
    atoms = ["literal", "literal"]
    if dim in FIELDS or (scope.record and dim in DECLARED_FIELDS):
        atoms.append("field")
    if scope.clauses.get(dim):
        atoms.append("clause")
    if scope.params.get(dim):
        atoms.append("param")
    forms = list(atoms)
    if depth > 0:
        forms += ["add", "sub", "times", "div", "cap", "floor", "prefix", "if", "combine", "paren", "tiers", "reading",
                  "promised", "range"]
        if dim != "ratio":
            forms.append("of")
        if dim in ("cny", "usd"):
            forms.append("convert")
        if dim in ("cny", "usd", "points"):
            forms.append("by_score")
        if dim in ("scalar", "ratio"):
            forms.append("quotient")  # two amounts divided: a ratio of the project's own figures
        forms.append("pick")
        if scope.record and dim == "cny":
            forms += ["per_unit", "per_unit"]
    if draw(st.sampled_from(range(80))) == 79:  # off-type on purpose: any field of the record, a text, a choice word
        return draw(st.sampled_from([*SCHEMA_FIELDS, '"房地产"', "municipal_dept", "true"]))
    form = draw(st.sampled_from(forms))
    sub = depth - 1
    if form == "field":
        declared = DECLARED_FIELDS.get(dim, ()) if scope.record else ()
        return draw(st.sampled_from(FIELDS.get(dim, ()) + declared))
    if form == "per_unit":  # an amount per person or per square metre, times the project's count or area
        per = draw(st.sampled_from(["count", "area"]))
        return f"{draw(st.sampled_from(PER_UNIT[per]))} * {draw(st.sampled_from(DECLARED_FIELDS[per]))}"
    if form == "pick":
        rule = draw(st.sampled_from(["highest", "lowest", "first", "most specific"]))
        rows = [f"    when {cond(draw, sub, scope)} -> {num(draw, dim, sub, scope)}"
                for _ in range(draw(st.integers(1, 3)))]
        if draw(st.booleans()):
            rows.append(f"    otherwise -> {num(draw, dim, sub, scope)}")
        return f"pick {rule} {{\n" + "\n".join(rows) + "\n  }"
    if form == "clause":
        return draw(st.sampled_from(scope.clauses[dim]))
    if form == "param":
        return draw(st.sampled_from(scope.params[dim]))
    if form in ("add", "sub"):
        return f"{num(draw, dim, sub, scope)} {'+' if form == 'add' else '-'} {num(draw, dim, sub, scope)}"
    if form == "times":
        x = num(draw, dim, sub, scope)
        return f"{factor(draw)} * ({x})" if draw(st.booleans()) else f"({x}) * {factor(draw)}"
    if form == "div":
        return f"({num(draw, dim, sub, scope)}) / {draw(st.sampled_from(['2', '4', '50%', '1.5:1']))}"
    if form in ("cap", "floor"):
        return f"({num(draw, dim, sub, scope)}) {form} {literal(draw, dim)}"
    if form == "prefix":
        op = draw(st.sampled_from(["up to", "at most", "at least", "more than", "about", "-"]))
        return f"{op} ({num(draw, dim, sub, scope)})"
    if form == "if":
        return f"(if {cond(draw, sub, scope)} then {num(draw, dim, sub, scope)} else {num(draw, dim, sub, scope)})"
    if form == "combine":
        func = draw(st.sampled_from(["max", "min", "sum", "first"]))
        items = [num(draw, dim, sub, scope) for _ in range(draw(st.integers(1, 3)))]
        return f"{func}({', '.join(items)})"
    if form == "paren":
        return f"({num(draw, dim, sub, scope)})"
    if form == "tiers":
        return tiers(draw, dim, depth, scope)
    if form == "reading":
        got = by_reading(draw, scope, lambda: num(draw, dim, sub, scope))
        return got if got is not None else literal(draw, dim)
    if form == "promised":
        return 'promised "按有关规定"'
    if form == "range":
        lo, hi = _pair(draw, dim)
        if dim in FIELDS and draw(st.booleans()):  # an end may be a name: a range up to the project's figure
            lo, hi = (lo, draw(st.sampled_from(FIELDS[dim]))) if draw(st.booleans()) else (draw(st.sampled_from(FIELDS[dim])), hi)
        return f"{lo}~{hi}"
    if form == "of":
        rate = draw(st.sampled_from(["5‰", "2‰~5‰", "up to 2%", "1.5%", "paid_in_ratio", "(50%)", "100%"]))
        return f"{rate} of ({num(draw, dim, sub, scope)})"
    if form == "convert":
        other = "usd" if dim == "cny" else "cny"
        return f"{dim}({num(draw, other, sub, scope)})"
    if form == "by_score":  # a rate from a field that may be unknown (quality_score)
        return f"({num(draw, dim, sub, scope)}) * quality_score / 100"
    if form == "quotient":  # the divisor may be 0 for a project: no quotient there
        other = draw(st.sampled_from(["cny", "usd", "points", "scalar"]))
        return f"({num(draw, other, sub, scope)}) / ({num(draw, other, sub, scope)})"
    return literal(draw, dim)


def _pair(draw: st.DrawFn, dim: str) -> tuple[str, str]:
    unit = draw(st.sampled_from(UNITS[dim]))
    a, b = sorted(draw(st.lists(st.sampled_from([0, 1, 2, 5, 10, 300]), min_size=2, max_size=2)))
    return f"{a}{unit}", f"{b}{unit}"


def flag(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(FLAGS))


def cond(draw: st.DrawFn, depth: int, scope: Scope) -> str:  # noqa: C901 - one case per form
    """A true/false expression."""
    forms = ["flag", "flag", "bool", "compare", "referral", "referral_set", "category", "grade", "industry",
             "bool_eq", "unknown"]
    if scope.clauses.get("bool"):
        forms.append("clause")
    if scope.record:
        forms += ["declared", "declared", "text_set"]
    if scope.condition:
        forms.append("condition")
    if depth > 0:
        forms += ["and", "or", "not", "if", "reading"]
    form = draw(st.sampled_from(forms))
    sub = depth - 1
    if form == "flag":
        return flag(draw)
    if form == "bool":
        return draw(st.sampled_from(["true", "false", *scope.params.get("bool", [])]))
    if form == "clause":
        return draw(st.sampled_from(scope.clauses["bool"]))
    if form == "compare":
        dim = draw(st.sampled_from(NUMERIC))
        op = draw(st.sampled_from([">=", "<=", ">", "<", "==", "!=", "≥", "≤"]))
        right = literal(draw, dim) if draw(st.booleans()) else num(draw, dim, max(sub, 0), scope)
        return f"{num(draw, dim, max(sub, 0), scope)} {op} {right}"
    if form == "referral":
        return f"referral {draw(st.sampled_from(['==', '!=']))} {draw(st.sampled_from(REFERRALS))}"
    if form == "referral_set":
        items = draw(st.lists(st.sampled_from(REFERRALS), min_size=1, max_size=3, unique=True))
        return f"referral {draw(st.sampled_from(['in', 'not in']))} {{{', '.join(items)}}}"
    if form == "category":
        return f"{draw(st.sampled_from(CATEGORIES))} {draw(st.sampled_from(['in', 'not in']))} categories"
    if form == "grade":
        op = draw(st.sampled_from([">=", "<=", ">", "<", "==", "!="]))
        g = draw(st.sampled_from(GRADES))
        return f'grade {op} "{g}"' if draw(st.booleans()) else f'"{g}" {op} grade'
    if form == "industry":
        text = draw(st.sampled_from(INDUSTRIES))
        op = draw(st.sampled_from(["==", "!="]))
        return f'industry {op} "{text}"' if draw(st.booleans()) else f'"{text}" {op} industry'
    if form == "bool_eq":
        return f"{flag(draw)} {draw(st.sampled_from(['==', '!=']))} {draw(st.sampled_from(['true', 'false', *FLAGS]))}"
    if form == "declared":
        return draw(st.sampled_from([
            "zone == key_area", "zone != ordinary", "key_area == zone", "zone in {key_area}", "gazelle in honours",
            "unicorn not in honours", "landed_on >= 2024-01-01", "landed_on < 2021-06-30", "hitech",
            'sector == "软件"', 'sector != ""', "little_giant in categories", "referral == social_org",
            "referral not in {social_org, intermediary}", "staff >= 10人", "new_jobs > 100人", "rent_area >= 1000平方米",
            "rent_area < 2亩", "local_share >= 30%", "score2 > 60", "equipment >= 500万元"]))
    if form == "text_set":
        return draw(st.sampled_from([
            "industry in bad_industries", "industry not in bad_industries", 'industry in {"房地产", "金融"}',
            'industry not in {"制造业"}', 'sector in {"软件", "芯片"}', "sector not in bad_industries"]))
    if form == "condition":
        return "eligible"
    if form == "unknown":
        return draw(st.sampled_from(["quality_score >= 60", "quality_score < 50", "year >= 2020", "year == 2017"]))
    if form in ("and", "or"):
        return f"({cond(draw, sub, scope)} {form} {cond(draw, sub, scope)})"
    if form == "not":
        return f"not ({cond(draw, sub, scope)})"
    if form == "if":
        return f"(if {cond(draw, sub, scope)} then {cond(draw, sub, scope)} else {cond(draw, sub, scope)})"
    got = by_reading(draw, scope, lambda: cond(draw, sub, scope))
    return f"({got})" if got is not None else flag(draw)


def clause(draw: st.DrawFn, cid: str, dim: str, concept: str | None, scope: Scope, depth: int) -> str:
    lines = [f'clause {cid} "条款" {{']
    if concept:
        lines.append(f"  concept {concept}")
        for _ in range(draw(st.integers(0, 2))):
            lines.append(f"  beneficiary {draw(st.sampled_from(BENEFICIARIES))} if {cond(draw, 1, scope)}")
        if draw(st.booleans()):
            lines.append(f"  beneficiary {draw(st.sampled_from(BENEFICIARIES))}")
    lines.append(f"  {CITE}")
    if draw(st.booleans()):
        lines.append(f"  when {cond(draw, depth, scope)}")
    value = cond(draw, depth, scope) if dim == "bool" else num(draw, dim, depth, scope)
    if draw(st.sampled_from(range(20))) == 19:  # a field of the record as the whole value, of whatever type
        value = draw(st.sampled_from(list(SCHEMA_FIELDS)))
    lines.append(f"  value {value}")
    if dim in ("cny", "usd") and draw(st.integers(0, 2)) == 0:
        lines.append("  payer " + draw(st.sampled_from(
            ["city", "district", "city = 50%, district = 50%", "city, district = 1:1", "city, district",
             "province = 20%, city = 30%, district = 50%"])))
    if dim in NUMERIC and draw(st.integers(0, 4)) == 0:
        lines += [f"  {x}" for x in timing(draw, dim, concept)]
    if draw(st.integers(0, 4)) == 0:
        lines.append('  note "生成"')
    return "\n".join(lines) + "\n}\n"


def timing(draw: st.DrawFn, dim: str, concept: str | None) -> list[str]:
    """Time statements valid by construction for a clause of `dim` (docs/language.md, Time): a cap in
    the value's unit, fixed ratios, instalments adding up to 100%, whole-year windows; a budget only
    where the concept is money (what the clause pays is a share of it), a whole number of winners."""
    within = lambda: draw(st.sampled_from(["", " within 3年", " within 10年"]))  # noqa: E731
    choices = {
        "cap": lambda: f"cumulative cap {positive(draw, dim)}{within()}",
        "schedule": lambda: "schedule " + ", ".join(draw(st.lists(st.sampled_from(["100%", "50%", "25%", "0%", "1/3"]),
                                                                   min_size=1, max_size=4))),
        "installments": lambda: "installments " + draw(st.sampled_from(["1/3, 1/3, 1/3", "50%, 50%", "100%", "60%, 40%"])),
        "once": lambda: "once",
        "clawback": lambda: f"clawback when {flag(draw)}{within()}",
        "winners": lambda: "winners " + draw(st.sampled_from(["1", "2", "20"])) + draw(st.sampled_from(["", " by quality_score"])),
    }
    if concept is not None and concept.startswith("reward."):
        choices["budget"] = lambda: "budget " + draw(st.sampled_from(["98万元", "1万元"]))
    kinds = draw(st.lists(st.sampled_from(sorted(choices)), min_size=1, max_size=3, unique=True))
    return [choices[k]() for k in kinds]


def readings(draw: st.DrawFn, scope: Scope) -> list[str]:
    out = []
    for i in range(draw(st.integers(0, 2))):
        options = ["a", "b", "c"][:draw(st.integers(2, 3))]
        scope.readings[f"r{i}"] = options
        body = "".join(f'  option {o} "选项"\n' for o in options)
        out.append(f'reading r{i} "解读" {{\n  {CITE}\n{body}  default {draw(st.sampled_from(options))}\n'
                   '  because "理由"\n}\n')
    return out


def params(draw: st.DrawFn, scope: Scope) -> list[str]:
    out = []
    for dim, keys in PARAMS.items():
        if not draw(st.booleans()):
            continue
        key = keys[0]
        if dim == "bool":
            value = draw(st.sampled_from(["true", "false"]))
        elif dim == "usd":
            value = draw(st.sampled_from(["committed 32亿美元 stretch 35亿美元", "committed 32亿美元", "at least 160亿美元"]))
        else:
            lo, hi = _pair(draw, dim)
            value = draw(st.sampled_from([literal(draw, dim), f"up to {positive(draw, dim)}",
                                          f"at least {positive(draw, dim)}", f"{lo}~{hi}", 'promised "另行规定"']))
        scope.params.setdefault(dim, []).append(key)
        ben = f"  beneficiary {draw(st.sampled_from(BENEFICIARIES))}\n" if draw(st.booleans()) else ""
        out.append(f'param {key} "参数" = {value} {{\n  {CITE}\n{ben}}}\n')
    return out


def mechanism(draw: st.DrawFn) -> str:
    attrs = draw(st.lists(st.sampled_from(['chair = "市委、市政府主要领导"', "members = 15人",
                                           'items = ["协调商办", "联席会办"]', 'rules = promised "另行制定"',
                                           "active = true", "funds = up to 200万元"]), max_size=4, unique=True))
    body = "".join(f"  {a}\n" for a in attrs)
    return f'mechanism leading_group "领导小组" {{\n  {CITE}\n{body}}}\n'


def split(draw: st.DrawFn, of: str, scope: Scope) -> str:
    shares = draw(st.sampled_from(["referrer, host = 3:7", "referrer = 30%, host = 70%", "referrer, host = 1:1"]))
    lines = [f'split s_{of} "分配" {{', f"  {CITE}", f"  splits {of}"]
    if draw(st.booleans()):
        lines.append(f"  when {cond(draw, 1, scope)}")
    lines.append(f"  shares {shares}")
    if draw(st.booleans()):
        lines.append(f"  beneficiary referrer = referring_department if {cond(draw, 0, scope)}")
    if draw(st.booleans()):
        lines.append("  beneficiary referrer = referring_district")
    return "\n".join(lines) + "\n}\n"


@st.composite
def policies(draw: st.DrawFn) -> tuple[str, str | None]:
    """(the policy text, a revision of it that extends it, or None)."""
    scope = Scope()
    depth = draw(st.integers(1, 3))
    items = [draw(st.sampled_from(HEADERS)), *readings(draw, scope), *params(draw, scope)]
    if draw(st.booleans()):
        scope.record = True
        items.append(RECORD)
        if draw(st.booleans()):
            items.append(f'condition eligible "符合条件的项目" {{\n  {CITE}\n  when {cond(draw, 1, scope)}\n}}\n')
            scope.condition = True
    for i in range(draw(st.integers(0, 3))):  # intermediate clauses: no concept, named by later ones
        dim = draw(st.sampled_from([*NUMERIC, "bool"]))
        items.append(clause(draw, f"m{i}", dim, None, scope, depth))
        scope.clauses.setdefault(dim, []).append(f"m{i}")
    outcome_ids: list[str] = []
    for i in range(draw(st.integers(1, 4))):
        dim = draw(st.sampled_from(["points", "points", "cny", "cny", "bool", "days", "months", "any"]))
        concept = draw(st.sampled_from(CONCEPTS[dim]))
        if dim == "any":  # a concept of any unit
            dim = draw(st.sampled_from([*NUMERIC, "bool"]))
        if concept == "right.first_talk_exclusive_days" and any(c.startswith("right.") for c in outcome_ids):
            concept, dim = "points.host_district", "points"  # one dimension per concept
        items.append(clause(draw, f"c{i}", dim, concept, scope, depth))
        outcome_ids.append(concept)
        scope.clauses.setdefault(dim, []).append(f"c{i}")  # an outcome clause may be named too
        if concept == "reward.team" and not any(x.startswith("split s_") for x in items):
            items.append(split(draw, f"c{i}", scope))
    if draw(st.booleans()):
        items.append(mechanism(draw))
    if draw(st.booleans()):
        items.append('unencoded "第1条" "b" because "日期：见文件头"\n')
    base = "\n".join(items)
    if not draw(st.integers(0, 3)) == 0:
        return base, None
    rev = [REVISION]
    target = draw(st.sampled_from([f"c{i}" for i in range(len(outcome_ids))]))
    index = int(target[1:])
    dim = "points" if outcome_ids[index].startswith("points") else \
        "cny" if outcome_ids[index].startswith("reward") else \
        "bool" if outcome_ids[index].startswith(("gate", "duty")) else None
    kind = draw(st.sampled_from(["override", "remove", "add", "param", "reading", "split"]))
    if kind == "remove" and not any(f"splits {target}" in x for x in items):
        rev.append(f"remove clause {target}\n")
    elif kind == "param" and scope.params:
        dim = draw(st.sampled_from(sorted(scope.params)))
        value = {"bool": "true", "usd": "committed 40亿美元"}.get(dim) or literal(draw, dim)
        rev.append(f'override param {scope.params[dim][0]} "参数" = {value} {{\n  {CITE}\n}}\n')
    elif kind == "reading" and scope.readings:
        rid = draw(st.sampled_from(sorted(scope.readings)))
        options = scope.readings[rid]
        body = "".join(f"  option {o}\n" for o in options)
        rev.append(f'override reading {rid} "解读" {{\n  {CITE}\n{body}  default {options[-1]}\n'
                   '  because "修订"\n}\n')
    elif kind == "split" and any(x.startswith("split s_") for x in items):
        of = next(x for x in items if x.startswith("split s_")).split()[1][2:]
        rev.append("override " + split(draw, of, scope) if draw(st.booleans()) else f"remove split s_{of}\n")
    elif kind == "override":  # a concept of unit `any` may change its dimension in the revision
        dim = dim or draw(st.sampled_from([*NUMERIC, "bool"]))
        rev.append("override " + clause(draw, target, dim, outcome_ids[index], scope, depth))
    else:
        rev.append(clause(draw, "added", "points", "points.host_district", scope, depth))
    return base, "\n".join(rev)
