"""The checked model: one policy with its `extends` chain merged, ready to compile.

Each item remembers the file it came from, so a diagnostic about an inherited clause
points into the base policy, and each file's source text checks its own quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.record import CORE, Record
from dsl.taxonomy import Taxonomy
from dsl.units import Dim
from dsl.walk import walk


@dataclass(frozen=True)
class Ty:
    """A value's type: its dimension, and whether it may be an interval (discretion)."""

    dim: Dim | None  # None: unknown (after an error) or anything (∞, promised)
    interval: bool = False
    per: Dim | None = None  # a per-unit amount (30元/平方米): what it is paid per (AREA, COUNT)

    def __str__(self) -> str:
        if self.dim is None:
            return "any"
        per = f" per {self.per.value}" if self.per is not None else ""
        return f"{self.dim.value}{per}{' range' if self.interval else ''}"


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
    # the city's own record (dsl.record merges them with the built-in one) and its named conditions
    fields: dict[str, A.FieldDecl] = field(default_factory=dict)
    categories: dict[str, A.CategoryDecl] = field(default_factory=dict)
    choices: dict[str, A.ChoiceDecl] = field(default_factory=dict)  # "FIELD.VALUE" -> declaration
    lists: dict[str, A.ListDecl] = field(default_factory=dict)
    conditions: dict[str, A.ConditionDecl] = field(default_factory=dict)
    origin: dict[str, PolicyFileInfo] = field(default_factory=dict)  # "kind:id" -> file
    types: dict[str, Ty] = field(default_factory=dict)  # clause id -> value type
    node_types: dict[int, Ty] = field(default_factory=dict)  # id(expression node) -> type, from the checker
    taxonomy: Taxonomy | None = None
    record: Record = CORE  # the project record this policy reads: the core and its declarations

    @property
    def partial(self) -> str | None:
        """Where the source text breaks off, if the policy says it is incomplete."""
        m = self.meta.get("partial")
        return m.value if m else None

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

    # `node_types` is keyed by id(node), which means nothing in another process or after a copy: a
    # policy is pickled (dsl.cache) or copied with each type beside its node, and re-keyed when loaded.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        nodes = {id(n): n for info in self.files for n in walk(info.ast)}
        state["node_types"] = [(nodes[k], ty) for k, ty in self.node_types.items() if k in nodes]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        pairs = state["node_types"]
        self.__dict__.update(state)
        self.node_types = {id(n): ty for n, ty in pairs}


@dataclass
class CheckResult:
    """What dsl.check.check_paths gives (and dsl.cache keeps): the checked policies, every diagnostic
    of every file, and the policy texts read (path -> text, for rendering the diagnostics)."""

    policies: list[Policy]
    diagnostics: list[Diagnostic]
    texts: dict[str, str]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)
