"""Scenario files: the spec's example and a minimal one load; each malformed scenario is
one clear diagnostic with its code, line and the key path in words; all of a file's problems come
at once, rendered with the line and a caret; nothing raises anything but ScenarioError."""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from compare.simulate.scenario import MAX_SCENARIO_BYTES, Scenario, ScenarioError, load_scenario, parse_scenario
from dsl.diagnostics import CATALOGUE
from dsl.schema import FIELDS, GRADES
from dsl.units import Dim

# The spec's example (/tmp/pl12_scenario_spec.md), as written, except that the portfolio has only
# `sample` (the spec shows `file:` beside it as the other choice: exactly one of them is allowed).
FULL = """\
name: wuxi-fdi-cap                 # required: [a-z0-9_-]+, used in output file names and titles
title: "无锡提高外资到账奖励上限的成本"   # optional free text (CJK allowed) for plot titles
seed: 20261124                     # integer >= 0; required when the portfolio is sampled or monte_carlo is asked
fx: 7.0                            # USD→CNY
policies:                          # required, 1..20 entries
  - wuxi_2023
  - zhangjiagang_2017
  - path/to/my_city.policy
readings:                          # per policy id: {reading_id: option_id} (strings)
  wuxi_2023: {ceilings: full}
reforms:                           # 0..50 entries, applied in order
  - name: wuxi_cap_8000
    base: wuxi_2023
    set:
      fdi_arrival_reward.cap: 8000万元
    overrides: cap_raise.yaml
    extends: drafts/wuxi_2024.policy
    transplant:
      from: wuxi_2023
      concepts: [reward.fdi]
portfolio:
  sample:
    size: 1000
    currency: {USD: 0.7, CNY: 0.3}
    money:
      registered_capital: {lognormal: {median: 3000万美元, sigma: 1.0}}
      total_investment:   {table: amounts.csv, column: total_investment}
      fdi_arrived:        {share_of: registered_capital, low: 0.2, high: 1.0}
    ratios:
      paid_in_ratio: {uniform: {low: 0.2, high: 1.0}}
    flags:
      foreign: 0.6
      manufacturing: 0.7
      licensed: 0.8
    categories: {fortune_global_500: 0.05, foreign_hq: 0.02}
    referral: {none: 0.5, other_district: 0.3, municipal_dept: 0.15, intermediary: 0.05}
    grade: {A: 0.2, B: 0.5, C: 0.3}
    quality_score: {uniform: {low: 40, high: 100}}
    correlations:
      - {fields: [registered_capital, total_investment], rho: 0.8}
analyses:
  compare: true
  sweep:
    policy: wuxi_2023
    figure: fdi_arrival_reward.cap
    values: [1000万元, 5000万元, 1亿元]
    figure2: fdi_arrival_reward.rate
    values2: {from: 1%, to: 3%, steps: 5}
    concepts: [reward.fdi]
  monte_carlo:
    draws: 1000
    quantiles: [0.05, 0.5, 0.95]
    confidence: 0.95
  readings:
    policies: [zhangjiagang_2017]
    concepts: [points.host_district]
  competition_map:
    beneficiary: firm
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 40, scale: log}
    y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 21}
    project: {foreign: true, manufacturing: true, licensed: true, fdi_arrived: {share_of: registered_capital}}
    basis: high
outputs: [csv, json, parquet, png, svg]
"""

MINIMAL = """\
name: minimal
policies: [wuxi_2023]
portfolio: {file: projects.csv}
analyses: {compare: true}
"""


