"""Each city's own record, as plain data for the site's city pages and the one-file report: the
built-in fields the policy reads and the fields, categories, choice values and lists it declares
(type, unit, default, Chinese and English labels), its named conditions, its `pick` tables with the
overlap rule in words, and who pays each clause.

    view = record_view(policy)          # RecordView: fields, values, lists, conditions
    payer_text(policy.taxonomy, clause.payer)  # ("由市、县（市、区）按1:1分担", "paid by city and county/district 1:1")
    pick_tables(clause.value)           # each `pick` of an expression, as (condition, value) rows

Nothing here is markup: the templates escape every text (compare.site.escape).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from dsl import ast as A
from dsl.format import Generator
from dsl.model import Policy
from dsl.record import Declared, Record
from dsl.schema import LABELS, VALUE_LABELS, Field
from dsl.taxonomy import Taxonomy
from dsl.units import Dim, format_decimal
from dsl.walk import walk

BUILT_IN = "built-in 内置"
# the overlap rule of a `pick` table, in words (Chinese first, as the texts put it)
PICK_RULES = {
    "highest": "取最高 the highest that applies",
    "lowest": "取最低 the lowest that applies",
    "first": "取先列者 the first listed that applies",
    "most_specific": "取最具体者 the most specific that applies (the most conditions met; the first listed among equals)",
}
OTHERWISE = "其他情形 otherwise"
# payers' short names for the sentence "由市、区按1:1分担", where the taxonomy gives none
PAYERS = {"city": ("市", "city"), "district": ("县（市、区）", "county/district"), "province": ("省", "province"),
          "zone": ("开发区（园区）", "development zone"), "town": ("乡镇（街道）", "town")}
_TYPE_OF_DIM = {Dim.BOOL: "bool", Dim.MONEY: "money", Dim.RATIO: "ratio", Dim.SCALAR: "number", Dim.COUNT: "count",
                Dim.AREA: "area", Dim.CHOICE: "choice", Dim.SET: "set", Dim.TEXT: "text", Dim.DATE: "date"}
_BASE_UNIT = {Dim.MONEY: "元", Dim.AREA: "亩"}


@dataclass(frozen=True)
class ValueView:
    """One value of a choice or set field (a category is a value of the set `categories`)."""

    field: str
    value: str
    zh: str
    en: str
    origin: str  # BUILT_IN, or the policy or taxonomy file that adds it


@dataclass(frozen=True)
class FieldView:
    name: str
    origin: str  # BUILT_IN, or the policy or taxonomy file that declares it
    type: str  # the type word (bool, money, … choice, set, date)
    unit: str  # the unit of a cell that gives none ("" where the type's own)
    default: str  # as policy text; "必填 required" where every project must give it
    zh: str
    en: str
    values: tuple[ValueView, ...]  # a choice's or set's values this policy names or declares
    read: bool  # the policy's conditions or values read it


@dataclass(frozen=True)
class ListView:
    id: str
    zh: str
    en: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class ConditionView:
    id: str
    zh: str
    condition: str  # policy text
    cites: tuple[tuple[str, str], ...]  # (article, quote)
    used_by: tuple[str, ...]  # the clauses, splits and conditions that name it


@dataclass(frozen=True)
class PickTable:
    rule: str  # highest | lowest | first | most_specific
    rule_words: str  # "取最高 the highest that applies"
    rows: tuple[tuple[str, str], ...]  # (condition as policy text, or OTHERWISE; value as policy text)


@dataclass(frozen=True)
class RecordView:
    fields: tuple[FieldView, ...]  # built-in ones the policy reads, then declared ones
    values: tuple[ValueView, ...]  # the categories and choice values it adds to fields it does not declare
    lists: tuple[ListView, ...]
    conditions: tuple[ConditionView, ...]

    def __bool__(self) -> bool:
        return bool(self.fields or self.values or self.lists or self.conditions)


def text(e: A.Expr | None) -> str:
    """An expression as policy text ("" for None), as compare.site.concepts writes it."""
    return Generator([]).expr(e, 0) if e is not None else ""


def _items(policy: Policy) -> Iterator[tuple[str, object]]:
    """(name, item) of everything whose expressions read the record."""
    for table in (policy.clauses, policy.splits, policy.params, policy.mechanisms, policy.conditions):
        yield from table.items()


def names_read(policy: Policy) -> dict[str, list[str]]:
    """Every name the policy's expressions use -> the items that use it (clauses, conditions …)."""
    used: dict[str, list[str]] = {}
    for item_id, item in _items(policy):
        for node in walk(item):
            if isinstance(node, A.Name):
                used.setdefault(node.dotted, [])
                if item_id not in used[node.dotted]:
                    used[node.dotted].append(item_id)
    return used


