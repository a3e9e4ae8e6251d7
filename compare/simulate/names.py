"""Every value a scenario names, checked against what exists once its policies are read.

The schema (compare.simulate.scenario) checks a scenario's form; here each value that names a thing
of the policies (a beneficiary, a concept, a reading and its option, a figure path, a policy's line,
a file, a table column) or a quantity the schema cannot bound (a ratio written `150%`, an amount in
an unknown currency, an implausible exchange rate) is checked against the policies of the run:

- E905: it names nothing that exists (did-you-mean, or the list of what does);
- E906: it names something that exists, but not where it is used (a concept the line has no clause
  for, a beneficiary no compared line pays money): the output would be silently empty;
- E907: a value out of its plausible range, or of the wrong kind for what it sets.

`check_names` gives every problem of the file at once, each at its key or value.  It runs twice:
before the reforms are built, on what each line will hold (a reform that `extends` a file is not
known yet: its checks wait), and after, on the lines as built.  `NAMED` lists every place of the
schema holding a value and how it is checked (compare.simulate.named).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from compare.simulate.amounts import parse_amount
from compare.simulate.figures import FigureError, find_figure, parse_value
from compare.simulate.named import View
from compare.simulate.reform import Reform, list_items
from compare.simulate.sample_fields import map_problems, sample_problems
from compare.simulate.scenario import Key, KeyPath, Scenario
from compare.simulate.scenario_bounds import money_entries
from compare.simulate.scenario_yaml import dotted
from compare.simulate.totals import TOTAL_MONEY
from dsl.check.record import run_record
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.model import Policy
from dsl.schema import FIELDS
from dsl.units import Dim

# A USD→CNY rate outside this is a mistake, not a scenario: the rate has stayed between 1.5 and 8.7
# since 1980, and a rate below 1 is most often CNY→USD written the other way round (0.14 for 7.1).
FX_LOW, FX_HIGH = 1.0, 20.0


def check_names(sc: Scenario, views: Mapping[str, View | None], baselines: Sequence[str],
                reforms: Sequence[Reform] = (), waited: Iterable[str] | None = None) -> list[Diagnostic]:
    """Every problem of the names and values of `sc` against the lines' `views` (None: not known yet;
    `baselines`: the policies' lines).  `reforms`: the scenario's, with
    their changes (an overrides file's at their lines there).  After the build, `waited` names the
    lines that were not known before: only what involves them is checked again."""
    return _Checker(sc, views, baselines, waited).run(reforms)


class _Checker:
    def __init__(self, sc: Scenario, views: Mapping[str, View | None], baselines: Sequence[str],
                 waited: Iterable[str] | None):
        self.sc, self.views, self.baselines, self.out = sc, views, list(baselines), list[Diagnostic]()
        self.built, self.waited = waited is not None, frozenset(waited or ())
        known = [v for v in views.values() if v is not None]
        tax = [v.policy.taxonomy for v in known if v.policy is not None and v.policy.taxonomy is not None]
        self.taxonomy_concepts = {c for t in tax for c in t.concepts}
        self.beneficiaries = {b for t in tax for b in t.beneficiaries}

    # ---------------------------------------------------------------- helpers

    def add(self, code: str, keys: KeyPath, message: str, hint: str | None, value: bool = True) -> None:
        self.out.append(Diagnostic(code, message, self.sc.where(*keys, value=value), hint))

    def view(self, name: Any) -> View | None:
        return self.views.get(name) if isinstance(name, str) else None

    def due(self, names: Iterable[Any]) -> bool:
        """Whether a check involving lines `names` is made now: before the build, when each of them is
        known; after it, when one of them was not known before."""
        names = [n for n in names if isinstance(n, str) and n in self.views]
        if self.built:
            return any(n in self.waited for n in names)
        return bool(names) and all(self.views[n] is not None for n in names)

    def analysis_lines(self, analysis: str) -> tuple[dict[str, Any], list[View]] | None:
        """An analysis's settings and the views of the lines it covers (its `policies`, else the
        baselines), when its checks are due now (see `due`); else None."""
        spec = self.spec("analyses", analysis)
        if not isinstance(spec, dict):
            return None
        names = spec.get("policies") or self.baselines
        if not self.due(names):
            return None
        return spec, [v for n in names if (v := self.view(n)) is not None]

    def spec(self, *keys: Key) -> Any:
        x: Any = self.sc.data
        for k in keys:
            x = x.get(k) if isinstance(x, dict) and isinstance(k, str) else \
                x[k] if isinstance(x, list) and isinstance(k, int) and k < len(x) else None
        return x

    def run(self, reforms: Sequence[Reform]) -> list[Diagnostic]:
        if not self.built:
            self.rate()
            self.files()
            self.sample()
            self.competition_map_fields()
        self.record_names()
        self.readings()
        self.reforms(reforms)
        self.sweep()
        self.monte_carlo()
        self.readings_analysis()
        self.competition_map()
        return self.out

    def concept(self, keys: KeyPath, concept: Any, views: Sequence[View], summed: bool, where: str,
                extra: Iterable[str] = ()) -> None:
        """A concept named at `keys`: one of the `views`' (a summed one where `summed`), else E905/E906."""
        if not isinstance(concept, str) or concept in extra:
            return
        have = {c: u for v in views for c, u in v.concepts.items()}
        if concept in have and not (summed and have[concept] == "bool"):
            return
        names = _or([v.name for v in views])
        if concept in have:
            self.add("E906", keys, f"`{concept}` is a yes/no outcome of {names}: {where} sums amounts and points",
                     "name a concept with an amount or points: " + _some(c for c, u in have.items() if u != "bool"))
        elif concept in self.taxonomy_concepts:
            self.add("E906", keys, f"{names} has no clause for `{concept}`: {where} would show nothing for it",
                     did_you_mean(concept, [*have, *extra]) or f"its concepts: {_some([*have, *extra])}")
        else:
            self.add("E905", keys, f"`{concept}` is not a concept of the taxonomy",
                     did_you_mean(concept, [*have, *extra, *self.taxonomy_concepts]) or
                     f"the concepts of {names}: {_some([*have, *extra])}")

    def file(self, keys: KeyPath, value: Any, what: str) -> bool:
        if not isinstance(value, str):
            return False
        path = self.sc.folder / value
        if path.is_file() or os.path.lexists(path):  # something that is no regular file: its reader refuses it
            return True
        siblings = [str(Path(value).parent / p.name) if Path(value).parent != Path(".") else p.name
                    for p in path.parent.glob("*") if p.is_file()] if path.parent.is_dir() else []
        self.add("E905", keys, f"no {what} `{value}` (looked for {path})",
                 did_you_mean(value, siblings) or "paths are relative to the scenario file's folder")
        return False

    def amount(self, keys: KeyPath, value: Any, kind: str | None, positive: bool = False) -> Any:
        if value is None or isinstance(value, dict | list | bool):
            return None
        try:
            amount, dim = parse_amount(value, kind)
        except ValueError as e:
            self.add("E907", keys, f"`{dotted(keys)}`: {e}", _EXAMPLE.get(kind or ""))
            return None
        if kind == "ratio" and not 0 <= amount <= 1:
            self.add("E907", keys, f"`{dotted(keys)}` is {value}, a share outside 0–1 (0%–100%)",
                     "a share of a whole: from 0 to 1, or 0% to 100%")
            return None
        if positive and amount <= 0:
            self.add("E907", keys, f"`{dotted(keys)}` is {value}; it must be above 0", _EXAMPLE.get(kind or ""))
            return None
        return amount, dim

    # ---------------------------------------------------------------- the checks, in the file's order

    def rate(self) -> None:
        fx = self.sc.data.get("fx")
        for keys, x in [(("fx",), fx)] if not isinstance(fx, dict) else [(("fx", k), fx.get(k)) for k in ("low", "high")]:
            if isinstance(x, int | float) and not isinstance(x, bool) and not FX_LOW <= x <= FX_HIGH:
                hint = (f"a USD→CNY rate is yuan per dollar, about 7; {x:g} looks like CNY→USD: write {1 / x:.4g}"
                        if 0.02 <= x < FX_LOW else f"a USD→CNY rate is yuan per dollar, about 7 (it has stayed "
                        f"between 1.5 and 8.7 since 1980); rates from {FX_LOW:g} to {FX_HIGH:g} are taken")
                self.add("E907", keys, f"`{dotted(keys)}` is {x:g}, not a plausible USD→CNY rate", hint)

    def files(self) -> None:
        self.file(("portfolio", "file"), self.spec("portfolio", "file"), "project file")
        for k, r in enumerate(self.spec("reforms") or []):
            if isinstance(r, dict):
                self.file(("reforms", k, "overrides"), r.get("overrides"), "overrides file")
                self.file(("reforms", k, "extends"), r.get("extends"), "policy file")

    def sample(self) -> None:
        sample = self.spec("portfolio", "sample")
        if not isinstance(sample, dict):
            return
        at = ("portfolio", "sample")
        for here, name, d in money_entries(sample):  # portfolio.sample.money and its years' per_year.money
            if not isinstance(d, dict):
                continue
            if isinstance(d.get("lognormal"), dict):
                self.amount(here + ("lognormal", "median"), d["lognormal"].get("median"), "money", positive=True)
            if "share_of" in d:
                if d["share_of"] == name:
                    self.add("E904", here + ("share_of",), f"`{dotted(here)}` is a share of itself",
                             "a share of another money field, e.g. `share_of: registered_capital`")
                for end in ("low", "high"):
                    self.amount(here + (end,), d.get(end), "ratio")
            if "table" in d and self.file(here + ("table",), d["table"], "table"):
                self.column(here, self.sc.folder / str(d["table"]), d.get("column"))
        for name, d in (sample.get("ratios") or {}).items():
            here = at + ("ratios", name)
            if isinstance(d, dict) and isinstance(d.get("uniform"), dict):
                for end in ("low", "high"):
                    self.amount(here + ("uniform", end), d["uniform"].get(end), "ratio")
            elif not isinstance(d, dict):
                self.amount(here, d, "ratio")

    def record_names(self) -> None:
        """What a sample draws and the competition map fixes, against the run's record (its policies'
        declarations): checked once every line is known."""
        sample, cmap = self.spec("portfolio", "sample"), self.spec("analyses", "competition_map")
        if not self.due(list(self.views)):
            return
        record, _ = run_record([v.policy.record for v in self.views.values() if v is not None and v.policy is not None])
        for code, keys, message, hint, value in sample_problems(sample, record) if isinstance(sample, dict) else ():
            self.add(code, ("portfolio", "sample", *keys), message, hint, value)
        if isinstance(cmap, dict):
            axes = tuple(cmap[a].get("field") for a in ("x", "y") if isinstance(cmap.get(a), dict))
            project = cmap["project"] if isinstance(cmap.get("project"), dict) else {}
            for code, keys, message, hint, value in map_problems(project, axes, record):
                self.add(code, ("analyses", "competition_map", *(("project", *keys) if keys or project else ())),
                         message, hint, value)

    def column(self, keys: KeyPath, path: Path, column: Any) -> None:
        from compare.data.read import read_table
        from compare.data.records import InputError

        if not isinstance(column, str):
            return
        try:
            table, _ = read_table(path)
        except InputError:
            return  # the portfolio stage reports what is wrong with the file, at its line
        headers = [h.strip().lstrip("\ufeff") for h in table.column_names]
        if not any(h == column or h.split("[")[0].strip() == column for h in headers):
            self.add("E905", keys + ("column",), f"{path.name} has no column `{column}`",
                     did_you_mean(column, [h.split("[")[0].strip() for h in headers]) or
                     f"its columns: {_some(headers)}")

    def readings(self) -> None:
        for line, chosen in (self.sc.data.get("readings") or {}).items():
            if line not in self.views:
                if not self.built:  # a policy given as a path is named by its id
                    self.add("E905", ("readings", line), f"`readings` names `{line}`, which is not the id of a "
                             "policy or reform of the run", did_you_mean(Path(line).stem, self.views) or
                             f"name a line by its id: {_or(list(self.views))}", value=False)
                continue
            view = self.views[line]
            if view is None or not self.due([line]) or not isinstance(chosen, dict):
                continue
            for rid, option in chosen.items():
                if rid not in view.readings:
                    self.add("E905", ("readings", line, rid), f"`{line}` declares no reading `{rid}`",
                             did_you_mean(rid, view.readings) or (f"its readings: {_or(list(view.readings))}"
                                                                  if view.readings else "it declares no readings"),
                             value=False)
                elif option not in view.readings[rid]:
                    self.add("E905", ("readings", line, rid), f"reading `{rid}` of `{line}` has no option `{option}`",
                             did_you_mean(str(option), view.readings[rid]) or
                             f"its options: {_or(list(view.readings[rid]))}")

    def reforms(self, reforms: Sequence[Reform]) -> None:
        for k, r in enumerate(reforms):
            spec = self.spec("reforms", k)
            if not isinstance(spec, dict) or spec.get("name") != r.name:
                continue  # a reform of the command line (`--set`): its own check
            view = self.view(r.name)
            if not self.built and view is not None and view.policy is not None:
                for ch in r.changes:
                    try:
                        if ch.path in view.policy.lists:  # a named list: its items
                            list_items(view.policy, ch.path, ch.value)
                            continue
                    except FigureError as e:
                        self.out.append(Diagnostic("E910", f"reform `{r.name}`: {e}", ch.where, e.hint))
                        continue
                    try:
                        fig = find_figure(view.policy, ch.path)
                    except FigureError as e:
                        self.out.append(Diagnostic("E905", f"reform `{r.name}`: {e}", ch.where, e.hint))
                        continue
                    try:
                        parse_value(ch.value, fig, f"reform {r.name}: {ch.path}={ch.value}")
                    except FigureError as e:
                        at = self.sc.where("reforms", k, "set", ch.path, value=True) if ch.where == self.sc.where(
                            "reforms", k, "set", ch.path) else ch.where
                        self.out.append(Diagnostic("E910", f"reform `{r.name}`: {e}", at, e.hint))
            t = spec.get("transplant")
            if not isinstance(t, dict):
                continue
            donor = self.view(t.get("from"))
            if donor is not None and self.due([t.get("from")]):
                for i, c in enumerate(t.get("concepts") or []):
                    self.concept(("reforms", k, "transplant", "concepts", i), c, [donor], False, "the transplant")

    def sweep(self) -> None:
        spec = self.spec("analyses", "sweep")
        if not isinstance(spec, dict) or not self.due([spec.get("policy")]):
            return
        view, at = self.view(spec.get("policy")), ("analyses", "sweep")
        if view is None:
            return
        if spec.get("figure2") is not None and spec.get("figure2") == spec.get("figure"):
            self.add("E904", at + ("figure2",), f"`{dotted(at)}` varies `{spec['figure']}` twice",
                     "a grid varies two different figures: change `figure2`")
        if view.policy is not None:
            for fkey, vkey in (("figure", "values"), ("figure2", "values2")):
                if isinstance(spec.get(fkey), str):
                    self.sweep_axis(view.policy, at, fkey, vkey, spec[fkey], spec.get(vkey))
        for i, c in enumerate(spec.get("concepts") or []):
            self.concept(at + ("concepts", i), c, [view], True, "the sweep")

    def sweep_axis(self, policy: Policy, at: KeyPath, fkey: str, vkey: str, path: str, values: Any) -> None:
        try:
            fig = find_figure(policy, path)
        except FigureError as e:
            self.add("E905", at + (fkey,), f"`{dotted(at + (fkey,))}`: {e}", e.hint or
                     f"`policylab figures {policy.id}` lists them")
            return
        items = list(enumerate(values)) if isinstance(values, list) else \
            [(k, values.get(k)) for k in ("from", "to")] if isinstance(values, dict) else []
        for k, v in items:
            if v is None:
                continue
            try:
                parse_value(v, fig, f"sweep of {path}")
            except FigureError as e:
                self.add("E910", at + (vkey, k), f"`{dotted(at + (vkey, k))}`: {e}", e.hint)

    def monte_carlo(self) -> None:
        spec = self.spec("analyses", "monte_carlo")
        if not isinstance(spec, dict) or not self.due(self.views):
            return
        views = [v for v in self.views.values() if v is not None]
        for i, c in enumerate(spec.get("concepts") or []):
            self.concept(("analyses", "monte_carlo", "concepts", i), c, views, False, "the Monte Carlo plot",
                         extra=[TOTAL_MONEY])

    def readings_analysis(self) -> None:
        due = self.analysis_lines("readings")
        if due is None:
            return
        spec, known = due
        for i, name in enumerate(spec.get("policies") or []):
            v = self.view(name)
            if v is not None and not v.readings:
                self.add("E906", ("analyses", "readings", "policies", i), f"`{name}` declares no readings: "
                         "the readings analysis would be empty for it",
                         "name a policy that declares readings (`policylab check` lists them)")
        for i, c in enumerate(spec.get("concepts") or []):
            self.concept(("analyses", "readings", "concepts", i), c, known, True, "the readings analysis")

    def competition_map_fields(self) -> None:
        spec = self.spec("analyses", "competition_map")
        if not isinstance(spec, dict):
            return
        at = ("analyses", "competition_map")
        axes = {a: spec[a].get("field") for a in ("x", "y") if isinstance(spec.get(a), dict)}
        if axes.get("x") is not None and axes.get("x") == axes.get("y"):
            self.add("E904", at + ("y", "field"), f"both axes of the map are `{axes['y']}`",
                     "the map is over two different fields: change `y.field`")
        for a, field in axes.items():
            axis = spec[a]
            kind = _kind(field)
            ends = {e: self.amount(at + (a, e), axis.get(e), kind) for e in ("from", "to")}
            for e, got in ends.items():
                if kind is None and got is not None and not 0 <= got[0] <= 100:  # quality_score
                    self.add("E907", at + (a, e), f"`{dotted(at + (a, e))}` is {axis.get(e)}; a quality score is "
                             "a number from 0 to 100", "e.g. `from: 40, to: 100`")
                    ends[e] = None
            lo = ends["from"]
            if axis.get("scale") == "log" and lo is not None and lo[0] <= 0:
                self.add("E907", at + (a, "from"), f"a log scale starts above 0, not at {axis.get('from')}",
                         "start at a small amount (`from: 10万美元`), or use `scale: linear`")
            if kind == "money" and lo is not None and ends["to"] is not None and lo[1] != ends["to"][1]:
                self.add("E907", at + (a, "to"), f"the `{a}` axis runs from {axis.get('from')} to {axis.get('to')}: "
                         "two currencies", "write both ends in one currency")
        project: dict[str, Any] = spec["project"] if isinstance(spec.get("project"), dict) else {}
        on_map = set(axes.values())
        for key, v in project.items():
            here = at + ("project", key)
            if key in on_map:
                self.add("E904", here, f"`{key}` is an axis of the map and also fixed in `project`",
                         "the axis sets it in each cell: remove it from `project`", value=False)
            elif isinstance(v, dict):
                of = v.get("share_of")
                if isinstance(of, str) and not (of in on_map or isinstance(project.get(of), str)):
                    self.add("E904", here + ("share_of",), f"`{key}` is a share of `{of}`, which has no amount on "
                             "the map", f"make `{of}` an axis, or fix it in `project` (`{of}: 3000万美元`)")
            elif key in FIELDS and _kind(key) in ("money", "ratio"):
                self.amount(here, v, _kind(key))

    def competition_map(self) -> None:
        due = self.analysis_lines("competition_map")
        if due is None:
            return
        spec, known = due
        who, keys = spec.get("beneficiary"), ("analyses", "competition_map", "beneficiary")
        if not isinstance(who, str) or not known:
            return
        paid = sorted({b for v in known for b in v.paid})
        if who not in self.beneficiaries:
            self.add("E905", keys, f"`{who}` is not a beneficiary of the taxonomy",
                     did_you_mean(who, [*paid, *self.beneficiaries]) or f"those paid money here: {_or(paid)}")
        elif who not in paid:
            self.add("E906", keys, f"no compared line ({_or([v.name for v in known], 'and')}) pays `{who}` money: "
                     "every cell of the map would be empty", f"beneficiaries paid money here: {_or(paid) or 'none'}")


_EXAMPLE = {"money": "an amount with its currency, e.g. 3000万美元 or 1.5亿元",
            "ratio": "a share from 0 to 1: 0.3, 30% or 300‰"}


def _kind(field: Any) -> str | None:
    f = FIELDS.get(field) if isinstance(field, str) else None
    return None if f is None else "ratio" if f.dim == Dim.RATIO else "money" if f.dim.is_money else None


def _or(words: Sequence[str], joint: str = "or") -> str:
    shown = [f"`{w}`" for w in words]
    return "" if not shown else shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} {joint} {shown[-1]}"


def _some(words: Iterable[str], n: int = 12) -> str:
    listed = sorted(set(words))
    return ", ".join(listed[:n]) + (f" … ({len(listed)} in all)" if len(listed) > n else "") if listed else "none"


__all__ = ["FX_HIGH", "FX_LOW", "check_names"]
