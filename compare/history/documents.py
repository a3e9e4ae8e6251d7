"""The documents a history or a panel is made of: names on the command line to policy files, and the
checked policies to each city's timeline (dsl.timeline).

A name is what every command takes (dsl.in_force.name_of): a .policy file or a folder of them, a
policy id, or a city id (`zhangjiagang`: the city's documents in the first folder along the search path
that has any).  A document named on its own counts for its own period: the other documents of its city
in its folder are read for their dates only (zhangjiagang_base ends when zhangjiagang_2017 revises it),
and a date on which one of them is in force is not the named one's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsl.cache import check_paths_cached
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.in_force import UnknownNameError, city_files, name_of, search_folders
from dsl.load import Loader, policy_files
from dsl.model import Policy
from dsl.timeline import Timeline, document_of, timelines


class UnknownPolicyError(ValueError):
    """A name that is no policy file, folder, policy id or city; `hint` lists what there is."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


def known_cities(search: list[Path] | None) -> list[str]:
    """The city ids of the policies in the folders a city id is looked for in (for a hint)."""
    loader, found = Loader(search), set()
    for folder in search_folders(search):
        for path in sorted(folder.glob("*.policy")):
            ast, _text, _diags = loader.parse(path)
            city = ast.header.get("city") if ast is not None else None
            if city is not None:
                found.add(city.value)
    return sorted(found)


def city_of(name: str, search: list[Path] | None) -> str | None:
    """The city of the policy a name stands for (a file or a policy id), for a hint; None where none."""
    try:
        named = name_of(name, search)
    except UnknownNameError:
        return None
    if not named.explicit or not named.files:
        return None
    ast, _text, _diags = Loader(search).parse(named.files[0])
    city = ast.header.get("city") if ast is not None else None
    return city.value if city is not None else None


def unknown(name: str, search: list[Path] | None, message: str) -> UnknownPolicyError:
    cities = known_cities(search)
    return UnknownPolicyError(message, did_you_mean(name, cities) or (
        "cities: " + ", ".join(cities) if cities else "name a .policy file, a folder, a policy id or a city id"))


def resolve(names: Sequence[str], search: list[Path] | None) -> list[Path]:
    """The policy files the names stand for, each once, in the order named; UnknownPolicyError for a name that
    stands for none."""
    out: list[Path] = []
    for name in names:
        try:
            named = name_of(name, search)
        except UnknownNameError as e:
            raise unknown(name, search, str(e)) from None
        out += [f for f in policy_files(named.files) if f.resolve() not in {o.resolve() for o in out}]
    return out


@dataclass(frozen=True)
class Cities:
    """The cities of a run: each city's timeline (with the other documents of a city that say when a named
    one ended), and the checked policy of each document named."""

    timelines: dict[str, Timeline]
    policies: dict[str, Policy]  # policy id -> the checked policy (its `extends` chain merged), named only

    def label(self, city: str) -> str:
        docs = self.timelines[city].documents
        return next((d.city_label for d in docs if d.city_label), city)


def _siblings(chosen: Iterable[Policy], search: list[Path] | None, cache: bool) -> list[Policy]:
    """The other policies of each named policy's city in its own folder (for their dates only)."""
    named = {p.path.resolve() for p in chosen}
    files = [f for p in chosen for f in city_files(p.city, [p.path.parent]) if f.resolve() not in named
             and f.parent.resolve() == p.path.parent.resolve()]
    if not files:
        return []
    return check_paths_cached(list(dict.fromkeys(files)), search, cache).policies


def cities_of(policies: Iterable[Policy], files: Sequence[Path], search: list[Path] | None = None,
              cache: bool = True) -> tuple[Cities, list[Diagnostic]]:
    """The timelines of the checked policies that are among `files` (a check also gives the bases it
    read), and the timeline's diagnostics (two documents in force at once …)."""
    wanted = {f.resolve() for f in files}
    chosen = {p.id: p for p in policies if p.path.resolve() in wanted}
    others = [p for p in _siblings(chosen.values(), search, cache) if p.id not in chosen]
    lines, diags = timelines(document_of(p, p.path) for p in [*chosen.values(), *others])
    return Cities(lines, chosen), diags


__all__ = ["Cities", "UnknownPolicyError", "cities_of", "city_files", "city_of", "known_cities", "resolve"]
