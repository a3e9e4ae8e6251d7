"""The file level of the typed AST: the items a file holds (definitions, overrides, removals) and its
header.  Kept beside dsl.ast (which re-exports every name here) so that each file stays one
reading's length."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from dsl.ast import NO_SPAN, Clause, Mechanism, Param, Reading, Span, Split, Unencoded
from dsl.ast_record import CategoryDecl, ChoiceDecl, ConditionDecl, FieldDecl, ListDecl


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


Definition: TypeAlias = (
    Clause | Split | Param | Mechanism | Reading | FieldDecl | CategoryDecl | ChoiceDecl | ListDecl | ConditionDecl
)


@dataclass(frozen=True)
class Override:
    item: Definition
    span: Span = _span()


@dataclass(frozen=True)
class Remove:
    kind: str  # clause, split, param, mechanism, reading, field, category, choice, list, condition
    id: str  # a choice is `FIELD.VALUE`
    span: Span = _span()


Item: TypeAlias = (
    Clause | Split | Param | Mechanism | Reading | Unencoded | Override | Remove
    | FieldDecl | CategoryDecl | ChoiceDecl | ListDecl | ConditionDecl
)


@dataclass(frozen=True)
class Meta:
    """One header entry: ``city zhangjiagang "张家港"``, ``issued 2020-07-06`` ..."""

    key: str  # city, title, docno, issuer, issued, effective, status, source, partial, note
    value: str
    label: str | None = None  # the city's name in Chinese; the text form of a date
    is_date: bool = False
    span: Span = _span()
    value_span: Span = _span()


@dataclass(frozen=True)
class Header:
    id: str
    extends: str | None
    meta: tuple[Meta, ...]
    span: Span = _span()
    extends_span: Span = _span()

    def get(self, key: str) -> Meta | None:
        for m in self.meta:
            if m.key == key:
                return m
        return None


@dataclass(frozen=True)
class PolicyFile:
    header: Header
    items: tuple[Item, ...]
    path: str = field(default="", compare=False)
