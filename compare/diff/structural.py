"""Structural diff of two checked policies: what the text of the rules changed, figure by figure.

Items are matched by id, then (clauses) by concept and citations, never by position; `extends`
chains are merged first (dsl.load), so a revision diffs against the whole policy it revises.
Figures are compared as quantities (1亿美元 = 10000万美元), so a reformat or a rewrite of the
same figure gives no change; a changed figure reports its old and new value and the relative
change.  Where an expression's shape changed, the whole expression is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from dsl import ast as A
from dsl.format import Generator
from dsl.walk import children, walk

# the city's own record first (the names the rules read), then the rules
KINDS = ("field", "category", "choice", "list", "condition", "clause", "split", "param", "mechanism", "reading")


@dataclass(frozen=True)
class Change:
    """One difference.  `status`: added, removed, changed or renamed; `where`: the field inside the
    item (`value › [3000万美元, 1亿美元) › value`); `relative`: (new - old) / old for a figure."""

    kind: str  # clause, split, param, mechanism, reading, header, unencoded
    item: str
    status: str
    where: str = ""
    old: str | None = None
    new: str | None = None
    relative: float | None = None

    @property
    def is_figure(self) -> bool:
        return self.relative is not None


@dataclass
class StructuralDiff:
    old: str  # policy ids
    new: str
    changes: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


def text(e: object) -> str:
    """One line of policy text for an expression (the formatter's layout, whitespace folded)."""
    if e is None:
        return "—"
    if isinstance(e, A.Name):
        return e.dotted
    return " ".join(Generator([]).expr(e, 0).split())  # type: ignore[arg-type]


def _same_quantity(a: A.Quantity, b: A.Quantity) -> bool:
    """The same figure: 30元/平方米 is 20000元/亩 (a per-unit amount per base unit of what it is paid per)."""
    return a.dim == b.dim and a.per_dim == b.per_dim and a.base_value == b.base_value


def _relative(old: Decimal, new: Decimal) -> float | None:
    return float((new - old) / old) if old else None


# ---------------------------------------------------------------- expressions


def _row_label(r: A.TierRow) -> str:
    return f"{'[' if r.low_closed else '('}{text(r.low)}, {text(r.high)}{']' if r.high_closed else ')'}"


def diff_expr(where: str, a: A.Expr | None, b: A.Expr | None, emit: Callable[[str, str, str, float | None], None]) -> None:
    """Walk two expressions in parallel; emit (where, old, new, relative) for each difference.
    Iterative, so any depth the parser accepts is walked."""
    stack: list[tuple[str, object, object]] = [(where, a, b)]
    while stack:
        at, x, y = stack.pop()
        if x == y:
            continue
        if isinstance(x, A.Quantity) and isinstance(y, A.Quantity):
            if not _same_quantity(x, y):
                same_unit = x.dim == y.dim and x.per_dim == y.per_dim
                rel = _relative(x.base_value, y.base_value) if same_unit else None
                emit(at, text(x), text(y), rel if rel is not None else (0.0 if not same_unit else None))
            elif x.derived != y.derived:
                emit(at + " › derived", x.derived or "—", y.derived or "—", None)
            continue
        if isinstance(x, A.RatioLit) and isinstance(y, A.RatioLit):
            if len(x.parts) == len(y.parts) and all(p * y.parts[-1] == q * x.parts[-1] for p, q in zip(x.parts, y.parts, strict=True)):
                continue  # 3:7 and 30:70 are the same ratio
            rel = _relative(x.parts[0] / x.parts[-1], y.parts[0] / y.parts[-1]) if x.parts[-1] and y.parts[-1] else None
            emit(at, text(x), text(y), rel)
            continue
        if isinstance(x, A.Pick) and isinstance(y, A.Pick):
            stack.extend(reversed(list(_pick_pairs(at, x, y, emit))))
            continue
        if isinstance(x, A.SetLit) and isinstance(y, A.SetLit):
            _set_items(at, x, y, emit)
            continue
        if isinstance(x, A.Tiers) and isinstance(y, A.Tiers) and x.subject == y.subject and x.scale == y.scale:
            stack.extend(reversed(list(_tier_pairs(at, x, y, emit))))
            continue
        if isinstance(x, A.ByReading) and isinstance(y, A.ByReading) and x.reading == y.reading:
            new_cases = {c.option: c.value for c in y.cases}
            for c in x.cases:
                if c.option in new_cases:
                    stack.append((f"{at} › {c.option}", c.value, new_cases[c.option]))
                else:
                    emit(f"{at} › {c.option}", text(c.value), "—", None)
            for c in y.cases:
                if c.option not in {o.option for o in x.cases}:
                    emit(f"{at} › {c.option}", "—", text(c.value), None)
            continue
        op = _chain_op(x, y)
        if op is not None and isinstance(x, A.Expr) and isinstance(y, A.Expr):
            stack.extend(reversed(list(_operand_pairs(at, op, x, y, emit))))
            continue
        if _same_shape(x, y):
            kids = list(zip(children(x), children(y), strict=True))
            for i, (cx, cy) in reversed(list(enumerate(kids))):
                stack.append((f"{at} › {_part(x, i)}", cx, cy))
            continue
        emit(at, text(x), text(y), None)


def _operands(e: A.Expr, op: str) -> list[A.Expr]:
    """The terms of a chain of one operator, `a and b and c` → [a, b, c] (whatever the nesting)."""
    out: list[A.Expr] = []
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, A.Binary) and x.op == op:
            stack += [x.right, x.left]
        else:
            out.append(x)
    return out


