"""Which documents a run uses: names on the command line (a file, a folder, a policy id, a city id)
and a date -> the checked policies, with a notice per city picked and a warning per document named
explicitly but used outside its period (dsl.timeline says when each is in force).

A city id or a folder picks, per city, the document in force on the date (else the city's latest
draft among those given, said so); a file or a policy id is used as named.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from dsl.cache import check_paths_cached
from dsl.diagnostics import Diagnostic
from dsl.files import POLICY, FileRefusedError, read_checked
from dsl.load import POLICY_SUFFIX, find_policy, policy_files
from dsl.model import CheckResult, Policy
from dsl.paths import search_dirs
from dsl.timeline import Document, Timeline, document_of, timelines

_CITY = re.compile(r"^\s*city\s+([A-Za-z_][A-Za-z0-9_]*)", re.M)


class UnknownNameError(Exception):
    """A name that is no file, folder, policy id or city: the message says what was looked for."""


@dataclass
class Named:
    """What one name on the command line stands for."""

    text: str
    files: list[Path]  # the policy files to check
    explicit: bool  # a file or a policy id: used as named; else a city or folder: picked by date
    city: str | None = None  # a city id


@dataclass
class Chosen:
    """The policies a run uses, in the order checked, and what to say about the choice."""

    policies: list[Policy]
    result: CheckResult
    notices: list[str] = field(default_factory=list)  # one line per city picked by date
    warnings: list[Diagnostic] = field(default_factory=list)  # W722: named explicitly, outside its period


def search_folders(search: list[Path] | None) -> list[Path]:
    """Where a city id is looked for, as a policy id is (dsl.load.find_policy): the current folder,
    ./policies, then the search path."""
    out: list[Path] = []
    for d in [Path("."), Path("policies"), *search_dirs(search)]:
        if d.is_dir() and d.resolve() not in {o.resolve() for o in out}:
            out.append(d)
    return out


def _header_city(path: Path) -> str | None:
    """The `city` the file's header names ("" where it names none: it may inherit one from its base)."""
    try:
        text = read_checked(path, POLICY).decode("utf-8", errors="replace")
    except (FileRefusedError, OSError):
        return None
    m = _CITY.search(text)
    return m.group(1) if m else ""


def _in_folder(city: str, folder: Path) -> list[Path]:
    """The policy files of `folder` whose header names `city`, and those naming no city (a revision may
    take its base's); none where no file names it."""
    named = {f: _header_city(f) for f in sorted(folder.glob(f"*{POLICY_SUFFIX}"))}
    return [f for f, c in named.items() if c in (city, "")] if any(c == city for c in named.values()) else []


def city_files(city: str, search: list[Path] | None) -> list[Path]:
    """The policy files of a city in the first folder along the search path that has any."""
    if not city.isidentifier():
        return []
    for folder in search_folders(search):
        files = _in_folder(city, folder)
        if files:
            return files
    return []


def _may_declare(policy_id: str, search: list[Path] | None) -> bool:
    """Whether some policy file along the search path may declare `policy_id` (a cheap look at the
    headers' text, so that a city id is not sought by parsing every file as a policy id)."""
    if not policy_id.isidentifier():
        return True  # find_policy says why it is none
    header = re.compile(rf"^\s*policy\s+{re.escape(policy_id)}\b", re.M)
    for folder in search_folders(search):
        for f in folder.glob(f"*{POLICY_SUFFIX}"):
            try:
                if header.search(read_checked(f, POLICY).decode("utf-8", errors="replace")):
                    return True
            except (FileRefusedError, OSError):
                continue
    return False


def name_of(text: str, search: list[Path] | None) -> Named:
    """A name on the command line: an existing file or folder, a policy id, else a city id."""
    p = Path(text)
    if p.exists():
        return Named(text, [p], explicit=p.is_file())
    if p.suffix != POLICY_SUFFIX:
        found = find_policy(text, search)[0] if _may_declare(text, search) else None
        if found is not None:
            return Named(text, [found], explicit=True)
        files = city_files(text, search)
        if files:
            return Named(text, files, explicit=False, city=text)
    raise UnknownNameError(f"no policy file, folder, policy id or city `{text}`")


