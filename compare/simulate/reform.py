"""Reforms: a policy changed by `--set PATH=VALUE`, a YAML file of such changes, a policy file that
`extends` it, or a transplant (compare.simulate.transplant); they stack in order.

A reform is written out as a revision (`policy NAME extends BASE { … }` with `override` items, each
changed figure marked `derived "reform NAME: PATH=VALUE"`) and checked like any policy file, so a unit
or currency error, a broken reference or a quote that no longer holds is reported as for a file the
researcher wrote; the revision can be kept (`policylab simulate --out DIR` writes it).  Sweeps change
one figure many times: `substitute` swaps it in the checked model (types carried over), which costs a
compile (about 1 ms) instead of a check.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compare.simulate.figures import Figure, FigureError, Node, check_time_value, find_figure, parse_value
from compare.simulate.rewrite import swap
from dsl import ast as A
from dsl.cache import check_paths_cached
from dsl.diagnostics import Diagnostic
from dsl.format import format_ast
from dsl.model import Policy

NO_SPAN = A.NO_SPAN


@dataclass(frozen=True)
class Change:
    """One `PATH=VALUE`, and where it was written (a scenario key, a --set argument)."""

    path: str
    value: str | int | float
    where: A.Span = NO_SPAN


@dataclass(frozen=True)
class Transplant:
    donor: str  # a policy id (or reform name) of the run
    concepts: tuple[str, ...]
    where: A.Span = NO_SPAN


@dataclass(frozen=True)
class Reform:
    name: str
    base: str  # a policy id, or an earlier reform's name
    changes: tuple[Change, ...] = ()
    extends: Path | None = None
    transplant: Transplant | None = None
    where: A.Span = NO_SPAN


@dataclass
class ReformError(Exception):
    diagnostics: list[Diagnostic]
    texts: dict[str, str] = field(default_factory=dict)  # file -> text, to render the diagnostics

    def __str__(self) -> str:
        return "; ".join(f"{d.span}: {d.message}" + (f" ({d.hint})" if d.hint else "") for d in self.diagnostics)


def set_error(change: Change, err: FigureError, reform: str) -> Diagnostic:
    return Diagnostic("E910", f"reform `{reform}`: {err}", change.where, err.hint)


def list_items(policy: Policy, path: str, value: str | int | float) -> A.ListDecl:
    """A named list with new items (`房地产, 金融, 类金融`, separated by `,` `，` or `、`): texts for a list
    of texts, value names for a list of values.  FigureError where they do not fit."""
    decl = policy.lists[path]
    words = [w.strip().strip('"“”') for w in re.split(r"[,，、]", str(value))]
    words = [w for w in words if w]
    if not words:
        raise FigureError(f"list `{path}` would be empty", 'give its items: `房地产, 金融`')
    values = [x.dotted for x in decl.items if isinstance(x, A.Name)]
    if values and len(values) == len(decl.items):
        bad = [w for w in words if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", w)]
        if bad:
            raise FigureError(f"list `{path}` holds values (`{values[0]}`); `{bad[0]}` is not a value name",
                              "give value names, e.g. " + ", ".join(values[:2]))
        return dataclasses.replace(decl, items=tuple(A.Name(tuple(w.split("."))) for w in words))
    return dataclasses.replace(decl, items=tuple(A.Text(w) for w in words))


def changed_items(policy: Policy, changes: Sequence[Change], reform: str) -> list[A.Item]:
    """The policy's items with the figures of `changes` replaced (each item once, all its changes in
    it), in the order of `changes`; a named list's items by its id.  ReformError (E910) for a path
    or value that does not fit."""
    diags: list[Diagnostic] = []
    by_item: dict[str, dict[int, Node]] = {}
    lists: dict[str, A.ListDecl] = {}
    for ch in changes:
        if ch.path in policy.lists:
            try:
                lists[ch.path] = list_items(policy, ch.path, ch.value)
            except FigureError as err:
                diags.append(set_error(ch, err, reform))
            continue
        try:
            fig = find_figure(policy, ch.path)
            new = parse_value(ch.value, fig, f"reform {reform}: {ch.path}={ch.value}")
        except FigureError as err:
            diags.append(set_error(ch, err, reform))
            continue
        by_item.setdefault(fig.item, {}).update({id(n): new for n in fig.nodes})
    if diags:
        raise ReformError(diags)
    return [swap(_item(policy, key), nodes) for key, nodes in by_item.items()] + list(lists.values())


def _item(policy: Policy, key: str) -> Any:
    kind, ident = key.split(":", 1)
    tables: dict[str, dict[str, Any]] = {"clause": policy.clauses, "param": policy.params, "split": policy.splits}
    return tables[kind][ident]


def revision_text(name: str, base: str, items: Sequence[A.Item], note: str, source: str | None = None) -> str:
    """A revision `name` of policy `base` with `items` (overrides, removals, new items)."""
    meta = [A.Meta("status", "draft"), A.Meta("note", note)]
    if source is not None:
        meta.insert(0, A.Meta("source", source))
    return format_ast(A.PolicyFile(A.Header(name, base, tuple(meta)), tuple(items)))


def check_revision(text: str, folder: Path, name: str, search: Sequence[Path]) -> Policy:
    """Write the revision to `folder/NAME.policy` and check it (its base is found in `folder`, then
    `search`).  ReformError with every error of the file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.policy"
    path.write_text(text, encoding="utf-8")
    return check_file(path, search)