def _y(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# (id, scenario text, code, line of the diagnostic, a part of its message).  Lines counted by hand:
# the first line of each text is line 1.
MALFORMED = [
    ("missing_name", _y("""
        # a comment first: the scenario's mapping starts on line 2
        seed: 1
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E901", 2, "the scenario needs `name`"),
    ("missing_policies", _y("""
        name: t
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E901", 1, "needs `policies`"),
    ("missing_portfolio", _y("""
        name: t
        policies: [wuxi_2023]
        analyses: {compare: true}
        """), "E901", 1, "needs `portfolio`"),
    ("missing_analyses", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        """), "E901", 1, "needs `analyses`"),
    ("unknown_top_key", _y("""
        name: t
        policies: [wuxi_2023]
        seeed: 7
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E901", 3, "unknown key `seeed` in the scenario"),
    ("seed_not_a_number", _y("""
        name: t
        seed: twelve
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E901", 2, "`seed` must be a whole number of 0 or more, not `twelve`"),
    ("negative_size", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          sample:
            size: -5
        analyses: {compare: true}
        """), "E901", 6, "`portfolio.sample.size` must be a whole number from 1 to 1000000000, not `-5`"),
    ("probability_above_1", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          sample:
            size: 10
            flags:
              foreign: 1.5
        analyses: {compare: true}
        """), "E901", 8, "`portfolio.sample.flags.foreign` must be a number from 0 to 1, not `1.5`"),
    ("frequencies_sum_09", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          sample:
            size: 10
            currency: {USD: 0.6, CNY: 0.3}
        analyses: {compare: true}
        """), "E904", 7, "`portfolio.sample.currency` sum to 0.9, not 1"),
    ("file_and_sample", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          file: p.csv
          sample: {size: 10}
        analyses: {compare: true}
        """), "E901", 4, "`portfolio` takes one of `file` or `sample`, not `file` and `sample` together"),
    ("fx_low_without_high", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        fx: {low: 7}
        analyses: {compare: true}
        """), "E901", 4, "`fx` needs `high`"),
    ("sweep_range_without_to", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses:
          sweep:
            policy: wuxi_2023
            figure: fdi_arrival_reward.cap
            values: {from: 1000万元, steps: 10}
        """), "E901", 8, "`analyses.sweep.values` needs `to`"),
    ("sweep_steps_0", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses:
          sweep:
            policy: wuxi_2023
            figure: fdi_arrival_reward.cap
            values:
              from: 1000万元
              to: 1亿元
              steps: 0
        """), "E901", 11, "`analyses.sweep.values.steps` must be a whole number from 2 to 1000, not `0`"),
    ("reform_changes_nothing", _y("""
        name: t
        policies: [wuxi_2023]
        reforms:
          - name: cap
            base: wuxi_2023
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E901", 4, "`reforms[0]` needs at least one of `set`, `overrides`, `extends` or `transplant`"),
    ("reform_base_names_nothing", _y("""
        name: t
        policies: [wuxi_2023]
        reforms:
          - name: cap
            base: wuxi_2032
            set: {fdi_arrival_reward.cap: 8000万元}
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E904", 5, "`reforms[0].base` names `wuxi_2032`, which is neither a policy"),
    ("reform_base_is_later", _y("""
        name: t
        policies: [wuxi_2023]
        reforms:
          - {name: a, base: b, set: {x.cap: 1万元}}
          - {name: b, base: wuxi_2023, set: {x.cap: 2万元}}
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E904", 4, "`reforms[0].base` names `b`, a later reform"),
    ("duplicate_reform_names", _y("""
        name: t
        policies: [wuxi_2023]
        reforms:
          - {name: cap, base: wuxi_2023, set: {x.cap: 1万元}}
          - {name: cap, base: wuxi_2023, set: {x.cap: 2万元}}
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E904", 5, "two reforms are named `cap`"),
    ("reform_named_like_a_policy", _y("""
        name: t
        policies: [wuxi_2023]
        reforms:
          - {name: wuxi_2023, base: wuxi_2023, set: {x.cap: 1万元}}
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E904", 4, "reform `wuxi_2023` has the name of a policy"),
    ("transplant_from_unlisted", _y("""
        name: t
        policies: [wuxi_2023]
        reforms:
          - name: mix
            base: wuxi_2023
            transplant:
              from: taicang_2020
              concepts: [reward.fdi]
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E904", 7, "`reforms[0].transplant.from` names `taicang_2020`"),
    ("duplicate_key", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses: {compare: true}
        name: u
        """), "E903", 5, "`name` is given twice in the scenario, at lines 1 and 5"),
    ("anchor", _y("""
        name: t
        policies: &p [wuxi_2023]
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E902", 2, "YAML anchor `&p`"),
    ("alias", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses: {readings: {policies: *p}}
        """), "E902", 4, "YAML alias `*p`"),
    ("tag", _y("""
        name: t
        title: !!python/object/apply:os.system [echo hacked]
        """), "E902", 2, "YAML tag `!!python/object/apply:os.system`"),
    ("merge_key", _y("""
        name: t
        analyses: {<<: {compare: true}}
        """), "E902", 2, "merge key `<<`"),
    ("tab_indented", "name: t\npolicies:\n\t- wuxi_2023\n", "E900", 3, "not valid YAML"),
    ("unclosed_bracket", _y("""
        name: t
        policies: [wuxi_2023, taicang_2020
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E900", 3, "not valid YAML"),
    ("top_level_list", "- name: t\n- policies: [wuxi_2023]\n", "E901", 1, "a scenario file holds a mapping"),
    ("empty_file", "# nothing yet\n", "E901", 1, "the scenario file is empty"),
    ("unknown_output_format", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses: {compare: true}
        outputs:
          - csv
          - pdf
        """), "E901", 7, "`outputs[1]` must be one of `csv`, `json`, `parquet`, `png` or `svg`, not `pdf`"),
    ("monte_carlo_without_seed", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses:
          compare: true
          monte_carlo: {draws: 100}
        """), "E904", 6, "`analyses.monte_carlo` needs `seed`"),
    ("sample_without_seed", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio:
          sample: {size: 10}
        analyses: {compare: true}
        """), "E904", 4, "a sampled portfolio needs `seed`"),
    ("competition_map_basis_middle", _y("""
        name: t
        policies: [wuxi_2023, taicang_2020]
        portfolio: {file: p.csv}
        analyses:
          competition_map:
            beneficiary: firm
            x: {field: registered_capital, from: 100万美元, to: 1亿美元}
            y: {field: paid_in_ratio, from: 0%, to: 100%}
            basis: middle
        """), "E901", 9, "`analyses.competition_map.basis` must be `low` or `high`, not `middle`"),
    ("competition_map_without_axes", _y("""
        name: t
        policies: [wuxi_2023, taicang_2020]
        portfolio: {file: p.csv}
        analyses:
          competition_map:
            beneficiary: firm
            x: {field: registered_capital, from: 100万美元, to: 1亿美元}
        """), "E901", 5, "`analyses.competition_map` needs `y`"),
    ("monte_carlo_of_a_file_portfolio", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses:
          monte_carlo: {draws: 100}
        """), "E904", 6, "`analyses.monte_carlo` draws portfolios, but the portfolio is a file"),
    ("misspelt_nested_key", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          sample:
            sizes: 10
        analyses: {compare: true}
        """), "E901", 6, "unknown key `sizes` in `portfolio.sample`"),
    ("size_written_as_float", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio: {sample: {size: 1000.0}}
        analyses: {compare: true}
        """), "E901", 4, "not `1000.0`"),
    ("money_as_plain_amount", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          sample:
            size: 10
            money:
              registered_capital: 3000万美元
        analyses: {compare: true}
        """), "E901", 8, "`portfolio.sample.money.registered_capital` must be a mapping"),
    ("money_unknown_distribution", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          sample:
            size: 10
            money:
              registered_capital: {normal: {mean: 3000万美元}}
        analyses: {compare: true}
        """), "E901", 8, "needs one of `lognormal`, `uniform`, `table` or `share_of`, not `normal`"),
    ("rho_out_of_range", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          sample:
            size: 10
            money:
              registered_capital: {lognormal: {median: 3000万美元, sigma: 1.0}}
              total_investment: {lognormal: {median: 1亿元, sigma: 1.0}}
            correlations:
              - fields: [registered_capital, total_investment]
                rho: 1.2
        analyses: {compare: true}
        """), "E901", 12, "`portfolio.sample.correlations[0].rho` must be a number from -1 to 1, not `1.2`"),
    ("figure2_without_values2", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses:
          sweep:
            policy: wuxi_2023
            figure: fdi_arrival_reward.cap
            values: [1000万元]
            figure2: fdi_arrival_reward.rate
        """), "E901", 5, "`analyses.sweep` has `figure2` but no `values2`"),
    ("sweep_policy_unknown", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses:
          sweep: {policy: wuxi, figure: fdi_arrival_reward.cap, values: [1000万元]}
        """), "E904", 5, "`analyses.sweep.policy` names `wuxi`"),
    ("too_many_policies", "name: t\npolicies: [" + ", ".join(f"p{i}" for i in range(21)) + "]\n"
     "portfolio: {file: p.csv}\nanalyses: {compare: true}\n", "E901", 2, "`policies` has 21 entries; it takes from 1 to 20"),
    ("policy_listed_twice", _y("""
        name: t
        policies:
          - wuxi_2023
          - taicang_2020
          - wuxi_2023
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E904", 5, "`wuxi_2023` is listed twice in `policies`"),
    ("fx_range_backwards", _y("""
        name: t
        policies: [wuxi_2023]
        portfolio: {file: p.csv}
        analyses: {compare: true}
        fx:
          low: 7.3
          high: 6.8
        """), "E904", 6, "`fx` runs backwards"),
    ("correlation_of_a_field_with_itself", _y("""
        name: t
        seed: 1
        policies: [wuxi_2023]
        portfolio:
          sample:
            size: 10
            money:
              registered_capital: {lognormal: {median: 3000万美元, sigma: 1.0}}
            correlations:
              - {fields: [registered_capital, registered_capital], rho: 0.5}
        analyses: {compare: true}
        """), "E904", 10, "names `registered_capital` twice"),
    ("readings_of_an_unlisted_policy", _y("""
        name: t
        policies: [wuxi_2023]
        readings:
          wuxi_2032: {ceilings: full}
        portfolio: {file: p.csv}
        analyses: {compare: true}
        """), "E904", 4, "`readings` has `wuxi_2032`, neither a policy"),
    ("too_big", "name: t\ntitle: " + "x" * MAX_SCENARIO_BYTES + "\n", "E900", 1, "scenario files are read up to 1 MB"),
]


@pytest.mark.parametrize(("text", "code", "line", "part"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_scenario_is_one_clear_diagnostic(text: str, code: str, line: int, part: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.scenario.yaml")
    found = [(d.code, d.span.line, d.message) for d in info.value.diagnostics]
    assert any(c == code and n == line and part in m for c, n, m in found), found
    for d in info.value.diagnostics:
        assert d.code in CATALOGUE and d.span.file == "s.scenario.yaml" and d.span.column >= 1


def test_there_are_enough_malformed_cases() -> None:
    assert len(MALFORMED) >= 20


def test_misspelt_key_hint_says_did_you_mean() -> None:
    text = dict((c[0], c[1]) for c in MALFORMED)["unknown_top_key"]
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    (d,) = info.value.diagnostics
    assert d.hint == "did you mean `seed`?"
    assert (d.span.line, d.span.column, d.span.end_column) == (3, 1, 6)


def test_missing_key_hint_is_its_description() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario("name: t\npolicies: [wuxi_2023]\nportfolio: {file: p.csv}\n", "s.yaml")
    (d,) = info.value.diagnostics
    assert d.hint is not None and "at least one of `compare`" in d.hint


def test_full_example_from_the_spec_loads(tmp_path: Path) -> None:
    path = tmp_path / "wuxi.scenario.yaml"
    path.write_text(FULL, encoding="utf-8")
    s = load_scenario(path)
    assert isinstance(s, Scenario) and s.path == path and s.folder == tmp_path and s.text == FULL
    assert s.data["name"] == "wuxi-fdi-cap" and s.data["fx"] == 7.0 and s.data["seed"] == 20261124
    assert s.data["portfolio"]["sample"]["money"]["registered_capital"] == {"lognormal": {"median": "3000万美元", "sigma": 1.0}}
    assert s.data["reforms"][0]["set"] == {"fdi_arrival_reward.cap": "8000万元"}
    assert s.data["analyses"]["competition_map"]["y"]["from"] == "0%"
    assert s.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # where: the key's span (a list item: the item); value=True: the value's
    where = s.where("reforms", 0, "set", "fdi_arrival_reward.cap")
    assert (where.file, where.line, where.column) == (str(path), 15, 7)
    assert (s.where("policies", 2).line, s.where("policies", 2).column) == (8, 5)
    assert s.where("analyses", "sweep", "values2", value=True).line == 48
    assert s.where("analyses", "sweep", "no_such_key").line == 43  # the nearest ancestor that is there
    d = s.error(("analyses", "sweep", "figure"), "wuxi_2023 has no figure `x`", "see `policylab figures wuxi_2023`")
    assert d.code == "E904" and (d.span.line, d.span.column) == (45, 5)


def test_minimal_scenario_loads() -> None:
    s = parse_scenario(MINIMAL, "examples/minimal.scenario.yaml")
    assert s.data == {"name": "minimal", "policies": ["wuxi_2023"], "portfolio": {"file": "projects.csv"},
                      "analyses": {"compare": True}}
    assert s.folder == Path("examples") and s.where("analyses").line == 4


def test_a_policy_given_as_a_path_is_named_by_its_file_or_left_to_the_policy_stage() -> None:
    text = MINIMAL.replace("[wuxi_2023]", "[wuxi_2023, drafts/wuxi_2024.policy]") + _y("""
        reforms:
          - {name: a, base: wuxi_2024, set: {x.cap: 1万元}}
          - {name: b, base: wuxi_2024_declared_id, set: {x.cap: 1万元}}
        """)
    assert parse_scenario(text, "s.yaml").data["reforms"][1]["base"] == "wuxi_2024_declared_id"
    with pytest.raises(ScenarioError, match="has the name of a policy"):
        parse_scenario(text.replace("name: a,", "name: wuxi_2024,"), "s.yaml")


def test_ratios_and_amounts_stay_text() -> None:
    """`3:7` is a number in YAML 1.1's base 60; here it is a ratio, as written.  `.inf` is not a number."""
    text = MINIMAL + "reforms:\n  - {name: r, base: wuxi_2023, set: {split.shares: 3:7, a.rate: 3%, b.cap: 1.5:1}}\n"
    s = parse_scenario(text, "s.yaml")
    assert s.data["reforms"][0]["set"] == {"split.shares": "3:7", "a.rate": "3%", "b.cap": "1.5:1"}
    with pytest.raises(ScenarioError, match="`fx` must be a number above 0"):
        parse_scenario(MINIMAL + "fx: .inf\n", "s.yaml")


def test_every_error_of_a_file_is_reported_at_once_in_file_order() -> None:
    text = _y("""
        name: Bad Name
        seed: -1
        policies: [wuxi_2023]
        portfolio:
          sample:
            size: 0
            referral: {none: 0.5}
        analyses:
          monte_carlo: {draws: 10}
          competition_map: {beneficiary: firm, x: {field: fdi_arrived, from: 0元, to: 1亿元}, y: {field: paid_in_ratio, from: 0%, to: 100%}, basis: middle}
        colour: red
        """)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    found = [(d.code, d.span.line) for d in info.value.diagnostics]
    assert found == [("E901", 1), ("E901", 2), ("E901", 6), ("E904", 7), ("E901", 10), ("E901", 11)]


def test_rendered_error_shows_the_line_and_a_caret() -> None:
    text = MINIMAL.replace("portfolio: {file: projects.csv}", "portfolio: {sample: {size: -5}}") + "seed: 1\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    shown = str(info.value)
    assert "s.yaml:3:28: error[E901]: `portfolio.sample.size` must be a whole number from 1 to 1000000000, not `-5`" in shown
    assert "     3 | portfolio: {sample: {size: -5}}\n" in shown
    assert "\n       | " + " " * 27 + "^^\n" in shown
    assert "  hint: required: the number of projects drawn" in shown


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="E900.*cannot read the scenario file"):
        load_scenario(tmp_path / "missing.scenario.yaml")
    with pytest.raises(ScenarioError, match="E900.*cannot read"):
        load_scenario(tmp_path)
    bad = tmp_path / "gbk.scenario.yaml"
    bad.write_bytes("name: t\ntitle: 无锡\n".encode("gb18030"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    (d,) = info.value.diagnostics
    assert d.code == "E900" and d.span.line == 2 and "not UTF-8" in d.message
    big = tmp_path / "big.scenario.yaml"
    big.write_bytes(b"name: t\n" + b"#" * MAX_SCENARIO_BYTES)
    with pytest.raises(ScenarioError, match="E900.*up to 1 MB"):
        load_scenario(big)


def test_a_flood_of_errors_is_cut_to_the_first_hundred() -> None:
    text = MINIMAL + "outputs: [" + ", ".join(["pdf"] * 300) + "]\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    assert len(info.value.diagnostics) == 100 and info.value.more == 201  # 300 unknown formats, `pdf` twice
    assert str(info.value).endswith("… and 201 more problems")


def test_catalogue_has_the_scenario_codes() -> None:
    assert all(CATALOGUE[c][0] == "error" for c in ("E900", "E901", "E902", "E903", "E904"))


# ------------------------------------------------------------------ the schema

def _schema() -> dict[str, Any]:
    return json.loads(resources.files("compare.simulate").joinpath("scenario.schema.json").read_text(encoding="utf-8"))


def test_schema_is_valid_draft_2020_12_and_closed() -> None:
    schema = _schema()
    Draft202012Validator.check_schema(schema)

    def objects(node: object) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            return ([node] if node.get("type") == "object" else []) + [o for v in node.values() for o in objects(v)]
        return [o for v in node for o in objects(v)] if isinstance(node, list) else []

    for obj in objects(schema):
        assert "additionalProperties" in obj, obj.get("description")
        if obj["additionalProperties"] is not False:  # a map: its keys are checked instead
            assert "propertyNames" in obj or obj.get("additionalProperties") is True, obj.get("description")


def test_schema_words_match_the_project_record() -> None:
    """The schema's enums are the record's (dsl.schema): a field added there is not missed here."""
    d = _schema()["$defs"]
    sample = d["sample"]["properties"]
    money = [n for n, f in FIELDS.items() if f.dim == Dim.MONEY]
    assert d["money_field"]["enum"] == money
    assert sorted(sample["flags"]["propertyNames"]["enum"]) == sorted(n for n, f in FIELDS.items() if f.dim == Dim.BOOL)
    # categories and referral values are the core's and those the policies declare: a name here, checked
    # against the run's record once the policies are read (compare.simulate.names)
    for key in ("categories", "referral", "fields"):
        assert sample[key]["propertyNames"]["pattern"] == "^[A-Za-z_][A-Za-z0-9_]*$"
    assert tuple(sample["grade"]["propertyNames"]["enum"]) == GRADES
    assert set(d["project"]["properties"]) == set(FIELDS) - {"id"}


def test_every_schema_pattern_is_put_in_words() -> None:
    from compare.simulate.scenario import _PATTERNS

    text = resources.files("compare.simulate").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    patterns = {json.loads(p) for p in re.findall(r'"pattern": ("(?:[^"\\]|\\.)*")', text)}
    assert patterns <= set(_PATTERNS)


# ------------------------------------------------------------------ never a traceback

_LINES = FULL.splitlines()
_JUNK = ["", "-", ":", "{", "[", "}", "'", "x: 1", "  - 2", "*a", "&a x", "!!str 1", "<<: {}", "\t", "seed: 1.5",
         "    size: 0", "  compare: maybe", "null", "~", "fx: {low: 9, high: 1}", "- {fields: [fdi_arrived, fdi_arrived]}"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_LINES) - 1), st.sampled_from(_JUNK), st.booleans()), min_size=1, max_size=4))
def test_broken_scenarios_never_raise_anything_else(edits: list[tuple[int, str, bool]]) -> None:
    lines = list(_LINES)
    for at, junk, replace in edits:
        at = min(at, len(lines) - 1)
        if replace:
            lines[at] = lines[at][: len(lines[at]) - len(lines[at].lstrip())] + junk
        else:
            lines.insert(at, junk)
    try:
        parse_scenario("\n".join(lines) + "\n", "s.yaml")
    except ScenarioError as e:
        assert e.diagnostics and all(d.code in CATALOGUE for d in e.diagnostics)
        str(e)
