"""The documents a history or a panel is made of: names on the command line to policy files, and the
checked policies to each city's timeline (dsl.timeline).

A name is a .policy file or a folder of them, a policy id (`zhangjiagang_2017`) found as other
commands find one (the current folder, `policies/`, the search path), or a city id (`zhangjiagang`):
every document whose header says `city zhangjiagang`, in `policies/` and along the search path
(--policies, $POLICYLAB_PATH, the bundled policies), the first file of each policy id only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsl.diagnostics import Diagnostic
from dsl.load import Loader, find_policy, policy_files
from dsl.model import Policy
from dsl.paths import probe, search_dirs
from dsl.timeline import Timeline, document_of, timelines


class UnknownName(ValueError):
    """A name that is no policy file, folder, policy id or city; `hint` lists what there is."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


def _folders(search: list[Path] | None) -> list[Path]:
    out: list[Path] = []
    for folder in [Path("policies"), *search_dirs(search)]:
        if folder.is_dir() and folder.resolve() not in {f.resolve() for f in out}:
            out.append(folder)
    return out


def _headers(search: list[Path] | None) -> list[tuple[Path, str, str]]:
    """(file, policy id, city id) of every policy in `policies/` and along the search path, the first
    file of each policy id."""
    loader, seen, out = Loader(search), set(), []
    for folder in _folders(search):
        for path in policy_files([folder]):
            ast, _text, _diags = loader.parse(path)
            if ast is None or ast.header.id in seen:
                continue
            seen.add(ast.header.id)
            city = ast.header.get("city")
            out.append((path, ast.header.id, city.value if city is not None else ast.header.id))
    return out


def known_cities(search: list[Path] | None) -> list[str]:
    return sorted({city for _, _, city in _headers(search)})


def city_files(city: str, search: list[Path] | None) -> list[Path]:
    """Every document of `city` along the search path (none: an empty list)."""
    return [path for path, _, c in _headers(search) if c == city]


def resolve(names: Sequence[str], search: list[Path] | None) -> list[Path]:
    """The policy files the names stand for, each once, in the order named; UnknownName for a name that is
    none of a file, a folder, a policy id or a city."""
    out: list[Path] = []
    for name in names:
        as_path = Path(name)
        if probe(as_path) in ("file", "dir"):
            found = policy_files([as_path])
        else:
            path, _hint = find_policy(name, search) if as_path.suffix != ".policy" else (None, "")
            found = [path] if path is not None else city_files(name, search)
        if not found:
            from dsl.diagnostics import did_you_mean

            cities = known_cities(search)
            kind = "file" if as_path.suffix == ".policy" or "/" in name else "policy, city or folder"
            raise UnknownName(f"no {kind} `{name}`",
                             did_you_mean(name, cities) or ("cities: " + ", ".join(cities) if cities else
                                                            "name a .policy file, a folder, a policy id or a city id"))
        out += [f for f in found if f.resolve() not in {o.resolve() for o in out}]
    return out


@dataclass(frozen=True)
class Cities:
    """The cities of a run: each city's timeline, and the checked policy of each of its documents."""

    timelines: dict[str, Timeline]
    policies: dict[str, Policy]  # policy id -> the checked policy (its `extends` chain merged)

    def label(self, city: str) -> str:
        docs = self.timelines[city].documents
        return next((d.city_label for d in docs if d.city_label), city)


def cities_of(policies: Iterable[Policy], files: Sequence[Path]) -> tuple[Cities, list[Diagnostic]]:
    """The timelines of the checked policies that are among `files` (a check also gives the bases it
    read), and the timeline's diagnostics (two documents in force at once …)."""
    wanted = {f.resolve() for f in files}
    chosen = {p.id: p for p in policies if p.path.resolve() in wanted}
    lines, diags = timelines(document_of(p, p.path) for p in chosen.values())
    return Cities(lines, chosen), diags


__all__ = ["Cities", "UnknownName", "cities_of", "city_files", "known_cities", "resolve"]
