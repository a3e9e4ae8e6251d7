"""A condition of the rules in words, for the sentences of a structural diff (compare.diff.sentences).

    condition_words("referral == municipal_dept and registered_capital >= 500万美元", record)
    → ("引荐方为市级机关且注册资本不低于500万美元",
       "who referred the project is municipal department and registered capital at least 500万美元")

The shapes a condition mostly takes are read: a flag (外资项目), `not` a flag (增资扩产：否), a field
compared with a figure or a value, a category held (项目类别含外资总部), `and` / `or` of these, and a
reading's cases of them (按读法over_threshold：inclusive时注册资本不低于500万美元；strict时…).  Any
other shape (a reading's cases, a computed figure) gives None, and the sentence keeps the rule as written.
"""

from __future__ import annotations

from compare.diff.project_words import field_words, value_pair
from compare.diff.structural import text
from dsl import ast as A
from dsl.record import Record
from dsl.units import Dim

_OPS = {">=": ("不低于", "at least"), ">": ("高于", "more than"), "<=": ("不超过", "at most"),
        "<": ("低于", "less than"), "==": ("为", "is"), "!=": ("不为", "is not")}
_JOIN = {"and": ("且", " and "), "or": ("或", " or ")}


def _parsed(rule: str) -> A.Expr | None:
    """The condition as the parser reads it (a clause's `when`), or None where it does not parse."""
    from dsl.parse import parse_text  # the parser only where a condition changed

    source = f'policy condition_words {{}}\nclause c "c" {{\n  when {rule}\n  value 1元\n}}\n'
    ast, diagnostics = parse_text(source, "<condition>")
    if ast is None or diagnostics:
        return None
    clause = next((i for i in ast.items if isinstance(i, A.Clause)), None)
    return clause.when if clause is not None else None


def _words(e: A.Expr, rec: Record) -> tuple[str, str] | None:  # noqa: C901 (one case per shape)
    if isinstance(e, A.BoolLit):
        return ("不限", "no condition") if e.value else ("不适用", "never")
    if isinstance(e, A.ByReading):  # `by reading over_threshold { inclusive: …  strict: … }`
        cases = [(c.option, _words(c.value, rec)) for c in e.cases]
        if any(w is None for _, w in cases):
            return None
        return (f"按读法{e.reading}：" + "；".join(f"{o}时{w[0]}" for o, w in cases if w),
                f"by reading {e.reading}: " + "; ".join(f"{o}: {w[1]}" for o, w in cases if w))
    if isinstance(e, A.Name) and e.dotted in rec.fields and rec.fields[e.dotted].dim == Dim.BOOL:
        return field_words(rec, e.dotted)
    if isinstance(e, A.Unary) and e.op == "not" and isinstance(e.operand, A.Name) and e.operand.dotted in rec.fields:
        zh, en = field_words(rec, e.operand.dotted)
        return f"{zh}：否", f"not {en}"
    if isinstance(e, A.InSet) and isinstance(e.element, A.Name) and isinstance(e.container, A.Name) \
            and e.container.dotted in rec.fields:
        zh, en = field_words(rec, e.container.dotted)
        vz, ve = value_pair(rec, e.container.dotted, e.element.dotted)
        return (f"{zh}不含{vz}", f"{en} exclude {ve}") if e.negated else (f"{zh}含{vz}", f"{en} include {ve}")
    if isinstance(e, A.Binary) and e.op in _JOIN:
        left, right = _words(e.left, rec), _words(e.right, rec)
        if left is None or right is None:
            return None
        jz, je = _JOIN[e.op]
        return f"{left[0]}{jz}{right[0]}", f"{left[1]}{je}{right[1]}"
    if isinstance(e, A.Binary) and e.op in _OPS and isinstance(e.left, A.Name) and e.left.dotted in rec.fields:
        zh, en = field_words(rec, e.left.dotted)
        oz, oe = _OPS[e.op]
        if isinstance(e.right, A.Quantity):
            figure = text(e.right)
            return f"{zh}{oz}{figure}", f"{en} {oe} {figure}"
        if isinstance(e.right, A.Name) and e.op in ("==", "!="):
            vz, ve = value_pair(rec, e.left.dotted, e.right.dotted)
            return f"{zh}{oz}{vz}", f"{en} {oe} {ve}"
    return None


def condition_words(rule: str, rec: Record) -> tuple[str, str] | None:
    """A condition as written in the rules (`text` of its expression), in words; None where its shape is
    not one read here."""
    e = _parsed(rule)
    return None if e is None else _words(e, rec)