def _key(e: A.Expr) -> tuple[object, ...]:
    """What a term is about: its kind, operator and the first name it reads (a changed figure keeps it)."""
    first = next((n.dotted for n in walk(e) if isinstance(n, A.Name)), None)
    return type(e).__name__, getattr(e, "op", None), first


def _chain_op(x: object, y: object) -> str | None:
    """`and` or `or` where both sides are chains of it, or one is and the other a single term (`a and b`
    → `a`: b removed); else None."""
    ops = [e.op for e in (x, y) if isinstance(e, A.Binary) and e.op in ("and", "or")]
    if not ops or (len(ops) == 2 and ops[0] != ops[1]):
        return None
    single = [e for e in (x, y) if not (isinstance(e, A.Binary) and e.op == ops[0])]
    return ops[0] if not single or single[0] is not None else None


def _operand_pairs(at: str, op: str, x: A.Expr, y: A.Expr, emit: Callable[[str, str, str, float | None], None]
                   ) -> Iterator[tuple[str, object, object]]:
    """The terms of `and` (`or`) chains matched as a set, not by position: `a and b` is `b and a`; a term
    only in one is removed or added; a term changed in place (the same kind of test of the same name, or
    the only one left on each side) is walked further."""
    label = "conjunct" if op == "and" else "alternative"
    olds, news = _operands(x, op), _operands(y, op)
    rest = list(news)
    left: list[A.Expr] = []
    for t in olds:
        if t in rest:
            rest.remove(t)
        else:
            left.append(t)
    paired: list[tuple[A.Expr, A.Expr]] = []
    for t in list(left):
        match = next((u for u in rest if _key(u) == _key(t)), None)
        if match is not None:
            paired.append((t, match))
            left.remove(t)
            rest.remove(match)
    if len(left) == len(rest) == 1:
        paired.append((left.pop(), rest.pop()))
    for t in left:
        emit(f"{at} › {label} removed", text(t), "—", None)
    for u in rest:
        emit(f"{at} › {label} added", "—", text(u), None)
    for t, u in paired:
        yield f"{at} › {label}", t, u


def _same_shape(x: object, y: object) -> bool:
    if type(x) is not type(y) or isinstance(x, (A.Name, A.Text, A.Promised, A.BoolLit, A.Infinity, A.DateLit)):
        return False
    if getattr(x, "op", None) != getattr(y, "op", None) or getattr(x, "func", None) != getattr(y, "func", None):
        return False
    if isinstance(x, A.InSet) and x.negated != y.negated:  # type: ignore[attr-defined]
        return False
    return len(children(x)) == len(children(y))


def _part(x: object, i: int) -> str:
    if isinstance(x, A.Binary):
        return ("left", "right")[i] if x.op not in ("of", "cap", "floor") else ("rate", "base")[i] if x.op == "of" \
            else ("amount", x.op)[i]
    if isinstance(x, A.Call):
        return f"{x.func}[{i + 1}]"
    if isinstance(x, A.IfExpr):
        return ("if", "then", "else")[i]
    if isinstance(x, A.Range):
        return ("low", "high")[i]
    return type(x).__name__.lower()