def _number(d: Decimal) -> str:
    return format_decimal(d.normalize()) if d != 0 else "0"


def default_text(f: Field, decl: A.FieldDecl | None, required: bool) -> str:
    """A field's default as policy text: the declaration's own words where the policy wrote one."""
    if decl is not None and decl.default is not None:
        return text(decl.default)
    if required:
        return "必填 required"
    v = f.default
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return "{" + ", ".join(str(x) for x in v) + "}"
    if f.dim == Dim.RATIO and isinstance(v, (int, Decimal)):
        return f"{_number(Decimal(v) * 100)}%"
    if isinstance(v, (int, float, Decimal)):
        return f"{_number(Decimal(str(v)))}{_BASE_UNIT.get(f.dim, '')}"
    if f.dim == Dim.TEXT and v == "":
        return '""'
    return str(v)


def _value(record: Record, field: str, value: str, declared: Declared | None) -> ValueView:
    key = f"{field}.{value}"
    if key in record.added_values:
        origin, zh, en, _ = record.added_values[key]
        return ValueView(field, value, zh or "", en or "", origin)
    if declared is not None:
        zh = dict(declared.value_labels).get(value)
        return ValueView(field, value, zh or "", "", declared.origin)
    zh, en = VALUE_LABELS.get(key, ("", ""))
    return ValueView(field, value, zh, en, BUILT_IN)


def _type_word(f: Field, d: Declared | None) -> str:
    if d is not None:
        return d.type
    if f.dim == Dim.TEXT and f.choices:
        return "choice"
    return _TYPE_OF_DIM.get(f.dim, f.dim.value)


def record_view(policy: Policy) -> RecordView:
    """The city's record (see the module's docstring): the built-in fields it reads, in the record's
    order, then the fields it declares or reads from its taxonomy; the values it adds to fields it
    does not declare; its lists and named conditions."""
    record = policy.record
    used = names_read(policy)
    own_values = set(policy.choices) | {f"categories.{c}" for c in policy.categories}
    fields: list[FieldView] = []
    for name, f in record.fields.items():
        d = record.declared.get(name)
        decl = policy.fields.get(name)
        read = name in used
        if not read and decl is None and not (f.choices and any(f"{name}.{v}" in own_values for v in f.choices)):
            continue  # a built-in (or another city's) field this policy neither reads nor extends
        named = [v for v in f.choices if v in used or f"{name}.{v}" in own_values
                 or (d is not None and v in dict(d.value_labels))]
        values = tuple(_value(record, name, v, d) for v in named)
        zh, en = record.label(name) if d is not None else LABELS.get(name, (f.meaning, ""))
        fields.append(FieldView(name, d.origin if d is not None else BUILT_IN, _type_word(f, d),
                                (d.unit or "") if d is not None else _BASE_UNIT.get(f.dim, ""),
                                default_text(f, decl, record.required(name)), zh or "", en or "", values, read))
    added = tuple(v for fv in fields if fv.origin == BUILT_IN for v in fv.values if v.origin != BUILT_IN)
    lists = tuple(ListView(x.id, x.label or "", x.en or "", tuple(i.dotted if isinstance(i, A.Name) else i.value
                                                                  for i in x.items))
                  for x in policy.lists.values())
    conditions = tuple(ConditionView(c.id, c.label or "", text(c.when), tuple((x.article, x.quote) for x in c.cites),
                                     tuple(u for u in used.get(c.id, []) if u != c.id))
                       for c in policy.conditions.values())
    return RecordView(tuple(fields), added, lists, conditions)