def check_file(path: Path, search: Sequence[Path]) -> Policy:
    """The checked policy of a file (its base found beside it, then along `search`); ReformError with
    every error of the file.  Not cached: a reform's file is rewritten by every run."""
    result = check_paths_cached([path], [path.parent, *search], cache=False)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors or not result.policies:
        raise ReformError(errors or [Diagnostic("E910", f"{path} did not check", NO_SPAN)], result.texts)
    return result.policies[0]


def overrides(items: Sequence[A.Item]) -> list[A.Item]:
    return [A.Override(it) for it in items]  # type: ignore[arg-type]


def apply_changes(policy: Policy, changes: Sequence[Change], name: str, folder: Path,
                  search: Sequence[Path]) -> tuple[Policy, str]:
    """`policy` with `changes`, as a checked revision `name`, and its text."""
    items = changed_items(policy, changes, name)
    listing = ", ".join(f"{c.path}={c.value}" for c in changes)
    text = revision_text(name, policy.id, overrides(items), f"reform {name}: {listing}")
    return check_revision(text, folder, name, search), text


# ---------------------------------------------------------------- sweeps: in memory


def substitute(policy: Policy, values: Mapping[str, Node], figures: Mapping[str, Figure] | None = None) -> Policy:
    """A copy of the checked `policy` with the figures at `values`' paths replaced by its nodes, the
    checker's types carried to the rebuilt nodes.  Only a figure's value changes (same dimension:
    parse_value checked it), so the copy is as checked as the original."""
    out = copy.copy(policy)
    out.clauses, out.params, out.splits = dict(policy.clauses), dict(policy.params), dict(policy.splits)
    out.node_types = dict(policy.node_types)
    by_item: dict[str, dict[int, Node]] = {}
    for path, node in values.items():
        fig = figures[path] if figures is not None else find_figure(policy, path)
        check_time_value(path, node)  # a sweep's point between two whole numbers of winners, say
        by_item.setdefault(fig.item, {}).update({id(n): node for n in fig.nodes})
    for key, nodes in by_item.items():
        rebuilt: list[tuple[Any, Any]] = []
        kind, ident = key.split(":", 1)
        tables: dict[str, dict[str, Any]] = {"clause": out.clauses, "param": out.params, "split": out.splits}
        table = tables[kind]
        table[ident] = swap(table[ident], nodes, rebuilt)
        for old, new in rebuilt:
            ty = policy.node_types.get(id(old))
            if ty is not None:
                out.node_types[id(new)] = ty
    return out
