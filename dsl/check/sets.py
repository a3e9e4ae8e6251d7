"""Choices, texts and sets in conditions, against the policy's record: `zone == key_area`,
`industry != "房地产"`, `industry in {"制造", "软件"}`, `industry not in excluded_industries`,
`referral not in {government_body, stakeholder}`, `little_giant in categories`, `gazelle in honours`.

A choice field is compared with one of its values (a word), a text field with a quoted text; a set
field (`categories`, a declared `type set`) is asked for one member.  Every name is read from
`self.p.record` (the core and the declarations), so a city's own values are known here."""

from __future__ import annotations

from dsl import ast as A
from dsl.check.base import BOOL, CheckerBase, span_of
from dsl.diagnostics import did_you_mean
from dsl.model import Ty
from dsl.schema import GRADES
from dsl.units import Dim

TEXT = Ty(Dim.TEXT)
CHOICE = Ty(Dim.CHOICE)
SET = Ty(Dim.SET)


def declare_value_hint(field_name: str, value: str) -> str:
    """How a policy adds a value it needs to a choice or set field."""
    if field_name == "categories":
        return f'declare it: category {value} "中文名称"'
    return f'declare it: choice {field_name} {value} "中文名称"'


class SetChecks(CheckerBase):
    def _choice_field(self, e: A.Expr) -> str | None:
        """The choice field (or a text field with fixed values, `grade`) an expression names."""
        fields = self.p.record.fields
        if isinstance(e, A.Name) and len(e.path) == 1 and e.dotted in fields and fields[e.dotted].choices \
                and fields[e.dotted].dim in (Dim.CHOICE, Dim.TEXT):
            return e.dotted
        return None

    def _text_field(self, e: A.Expr) -> str | None:
        if isinstance(e, A.Name) and len(e.path) == 1 and e.dotted in self.p.record.text_fields():
            return e.dotted
        return None

    def _set_field(self, e: A.Expr) -> str | None:
        fields = self.p.record.fields
        if isinstance(e, A.Name) and len(e.path) == 1 and e.dotted in fields and fields[e.dotted].dim == Dim.SET:
            return e.dotted
        return None

    def _check_choice(self, field_name: str, value: A.Expr) -> None:
        choices = self.p.record.choices(field_name)
        self.p.node_types[id(value)] = CHOICE if field_name != "grade" else TEXT
        if field_name == "grade":
            if not isinstance(value, A.Text):
                self.err("E302", "grades are written as texts", span_of(value), 'write grade >= "B"')
            elif value.value not in GRADES:
                self.err("E203", f"unknown grade \"{value.value}\"", value.span,
                         "grades are " + ", ".join(GRADES))
            return
        if isinstance(value, A.Text):  # `referral == "intermediary"`: a choice is a word, not a text
            self.err("E302", f"`{field_name}` is compared with one of its choices, not with a quoted text",
                     value.span, f"drop the quotes: write {field_name} == {value.value}" if value.value in choices
                     else "drop the quotes; choices: " + ", ".join(choices))
            return
        if isinstance(value, A.Name) and value.dotted in self.p.record.fields:
            self.err("E302", f"`{value.dotted}` is a field; `{field_name}` is compared with one of its choices",
                     value.span, "choices: " + ", ".join(choices))
            return
        if not isinstance(value, A.Name) or len(value.path) != 1:
            self.err("E302", f"`{field_name}` is compared with one of its choices", span_of(value),
                     "choices: " + ", ".join(choices))
            return
        if value.dotted not in choices:
            self.err("E203", f"`{value.dotted}` is not a choice of `{field_name}`", value.span,
                     did_you_mean(value.dotted, choices)
                     or "choices: " + ", ".join(choices) + "; or " + declare_value_hint(field_name, value.dotted))

    def _text_compare(self, e: A.Binary) -> None:
        """A text is compared in one form, `industry == "房地产"` (or !=): a text field with a quoted
        text, which every stage (evaluator, explanation, semantic diff) treats as an open choice."""
        for field_side, other in ((e.left, e.right), (e.right, e.left)):
            if isinstance(field_side, A.Name) and field_side.dotted == "id":
                self.err("E302", "`id` names the project; a condition does not read it", field_side.span,
                         "compare a field of the project, e.g. industry == \"制造业\"")
                return
            if self._text_field(field_side) is not None and isinstance(other, A.Text):
                return
        self.err("E302", "a text is compared as a text field against a quoted text", e.span,
                 'write e.g. industry == "房地产" or industry != "房地产"')

    def _in_set(self, e: A.InSet) -> Ty:
        c, el = e.container, e.element
        if isinstance(c, A.Name) and self._set_field(c) is not None:
            self.p.node_types[id(c)] = SET
            self._member(c.dotted, el)
            return BOOL
        if isinstance(c, A.Name) and c.dotted in self.p.lists:
            self.p.node_types[id(c)] = SET
            self.use(f"list:{c.dotted}")
            items: tuple[A.Name | A.Text, ...] = self.p.lists[c.dotted].items
        elif isinstance(c, A.Name):
            fields = self.p.record.fields
            self.err("E302", f"`in` needs a set field (`categories`), a declared list or a set {{…}}, got "
                     f"`{c.dotted}`", c.span,
                     did_you_mean(c.dotted, [*(n for n, f in fields.items() if f.dim == Dim.SET), *self.p.lists])
                     or f'declare a list: list {c.dotted} "中文名称" = {{"…", "…"}}')
            return BOOL
        else:
            self.p.node_types[id(c)] = SET
            items = c.items
        self._in_items(el, items, c)
        return BOOL

    def _member(self, set_name: str, el: A.Expr) -> None:
        """`little_giant in categories`, `gazelle in honours`: one member of a set field."""
        members = self.p.record.choices(set_name)
        self.use(f"field:{set_name}")
        self.p.node_types[id(el)] = Ty(Dim.CATEGORY)
        if not isinstance(el, A.Name) or len(el.path) != 1:
            self.err("E302", f"name one member before `in {set_name}`", span_of(el),
                     f"e.g. {members[0] if members else 'NAME'} in {set_name}")
            return
        self.use(f"{set_name}.{el.dotted}")
        if el.dotted not in members:
            what = "category" if set_name == "categories" else f"member of `{set_name}`"
            fields = self.p.record.fields
            owner = next((n for n, f in fields.items() if f.dim == Dim.SET and el.dotted in f.choices), None)
            self.err("E203", f"unknown {what} `{el.dotted}`", el.span,
                     f"`{el.dotted}` is a member of `{owner}`: write {el.dotted} in {owner}" if owner else
                     did_you_mean(el.dotted, members) or declare_value_hint(set_name, el.dotted)
                     + "; known: " + ", ".join(members))

    def _list_of_choices(self, fname: str, lst: A.Name, items: tuple[A.Name | A.Text, ...]) -> None:
        choices = self.p.record.choices(fname)
        for item in items:
            self.p.node_types[id(item)] = CHOICE
        texts = [x.value for x in items if isinstance(x, A.Text)]
        if texts and fname != "grade":
            self.err("E302", f"list `{lst.dotted}` holds texts; `{fname}` is a choice field, compared with its "
                     "values", lst.span, f"list the values of `{fname}` (" + ", ".join(choices) + ")")
            return
        for item in items:
            if isinstance(item, A.Name) and item.dotted not in choices:
                self.err("E203", f"`{item.dotted}` of list `{lst.dotted}` is not a choice of `{fname}`", lst.span,
                         did_you_mean(item.dotted, choices) or declare_value_hint(fname, item.dotted))

    def _in_items(self, el: A.Expr, items: tuple[A.Name | A.Text, ...], container: A.Expr) -> None:
        """`FIELD in {…}` / `FIELD in LIST`: a choice field with its values, a text field with texts."""
        fname = self._choice_field(el)
        if fname is not None:
            self.use(f"field:{fname}")
            self.p.node_types[id(el)] = Ty(self.p.record.fields[fname].dim)
            if isinstance(container, A.Name):  # a list: said once, at its use
                self._list_of_choices(fname, container, items)
                return
            for item in items:
                self._check_choice(fname, item)
            return
        if self._text_field(el) is not None:
            self.use(f"field:{self._text_field(el)}")
            self.p.node_types[id(el)] = TEXT
            for item in items:
                self.p.node_types[id(item)] = TEXT
                if not isinstance(item, A.Text):
                    self.err("E302", f"`{el.dotted}` is a text field: its set lists quoted texts",  # type: ignore[union-attr]
                             span_of(item) if isinstance(container, A.SetLit) else span_of(container),
                             f'write "{item.dotted}"' if isinstance(item, A.Name) else None)
            return
        if self._set_field(el) is not None:
            self.err("E302", f"`{el.dotted}` is a set: ask for one member", span_of(el),  # type: ignore[union-attr]
                     f"write MEMBER in {el.dotted}, one condition per member joined with `or`")  # type: ignore[union-attr]
            return
        self.infer(el)
        self.err("E302", "a set {…} lists the values of a choice field (`referral`) or the texts of a text "
                 "field (`industry`)", span_of(el),
                 'e.g. referral in {municipal_dept, other_district} or industry in {"房地产", "金融"}')
