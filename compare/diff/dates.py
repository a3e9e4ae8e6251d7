"""The dates of a revision's two documents: as stated (issued, effective, expiry, or "not stated") and
the periods they are in force (dsl.timeline), with one sentence saying which is in force from when.

The two documents are read as a timeline of their own: where NEW revises or replaces OLD (`extends`
implies `revises`), OLD ends where NEW starts.  Documents of the city that are not in the diff are not
consulted, so an end they would set is not shown here (`policylab timeline CITY` shows the whole).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dsl.model import Policy
from dsl.textsafe import md_cell, md_code, printable
from dsl.timeline import Document, document_of, timelines

NOT_STATED = "not stated"
EXPIRY_KEYS = ("expires", "valid", "trial")


@dataclass(frozen=True)
class DocumentDates:
    """One document's dates, as stated and as in force."""

    policy: str
    city: str
    city_label: str | None
    status: str | None
    issued: date | None
    effective: str | None  # as stated: a date (ISO) or the text (自发布之日起实施); None where not stated
    expiry: str | None  # as stated: `expires 2025-12-31`, `valid 3年`, `trial 2年`; None where not stated
    start: date | None  # in force from (None: not stated)
    start_reason: str
    end: date | None  # in force until, exclusive (None: open)
    end_reason: str

    @property
    def last_day(self) -> date | None:
        """The last day in force (the day before `end`)."""
        return None if self.end is None else self.end - timedelta(days=1)

    def period(self) -> str:
        """`from 2017-01-01 (effective 2017-01-01) to 2019-12-31 (expires 2019-12-31)` in words."""
        since = f"from {self.start.isoformat()} ({self.start_reason})" if self.start is not None \
            else f"from a date not stated{_why(self.start_reason)}"
        until = f"to {self.last_day.isoformat()} ({self.end_reason})" if self.last_day is not None \
            else "with no end stated"
        if self.status == "draft":
            return "never (a draft)"
        return f"{since}, {until}"

    def stated(self) -> list[tuple[str, str]]:
        """(what, value) for issued, effective and expiry: the value as stated, or "not stated"."""
        return [("issued", self.issued.isoformat() if self.issued is not None else NOT_STATED),
                ("effective", self.effective if self.effective is not None else NOT_STATED),
                ("expiry", self.expiry if self.expiry is not None else NOT_STATED)]

    def to_json(self) -> dict[str, Any]:
        iso = (lambda d: None if d is None else d.isoformat())  # noqa: E731
        return {"policy": self.policy, "city": self.city, "status": self.status, "issued": iso(self.issued),
                "effective": self.effective, "expiry": self.expiry, "in_force_from": iso(self.start),
                "from_reason": self.start_reason, "in_force_until": iso(self.end), "last_day": iso(self.last_day),
                "until_reason": self.end_reason}


def _why(reason: str) -> str:
    return f" ({reason})" if reason and reason != NOT_STATED else ""


@dataclass(frozen=True)
class RevisionDates:
    old: DocumentDates
    new: DocumentDates
    in_force: str  # which is in force from when, one sentence

    def to_json(self) -> dict[str, Any]:
        return {"old": self.old.to_json(), "new": self.new.to_json(), "in_force": self.in_force}


def document_dates(policy: Policy, doc: Document) -> DocumentDates:
    """`doc`'s periods (dsl.timeline) beside what `policy`'s own header states (as dsl.timeline reads
    it: a revision states its own dates, not its base's)."""
    header = policy.files[-1].ast.header
    effective = header.get("effective")
    expiry = next((f"{k} {m.value}" for k in EXPIRY_KEYS if (m := header.get(k)) is not None), None)
    return DocumentDates(doc.policy, doc.city, doc.city_label, doc.status, doc.issued,
                         effective.value if effective is not None else None, expiry, doc.start,
                         doc.start_reason or NOT_STATED, doc.end, doc.end_reason or NOT_STATED)


def documents_of(policies: list[Policy]) -> dict[str, Document]:
    """Each policy's Document with its end as the other given documents set it (a revision ends its
    base), by policy id; the timeline's own diagnostics (two documents in force at once) are `check`'s."""
    docs = [document_of(p, p.path) for p in policies]
    lines, _diagnostics = timelines(docs)
    out = {d.policy: d for d in docs}
    for line in lines.values():
        out.update({d.policy: d for d in line.documents})
    return out


def revision_dates(old: Policy, new: Policy) -> RevisionDates:
    docs = documents_of([old, new])
    a, b = document_dates(old, docs[old.id]), document_dates(new, docs[new.id])
    return RevisionDates(a, b, succession(a, b))


def succession(a: DocumentDates, b: DocumentDates) -> str:
    """Which of OLD and NEW is in force from when, in one sentence, the earlier first."""
    if a.policy == b.policy:
        return f"{a.policy}: one document, in force {a.period()}"
    if a.city != b.city:
        return f"documents of two cities: {a.policy} in force {_short(a)}; {b.policy} {_short(b)}"
    drafts = [d for d in (a, b) if d.status == "draft"]
    if drafts:
        other = b if drafts[0] is a else a
        return f"{drafts[0].policy} is a draft, never in force; {other.policy} is in force {_short(other)}" \
            if len(drafts) == 1 else f"{a.policy} and {b.policy} are drafts, never in force"
    first, then = sorted((a, b), key=lambda d: (d.start is not None, d.start or date.min))  # stable: OLD first
    if then.start is not None and first.end == then.start:
        return f"{then.policy} is in force from {then.start.isoformat()} in place of {first.policy} " \
               f"(in force until {_day(first.last_day)})"
    if (then.start is None or first.end is None or then.start < first.end) and \
            (first.start is None or then.end is None or first.start < then.end):
        since = then.start.isoformat() if then.start is not None else "a date not stated"
        return f"both are in force from {since}: neither says it revises or replaces the other " \
               f"({first.policy} {_short(first)}; {then.policy} {_short(then)})"
    return f"{first.policy} is in force {_short(first)}; {then.policy} {_short(then)}"


def _day(d: date | None) -> str:
    return d.isoformat() if d is not None else "a date not stated"


def _short(d: DocumentDates) -> str:
    if d.status == "draft":
        return "never (a draft)"
    since = f"from {d.start.isoformat()}" if d.start is not None else "from a date not stated"
    return since + (f" to {d.last_day.isoformat()}" if d.last_day is not None else ", with no end stated")


def text_lines(rd: RevisionDates) -> list[str]:
    """The dates as a terminal block (texts printable)."""
    out = ["dates"]
    for side, d in (("old", rd.old), ("new", rd.new)):
        out.append(printable(f"  {side} {d.policy}: " + " · ".join(f"{k} {v}" for k, v in d.stated())))
        out.append(printable("      never in force (a draft)" if d.status == "draft" else f"      in force {d.period()}"))
    out.append(printable(f"  {rd.in_force}"))
    return out


def markdown_lines(rd: RevisionDates) -> list[str]:
    """The dates as a Markdown table and a sentence, every text escaped for Markdown (dsl.textsafe)."""
    out = ["| | document | issued | effective | expiry | in force |", "|---|---|---|---|---|---|"]
    for side, d in (("old", rd.old), ("new", rd.new)):
        cells = [md_cell(v) for _k, v in d.stated()]
        out.append(f"| {side} | {md_code(d.policy)} | {' | '.join(cells)} | {md_cell(d.period())} |")
    return [*out, "", f"In force: {md_cell(rd.in_force)}."]


__all__ = ["NOT_STATED", "DocumentDates", "RevisionDates", "document_dates", "documents_of", "revision_dates",
           "succession", "text_lines", "markdown_lines"]