def _tier_pairs(at: str, x: A.Tiers, y: A.Tiers, emit: Callable[[str, str, str, float | None], None]
                ) -> Iterator[tuple[str, object, object]]:
    """Tier rows matched by position when the table keeps its size (edges compared as figures),
    otherwise by their edges: rows only in one table are added or removed."""
    if len(x.rows) == len(y.rows):
        for r, s in zip(x.rows, y.rows, strict=True):
            label = f"{at} › {_row_label(r)}"
            if (r.low_closed, r.high_closed) != (s.low_closed, s.high_closed):
                emit(f"{label} › edges", _row_label(r), _row_label(s), None)
            yield f"{label} › low", r.low, s.low
            yield f"{label} › high", r.high, s.high
            yield f"{label} › value", r.value, s.value
        return
    keyed: dict[str, A.TierRow | None] = {_row_label(s): s for s in y.rows}
    for r in x.rows:
        match = keyed.pop(_row_label(r), None)
        if match is None:
            emit(f"{at} › row {_row_label(r)}", f"{_row_label(r)} -> {text(r.value)}", "—", None)
        else:
            yield f"{at} › {_row_label(r)} › value", r.value, match.value
    for label, rest in keyed.items():
        if rest is not None:
            emit(f"{at} › row {label}", "—", f"{label} -> {text(rest.value)}", None)


# ---------------------------------------------------------------- pick tables and sets

PICK_RULES = {"highest": "highest", "lowest": "lowest", "first": "first", "most_specific": "most specific"}


def pick_row_label(r: A.PickRow) -> str:
    """`when manufacturing and zone == key_area`, or `otherwise`: how a row of a pick table is named."""
    return "otherwise" if r.cond is None else f"when {text(r.cond)}"


def _pick_pairs(at: str, x: A.Pick, y: A.Pick, emit: Callable[[str, str, str, float | None], None]
                ) -> Iterator[tuple[str, object, object]]:
    """A pick table's rows matched by their condition (the text of the rules, not the rows' order): a row
    only in one table is added or removed; a row kept has its value walked; a row whose condition was
    rewritten keeps its value (or is the only one left each side) and has its condition walked.  The
    rule for overlaps and the rows' order (which `first` and equal `most specific` rows depend on) are
    reported when they change."""
    if x.rule != y.rule:
        emit(f"{at} › pick rule", PICK_RULES.get(x.rule, x.rule), PICK_RULES.get(y.rule, y.rule), None)
    rest = list(y.rows)
    left: list[A.PickRow] = []
    paired: list[tuple[A.PickRow, A.PickRow]] = []
    for r in x.rows:
        match = next((s for s in rest if s.cond == r.cond), None)
        if match is None:
            left.append(r)
        else:
            rest.remove(match)
            paired.append((r, match))
    for r in list(left):  # a condition rewritten, the value kept
        match = next((s for s in rest if s.value == r.value and (s.cond is None) == (r.cond is None)), None)
        if match is not None:
            left.remove(r)
            rest.remove(match)
            paired.append((r, match))
    if len(left) == len(rest) == 1 and (left[0].cond is None) == (rest[0].cond is None):
        paired.append((left.pop(), rest.pop()))
    for r in left:
        emit(f"{at} › row removed", f"{pick_row_label(r)} -> {text(r.value)}", "—", None)
    for s in rest:
        emit(f"{at} › row added", "—", f"{pick_row_label(s)} -> {text(s.value)}", None)
    kept = [(r, s) for r, s in paired if r.cond == s.cond]
    if x.rule in ("first", "most_specific") and x.rule == y.rule:
        order_old = [pick_row_label(r) for r in x.rows if any(r is a for a, _ in kept)]
        order_new = [pick_row_label(s) for s in y.rows if any(s is b for _, b in kept)]
        if order_old != order_new:
            emit(f"{at} › row order", "; ".join(order_old), "; ".join(order_new), None)
    for r, s in paired:
        row = f"{at} › {pick_row_label(r)}"
        if r.cond != s.cond:
            yield f"{row} › condition", r.cond, s.cond
        yield f"{row} › value", r.value, s.value


def set_item_text(n: A.Name | A.Text) -> str:
    return n.dotted if isinstance(n, A.Name) else text(n)


def _set_items(at: str, x: A.SetLit, y: A.SetLit, emit: Callable[[str, str, str, float | None], None]) -> None:
    """Two sets compared as sets (`{"房地产", "金融"}` is `{"金融", "房地产"}`): each item added or removed."""
    olds, news = [set_item_text(n) for n in x.items], [set_item_text(n) for n in y.items]
    for t in olds:
        if t not in news:
            emit(f"{at} › item removed", t, "—", None)
    for t in news:
        if t not in olds:
            emit(f"{at} › item added", "—", t, None)
