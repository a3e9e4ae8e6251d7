"""The project record of a run: the built-in core (dsl.schema) and the fields, categories and
choice values that the run's policies (and their taxonomy files) declare.

Every stage after the language reads the record as a value (`Record`), not the fixed list: the
checker types a policy's names against `policy.record`, the data readers validate and build columns
against the run's record (`merge_records` of the policies in the run), the engine compiles against
it, and `policylab fields`, the portfolio sampler and the site list it.  The core keeps its names
and its order, so a choice's code (its index in `choices(field)`) of a core value never changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from dsl.ast import NO_SPAN, Span
from dsl.schema import CATEGORIES, FIELDS, Field
from dsl.units import Dim

# A declared field's type (as written after `type`) -> its dimension; `integer` is a number that
# must be whole, `count` a number of people, projects, times (人, 个, 次 …).
TYPE_DIMS: dict[str, Dim] = {
    "bool": Dim.BOOL, "money": Dim.MONEY, "ratio": Dim.RATIO, "number": Dim.SCALAR, "integer": Dim.SCALAR,
    "count": Dim.COUNT, "area": Dim.AREA, "choice": Dim.CHOICE, "set": Dim.SET, "text": Dim.TEXT,
    "date": Dim.DATE,
}
CORE_ORIGIN = "core"


@dataclass(frozen=True)
class Declared:
    """What a declaration adds to a built-in Field: where it comes from and how it reads."""

    origin: str  # the policy id, or the taxonomy file, that declares it
    type: str  # the declared type word (TYPE_DIMS)
    unit: str | None = None  # the unit of a cell that gives none (平方米, 美元); None: the type's base unit
    zh: str | None = None
    en: str | None = None
    value_labels: tuple[tuple[str, str | None], ...] = ()  # a choice's or set's values with their labels
    span: Span = NO_SPAN

    @property
    def integer(self) -> bool:
        return self.type == "integer"


@dataclass(frozen=True)
class Record:
    """The fields a run reads, in order (core first), with each choice field's values and each set
    field's members; `declared` says which fields, categories and values a policy added and where."""

    fields: Mapping[str, Field]
    declared: Mapping[str, Declared] = field(default_factory=dict)  # field name -> declaration
    # added values: "categories.little_giant", "referral.social_org" -> (origin, zh, en, span)
    added_values: Mapping[str, tuple[str, str | None, str | None, Span]] = field(default_factory=dict)

    # A mapping proxy does not pickle: a checked policy (dsl.cache) keeps its record as plain dicts,
    # wrapped again when loaded.
    def __getstate__(self) -> dict[str, object]:
        return {"fields": dict(self.fields), "declared": dict(self.declared), "added_values": dict(self.added_values)}

    def __setstate__(self, state: dict[str, dict[str, object]]) -> None:
        for name in ("fields", "declared", "added_values"):
            object.__setattr__(self, name, MappingProxyType(dict(state[name])))

    def choices(self, name: str) -> tuple[str, ...]:
        """A choice field's values or a set field's members, core ones first (their codes fixed)."""
        return self.fields[name].choices

    @property
    def categories(self) -> tuple[str, ...]:
        return self.fields["categories"].choices

    def is_declared(self, name: str) -> bool:
        return name in self.declared

    def required(self, name: str) -> bool:
        """A declared field without a default must be given by every project."""
        return name in self.declared and self.fields[name].default is None and self.fields[name].dim != Dim.SET

    def text_fields(self) -> tuple[str, ...]:
        """Free-text fields (open choices) a condition may compare with a quoted text."""
        return tuple(n for n, f in self.fields.items() if f.dim == Dim.TEXT and not f.choices and n != "id")

    def label(self, name: str) -> tuple[str | None, str | None]:
        """(Chinese, English) label of a field, or of a value written `FIELD.VALUE`."""
        if name in self.added_values:
            _, zh, en, _ = self.added_values[name]
            return zh, en
        d = self.declared.get(name)
        if d is not None:
            return d.zh, d.en
        f = self.fields.get(name)
        return (f.meaning, None) if f is not None else (None, None)

    def key(self) -> tuple[object, ...]:
        """What identifies the record's layout (for caches of columns and compiled policies)."""
        return tuple((n, f.dim.value, f.choices, self.declared[n].unit if n in self.declared else None)
                     for n, f in self.fields.items())


