"""Readings: declared options, a default with its reason, and `by reading` cases for every option."""

from __future__ import annotations

from dsl import ast as A
from dsl.check.base import UNKNOWN, CheckerBase, span_of
from dsl.diagnostics import did_you_mean
from dsl.model import Ty


class ReadingChecks(CheckerBase):
    # ------------------------------------------------------------ readings
    def by_reading(self, e: A.ByReading) -> Ty:
        reading = self.p.readings.get(e.reading)
        ty = UNKNOWN
        for case in e.cases:
            ty = self.unify(ty, self.infer(case.value), span_of(case.value), f"the cases of reading `{e.reading}`")
        if reading is None:
            self.err("E206", f"unknown reading `{e.reading}`", e.reading_span if e.reading_span.line else e.span,
                     did_you_mean(e.reading, self.p.readings) or "declare it: reading NAME { option … default … }")
            return ty
        self._used_readings.add(e.reading)
        options = [o.id for o in reading.options]
        given = [c.option for c in e.cases]
        for c in e.cases:
            if c.option not in options:
                self.err("E601", f"`{c.option}` is not an option of reading `{e.reading}`", c.span,
                         did_you_mean(c.option, options) or "options: " + ", ".join(options))
            elif given.count(c.option) > 1:
                self.err("E601", f"option `{c.option}` is given twice", c.span, None)
        missing = [o for o in options if o not in given]
        if missing:
            self.err("E601", f"reading `{e.reading}` has no case for " + ", ".join(f"`{m}`" for m in missing),
                     e.span, "give a value for every option")
        return ty

    def check_reading(self, r: A.Reading) -> None:
        self.check_cites(f"reading:{r.id}", r.cites, r.span, f"reading `{r.id}`")
        ids = [o.id for o in r.options]
        for o in r.options:
            if ids.count(o.id) > 1 and ids.index(o.id) != r.options.index(o):
                self.err("E201", f"option `{o.id}` is listed twice", o.span, None)
        if len(set(ids)) < 2:
            self.err("E600", f"reading `{r.id}` needs at least two options", r.span,
                     "a reading is an open point: list each way of reading the text")
        if r.default is None:
            self.err("E110", f"reading `{r.id}` has no default", r.span, "add: default OPTION")
        elif r.default not in ids:
            self.err("E600", f"default `{r.default}` is not an option of reading `{r.id}`", r.default_span,
                     did_you_mean(r.default, ids) or "options: " + ", ".join(ids))
        if r.because is None:
            self.err("E110", f"reading `{r.id}` does not say why its default", r.span,
                     'add: because "one line on why"')
