"""What a scenario can name: each line's view (its concepts, readings, the beneficiaries it pays,
its figures), and every place of the schema holding a value with what checks it.

`NAMED` maps every place of scenario.schema.json that holds a value (a string, a number, an enum;
`<key>` a mapping's key, `*` its values, `[]` a list's items) to what checks it: `free` (any text),
`schema` (its type, range or list of choices says all), `E904` (the file's own rules in
compare.simulate.scenario), or the code compare.simulate.names gives when it names what the policies
do not have.  tests/test_scenario_names.py walks the schema: a key added there must be placed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from compare.engine.evaluate import CompiledPolicy
from compare.simulate.reform import Reform
from compare.simulate.totals import unit_of
from dsl.model import Policy

_PER_YEAR_MONEY = {  # drawn each year as `portfolio.sample.money` is drawn once, and checked so
    "<key>": "schema", "*.lognormal.median": "E907: an amount in 元 or 美元, above 0", "*.lognormal.sigma": "schema",
    "*.lognormal.between[]": "E904: an amount; E920: the lower first; E921: above 0; E924: room between",
    "*.uniform.between[]": "E904: an amount; E920: the lower first; E921: not below 0",
    "*.table": "E905: a file", "*.column": "E905: a column of the table", "*.share_of": "schema; E904: not the field itself",
    "*.low": "E907: a ratio 0–1", "*.high": "E907: a ratio 0–1",
}
NAMED: dict[str, str] = {
    "name": "free: the scenario's name (pattern)", "title": "free text",
    "seed": "schema: any whole number >= 0 seeds numpy's SeedSequence",
    "fx": "E907: a plausible USD→CNY rate", "fx.low": "E907: a plausible USD→CNY rate",
    "fx.high": "E907: a plausible USD→CNY rate",
    "policies[]": "E905: a policy id or a city id found on the search path, or a .policy file (plan.load_policies)",
    "as_of": "schema; E109: a real date (plan._city_in_force)",
    "readings.<key>": "E905: a line of the run (by its id)",
    "readings.*.<key>": "E905: a reading the line declares", "readings.*.*": "E905: an option of that reading",
    "reforms[].name": "E904: unique", "reforms[].base": "E904: a policy or an earlier reform",
    "reforms[].set.<key>": "E905: a figure path of the base", "reforms[].set.*": "E910: a value of the figure's unit",
    "reforms[].overrides": "E905: a file", "reforms[].extends": "E905: a file",
    "reforms[].transplant.from": "E904: a policy", "reforms[].transplant.concepts[]": "E905/E906: a concept of the donor",
    "portfolio.file": "E905: a file",
    "portfolio.sample.size": "schema; the run's cost (compare.simulate.cost)",
    "portfolio.sample.currency.<key>": "schema", "portfolio.sample.currency.*": "schema; E904 sum",
    "portfolio.sample.money.<key>": "schema",
    "portfolio.sample.money.*.lognormal.median": "E907: an amount in 元 or 美元, above 0",
    "portfolio.sample.money.*.lognormal.sigma": "schema",
    "portfolio.sample.money.*.table": "E905: a file", "portfolio.sample.money.*.column": "E905: a column of the table",
    "portfolio.sample.money.*.share_of": "schema; E904: not the field itself",
    "portfolio.sample.money.*.low": "E907: a ratio 0–1", "portfolio.sample.money.*.high": "E907: a ratio 0–1",
    "portfolio.sample.money.*.lognormal.between[]": "E904: an amount; E920: the lower first; E921: above 0; E924: room between",
    "portfolio.sample.money.*.uniform.between[]": "E904: an amount; E920: the lower first; E921: not below 0",
    **{f"portfolio.sample.years.per_year.money.{k}": v for k, v in _PER_YEAR_MONEY.items()},
    "portfolio.sample.years.from": "schema; E922: not after `to`", "portfolio.sample.years.to": "schema; E922",
    "portfolio.sample.years.landing": "schema; E923: among the years",
    "portfolio.sample.years.landing.<key>": "schema; E923: among the years",
    "portfolio.sample.years.landing.*": "schema; E904 sum",
    "portfolio.sample.years.per_year.flags.<key>": "schema", "portfolio.sample.years.per_year.flags.*": "schema",
    "portfolio.sample.years.per_year.fields.<key>": "E905: a field the run's policies declare, or `industry`",
    "portfolio.sample.years.per_year.fields.*": "E907: a draw of the field's type (compare.simulate.sample_fields)",
    "portfolio.sample.ratios.<key>": "schema", "portfolio.sample.ratios.*": "E907: a ratio 0–1",
    "portfolio.sample.ratios.*.uniform.low": "E907: a ratio 0–1",
    "portfolio.sample.ratios.*.uniform.high": "E907: a ratio 0–1",
    "portfolio.sample.ratios.*.beta.a": "schema", "portfolio.sample.ratios.*.beta.b": "schema",
    "portfolio.sample.flags.<key>": "schema", "portfolio.sample.flags.*": "schema",
    "portfolio.sample.categories.<key>": "E905: a category of the run's record (built-in or declared)",
    "portfolio.sample.categories.*": "schema",
    "portfolio.sample.referral.<key>": "E905: a referral value of the run's record (built-in or declared)",
    "portfolio.sample.referral.*": "schema; E904 sum",
    "portfolio.sample.fields.<key>": "E905: a field the run's policies declare, or `industry` (E904: a built-in one)",
    "portfolio.sample.fields.*": "E907: a draw of the field's type (compare.simulate.sample_fields)",
    "portfolio.sample.grade.<key>": "schema", "portfolio.sample.grade.*": "schema; E904 sum",
    "portfolio.sample.quality_score": "schema", "portfolio.sample.quality_score.uniform.low": "schema",
    "portfolio.sample.quality_score.uniform.high": "schema",
    "portfolio.sample.correlations[].fields[]": "schema; E904: drawn", "portfolio.sample.correlations[].rho": "schema",
    "analyses.sweep.policy": "E904: a line", "analyses.sweep.figure": "E905: a figure path of the line",
    "analyses.sweep.figure2": "E905: a figure path of the line; E904: not `figure`",
    "analyses.sweep.values[]": "E910: a value of the figure's unit",
    "analyses.sweep.values.from": "E910: a value of the figure's unit",
    "analyses.sweep.values.to": "E910: a value of the figure's unit",
    "analyses.sweep.values.steps": "schema; the run's cost",
    "analyses.sweep.values2[]": "E910: a value of the figure's unit",
    "analyses.sweep.values2.from": "E910: a value of the figure's unit",
    "analyses.sweep.values2.to": "E910: a value of the figure's unit",
    "analyses.sweep.values2.steps": "schema; the run's cost",
    "analyses.sweep.concepts[]": "E905/E906: a summed concept of the line",
    "analyses.monte_carlo.draws": "schema; the run's cost",
    "analyses.monte_carlo.quantiles[]": "schema", "analyses.monte_carlo.confidence": "schema",
    "analyses.monte_carlo.concepts[]": "E905/E906: a concept of some line, or money.total",
    "analyses.readings.policies[]": "E904: a line; E906: one that declares readings",
    "analyses.readings.concepts[]": "E905/E906: a summed concept of those lines",
    "analyses.competition_map.beneficiary": "E905/E906: a beneficiary some compared line pays money",
    "analyses.competition_map.policies[]": "E904: a line",
    **{f"analyses.competition_map.{a}.{k}": v for a in ("x", "y") for k, v in (
        ("field", "schema; E904: not the other axis's, nor a fixed field"),
        ("from", "E907: a value of the field's unit"), ("to", "E907: a value of the field's unit"),
        ("steps", "schema; the run's cost"), ("scale", "schema; E907: a log scale starts above 0"))},
    **{f"analyses.competition_map.project.{m}": "E907: an amount in 元 or 美元" for m in (
        "registered_capital", "total_investment", "paid_in_capital", "fdi_arrived", "fixed_asset_investment")},
    **{f"analyses.competition_map.project.{m}.share_of": "E904: a field with an amount on the map" for m in (
        "registered_capital", "total_investment", "paid_in_capital", "fdi_arrived", "fixed_asset_investment")},
    "analyses.competition_map.project.paid_in_ratio": "E907: a ratio 0–1",
    "analyses.competition_map.project.categories[]": "schema (the categories of dsl.schema)",
    "analyses.competition_map.project.referral": "schema", "analyses.competition_map.project.grade": "schema",
    "analyses.competition_map.project.quality_score": "schema",
    "analyses.competition_map.project.industry": "free: an industry label, compared as text by the policies",
    "analyses.competition_map.project.<key>": "E905: a field of the run's record (built-in or declared)",
    "analyses.competition_map.project.*": "E904: a declared field's value, read as a project file's cell (compare.data)",
    "analyses.competition_map.project.year": "schema", "analyses.competition_map.project.year_of_life": "schema", "analyses.competition_map.basis": "schema",
    "outputs[]": "schema",
}


@dataclass(frozen=True)
class View:
    """What one line of the run holds, as far as names go."""

    name: str
    policy: Policy | None  # whose figure paths a `set` or a sweep names (None: not known before it is built)
    concepts: Mapping[str, str]  # concept -> unit (`CNY`, `points`, `bool` …)
    paid: frozenset[str]  # beneficiaries paid money (CNY or USD) by some outcome
    readings: Mapping[str, tuple[str, ...]]  # reading id -> its options


def view_of(name: str, cp: CompiledPolicy) -> View:
    paid = set()
    for concept, rules in cp.beneficiary_rules.items():
        if unit_of(cp, concept) in ("CNY", "USD"):
            for r in rules:
                paid |= {x for x in (r.plain, r.fallback, *(c[0].name.dotted for c in r.conditional)) if x}
    return View(name, cp.policy, {c: unit_of(cp, c) for c in cp.concept_dims}, frozenset(paid),
                {rid: tuple(o.id for o in r.options) for rid, r in cp.policy.readings.items()})


def planned_views(policies: Sequence[Policy], reforms: Sequence[Reform], missing: Sequence[str] = ()
                  ) -> dict[str, View | None]:
    """Each line's view before the reforms are built: a reform by `set` (or `overrides`) holds what
    its base holds; one that transplants or `extends` a file is known once built (None), as is a
    policy not found (`missing`: its names are not checked, it is reported itself)."""
    views: dict[str, View | None] = {p.id: view_of(p.id, CompiledPolicy(p)) for p in policies}
    views.update({name: None for name in missing})
    for r in reforms:
        base = views.get(r.base)
        simple = base is not None and r.extends is None and r.transplant is None
        views[r.name] = View(r.name, base.policy, base.concepts, base.paid, base.readings) if simple and base else None
    return views


__all__ = ["NAMED", "View", "planned_views", "view_of"]
