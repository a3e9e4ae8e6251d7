"""A city's own declarations and who pays: named conditions and lists (E218), payers (E215),
declarations no clause reads (W706), and a source the policy says is incomplete (W707)."""

from __future__ import annotations

from decimal import Decimal

from dsl import ast as A
from dsl.check.base import CheckerBase, span_of
from dsl.check.quotes import fold
from dsl.diagnostics import did_you_mean
from dsl.figures import ratio_in_quote
from dsl.units import Dim, format_decimal


class DeclarationChecks(CheckerBase):
    def check_condition_decl(self, c: A.ConditionDecl) -> None:
        self.check_cites(f"condition:{c.id}", c.cites, c.span, f"condition `{c.id}`")
        self.condition_type(c.id, c.span, used=False)
        self.check_quote_currency(c.cites, [c.when])
        self.check_figures(f"condition `{c.id}`", c.cites, [c.when])

    def check_name_clashes(self) -> None:
        """A name means one thing: a named condition or list may not take the name of a field, a clause or
        a param (a field would win where it is used, and the condition would silently go unread)."""
        for kind, table in (("condition", self.p.conditions), ("list", self.p.lists)):
            for name, d in table.items():
                other = "field" if name in self.p.record.fields else "clause" if name in self.p.clauses \
                    else "param" if name in self.p.params else "condition" if kind == "list" and name in self.p.conditions \
                    else None
                if other is not None:
                    self.err("E201", f"{kind} `{name}` has the name of a {other}", d.span,
                             f"give the {kind} a name of its own, e.g. {name}_{'ok' if kind == 'condition' else 'list'}")
        for name, f in self.p.fields.items():
            other = "clause" if name in self.p.clauses else "param" if name in self.p.params else None
            if other is not None and name in self.p.record.declared:
                self.err("E201", f"field `{name}` has the name of a {other}", f.span,
                         "a name in a condition reads the field: rename the field or the " + other)

    def check_record_cites(self) -> None:
        """A declaration needs no cite; one that gives a cite has its quote checked like a clause's."""
        for kind, table in (("field", self.p.fields), ("category", self.p.categories), ("choice", self.p.choices)):
            for key, d in table.items():
                if d.cites:
                    self.check_cites(f"{kind}:{key}", d.cites, d.span, f"{kind} `{key}`")

    def check_list_decl(self, d: A.ListDecl) -> None:
        """A list holds texts (an industry catalogue) or values of one choice field, each once; a list
        that cites its article has each text in its quotes (“不含房地产、金融类项目”)."""
        if d.cites:
            self.check_cites(f"list:{d.id}", d.cites, d.span, f"list `{d.id}`")
            quotes = "".join(fold(c.quote) for c in d.cites)
            for x in d.items:
                if isinstance(x, A.Text) and fold(x.value) not in quotes:
                    self.err("E503", f"list `{d.id}`: “{x.value}” does not occur in its quotes", x.span,
                             "quote the sentence that names it, or correct the item to the text's words")
        texts = [x for x in d.items if isinstance(x, A.Text)]
        names = [x for x in d.items if isinstance(x, A.Name)]
        if texts and names:
            self.err("E218", f"list `{d.id}` mixes quoted texts and value names", span_of(names[0]),
                     'a list holds texts ("房地产", "金融") for a text field, or values (a, b) of one choice field')
        seen: set[str] = set()
        for x in d.items:
            key = x.value if isinstance(x, A.Text) else x.dotted
            if key in seen:
                self.err("E218", f"list `{d.id}` names `{key}` twice", span_of(x), "list each item once")
            seen.add(key)
        if names and not texts:
            fields = self.p.record.fields
            owners = [n for n, f in fields.items() if f.dim == Dim.CHOICE and f.choices]
            for x in names:
                if not any(x.dotted in fields[n].choices for n in owners):
                    self.err("E218", f"`{x.dotted}` in list `{d.id}` is not a value of any choice field", x.span,
                             did_you_mean(x.dotted, [v for n in owners for v in fields[n].choices])
                             or 'quote it if it is a text ("房地产"), or declare the value: choice FIELD '
                             f'{x.dotted} "中文名称"')

    def check_payer(self, c: A.Clause) -> None:
        p = c.payer
        if p is None:
            return
        known = self.tax.payers if self.tax is not None else {}
        names: list[str] = []
        for sh in p.shares:
            if known and sh.name not in known:
                self.err("E215", f"unknown payer `{sh.name}`", sh.span,
                         did_you_mean(sh.name, known) or "payers: " + ", ".join(known)
                         + "; a taxonomy file declares more under `payers:`")
            if sh.name in names:
                self.err("E215", f"payer `{sh.name}` is named twice", sh.span, "name each payer once")
            names.append(sh.name)
        if p.ratio_form or any(sh.weight is None for sh in p.shares):
            if p.ratio_form and c.cites:
                parts = tuple(sh.weight.number for sh in p.shares if isinstance(sh.weight, A.Quantity))
                if not any(ratio_in_quote(parts, ct.quote) for ct in c.cites):
                    self.err("E503", f"clause `{c.id}`: the payers' ratio {':'.join(format_decimal(x) for x in parts)} "
                             "does not occur in its quotes", p.span, "quote the sentence that shares the cost")
            return
        total, exact = Decimal(0), True
        for sh in p.shares:
            assert sh.weight is not None
            ty = self.infer(sh.weight)
            if ty.dim not in (None, Dim.RATIO):
                self.err("E215", f"payer `{sh.name}`'s share is {self._words(ty)}; shares are ratios such as 50%",
                         span_of(sh.weight), "write city = 50%, district = 50% or city, district = 1:1")
                exact = False
            elif isinstance(sh.weight, A.Quantity) and sh.weight.dim == Dim.RATIO:
                total += sh.weight.base_value
            else:
                exact = False
        if exact and total != 1:
            pct = format_decimal((total * 100).normalize())
            self.err("E215", f"the payers' shares add up to {pct}%, not 100%", p.span,
                     "give every payer's share (市级财政承担50%: city = 50%, district = 50%), or name the "
                     "payers without shares where the text does not state them: payer city, district")
        if len(p.shares) > 1:  # one payer's synthetic 100% is not a figure of the text
            self.check_figures(f"clause `{c.id}`", c.cites, [sh.weight for sh in p.shares])

    def check_partial(self) -> None:
        m = self.p.meta.get("partial")
        if m is None:
            return
        if not m.value.strip():
            self.err("E110", "`partial` says where the source breaks off", m.span, 'write: partial "正文至第六条止，其后缺失"')
            return
        self.err("W707", f"source text is partial: {m.value}", m.value_span if m.value_span.line else m.span,
                 "coverage counts only the text that is there; remove `partial` once the full text is in the source")

    def check_unused(self) -> None:
        """W706: a declaration no clause, condition or split reads (a typo's twin, or work left over)."""
        own = self.p.files[-1]
        for kind, table in (("field", self.p.fields), ("list", self.p.lists), ("condition", self.p.conditions)):
            for name, d in table.items():
                if f"{kind}:{name}" not in self._used and self.p.origin.get(f"{kind}:{name}") is own:
                    self.err("W706", f"{kind} `{name}` is declared but nothing reads it", d.span,
                             f"use it in a condition or a value, or remove the {kind}")
        for name, cd in self.p.categories.items():
            if f"categories.{name}" not in self._used and self.p.origin.get(f"category:{name}") is own:
                self.err("W706", f"category `{name}` is declared but nothing reads it", cd.span,
                         f"use it: when {name} in categories, or remove the category")
