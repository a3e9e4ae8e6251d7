"""A city's documents over time: when each is in force, and which one is in force on a date.

A document is in force from its `effective` date (or, where the text says 自发布之日起, from `issued`;
else from `issued`; else since ever, as far as the record goes) until, exclusive, the earliest of:
the day after `expires`, the end of its `valid`/`trial` term, and the start of a document of the
same city that `replaces` or `revises` it (`extends` implies `revises`).  A draft is never in force.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.model import Policy
from dsl.units import split_quantity

_FROM_ISSUE = re.compile(r"(发布|印发|公布)之日")


@dataclass(frozen=True)
class Document:
    policy: str
    city: str
    city_label: str | None
    path: Path
    status: str | None
    title: str | None
    issued: dt.date | None  # as stated (None where not given or not a date)
    effective: dt.date | None  # as stated (None where given as a text)
    start: dt.date | None  # in force from (None: not stated)
    start_reason: str  # "effective 2017-01-01" / "issued 2023-09-28 (自发布之日起实施)"
    end: dt.date | None  # in force until, exclusive (None: open)
    end_reason: str  # "expires 2023-07-05" / "valid 3年" / "revised by zhangjiagang_2017"
    replaces: tuple[str, ...]
    revises: str | None
    header: A.Span = A.Span("", 0, 0, 0, 0)  # the policy header, where timeline errors point

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def in_force(self, d: dt.date) -> bool:
        """Whether the document is in force on `d` (a draft never is)."""
        if self.is_draft:
            return False
        return (self.start is None or self.start <= d) and (self.end is None or d < self.end)

    def period(self) -> str:
        """`2017-01-01 – 2019-12-31`, `… – open`: the days in force, for messages."""
        first = self.start.isoformat() if self.start else "not stated"
        last = (self.end - dt.timedelta(days=1)).isoformat() if self.end else "open"
        return f"{first} – {last}"


@dataclass(frozen=True)
class Timeline:
    city: str
    documents: tuple[Document, ...]  # ordered by start (None first), then policy id

    def as_of(self, d: dt.date) -> Document | None:
        """The document in force on `d` (drafts never); where several are (an error the check reports),
        the one no other of them replaces or revises, then the latest to start."""
        now = [doc for doc in self.documents if doc.in_force(d)]
        if not now:
            return None
        ended = {p for doc in now for p in (*doc.replaces, *([doc.revises] if doc.revises else []))}
        prevailing = [doc for doc in now if doc.policy not in ended] or now
        return max(prevailing, key=lambda doc: (doc.start or dt.date.min, doc.policy))

    def draft(self) -> Document | None:
        """The latest draft of the city, for a date on which nothing is in force."""
        drafts = [doc for doc in self.documents if doc.is_draft]
        return max(drafts, key=lambda doc: (doc.start or dt.date.min, doc.policy)) if drafts else None

    def successor(self, doc: Document) -> Document | None:
        """The document that ends `doc` by replacing or revising it (the earliest to start)."""
        after = [o for o in self.documents if doc.policy in o.replaces or o.revises == doc.policy]
        return min(after, key=lambda o: (o.start or dt.date.min, o.policy)) if after else None


def parse_as_of(text: str | dt.date) -> dt.date:
    """A date written YYYY-MM-DD; ValueError with a readable message otherwise."""
    if isinstance(text, dt.date):
        return text
    t = str(text).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        raise ValueError(f"`{text}` is not a date: write it YYYY-MM-DD, e.g. 2017-06-01")
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        raise ValueError(f"`{text}` is not a real date (YYYY-MM-DD, e.g. 2017-06-01)") from None


def add_years(d: dt.date, years: int) -> dt.date:
    """The same month and day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return dt.date(d.year + years, 3, 1)


def _date(m: A.Meta | None) -> dt.date | None:
    if m is None or not m.is_date:
        return None
    try:
        return dt.date.fromisoformat(m.value)
    except ValueError:
        return None  # E109, reported by the checker


