"""The per-policy columns of an outcome table that are computed rather than copied, column-wise over a
slice of projects: each outcome's state (as `Outcomes.state`), the inputs assumed (as
compare.engine.assumed.assumed_row, written `licensed=false;fdi_arrived=0`) and the reading-sensitive
outcomes (as compare.engine.sensitivity.sensitive_row, written
`points.host_district: tier_edges=upper_closed → 2`).  Repeated texts are made once and taken.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data.table_text import concat_text, number_text, repeat_text, strings
from compare.engine.assumed import default_text
from compare.engine.evaluate import ABSENT, FIGURE, NOT_ELIGIBLE, PROMISED, STATES, ZERO, Outcomes
from compare.engine.implied import NONE, RULES

STATE_CODE = {s: np.int8(i) for i, s in enumerate(STATES)}
STATE_NAMES = strings(list(STATES))
# how an alternative outcome reads in `sensitive` where it is not a figure
_STATE_WORDS = strings([{NOT_ELIGIBLE: "not eligible", PROMISED: "promised, no figure", ABSENT: "absent"}.get(s)
                        for s in STATES])
Rows = slice | np.ndarray


def state_codes(out: Outcomes, concept: str, rows: Rows) -> np.ndarray:
    """Outcomes.state for the projects `rows`, as indices into STATES (int8), column-wise."""
    n = len(out.ids)
    count = len(range(n)[rows]) if isinstance(rows, slice) else len(rows)
    if concept in out.boolean:
        v = np.asarray(out.boolean[concept])[rows]
        code = np.where(v, STATE_CODE[FIGURE], STATE_CODE[ZERO])
    elif concept in out.numeric:
        lo, hi = (np.asarray(a)[rows] for a in out.numeric[concept])
        pair = np.where((lo == 0) & (hi == np.inf), STATE_CODE[PROMISED], STATE_CODE[FIGURE])
        code = np.where(lo != hi, pair, np.where(lo != 0, STATE_CODE[FIGURE], STATE_CODE[ZERO]))
    else:
        return np.full(count, STATE_CODE[ABSENT], dtype=np.int8)
    if concept in out.eligible:
        code = np.where(np.asarray(out.eligible[concept])[rows], code, STATE_CODE[NOT_ELIGIBLE])
    return np.ascontiguousarray(np.broadcast_to(code, (count,)), dtype=np.int8)


def field_text(masks: dict[str, np.ndarray], rows: Rows, count: int, render: Callable[[list[str]], str]) -> pa.Array:
    """Per project, `render` of the fields whose mask holds there (in the masks' order): the distinct
    combinations are few, so each is rendered once and taken."""
    names = list(masks)
    if not names:
        return repeat_text(render([]), count)
    code = np.zeros(count, dtype=np.int64)
    for bit, name in enumerate(names):
        code |= np.asarray(masks[name])[rows].astype(np.int64) << bit
    distinct, index = np.unique(code, return_inverse=True)
    texts = [render([n for b, n in enumerate(names) if int(d) >> b & 1]) for d in distinct.tolist()]
    return strings(texts).take(pa.array(index.astype(np.int32)))


def _input(field: str) -> str:
    """`licensed=false`; a field a rule implied is named `FIELD@RULE` (with_rules):
    `licensed=true (implied by started)`, `paid_in_ratio=paid_in_capital / registered_capital (implied)`."""
    name, _, rule = field.partition("@")
    if not rule:
        return f"{name}={default_text(name)}"
    r = RULES[int(rule)]
    if r.compute is not None:  # a value computed per project: named by its rule
        return f"{name}={r.by} (implied)"
    return f"{name}={'true' if r.value else 'false'} (implied by {r.by})"


def assumed_text(fields: list[str]) -> str:
    return ";".join(_input(f) for f in fields)


def with_rules(out: Outcomes, masks: dict[str, np.ndarray], rows: Rows = slice(None)) -> dict[str, np.ndarray]:
    """`masks` (field -> where it was assumed) at the projects `rows`, with each field a rule implied
    somewhere among them split into `FIELD` (the default) and `FIELD@RULE` (implied by RULE, an index
    into RULES).  Only the rows asked for are read: a slice of a table costs its own length."""
    split: dict[str, np.ndarray] = {}
    for name, full in masks.items():
        mask = np.asarray(full)[rows]
        entry = (out.implied or {}).get(name)
        if entry is None:
            split[name] = mask
            continue
        which = np.asarray(entry[0])[rows]
        split[name] = mask & (which == NONE)
        for k in np.unique(which[which != NONE]).tolist():
            split[f"{name}@{k}"] = mask & (which == k)
    return split


def assumed_column(out: Outcomes, rows: Rows, count: int) -> pa.Array:
    """The `assumed` column: per project, the fields an outcome read that the record did not give, with
    the default they took or the rule that implied them (compare.engine.assumed.assumed_row)."""
    return field_text(with_rules(out, out.assumed or {}, rows), slice(None), count, assumed_text)


def _reads(fields: list[str]) -> str:
    return f" (which reads {', '.join(_input(f) for f in fields)}, not given)" if fields else ""


def value_text(out: Outcomes, concept: str, rows: np.ndarray) -> pa.Array:
    """Outcome values as short texts: 2, 0~490000, 0~∞, true; not eligible, promised, no figure, absent."""
    words = _STATE_WORDS.take(pa.array(state_codes(out, concept, rows)))
    if concept in out.boolean:
        text = pc.if_else(pa.array(np.asarray(out.boolean[concept])[rows]), "true", "false")
    elif concept in out.numeric:
        lo, hi = (np.asarray(a)[rows] for a in out.numeric[concept])
        lo_t, hi_t = pc.fill_null(number_text(lo), "-∞"), pc.fill_null(number_text(hi), "∞")
        text = pc.if_else(pa.array(lo == hi), lo_t, concat_text([lo_t, repeat_text("~", len(rows)), hi_t]))
    else:
        text = repeat_text(None, len(rows))
    return pc.coalesce(words, text)


def sensitive_text(out: Outcomes, rows: slice, count: int) -> pa.Array:
    """Per project, as compare.engine.sensitivity.sensitive_row: concept by concept (sorted), each
    other reading option that moves it, `points.host_district: tier_edges=upper_closed → 2`, joined
    by `; `; null where none does."""
    alts = out.alternatives or []
    pieces: list[pa.Array] = []  # the texts of one concept and option, at the rows `at` of `places`
    places: list[np.ndarray] = []
    hit = np.zeros(count, dtype=bool)
    for concept in sorted({c for a in alts for c in a.changed}):
        for alt in alts:
            mask = alt.changed.get(concept)
            if mask is None:
                continue
            here = np.asarray(mask)[rows]
            where = np.flatnonzero(here)
            if not where.size:
                continue
            at = where + (rows.start or 0)
            pieces.append(concat_text([repeat_text(f"; {concept}: {alt.reading}={alt.option} → ", where.size),
                                       value_text(alt.outcomes, concept, at),
                                       field_text(with_rules(out, alt.assumed, at), slice(None), where.size, _reads)]))
            places.append(where)
            hit |= here
    if not pieces:
        return pa.nulls(count, pa.string())
    # each row's pieces in the order made (a stable sort by row), joined: one list per row
    where = np.concatenate(places)
    order = np.argsort(where, kind="stable")
    ends = np.cumsum(np.bincount(where, minlength=count))
    lists = pa.ListArray.from_arrays(pa.array(np.concatenate(([0], ends)).astype(np.int32)),
                                     pa.concat_arrays(pieces).take(pa.array(order)))
    return pc.if_else(pa.array(hit), pc.utf8_slice_codeunits(pc.binary_join(lists, ""), 2),
                      pa.scalar(None, pa.string()))


__all__ = ["STATE_CODE", "STATE_NAMES", "assumed_column", "assumed_text", "with_rules", "field_text", "sensitive_text", "state_codes", "value_text"]
