"""The checked model: one policy with its `extends` chain merged, ready to compile.

Each item remembers the file it came from, so a diagnostic about an inherited clause
points into the base policy, and each file's source text checks its own quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dsl import ast as A
from dsl.taxonomy import Taxonomy
from dsl.units import Dim


@dataclass(frozen=True)
class Ty:
    """A value's type: its dimension, and whether it may be an interval (discretion)."""

    dim: Dim | None  # None: unknown (after an error) or anything (∞, promised)
    interval: bool = False

    def __str__(self) -> str:
        if self.dim is None:
            return "any"
        return f"{self.dim.value}{' range' if self.interval else ''}"


@dataclass
class PolicyFileInfo:
    path: Path
    text: str
    ast: A.PolicyFile
    source_path: Path | None = None  # its own `source`, or else the one its base policy quotes
    source_text: str | None = None
    # a revision with its own source may still quote the text it revises: its bases' sources
    base_sources: list[tuple[Path, str]] = field(default_factory=list)


@dataclass
class Policy:
    id: str
    files: list[PolicyFileInfo]  # base first, this policy last
    meta: dict[str, A.Meta]
    clauses: dict[str, A.Clause] = field(default_factory=dict)
    splits: dict[str, A.Split] = field(default_factory=dict)
    params: dict[str, A.Param] = field(default_factory=dict)
    mechanisms: dict[str, A.Mechanism] = field(default_factory=dict)
    readings: dict[str, A.Reading] = field(default_factory=dict)
    unencoded: list[A.Unencoded] = field(default_factory=list)
    origin: dict[str, PolicyFileInfo] = field(default_factory=dict)  # "kind:id" -> file
    types: dict[str, Ty] = field(default_factory=dict)  # clause id -> value type
    node_types: dict[int, Ty] = field(default_factory=dict)  # id(expression node) -> type, from the checker
    taxonomy: Taxonomy | None = None

    @property
    def city(self) -> str:
        m = self.meta.get("city")
        return m.value if m else self.id

    @property
    def city_label(self) -> str:
        m = self.meta.get("city")
        return (m.label or m.value) if m else self.id

    @property
    def path(self) -> Path:
        return self.files[-1].path

    def concept_of(self, clause_id: str) -> str | None:
        c = self.clauses.get(clause_id)
        return c.concept.dotted if c and c.concept else None
