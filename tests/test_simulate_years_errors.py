"""Bad bounded draws and years in a scenario: each a clear error (E920–E924) at its line and column,
with a hint, never a traceback; and the forms that hold pass."""

from __future__ import annotations

import textwrap

import pytest

from compare.simulate.scenario import ScenarioError, parse_scenario

HEAD = """\
name: t
seed: 1
policies: [wuxi_2023]
portfolio:
  sample:
    size: 10
"""


def _scenario(body: str, analyses: str = "analyses: {compare: true}\n") -> str:
    return HEAD + textwrap.indent(textwrap.dedent(body), "    ") + analyses


CASES = [
    ("lognormal backwards", """\
        money:
          registered_capital: {lognormal: {median: 3000万美元, sigma: 1.0, between: [1亿美元, 1000万美元]}}
     """, "E920", 8, "`1亿美元` is above `1000万美元`", "[1000万美元, 1亿美元]"),
    ("uniform backwards", """\
        money:
          fdi_arrived: {uniform: {between: [5000万元, 100万元]}}
     """, "E920", 8, "the bounds run backwards", "lower amount first"),
    ("lognormal bound at 0", """\
        money:
          total_investment: {lognormal: {median: 3000万美元, sigma: 1.0, between: [0美元, 1亿美元]}}
     """, "E921", 8, "`0美元`: a lognormal's bounds are above 0", "1万美元"),
    ("negative bound", """\
        money:
          fdi_arrived: {uniform: {between: [-100万元, 100万元]}}
     """, "E921", 8, "not below 0", "start at 0"),
    ("years backwards", """\
        years: {from: 2028, to: 2024}
     """, "E922", 7, "`years` runs backwards: from 2028 to 2024", "{from: 2024, to: 2028}"),
    ("years too many", """\
        years: {from: 1950, to: 2024}
     """, "E922", 7, "75 years", "covers the years"),
    ("landing outside", """\
        years:
          from: 2024
          to: 2028
          landing: {2023: 0.5, 2024: 0.5}
     """, "E923", 10, "landing year 2023 is outside the portfolio's years 2024–2028", "widen"),
    ("landing year outside", """\
        years: {from: 2024, to: 2028, landing: 2030}
     """, "E923", 7, "landing year 2030", "widen"),
    ("no room", """\
        money:
          fixed_asset_investment: {lognormal: {median: 1万美元, sigma: 0.1, between: [1亿美元, 2亿美元]}}
     """, "E924", 8, "puts nothing between 1亿美元 and 2亿美元", "widen sigma"),
    ("per-year backwards", """\
        years:
          from: 2024
          to: 2026
          per_year:
            money:
              fdi_arrived: {lognormal: {median: 400万美元, sigma: 0.9, between: [3000万美元, 50万美元]}}
     """, "E920", 12, "`3000万美元` is above `50万美元`", "lower amount first"),
    ("two currencies", """\
        money:
          fdi_arrived: {uniform: {between: [100万元, 100万美元]}}
     """, "E904", 8, "mixes currencies", "one currency"),
    ("landing frequencies", """\
        years: {from: 2024, to: 2026, landing: {2024: 0.5, 2025: 0.3}}
     """, "E904", 7, "sum to 0.8", "add up to 1"),
]


@pytest.mark.parametrize("body,code,line,message,hint", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_bounds_and_years_are_errors_at_their_line(body: str, code: str, line: int, message: str, hint: str) -> None:
    text = _scenario(body)
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, "t.scenario.yaml")
    found = [(d.code, d.span.line, d.message, d.hint or "") for d in e.value.diagnostics]
    assert any(c == code and ln == line and message in m and hint in h for c, ln, m, h in found), found
    assert all(d.span.file == "t.scenario.yaml" for d in e.value.diagnostics)
    assert text.splitlines()[line - 1].strip()  # the line pointed at is the entry's own
    assert "Traceback" not in str(e.value) and f"t.scenario.yaml:{line}:" in str(e.value)


def test_the_column_points_at_the_bound_at_fault() -> None:
    text = _scenario("""\
        money:
          fdi_arrived: {uniform: {between: [5000万元, 100万元]}}
     """)
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, "t.scenario.yaml")
    (d,) = e.value.diagnostics
    assert text.splitlines()[d.span.line - 1][d.span.column - 1:].startswith("5000万元")


def test_analyses_that_do_not_run_over_years_are_refused() -> None:
    text = _scenario("years: {from: 2024, to: 2025}\n", "analyses: {compare: true, monte_carlo: {draws: 10}}\n")
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, "t.scenario.yaml")
    assert [(d.code, d.span.line) for d in e.value.diagnostics] == [("E904", 8)]
    assert "does not run on a portfolio over years" in e.value.diagnostics[0].message


@pytest.mark.parametrize("body", [
    "money:\n  registered_capital: {lognormal: {median: 3000万美元, sigma: 1.0, between: [1000万美元, 1亿美元]}}\n",
    "money:\n  fdi_arrived: {uniform: {between: [0元, 100万元]}}\n",
    "money:\n  fdi_arrived: {uniform: {between: [100万元, 100万元]}}\n",
    "years: {from: 2024, to: 2024}\n",
    "years: {from: 2024, to: 2028, landing: {2024: 0.5, 2028: 0.5}, per_year: {flags: {started: 0.5}}}\n",
])
def test_bounds_and_years_that_hold_pass(body: str) -> None:
    parse_scenario(_scenario(body), "t.scenario.yaml")


def test_a_per_year_field_is_checked_against_the_policies_at_its_line() -> None:
    """A declared field drawn per year is checked as `sample.fields` is: a name the policies do not
    declare is E905 with a did-you-mean, at its own line under `per_year`."""
    from conftest import ROOT

    from compare.simulate.plan import run_scenario

    b14 = ROOT / "examples" / "time" / "b14_history.policy"
    text = textwrap.dedent(f"""\
        name: t
        seed: 1
        policies: [{b14}]
        portfolio:
          sample:
            size: 10
            years:
              from: 2024
              to: 2026
              per_year:
                fields:
                  relocatd: 0.03
        analyses: {{compare: true}}
        """)
    with pytest.raises(ScenarioError) as e:
        run_scenario(parse_scenario(text, "t.scenario.yaml"))
    assert [(d.code, d.span.line) for d in e.value.diagnostics] == [("E905", 12)]
    assert "`relocatd` is not a field" in e.value.diagnostics[0].message
    assert "relocated" in (e.value.diagnostics[0].hint or "")


def test_a_declared_field_drawn_per_year_changes_from_year_to_year() -> None:
    """b14's `relocated` (a declared true/false field) drawn with probability 0.5 each year: it holds
    for about half the projects each year, not for the same half."""
    from conftest import ROOT

    from compare.simulate.portfolio_years import sample_years
    from dsl.cache import check_paths_cached
    from dsl.check.record import run_record

    b14 = ROOT / "examples" / "time" / "b14_history.policy"
    policy = check_paths_cached([b14], [b14.parent]).policies[0]
    record = run_record([policy.record])[0]
    spec = {"years": {"from": 2024, "to": 2025, "per_year": {"fields": {"relocated": 0.5}}}}
    py = sample_years(spec, 4000, 2, record=record)
    a, b = py.batches[2024].columns["relocated"], py.batches[2025].columns["relocated"]
    assert 0.45 < a.mean() < 0.55 and 0.45 < b.mean() < 0.55
    assert 0.2 < (a & b).mean() < 0.3  # independent years: both in about a quarter
