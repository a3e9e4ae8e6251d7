"""A policy's project record: the built-in core (dsl.schema) with the fields, categories and
choice values that the policy (and its taxonomy files) declare; each declaration checked once."""

from __future__ import annotations

from decimal import Decimal

from dsl import ast as A
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.record import TYPE_DIMS, Declared, Record, RecordBuilder, merge_records
from dsl.schema import Field
from dsl.units import UNITS, Dim

_ZERO = Decimal(0)
_NON_NEGATIVE = (Dim.MONEY, Dim.COUNT, Dim.AREA)


def declared_field(d: A.FieldDecl, origin: str) -> tuple[Field, Declared] | Diagnostic:
    """A field declaration as a Field of the record (its default as a column value), or why not."""
    where = d.type_span if d.type_span.line else d.span
    if d.type is None:
        return Diagnostic("E210", f"field `{d.id}` has no `type`", d.span,
                          "add one of: type " + " | ".join(TYPE_DIMS))
    if d.type not in TYPE_DIMS:
        return Diagnostic("E210", f"`{d.type}` is not a field type", where,
                          did_you_mean(d.type, TYPE_DIMS) or "types: " + ", ".join(TYPE_DIMS))
    dim = TYPE_DIMS[d.type]
    if d.unit is not None:
        unit_dim = UNITS[d.unit.lstrip("万亿千")].dim if d.unit.lstrip("万亿千") in UNITS else None
        fits = (dim == Dim.MONEY and unit_dim in (Dim.CNY, Dim.USD)) or unit_dim == dim
        if not fits:
            return Diagnostic("E210", f"`{d.unit}` is not a unit of a {d.type} field", where,
                              "money takes 元 or 美元, area 亩, 平方米 or 公顷, count 人, 个, 次 …; "
                              "other types take no unit")
    if dim in (Dim.CHOICE, Dim.SET) and not d.values and dim == Dim.CHOICE:
        return Diagnostic("E210", f"choice field `{d.id}` lists no values", where,
                          'list them: type choice { key_area "重点区域", other "其他区域" }')
    if d.values and dim not in (Dim.CHOICE, Dim.SET):
        return Diagnostic("E210", f"a {d.type} field takes no list of values", where,
                          "values belong to a choice or set field: type choice { a, b }")
    choices = tuple(v.id for v in d.values)
    default = _default(d, dim, choices)
    if isinstance(default, Diagnostic):
        return default
    low = _ZERO if dim in _NON_NEGATIVE else None
    high = Decimal(1) if dim == Dim.RATIO else None
    meaning = d.label or d.en or d.id
    f = Field(d.id, dim, meaning, default, choices=choices, low=low, high=high)
    return f, Declared(origin, d.type, d.unit, d.label, d.en, tuple((v.id, v.label) for v in d.values), d.span)


def _default(d: A.FieldDecl, dim: Dim, choices: tuple[str, ...]) -> object:
    """The default as a column value: a number in the dimension's base unit, a bool, a text, a
    choice, a tuple of set members, an ISO date; None where there is none (the field is required)."""
    e = d.default
    if e is None:
        return () if dim == Dim.SET else None
    sp = getattr(e, "span", d.span)
    wrong = Diagnostic("E214", f"the default of field `{d.id}` is not a {d.type}", sp,
                       f"give a {d.type} value, or leave the default out so that every project must give it")
    if isinstance(e, A.Quantity):
        qd = e.dim
        if e.per is not None:
            return wrong
        if dim == Dim.MONEY and qd in (Dim.CNY, Dim.USD):
            return e.base_value
        if qd == dim or (qd == Dim.SCALAR and dim in (Dim.SCALAR, Dim.COUNT, Dim.AREA, Dim.RATIO)):
            if d.type == "integer" and e.base_value != e.base_value.to_integral_value():
                return wrong
            return e.base_value
        return wrong
    if isinstance(e, A.BoolLit):
        return e.value if dim == Dim.BOOL else wrong
    if isinstance(e, A.Text):
        return e.value if dim == Dim.TEXT else wrong
    if isinstance(e, A.DateLit):
        return e.value if dim == Dim.DATE else wrong
    if isinstance(e, A.Name) and dim == Dim.CHOICE:
        if e.dotted not in choices:
            return Diagnostic("E214", f"`{e.dotted}` is not a value of field `{d.id}`", sp,
                              did_you_mean(e.dotted, choices) or "values: " + ", ".join(choices))
        return e.dotted
    if isinstance(e, A.SetLit) and dim == Dim.SET:
        names = tuple(x.dotted if isinstance(x, A.Name) else x.value for x in e.items)
        bad = [n for n in names if choices and n not in choices]
        if bad:
            return Diagnostic("E214", f"`{bad[0]}` is not a member of field `{d.id}`", sp,
                              did_you_mean(bad[0], choices) or "members: " + ", ".join(choices))
        return names
    return wrong


def record_of(decls: list[tuple[str, A.FieldDecl | A.CategoryDecl | A.ChoiceDecl]]) -> tuple[Record, list[Diagnostic]]:
    """The core with these declarations (origin, declaration), in order; fields before values."""
    b = RecordBuilder()
    diags: list[Diagnostic] = []
    for origin, d in decls:
        if isinstance(d, A.FieldDecl):
            got = declared_field(d, origin)
            if isinstance(got, Diagnostic):
                diags.append(got)
            else:
                b.add_field(d.id, *got)
    for origin, d in decls:
        if isinstance(d, A.CategoryDecl):
            b.add_value("categories", d.id, origin, d.label, d.en, d.span)
        elif isinstance(d, A.ChoiceDecl):
            if d.field not in b.fields:
                diags.append(Diagnostic("E213", f"`{d.field}` is not a field", d.span,
                                        did_you_mean(d.field, b.fields) or "declare the field first: field NAME { type choice {…} }"))
                continue
            b.add_value(d.field, d.value, origin, d.label, d.en, d.span)
    diags.extend(Diagnostic(code, msg, span, hint) for code, msg, hint, span in b.problems)
    return b.build(), diags


def run_record(records: list[Record]) -> tuple[Record, list[Diagnostic]]:
    """The record of several policies checked or run together; conflicts as diagnostics."""
    merged, problems = merge_records(records)
    return merged, [Diagnostic(code, msg, span, hint) for code, msg, hint, span in problems]