# ---------------------------------------------------------------- pick tables and payers


def pick_tables(e: A.Expr | None) -> list[PickTable]:
    """Each `pick` of an expression, outermost first: its rows as (condition, value) policy text."""
    out = []
    for node in walk(e) if e is not None else ():
        if isinstance(node, A.Pick):
            rows = tuple((text(r.cond) if r.cond is not None else OTHERWISE, text(r.value)) for r in node.rows)
            out.append(PickTable(node.rule, PICK_RULES.get(node.rule, node.rule), rows))
    return out


def _payer_names(taxonomy: Taxonomy | None, key: str) -> tuple[str, str]:
    """A payer's short Chinese and English names: the usual ones, else the taxonomy's `payers:`, else the key."""
    if key in PAYERS:
        return PAYERS[key]
    labels = getattr(taxonomy, "payers", None)
    zh, en = labels.get(key, (key, key)) if isinstance(labels, Mapping) else (key, key)
    return zh or key, en or key


def payer_text(taxonomy: Taxonomy | None, payer: A.Payer | None) -> tuple[str, str] | None:
    """Who pays, as the texts say it and in English: `由市承担 / paid by city`, `由市、县（市、区）按1:1分担 /
    paid by city and county/district 1:1`, `市承担60%、… / city 60%, …`, `由市、县（市、区）共同承担（比例未定）
    / shared by city and county/district, shares not stated`."""
    if payer is None or not payer.shares:
        return None
    names = [_payer_names(taxonomy, s.name) for s in payer.shares]
    zh_names = "、".join(zh for zh, _ in names)
    en_names = " and ".join(en for _, en in names) if len(names) < 3 else \
        ", ".join(en for _, en in names[:-1]) + " and " + names[-1][1]
    if len(payer.shares) == 1:
        return f"由{zh_names}承担", f"paid by {en_names}"
    if any(s.weight is None for s in payer.shares):
        return f"由{zh_names}共同承担（比例未定）", f"shared by {en_names}, shares not stated"
    if payer.ratio_form:
        ratio = ":".join(text(s.weight) for s in payer.shares)
        return f"由{zh_names}按{ratio}分担", f"paid by {en_names} {ratio}"
    zh = "、".join(f"{zh}承担{text(s.weight)}" for (zh, _), s in zip(names, payer.shares, strict=True))
    en = ", ".join(f"{en} {text(s.weight)}" for (_, en), s in zip(names, payer.shares, strict=True))
    return zh, en


def values_text(values: Sequence[ValueView]) -> str:
    """A field's values as one text: `key_area 重点区域 / key area; ordinary 一般区域`."""
    return "; ".join(" ".join(x for x in (v.value, v.zh, f"/ {v.en}" if v.en else "") if x) for v in values)


def record_rows(r: RecordView) -> list[list[str]]:
    """The record as rows of a sheet: kind, name, type, unit, default, label, English, values (items,
    condition), origin."""
    return ([["field", f.name, f.type, f.unit, f.default, f.zh, f.en, values_text(f.values), f.origin] for f in r.fields]
            + [["value", f"{v.field}.{v.value}", "", "", "", v.zh, v.en, "", v.origin] for v in r.values]
            + [["list", x.id, "", "", "", x.zh, x.en, "、".join(x.items), ""] for x in r.lists]
            + [["condition", c.id, "bool", "", "", c.zh, "", c.condition, ""] for c in r.conditions])


__all__ = ["BUILT_IN", "OTHERWISE", "PAYERS", "PICK_RULES", "ConditionView", "FieldView", "ListView", "PickTable",
           "RecordView", "ValueView", "default_text", "names_read", "payer_text", "pick_tables", "record_rows", "record_view",
           "values_text"]
