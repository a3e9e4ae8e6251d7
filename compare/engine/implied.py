"""Inputs a record implies: where a field is not given, the value the fields it gives imply.

A project that has started construction (开工) holds a business licence, so a record with
`started: true` and no `licensed` is not a project without a licence: evaluating it with the
schema's default (`licensed: false`) gave it nothing under readings that require landing.  Each rule
below is one the texts (or the law they rest on) imply; a rule's premise reads only fields the record
gave, so rules do not chain, and a value the record gave always wins over a rule: where it contradicts
one (`started: true, licensed: false`) the given value is used and the reader warns at the row and
field (the rule's code).

Rules (docs/data.md, "Implied inputs", gives the reasoning at length):

| rule | implies | code | why |
|---|---|---|---|
| `started` | `licensed = true` | W802 | 开工 needs the firm to exist: a business licence first (张家港 第5条/第12条 take 领取工商营业执照 as 落地; 第12条 lists 开工后 under 引进落地重大项目) |
| `expansion` | `licensed = true` | W802 | 增资扩产 is by a settled firm (已落户企业, 嘉兴 三(二)), which holds its licence |
| `fdi_arrived > 0` | `foreign = true` | W803 | foreign capital paid into a project makes it foreign-invested (外商投资法 第2条); the texts pay on 外资到账 of 外资项目 (张家港 第12条, 第13条; 无锡 (16)) |
| `foreign_hq in categories` | `foreign = true` | W803 | 外资总部企业 (张家港 第12条) is foreign by name |
| `foreign_rnd_center in categories` | `foreign = true` | W803 | 外资研发中心 (嘉兴 三(二)) is foreign by name |
| `paid_in_capital`, `registered_capital` | `paid_in_ratio = paid_in_capital / registered_capital` | W804 | the ratio is the share of registered capital paid in (dsl.schema: paid_in_capital defaults to registered_capital × paid_in_ratio); only where both are in one currency and paid-in is at most registered |

`W804` also flags `paid_in_capital` above `registered_capital` (same currency): 实缴 is at most 认缴.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Columns = dict[str, np.ndarray]


def _given(cols: Columns, name: str, n: int) -> np.ndarray:
    col = cols.get(f"{name}#given")
    return np.ones(n, dtype=bool) if col is None else np.asarray(col, dtype=bool)


def _flag(name: str) -> Callable[[Columns, int], np.ndarray]:
    return lambda cols, n: _given(cols, name, n) & np.asarray(cols[name], dtype=bool)


def _category(category: str) -> Callable[[Columns, int], np.ndarray]:
    return lambda cols, n: _given(cols, "categories", n) & np.asarray(cols[f"categories.{category}"], dtype=bool)


def _positive(name: str) -> Callable[[Columns, int], np.ndarray]:
    return lambda cols, n: _given(cols, name, n) & (np.asarray(cols[name], dtype=np.float64) > 0)


def _paid_in_within(cols: Columns, n: int) -> np.ndarray:
    """Paid-in and registered capital both given, in one currency, registered above 0 and paid-in at
    most registered: the ratio is defined and in [0, 1]."""
    both = _given(cols, "paid_in_capital", n) & _given(cols, "registered_capital", n)
    same = np.asarray(cols["paid_in_capital#cur"]) == np.asarray(cols["registered_capital#cur"])
    paid, registered = (np.rint(np.asarray(cols[f], dtype=np.float64) * 100.0)
                        for f in ("paid_in_capital", "registered_capital"))
    return both & same & (registered > 0) & (paid <= registered)


def _paid_in_above(cols: Columns, n: int) -> np.ndarray:
    both = _given(cols, "paid_in_capital", n) & _given(cols, "registered_capital", n)
    same = np.asarray(cols["paid_in_capital#cur"]) == np.asarray(cols["registered_capital#cur"])
    paid, registered = (np.rint(np.asarray(cols[f], dtype=np.float64) * 100.0)
                        for f in ("paid_in_capital", "registered_capital"))
    return both & same & (paid > registered)


def _ratio(cols: Columns) -> np.ndarray:
    """paid-in / registered, from whole fen (the nearest double to the exact quotient)."""
    paid, registered = (np.rint(np.asarray(cols[f], dtype=np.float64) * 100.0)
                        for f in ("paid_in_capital", "registered_capital"))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(registered > 0, paid / np.where(registered > 0, registered, 1.0), 0.0)


@dataclass(frozen=True)
class Rule:
    """Where `premise` holds (on given fields) and `target` is not given, `target` takes `value` (or
    `compute`'s column); where the record gives `target` and it differs, warning `code`."""

    by: str  # how an output names the rule: "licensed=true (implied by started)"
    target: str
    premise: Callable[[Columns, int], np.ndarray]
    code: str
    article: str
    value: bool | None = None  # a flag's implied value; None: `compute`
    compute: Callable[[Columns], np.ndarray] | None = None

    def implied_values(self, cols: Columns, n: int) -> np.ndarray:
        if self.compute is not None:
            return self.compute(cols)
        return np.full(n, self.value)

    def contradicted(self, cols: Columns, n: int) -> np.ndarray:
        """Where the record gives the premise and a `target` other than the implied value."""
        if self.compute is not None:  # the ratio: a given ratio may be the first instalment's (首期)
            return np.zeros(n, dtype=bool)
        return self.premise(cols, n) & _given(cols, self.target, n) & \
            (np.asarray(cols[self.target], dtype=bool) != bool(self.value))


RULES: tuple[Rule, ...] = (
    Rule("started", "licensed", _flag("started"), "W802", "张家港 第5条、第12条 (开工; 领取工商营业执照)", True),
    Rule("expansion", "licensed", _flag("expansion"), "W802", "嘉兴 三(二) (已落户企业增资扩产)", True),
    Rule("fdi_arrived > 0", "foreign", _positive("fdi_arrived"), "W803",
         "张家港 第12条、第13条, 无锡 (16) (外资到账); 外商投资法 第2条", True),
    Rule("foreign_hq in categories", "foreign", _category("foreign_hq"), "W803", "张家港 第12条 (外资总部企业)", True),
    Rule("foreign_rnd_center in categories", "foreign", _category("foreign_rnd_center"), "W803", "嘉兴 三(二) (外资研发中心)", True),
    Rule("paid_in_capital / registered_capital", "paid_in_ratio", _paid_in_within, "W804",
         "dsl.schema (paid_in_capital = registered_capital × paid_in_ratio)", compute=_ratio),
)
TARGETS: tuple[str, ...] = tuple(dict.fromkeys(r.target for r in RULES))
NONE = -1  # in a `FIELD#implied` column: no rule implied the field


def imply(cols: Columns, n: int) -> Columns:
    """The columns with every rule applied where its target is not given: each target's column takes the
    implied values, and `TARGET#implied` (int8) the index in RULES of the rule that implied it there
    (NONE elsewhere; the first rule that holds wins).  `#given` columns are left as they were."""
    out = dict(cols)
    for target in TARGETS:
        given = _given(cols, target, n)
        which = np.full(n, NONE, dtype=np.int8)
        value = None
        for k, rule in enumerate(RULES):
            if rule.target != target:
                continue
            here = rule.premise(cols, n) & ~given & (which == NONE)
            if here.any():
                value = np.array(cols[target], copy=True) if value is None else value
                value[here] = rule.implied_values(cols, n)[here]
                which[here] = k
        if value is not None:
            out[target] = value
        out[f"{target}#implied"] = which
    return out


@dataclass(frozen=True)
class Contradiction:
    """Rows where a record contradicts a rule: the field to point at and the message's parts."""

    code: str
    field: str  # the field the warning points at
    rows: np.ndarray  # row indices
    message: str
    hint: str


def contradictions(cols: Columns, n: int) -> list[Contradiction]:
    """Every rule's contradicted rows, and paid-in capital above registered capital (W804)."""
    found: list[Contradiction] = []
    for rule in RULES:
        rows = np.flatnonzero(rule.contradicted(cols, n))
        if rows.size:
            shown = "true" if rule.value else "false"
            found.append(Contradiction(
                rule.code, rule.target, rows,
                f"`{rule.target}` is {'false' if rule.value else 'true'}, but the record gives `{rule.by}`, which "
                f"implies `{rule.target}` = {shown} ({rule.article})",
                f"the given value is used; correct `{rule.target}` or `{rule.by.split(' ')[0]}` if it is wrong"))
    rows = np.flatnonzero(_paid_in_above(cols, n))
    if rows.size:
        found.append(Contradiction(
            "W804", "paid_in_capital", rows,
            "`paid_in_capital` is above `registered_capital` (实缴 is at most 注册资本)",
            "the given values are used; check both amounts and their units"))
    return found


def implied_by(index: int) -> str:
    return RULES[index].by


__all__ = ["NONE", "RULES", "TARGETS", "Contradiction", "Rule", "contradictions", "imply", "implied_by"]