def notice(tl: Timeline, doc: Document | None, as_of: dt.date, label: str) -> str:
    """`zhangjiagang: zhangjiagang_2017 (in force from 2017-01-01), as of 2017-06-01`."""
    day = as_of.isoformat()
    if doc is None:
        nxt = [d for d in tl.documents if not d.is_draft and d.start is not None and d.start > as_of]
        later = f" ({nxt[0].policy} takes effect on {nxt[0].start.isoformat()})" if nxt and nxt[0].start else ""
        return f"{tl.city}: no document of {label} in force as of {day}{later}: left out"
    if doc.is_draft:
        return f"{tl.city}: {doc.policy} (a draft: no document of {label} is in force), as of {day}"
    last = (doc.end - dt.timedelta(days=1)).isoformat() if doc.end else None
    if doc.start is not None:
        when = f"in force from {doc.start.isoformat()}" + (f" until {last}" if last else "")
    else:
        when = f"in force until {last}" if last else "no dates stated"
    return f"{tl.city}: {doc.policy} ({when}), as of {day}"


def outside_period(doc: Document, tl: Timeline, as_of: dt.date) -> str | None:
    """Why a document named explicitly is not in force on `as_of` (W722), None where it is."""
    day = as_of.isoformat()
    if doc.is_draft or doc.in_force(as_of):
        return None
    if doc.start is not None and as_of < doc.start:
        return f"{doc.policy} is used as of {day}, before it takes effect on {doc.start.isoformat()}"
    end = doc.end.isoformat() if doc.end else "?"
    by = tl.successor(doc)
    if by is not None and doc.end_reason.startswith(("revised", "replaced")):
        verb = "revised" if doc.end_reason.startswith("revised") else "replaced"
        return f"{doc.policy} is used as of {day}, after it was {verb} by {by.policy} on {end}"
    last = (doc.end - dt.timedelta(days=1)).isoformat() if doc.end else "?"
    return f"{doc.policy} is used as of {day}, past its expiry: its last day in force was {last} ({doc.end_reason})"


def _siblings(named: list[Named], result: CheckResult, search: list[Path] | None, cache: bool,
              docs: dict[str, Document]) -> list[Document]:
    """The other documents of the city of each policy named explicitly, from its own folder: they say
    when it ended (revised by …).  Only their dates are read; their own problems are their check's."""
    files: list[Path] = []
    for p in result.policies:
        if any(n.explicit and p.path.resolve() in {f.resolve() for f in n.files} for n in named):
            files += [f for f in _in_folder(p.city, p.path.parent) if f.resolve() != p.path.resolve()]
    if not files:
        return []
    others = check_paths_cached(list(dict.fromkeys(files)), search, cache).policies
    return [document_of(o, o.path) for o in others if o.id not in docs]


def choose(names: list[str], as_of: dt.date, search: list[Path] | None = None, cache: bool = True,
           pick: bool = True) -> Chosen:
    """Check what the names stand for and choose the documents to use as of `as_of`.
    `pick=False`: every policy of a folder (a policy's cases are tested whatever its dates).
    Raises UnknownNameError for a name that stands for nothing; the caller reports errors in `result`."""
    named = [name_of(n, search) for n in names]
    paths = list(dict.fromkeys(f for n in named for f in n.files))
    result = check_paths_cached(paths, search, cache)
    if any(d.is_error for d in result.diagnostics):
        return Chosen([], result)
    by_path = {p.path.resolve(): p for p in result.policies}
    docs = {p.id: document_of(p, p.path) for p in result.policies}
    lines, _ = timelines([*docs.values(), *_siblings(named, result, search, cache, docs)])
    chosen: dict[str, Policy] = {}
    out = Chosen([], result)
    for n in named:
        members = [by_path[f.resolve()] for f in (policy_files(n.files) if not n.explicit else n.files)
                   if f.resolve() in by_path]
        if n.city is not None:
            members = [p for p in members if p.city == n.city]
        if n.explicit or not pick:
            for p in members:
                chosen.setdefault(p.id, p)
                own = next(d for d in lines[p.city].documents if d.policy == p.id)  # with the end others set
                why = outside_period(own, lines[p.city], as_of) if n.explicit else None
                if why is not None:
                    out.warnings.append(Diagnostic("W722", why, own.header,
                                                   f"name the city ({p.city}) for the document in force then"))
            continue
        for city in dict.fromkeys(p.city for p in members):
            tl = Timeline(city, tuple(d for d in lines[city].documents if d.policy in {p.id for p in members}))
            label = next((p.city_label for p in members if p.city == city), city)
            now = sorted(tl.prevailing(as_of), key=lambda d: (d.start or dt.date.min, d.policy))
            picked: list[Document | None] = [*now] or [tl.draft()]
            for doc in picked:  # several only where undated: each used, as before dates
                out.notices.append(notice(tl, doc, as_of, label))
                if doc is not None:
                    chosen.setdefault(doc.policy, next(p for p in members if p.id == doc.policy))
    order = {p.id: i for i, p in enumerate(result.policies)}
    out.policies = sorted(chosen.values(), key=lambda p: order.get(p.id, 0))
    return out
