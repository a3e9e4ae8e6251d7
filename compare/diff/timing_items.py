"""The structural diff of a clause's time statements (dsl.ast_time) and of the header entries that
date a document, in words a reader of the rules knows: `cumulative cap: 300万元 → 500万元`,
`schedule › year 2: 50% → 40%`, `once: — → once`, `replaces: zjg_2015 → zjg_2015, zjg_2016`.

A statement present on both sides is compared figure by figure (compare.diff.structural.diff_expr);
one added or removed is reported whole, old or new `—`."""

from __future__ import annotations

from collections.abc import Callable

from compare.diff.structural import text
from dsl import ast as A
from dsl.model import Policy

Emit = Callable[..., None]  # (where, old, new[, relative])
Expr = Callable[[str, object, object], None]  # (where, old expression, new expression)


def replaces_text(policy: Policy) -> str | None:
    """The documents the policy replaces (`replaces a, b`, one header entry each), as its header says
    them: the last file of an `extends` chain that names any (the merged `meta` keeps one entry a key)."""
    for info in reversed(policy.files):
        ids = [m.value for m in info.ast.header.meta if m.key == "replaces"]
        if ids:
            return ", ".join(ids)
    return None


def _share(e: A.Expr) -> str:
    """A share as the policy writes it: 1/3 (三分之一), 50%."""
    if isinstance(e, A.Binary) and e.op == "/" and all(isinstance(x, A.Quantity) and not x.unit
                                                        for x in (e.left, e.right)):
        return f"{text(e.left)}/{text(e.right)}"
    return text(e)


def _within(q: A.Quantity | None) -> str:
    return f" within {text(q)}" if q is not None else ""


def statement_text(word: str, t: A.Timing) -> str | None:
    """One statement as the policy writes it (`cumulative cap 300万元 within 3年`), None where absent."""
    if word == "cumulative cap" and t.cumulative_cap is not None:
        return f"cumulative cap {text(t.cumulative_cap.amount)}{_within(t.cumulative_cap.within)}"
    if word == "schedule" and t.schedule is not None:
        return "schedule " + ", ".join(_share(f) for f in t.schedule.factors)
    if word == "installments" and t.installments is not None:
        return "installments " + ", ".join(_share(s) for s in t.installments.shares)
    if word == "once" and t.once is not None:
        return "once"
    if word == "clawback" and t.clawback is not None:
        return f"clawback when {text(t.clawback.when)}{_within(t.clawback.within)}"
    if word == "budget" and t.budget is not None:
        return f"budget {text(t.budget.amount)}"
    if word == "winners" and t.winners is not None:
        by = f" by {text(t.winners.by)}" if t.winners.by is not None else ""
        return f"winners {text(t.winners.count)}{by}"
    return None


WORDS = ("cumulative cap", "schedule", "installments", "once", "clawback", "budget", "winners")


def timing_text(t: A.Timing | None) -> str:
    """A clause's time statements on one line (`cumulative cap 300万元; once`), "" where it has none."""
    return "; ".join(x for x in (statement_text(w, t) for w in WORDS) if x) if t is not None else ""


def diff_timing(a: A.Timing | None, b: A.Timing | None, emit: Emit, expr: Expr) -> None:
    """Each time statement of a clause: added, removed, or changed figure by figure."""
    ta, tb = a or A.NO_TIMING, b or A.NO_TIMING
    for word in WORDS:
        old, new = statement_text(word, ta), statement_text(word, tb)
        if old == new:
            continue
        if old is None or new is None:
            emit(word, old or "—", new or "—")
            continue
        if word == "cumulative cap":
            ca, cb = ta.cumulative_cap, tb.cumulative_cap
            assert ca is not None and cb is not None
            expr(word, ca.amount, cb.amount)
            _window(f"{word} › within", ca.within, cb.within, emit, expr)
        elif word in ("schedule", "installments"):
            xs = ta.schedule.factors if word == "schedule" else ta.installments.shares  # type: ignore[union-attr]
            ys = tb.schedule.factors if word == "schedule" else tb.installments.shares  # type: ignore[union-attr]
            if len(xs) != len(ys):  # a year added or dropped: the whole list, old and new
                emit(word, old.split(" ", 1)[1], new.split(" ", 1)[1])
                continue
            for i, (x, y) in enumerate(zip(xs, ys, strict=True), 1):
                expr(f"{word} › year {i}", x, y)
        elif word == "clawback":
            ka, kb = ta.clawback, tb.clawback
            assert ka is not None and kb is not None
            expr(f"{word} › when", ka.when, kb.when)
            _window(f"{word} › within", ka.within, kb.within, emit, expr)
        elif word == "budget":
            expr(word, ta.budget.amount, tb.budget.amount)  # type: ignore[union-attr]
        elif word == "winners":
            wa, wb = ta.winners, tb.winners
            assert wa is not None and wb is not None
            expr(word, wa.count, wb.count)
            if wa.by is None or wb.by is None:
                if wa.by != wb.by:
                    emit(f"{word} › by", text(wa.by) if wa.by else "—", text(wb.by) if wb.by else "—")
            else:
                expr(f"{word} › by", wa.by, wb.by)


def _window(where: str, a: A.Quantity | None, b: A.Quantity | None, emit: Emit, expr: Expr) -> None:
    if a is not None and b is not None:
        expr(where, a, b)
    elif a != b:
        emit(where, text(a) if a else "—", text(b) if b else "—")


def timing_note(policies: tuple[Policy, Policy], keys: tuple[str | None, str | None]) -> str | None:
    """For the semantic diff: the clauses of a concept (or of the clause a split shares out) whose time
    statements the proof does not cover; it compares one year of one project, as the single-year
    evaluator computes it."""
    timed: list[str] = []
    for policy, key in zip(policies, keys, strict=True):
        for cid, c in policy.clauses.items():
            if key is None or c.timing is None or c.concept is None:
                continue
            if key == c.concept.dotted or key.startswith(c.concept.dotted + "."):  # a split's share of it
                words = [w for w in WORDS if statement_text(w, c.timing) is not None]
                timed.append(f"{policy.id}'s `{cid}` ({', '.join(words)})")
    if not timed:
        return None
    return ("time statements not compared symbolically: " + "; ".join(dict.fromkeys(timed))
            + " — the proof is over one year of one project (compare the years with `simulate`)")