def term_years(m: A.Meta) -> int | None:
    """`valid 3年` -> 3; None where it is not a whole, positive number of years (E221)."""
    try:
        number, scale, unit = split_quantity(m.value)
    except Exception:  # noqa: BLE001 - any text split_quantity cannot read is simply not a term
        return None
    if scale or unit != "年" or number != number.to_integral_value() or number <= 0:
        return None
    return int(number)


def _start(issued: dt.date | None, effective: dt.date | None, eff: A.Meta | None) -> tuple[dt.date | None, str]:
    if effective is not None:
        return effective, f"effective {effective.isoformat()}"
    if issued is not None and eff is not None and not eff.is_date and _FROM_ISSUE.search(eff.value):
        return issued, f"issued {issued.isoformat()} ({eff.value})"
    if issued is not None:
        return issued, (f"issued {issued.isoformat()} (from the date of issue; the text states no date of "
                        "entry into force)")
    return None, "not stated"


def _own_end(header: A.Header, start: dt.date | None) -> tuple[dt.date | None, str]:
    ends: list[tuple[dt.date, str]] = []
    expires = header.get("expires")
    last = _date(expires)
    if last is not None and expires is not None:
        ends.append((last + dt.timedelta(days=1), f"expires {expires.value}"))
    for key in ("valid", "trial"):
        m = header.get(key)
        n = term_years(m) if m is not None else None
        if m is not None and n is not None and start is not None:
            ends.append((add_years(start, n), f"{key} {m.value}"))
    if not ends:
        return None, "open"
    return min(ends, key=lambda e: e[0])


def document_of(policy: Policy, path: Path) -> Document:
    """The dates of a checked policy as a document of its city.  Its own header states its dates,
    status and the documents it replaces; the city may come from its base (`extends`)."""
    header = policy.files[-1].ast.header
    issued, effective = _date(header.get("issued")), _date(header.get("effective"))
    start, start_reason = _start(issued, effective, header.get("effective"))
    end, end_reason = _own_end(header, start)
    city = policy.meta.get("city")
    status, title = header.get("status"), header.get("title")
    revises = header.get("revises")
    return Document(
        policy=policy.id, city=policy.city, city_label=(city.label if city else None), path=path,
        status=status.value if status else None, title=title.value if title else None,
        issued=issued, effective=effective, start=start, start_reason=start_reason, end=end, end_reason=end_reason,
        replaces=tuple(m.value for m in header.meta if m.key == "replaces"),
        revises=revises.value if revises else header.extends, header=header.span)


def _ended_by(doc: Document, by: Document) -> Document:
    """`doc` ended at the start of `by`, which replaces or revises it (where that comes first)."""
    if by.start is None or (doc.end is not None and doc.end <= by.start):
        return doc
    verb = "replaced" if doc.policy in by.replaces else "revised"
    return replace(doc, end=by.start, end_reason=f"{verb} by {by.policy}")


def _overlap(a: Document, b: Document) -> dt.date | None:
    """The first day both are in force, None where their periods do not meet."""
    if a.is_draft or b.is_draft:
        return None
    first = max(a.start or dt.date.min, b.start or dt.date.min)
    last = min(a.end or dt.date.max, b.end or dt.date.max)
    return first if first < last else None


def _related(a: Document, b: Document) -> bool:
    return a.policy in b.replaces or b.policy in a.replaces or a.revises == b.policy or b.revises == a.policy


