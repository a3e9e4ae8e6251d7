"""Reforms: a policy changed by `--set PATH=VALUE`, a YAML file of such changes, a policy file that
`extends` it, or a transplant (compare.simulate.transplant); they stack in order.

A reform is written out as a revision (`policy NAME extends BASE { … }` with `override` items, each
changed figure marked `derived "reform NAME: PATH=VALUE"`) and checked like any policy file, so a unit
or currency error, a broken reference or a quote that no longer holds is reported as for a file the
researcher wrote; the revision can be kept (`policylab simulate --out DIR` writes it).  A draft
written for the researcher (`policylab reform`, `draft_changes`) goes further: its figures' quotes and
a copy of the base's text are revised with them (compare.simulate.requote), so they are not derived.
Sweeps change one figure many times: `substitute` swaps it in the checked model (types carried over),
which costs a compile (about 1 ms) instead of a check.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compare.simulate.figures import Figure, FigureError, Node, check_time_value, find_figure, parse_value
from compare.simulate.requote import Planned, Revision, revise
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


def planned_changes(policy: Policy, changes: Sequence[Change], reform: str) -> tuple[list[Planned], list[A.ListDecl]]:
    """Each figure change with its figure and new node (marked `derived "reform NAME: PATH=VALUE"`), and
    the named lists with their new items.  ReformError (E910) for a path or value that does not fit."""
    diags: list[Diagnostic] = []
    planned: list[Planned] = []
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
            planned.append(Planned(ch.path, fig, parse_value(ch.value, fig, f"reform {reform}: {ch.path}={ch.value}")))
        except FigureError as err:
            diags.append(set_error(ch, err, reform))
    if diags:
        raise ReformError(diags)
    return planned, list(lists.values())


def changed_items(policy: Policy, changes: Sequence[Change], reform: str) -> list[A.Item]:
    """The policy's items with the figures of `changes` replaced (each item once, all its changes in
    it), in the order of `changes`; a named list's items by its id.  ReformError (E910) for a path
    or value that does not fit."""
    planned, lists = planned_changes(policy, changes, reform)
    return _swapped(policy, planned, {}) + list(lists)


def _swapped(policy: Policy, planned: Sequence[Planned], cites: Mapping[str, tuple[A.Cite, ...]]) -> list[A.Item]:
    """The items of `planned` with their new nodes, and with `cites` where an item's quote was revised."""
    by_item: dict[str, dict[int, Node]] = {}
    for plan in planned:
        by_item.setdefault(plan.figure.item, {}).update({id(n): plan.new for n in plan.figure.nodes})
    out = []
    for key, nodes in by_item.items():
        item = swap(_item(policy, key), nodes)
        out.append(dataclasses.replace(item, cites=cites[key]) if key in cites else item)
    return out


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


# ---------------------------------------------------------------- a draft for the researcher


@dataclass
class Draft:
    """A reform written as a file (`policylab reform --set`): the checked revision and its text, and its
    own source text (the base's, its quoted sentences revised: compare.simulate.requote) if any was."""

    policy: Policy
    text: str
    source_name: str | None = None  # NAME.txt beside the draft, named by its `source`
    source_text: str | None = None
    warnings: list[str] = field(default_factory=list)


def draft_changes(policy: Policy, changes: Sequence[Change], name: str, folder: Path,
                  search: Sequence[Path]) -> Draft:
    """`policy` with `changes` as a checked revision `name` whose quotes state its figures: where a
    changed figure is written once in its quote, the quote and the base's text are revised and the
    figure is not `derived`; elsewhere it stays derived ("…; its quote still says 2%") and a warning
    says why.  The revised text is written to `folder/NAME.txt`, beside the revision."""
    planned, lists = planned_changes(policy, changes, name)
    rev: Revision = revise(policy, planned, {p.figure.item: _item(policy, p.figure.item) for p in planned})
    final = [dataclasses.replace(p, new=dataclasses.replace(
        p.new, derived=None if p.path in rev.quoted else f"{p.new.derived}; its quote still says {p.figure.text}"))
        for p in planned]
    listing = ", ".join(f"{c.path}={c.value}" for c in changes)
    note, source = f"reform {name}: {listing}", None
    if rev.source_text is not None and rev.source_path is not None:
        source = f"{name}.txt"
        note += f"; {source} is {rev.source_path.name} with {'、'.join(rev.articles)} revised"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / source).write_text(rev.source_text, encoding="utf-8")
    items = overrides([*_swapped(policy, final, rev.cites), *lists])
    text = revision_text(name, policy.id, items, note, source)
    return Draft(check_revision(text, folder, name, search), text, source, rev.source_text, rev.warnings)


MARK = "# Written by `policylab reform`"  # the first line of a draft it writes: a rerun may replace it
_MARK_SOURCE = re.compile(r"^# (\S+\.txt) sha256 ([0-9a-f]{64})$", re.M)


def draft_file_text(draft: Draft) -> str:
    """The draft as written to disk: a first line saying who wrote it and, where it has its own text,
    that text's name and digest (a rerun replaces the text only while it is as written)."""
    if draft.source_name is None or draft.source_text is None:
        return f"{MARK}: a rerun replaces this file.\n{draft.text}"
    digest = hashlib.sha256(draft.source_text.encode("utf-8")).hexdigest()
    return (f"{MARK}: a rerun replaces this file, and its text while that is as written:\n"
            f"# {draft.source_name} sha256 {digest}\n{draft.text}")


def not_replaceable(out: Path, draft: Draft) -> tuple[Path, str] | None:
    """The file a draft written to `out` would replace that `policylab reform` did not write (the draft,
    or its text beside it, edited or someone else's), and why; None when both may be written."""
    old = out.read_text(encoding="utf-8", errors="replace") if os.path.lexists(out) and out.is_file() else None
    if os.path.lexists(out) and (old is None or not out.is_file() or out.is_symlink()):
        return out, "is not a regular file"
    if old is not None and not old.startswith(MARK) and f'note "reform {draft.policy.id}:' not in old:
        return out, "exists and was not written by `policylab reform`"
    if draft.source_name is None or draft.source_text is None:
        return None
    text = out.parent / draft.source_name
    if not os.path.lexists(text):
        return None
    if text.is_symlink() or not text.is_file():
        return text, "is not a regular file"
    have = text.read_bytes()
    if have == draft.source_text.encode("utf-8"):
        return None
    head = "\n".join(old.split("\n", 2)[:2]) if old is not None and old.startswith(MARK) else ""
    mark = _MARK_SOURCE.search(head)
    if mark is not None and mark.group(1) == draft.source_name and mark.group(2) == hashlib.sha256(have).hexdigest():
        return None
    return text, f"exists and is not the text `policylab reform` wrote for {out.name}"


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
