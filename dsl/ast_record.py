"""AST nodes of a city's own record: the fields, categories, choice values, lists and named
conditions a policy declares (dsl.record merges them with the built-in record of dsl.schema).

Kept beside dsl.ast (which re-exports them) so that each file stays one reading's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dsl.ast import NO_SPAN, Cite, Span

if TYPE_CHECKING:
    from dsl.ast import Expr, Name, Text


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


# The types a declared field may have, as written after `type`.
FIELD_TYPES = ("bool", "money", "ratio", "number", "integer", "count", "area", "choice", "set", "text", "date")


@dataclass(frozen=True)
class DeclaredValue:
    """One value of a declared choice or set field: `key_area "重点区域"`."""

    id: str
    label: str | None
    span: Span = _span()


@dataclass(frozen=True)
class FieldDecl:
    """`field new_jobs "新增就业人数" { type count  default 0  en "new employees" }`."""

    id: str
    label: str | None  # the Chinese label
    type: str | None  # one of FIELD_TYPES (None: not given, an error)
    unit: str | None  # `type area 平方米`, `type money 美元`: the unit of unit-less cells
    values: tuple[DeclaredValue, ...]  # a choice's or a set's values
    default: Expr | None  # None: no default, the field must be given by every project
    en: str | None
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    span: Span = _span()
    type_span: Span = _span()


@dataclass(frozen=True)
class CategoryDecl:
    """`category little_giant "专精特新“小巨人”企业"`: a new value of the built-in set `categories`."""

    id: str
    label: str | None
    en: str | None
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ChoiceDecl:
    """`choice referral social_org "社会组织"`: a new value of a choice field."""

    field: str
    value: str
    label: str | None
    en: str | None
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    span: Span = _span()

    @property
    def id(self) -> str:
        return f"{self.field}.{self.value}"


@dataclass(frozen=True)
class ListDecl:
    """`list excluded_industries "房地产、金融类" = {"房地产", "金融"}`: a named list of texts or values."""

    id: str
    label: str | None
    items: tuple[Name | Text, ...]
    en: str | None
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ConditionDecl:
    """`condition eligible "符合第二条规定的项目" { cite …  when … }`: one condition, used by name."""

    id: str
    label: str | None
    when: Expr | None
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    span: Span = _span()