def timelines(docs: Iterable[Document]) -> tuple[dict[str, Timeline], list[Diagnostic]]:
    """Each city's documents in order, with the ends that other documents set; and the errors of the
    set: two documents of one city in force at once with no precedence stated (E222), a document
    ended before it starts (E224), one that replaces or revises a document of another city (W720)."""
    unique = {d.policy: d for d in docs}  # a policy named twice (a folder and its id) is one document
    diags: list[Diagnostic] = []
    by_city: dict[str, list[Document]] = {}
    for d in unique.values():
        by_city.setdefault(d.city, []).append(d)
    for doc in unique.values():
        for other in (*doc.replaces, *([doc.revises] if doc.revises else [])):
            o = unique.get(other)
            if o is not None and o.city != doc.city:
                diags.append(Diagnostic(
                    "W720", f"{doc.policy} {'replaces' if other in doc.replaces else 'revises'} {other}, a document of "
                    f"{o.city_label or o.city}, not of {doc.city_label or doc.city}: it does not end it", doc.header,
                    "a document ends only its own city's documents; check the id, or drop the entry"))
    out: dict[str, Timeline] = {}
    for city, members in by_city.items():
        ended: dict[str, Document] = {d.policy: d for d in members}
        for by in members:
            if by.is_draft:
                continue  # a draft ends nothing until it is adopted
            for other in (*by.replaces, *([by.revises] if by.revises else [])):
                if other in ended and other != by.policy:
                    ended[other] = _ended_by(ended[other], by)
        final = sorted(ended.values(), key=lambda d: (d.start is not None, d.start or dt.date.min, d.policy))
        for d in final:
            if d.start is not None and d.end is not None and d.end <= d.start and d.end_reason.startswith(
                    ("replaced", "revised")):
                ender = d.end_reason.split(" by ", 1)[1]
                diags.append(Diagnostic(
                    "E224", f"{ender} ends {d.policy} on {d.end.isoformat()}, before {d.policy} takes effect on "
                    f"{d.start.isoformat()}", unique[ender].header,
                    f"check the dates: {ender} must take effect after {d.policy} does"))
        for i, a in enumerate(final):
            for b in final[i + 1:]:
                day = _overlap(a, b)
                if day is None or _related(a, b):
                    continue
                later, earlier = (b, a) if (b.start or dt.date.min, b.policy) >= (a.start or dt.date.min, a.policy) \
                    else (a, b)
                since = day.isoformat() if day != dt.date.min else "the start of the record"
                diags.append(Diagnostic(
                    "E222", f"two documents of {later.city_label or city} in force at once from {since}: "
                    f"{earlier.policy} and {later.policy}", later.header,
                    f"say which prevails: `replaces {earlier.policy}` in {later.policy}'s header (…同时废止), "
                    f"or give {earlier.policy} an `expires` date"))
        out[city] = Timeline(city, tuple(final))
    return out, diags


def header_diagnostics(policy: Policy) -> list[Diagnostic]:
    """The errors of one document's own dates: a term not in whole years (E221), an expiry before the
    document takes effect (E220), a document that replaces or revises itself (E223)."""
    header = policy.files[-1].ast.header
    diags: list[Diagnostic] = []
    doc = document_of(policy, policy.path)
    for key in ("valid", "trial"):
        m = header.get(key)
        if m is not None and term_years(m) is None:
            diags.append(Diagnostic("E221", f"`{key} {m.value}` is not a term in whole years", _at(m),
                                    f"write the term in years, e.g. `{key} 3年` (有效期三年); a date goes in "
                                    "`expires 2026-12-31`"))
    expires = header.get("expires")
    last = _date(expires)
    if expires is not None and last is not None and doc.start is not None and last < doc.start:
        diags.append(Diagnostic("E220", f"the document expires on {last.isoformat()}, before it takes effect on "
                                f"{doc.start.isoformat()} ({doc.start_reason})", _at(expires),
                                "`expires` is the last day in force (有效期至…): check both dates"))
    for m in header.meta:
        if m.key in ("replaces", "revises") and m.value == header.id:
            diags.append(Diagnostic("E223", f"{header.id} {m.key} itself", _at(m),
                                    f"name the earlier document it {m.key}"))
    return diags


def _at(m: A.Meta) -> A.Span:
    return m.value_span if m.value_span.line else m.span


def expired_in_force(lines: dict[str, Timeline], as_of: dt.date) -> list[Diagnostic]:
    """W721: each document whose header says `status in_force` but which has ended by `as_of`."""
    out: list[Diagnostic] = []
    for tl in lines.values():
        for d in tl.documents:
            if d.status == "in_force" and d.end is not None and d.end <= as_of:
                last = (d.end - dt.timedelta(days=1)).isoformat()
                out.append(Diagnostic(
                    "W721", f"{d.policy} says it is in force, but it was in force until {last} ({d.end_reason}); "
                    f"as of {as_of.isoformat()} it is not", d.header,
                    "mark it `status superseded`, or correct its dates"))
    return out