CORE = Record(MappingProxyType(dict(FIELDS)))


@dataclass
class RecordBuilder:
    """Builds a record from the core and declarations, reporting each conflict once (as text:
    the caller turns it into a diagnostic at the declaration's span)."""

    fields: dict[str, Field] = field(default_factory=lambda: dict(FIELDS))
    declared: dict[str, Declared] = field(default_factory=dict)
    added_values: dict[str, tuple[str, str | None, str | None, Span]] = field(default_factory=dict)
    problems: list[tuple[str, str, str, Span]] = field(default_factory=list)  # (code, message, hint, span)

    def add_field(self, name: str, f: Field, d: Declared) -> None:
        if name in FIELDS:
            self.problems.append(("E211", f"`{name}` is a built-in field of the project record",
                                  f"use `{name}` as it is (it means: {FIELDS[name].meaning}), or declare "
                                  f"another name", d.span))
            return
        prev = self.declared.get(name)
        if prev is not None:
            old = self.fields[name]
            if (old.dim, prev.type == "integer", prev.unit) != (f.dim, d.type == "integer", d.unit):
                self.problems.append((
                    "E212", f"field `{name}` is declared by {prev.origin} as {_type_words(prev)} and by "
                            f"{d.origin} as {_type_words(d)}",
                    "two cities may share a field only with the same type and unit: rename one of them",
                    d.span))
                return
            # the same field declared again: its values are the union, its default the first one's
            merged = tuple(dict.fromkeys((*old.choices, *f.choices)))
            self.fields[name] = replace(old, choices=merged)
            return
        self.fields[name] = f
        self.declared[name] = d

    def add_value(self, field_name: str, value: str, origin: str, zh: str | None, en: str | None,
                  span: Span) -> None:
        f = self.fields.get(field_name)
        if f is None or f.dim not in (Dim.CHOICE, Dim.SET) or (field_name in FIELDS and field_name == "grade"):
            self.problems.append(("E213", f"`{field_name}` is not a choice field that takes new values",
                                  "new values go to `referral`, `categories` or a declared choice or set field",
                                  span))
            return
        key = f"{field_name}.{value}"
        if value not in f.choices:
            self.fields[field_name] = replace(f, choices=(*f.choices, value))
        self.added_values.setdefault(key, (origin, zh, en, span))

    def build(self) -> Record:
        return Record(MappingProxyType(dict(self.fields)), MappingProxyType(dict(self.declared)),
                      MappingProxyType(dict(self.added_values)))


def _type_words(d: Declared) -> str:
    return d.type + (f" in {d.unit}" if d.unit else "")


def merge_records(records: Iterable[Record]) -> tuple[Record, list[tuple[str, str, str, Span]]]:
    """The record of a run: the union of its policies' records.  Problems: two declarations of one
    field with different types or units (each reported once, at the later declaration)."""
    b = RecordBuilder()
    seen: set[tuple[str, str]] = set()
    for r in records:
        for name, f in r.fields.items():
            d = r.declared.get(name)
            if d is not None and (name, d.origin) not in seen:
                seen.add((name, d.origin))
                b.add_field(name, f, d)
        for key, (origin, zh, en, span) in r.added_values.items():
            fname, _, value = key.partition(".")
            if fname in b.fields:
                b.add_value(fname, value, origin, zh, en, span)
    problems = list(dict.fromkeys(b.problems))
    return b.build(), problems


__all__ = ["CATEGORIES", "CORE", "CORE_ORIGIN", "TYPE_DIMS", "Declared", "Record", "RecordBuilder",
           "merge_records"]
