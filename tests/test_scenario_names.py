"""Every value a scenario names is checked against the policies of the run (compare.simulate.names, .named):
each kind of named value wrong once, with its code, the line worked out by hand (the first line of
each text is line 1) and the did-you-mean; several wrong names in one file all reported at once;
the schema walked so that a key added later must say how its value is checked; and a run too large
refused with its estimate before any analysis runs."""

from __future__ import annotations

import json
import shutil
import textwrap
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jsonschema")

from compare.simulate.cost import LineCost, estimate  # noqa: E402
from compare.simulate.named import NAMED  # noqa: E402
from compare.simulate.plan import run_scenario  # noqa: E402
from compare.simulate.scenario import ScenarioError, parse_scenario  # noqa: E402
from dsl.diagnostics import CATALOGUE, Diagnostic  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

HEAD = """\
name: names
fx: 7.0
policies: [wuxi_2023, zhangjiagang_2017]
portfolio: {file: projects.yaml}
"""  # lines 1-4 of every case below but the sampled ones


def _problems(tmp: Path, text: str) -> list[Diagnostic]:
    """The diagnostics of running `text` (the scenario file tmp/s.yaml, beside examples/projects.yaml)."""
    shutil.copy(ROOT / "examples" / "projects.yaml", tmp / "projects.yaml")
    (tmp / "amounts.csv").write_text("registered_capital[万美元]\n500\n3000\n", encoding="utf-8")
    sc = parse_scenario(textwrap.dedent(text).lstrip("\n"), str(tmp / "s.yaml"))
    with pytest.raises(ScenarioError) as err:
        run_scenario(sc)
    return err.value.diagnostics


# (id, scenario text, code, line, a part of the message, a part of the hint)
CASES = [
    # the issue's four examples
    ("beneficiary_misspelt", HEAD + """\
analyses:
  competition_map:
    beneficiary: intermediaries
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 3}
    y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 3}
""", "E905", 7, "`intermediaries` is not a beneficiary", "did you mean `intermediary`?"),
    ("reading_misspelt", HEAD + """\
readings:
  wuxi_2023: {ceiling: full}
analyses: {compare: true}
""", "E905", 6, "`wuxi_2023` declares no reading `ceiling`", "did you mean `ceilings`?"),
    ("option_unknown", HEAD + """\
readings:
  wuxi_2023: {ceilings: bogus}
analyses: {compare: true}
""", "E905", 6, "reading `ceilings` of `wuxi_2023` has no option `bogus`", "`range` or `full`"),
    ("fx_tiny", HEAD.replace("fx: 7.0", "fx: 1.0e-308") + "analyses: {compare: true}\n",
     "E907", 2, "`fx` is 1e-308, not a plausible USD→CNY rate", "rates from 1 to 20"),
    # rates: one written the other way round gets its inverse (1 / 0.14 = 7.143)
    ("fx_inverted", HEAD.replace("fx: 7.0", "fx: 0.14") + "analyses: {compare: true}\n",
     "E907", 2, "not a plausible USD→CNY rate", "write 7.143"),
    ("fx_range_high", HEAD.replace("fx: 7.0", "fx: {low: 6.8, high: 700}") + "analyses: {compare: true}\n",
     "E907", 2, "`fx.high` is 700", "about 7"),
    # a beneficiary of the taxonomy that no compared line pays money: 无锡 pays the firm and the
    # intermediary (firm_total, (6) 中介), 太仓 the intermediary; host_district gets points only
    ("beneficiary_unpaid", HEAD.replace("zhangjiagang_2017", "taicang_2020") + """\
analyses:
  competition_map:
    beneficiary: host_district
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 3}
    y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 3}
""", "E906", 7, "pays `host_district` money", "`firm` or `intermediary`"),
    # concepts
    ("sweep_concept_misspelt", HEAD + """\
analyses:
  sweep:
    policy: wuxi_2023
    figure: fdi_arrival_reward.cap
    values: [1000万元, 2000万元]
    concepts: [reward.fdii]
""", "E905", 10, "`reward.fdii` is not a concept", "did you mean `reward.fdi`?"),
    ("readings_concept_not_given", HEAD + """\
analyses:
  readings:
    policies: [zhangjiagang_2017]
    concepts: [reward.fdi]
""", "E906", 8, "`zhangjiagang_2017` has no clause for `reward.fdi`", "reward.team"),
    ("sweep_concept_yes_no", HEAD.replace("zhangjiagang_2017", "jiaxing_draft") + """\
analyses:
  sweep:
    policy: jiaxing_draft
    figure: counts_as_over_100m_usd.threshold
    values: [1亿美元, 2亿美元]
    concepts: [duty.signing_prereport]
""", "E906", 10, "a yes/no outcome", "an amount or points"),
    ("monte_carlo_concept", HEAD.replace("portfolio: {file: projects.yaml}", "seed: 1\nportfolio:\n  sample: {size: 10}") + """\
analyses:
  monte_carlo: {draws: 2, concepts: [money.totl]}
""", "E905", 8, "`money.totl` is not a concept", "did you mean `money.total`?"),
    ("transplant_concept", HEAD + """\
reforms:
  - name: zjg_fdi
    base: zhangjiagang_2017
    transplant: {from: wuxi_2023, concepts: [reward.fd]}
analyses: {compare: true}
""", "E905", 8, "`reward.fd` is not a concept", "did you mean `reward.fdi`?"),
    # figure paths and their values
    ("set_path", HEAD + """\
reforms:
  - name: cap
    base: wuxi_2023
    set: {fdi_arrival_reward.caps: 8000万元}
analyses: {compare: true}
""", "E905", 8, "no figure `fdi_arrival_reward.caps`", "did you mean `fdi_arrival_reward.cap`?"),
    ("set_value_currency", HEAD + """\
reforms:
  - name: cap
    base: wuxi_2023
    set:
      fdi_arrival_reward.cap: 8000万美元
analyses: {compare: true}
""", "E910", 9, "is USD", "write it in 元"),
    ("sweep_figure", HEAD + """\
analyses:
  sweep:
    policy: wuxi_2023
    figure: fdi_arival_reward.cap
    values: [1000万元, 2000万元]
""", "E905", 8, "no figure `fdi_arival_reward.cap`", "did you mean `fdi_arrival_reward.cap`?"),
    ("sweep_value_unit", HEAD + """\
analyses:
  sweep:
    policy: wuxi_2023
    figure: fdi_arrival_reward.cap
    values:
      - 1000万元
      - 3%
""", "E910", 11, "`analyses.sweep.values[1]`", "e.g. 8000万元"),
    ("sweep_same_figure_twice", HEAD + """\
analyses:
  sweep:
    policy: wuxi_2023
    figure: fdi_arrival_reward.cap
    values: [1000万元, 2000万元]
    figure2: fdi_arrival_reward.cap
    values2: [1000万元, 2000万元]
""", "E904", 10, "varies `fdi_arrival_reward.cap` twice", "two different figures"),
    # policies and files
    ("policy_id", HEAD.replace("zhangjiagang_2017", "zhangjiagang_2071") + "analyses: {compare: true}\n",
     "E905", 3, "no policy `zhangjiagang_2071`", "did you mean `zhangjiagang_2017`?"),
    ("portfolio_file", HEAD.replace("projects.yaml", "project.yaml") + "analyses: {compare: true}\n",
     "E905", 4, "no project file `project.yaml`", "did you mean `projects.yaml`?"),
    ("overrides_file", HEAD + """\
reforms:
  - {name: cap, base: wuxi_2023, overrides: cap_raise.yaml}
analyses: {compare: true}
""", "E905", 6, "no overrides file `cap_raise.yaml`", "relative to the scenario file"),
    ("extends_file", HEAD + """\
reforms:
  - {name: cap, base: wuxi_2023, extends: wuxi_2024.policy}
analyses: {compare: true}
""", "E905", 6, "no policy file `wuxi_2024.policy`", "relative to the scenario file"),
    ("table_column", HEAD.replace("portfolio: {file: projects.yaml}", """\
seed: 1
portfolio:
  sample:
    size: 10
    money:
      registered_capital: {table: amounts.csv, column: registerd_capital}""") + "analyses: {compare: true}\n",
     "E905", 9, "amounts.csv has no column `registerd_capital`", "did you mean `registered_capital`?"),
    # categories and referral values: the built-in ones and those the run's policies declare
    ("category_misspelt", HEAD.replace("portfolio: {file: projects.yaml}", """\
seed: 1
portfolio:
  sample:
    size: 10
    categories: {fortune_global500: 0.1}""") + "analyses: {compare: true}\n",
     "E905", 8, "`fortune_global500` is not a category", "did you mean `fortune_global_500`?"),
    ("referral_misspelt", HEAD.replace("portfolio: {file: projects.yaml}", """\
seed: 1
portfolio:
  sample:
    size: 10
    referral: {intermediry: 1.0}""") + "analyses: {compare: true}\n",
     "E905", 8, "`intermediry` is not a referral", "did you mean `intermediary`?"),
    ("field_undeclared", HEAD.replace("portfolio: {file: projects.yaml}", """\
seed: 1
portfolio:
  sample:
    size: 10
    fields: {new_jobs: {uniform: {low: 1人, high: 5人}}}""") + "analyses: {compare: true}\n",
     "E905", 8, "`new_jobs` is not a field of the run's policies", "declare one with `field NAME"),
    # numbers out of range that the schema takes as text
    ("share_over_one", HEAD.replace("portfolio: {file: projects.yaml}", """\
seed: 1
portfolio:
  sample:
    size: 10
    money:
      registered_capital: {lognormal: {median: 3000万美元, sigma: 1.0}}
      fdi_arrived: {share_of: registered_capital, low: 20%, high: 150%}""") + "analyses: {compare: true}\n",
     "E907", 10, "`portfolio.sample.money.fdi_arrived.high` is 150%", "from 0 to 1"),
    ("currency_unknown", HEAD.replace("portfolio: {file: projects.yaml}", """\
seed: 1
portfolio:
  sample:
    size: 10
    money:
      registered_capital: {lognormal: {median: 3000万欧元, sigma: 1.0}}""") + "analyses: {compare: true}\n",
     "E907", 9, "unknown unit `欧元`", "e.g. 3000万美元 or 1.5亿元"),
    ("ratio_fixed_over_one", HEAD.replace("portfolio: {file: projects.yaml}", """\
seed: 1
portfolio:
  sample:
    size: 10
    ratios: {paid_in_ratio: 130%}""") + "analyses: {compare: true}\n",
     "E907", 8, "`portfolio.sample.ratios.paid_in_ratio` is 130%", "from 0 to 1"),
    # the competition map's fields
    ("map_same_axes", HEAD + """\
analyses:
  competition_map:
    beneficiary: firm
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 3}
    y: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 3}
""", "E904", 9, "both axes of the map are `registered_capital`", "two different fields"),
    ("map_fixed_axis", HEAD + """\
analyses:
  competition_map:
    beneficiary: firm
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 3}
    y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 3}
    project:
      foreign: true
      paid_in_ratio: 50%
""", "E904", 12, "`paid_in_ratio` is an axis of the map and also fixed", "remove it from `project`"),
    ("map_share_of_nothing", HEAD + """\
analyses:
  competition_map:
    beneficiary: firm
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 3}
    y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 3}
    project: {fdi_arrived: {share_of: total_investment}}
""", "E904", 10, "a share of `total_investment`, which has no amount on the map", "make `total_investment` an axis"),
    ("map_axis_currencies", HEAD + """\
analyses:
  competition_map:
    beneficiary: firm
    x: {field: registered_capital, from: 100万美元, to: 1亿元, steps: 3}
    y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 3}
""", "E907", 8, "two currencies", "one currency"),
    ("map_score_over_100", HEAD + """\
analyses:
  competition_map:
    beneficiary: firm
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 3}
    y: {field: quality_score, from: 40, to: 120, steps: 3}
""", "E907", 9, "`analyses.competition_map.y.to` is 120", "from: 40, to: 100"),
    ("map_log_from_zero", HEAD + """\
analyses:
  competition_map:
    beneficiary: firm
    x: {field: registered_capital, from: 0美元, to: 1亿美元, steps: 3, scale: log}
    y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 3}
""", "E907", 8, "a log scale starts above 0", "scale: linear"),
]


@pytest.mark.parametrize("text, code, line, message, hint", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_named_value_is_checked(tmp_path: Path, text: str, code: str, line: int, message: str, hint: str) -> None:
    diags = _problems(tmp_path, text)
    assert len(diags) == 1, [d.message for d in diags]
    d = diags[0]
    assert (d.code, d.span.line) == (code, line), d
    assert message in d.message and hint in (d.hint or ""), (d.message, d.hint)


def test_the_reading_misspelt_points_at_its_key_and_the_option_at_its_value(tmp_path: Path) -> None:
    text = HEAD + "readings:\n  wuxi_2023: {ceiling: full}\n  zhangjiagang_2017: {landing: bogus}\nanalyses: {compare: true}\n"
    key, value = _problems(tmp_path, text)
    # line 6 `  wuxi_2023: {ceiling: full}`: `ceiling` starts at column 15; line 7
    # `  zhangjiagang_2017: {landing: bogus}`: `bogus` at column 33
    assert (key.span.line, key.span.column) == (6, 15)
    assert (value.span.line, value.span.column, value.span.end_column) == (7, 32, 37)


def test_several_wrong_names_are_all_reported_at_once(tmp_path: Path) -> None:
    text = """\
name: names
fx: 0.001
policies: [wuxi_2023, zhangjiagang_2017]
readings:
  wuxi_2023: {ceiling: full, stacking: bogus}
portfolio: {file: projects.yaml}
reforms:
  - {name: cap, base: wuxi_2023, set: {fdi_arrival_reward.caps: 8000万元}}
analyses:
  readings: {concepts: [points.host_distrct]}
  competition_map:
    beneficiary: intermediaries
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 3}
    y: {field: paid_in_ratio, from: 0%, to: 150%, steps: 3}
"""
    diags = _problems(tmp_path, text)
    assert [(d.code, d.span.line) for d in diags] == [
        ("E907", 2), ("E905", 5), ("E905", 5), ("E905", 8), ("E905", 10), ("E905", 12), ("E907", 14)]
    hints = " ".join(d.hint or "" for d in diags)
    for near in ("`ceilings`", "`fdi_arrival_reward.cap`", "`points.host_district`", "`intermediary`"):
        assert f"did you mean {near}?" in hints


def test_a_reform_that_extends_a_file_is_checked_once_built(tmp_path: Path) -> None:
    """A reform written as a file that `extends` the base is known only when it is built: its readings
    are checked then, at the scenario's line."""
    from compare.api import load_policy
    from compare.simulate.reform import Change, apply_changes

    base = load_policy(ROOT / "policies" / "wuxi_2023.policy").policy
    apply_changes(base, [Change("fdi_arrival_reward.cap", "8000万元")], "wuxi_cap", tmp_path, [ROOT / "policies"])
    text = HEAD + """\
reforms:
  - {name: child, base: wuxi_2023, extends: wuxi_cap.policy}
readings:
  child: {ceilings: bogus}
analyses: {compare: true}
"""
    (d,) = _problems(tmp_path, text)
    assert (d.code, d.span.line) == ("E905", 8) and "`child`" in d.message and "`range` or `full`" in (d.hint or "")


def test_new_codes_are_in_the_catalogue() -> None:
    assert [CATALOGUE[c][0] for c in ("E905", "E906", "E907", "E908")] == ["error"] * 4


# ------------------------------------------------------------------ every place of the schema is placed

def _schema_values() -> set[str]:
    """Every place of the schema that holds a value: a string, a number or a choice (`<key>` a
    mapping's key, `*` its values, `[]` a list's items), found by walking it."""
    schema = json.loads(resources.files("compare.simulate").joinpath("scenario.schema.json").read_text(encoding="utf-8"))

    def resolve(s: Any) -> dict[str, Any]:
        while isinstance(s, dict) and "$ref" in s:
            s = {**schema["$defs"][s["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in s.items() if k != "$ref"}}
        return s if isinstance(s, dict) else {}

    found: set[str] = set()

    def walk(s: Any, path: str) -> None:
        s = resolve(s)
        for branch in s.get("oneOf", []) + s.get("anyOf", []):
            walk(branch, path)
        if "propertyNames" in s:
            walk(s["propertyNames"], path + ".<key>")
        for k, v in s.get("properties", {}).items():
            walk(v, f"{path}.{k}" if path else k)
        if isinstance(s.get("additionalProperties"), dict):
            walk(s["additionalProperties"], path + ".*")
        if "items" in s:
            walk(s["items"], path + "[]")
        types = [s["type"]] if isinstance(s.get("type"), str) else s.get("type", [])
        if "enum" in s or {"string", "number", "integer"} & set(types):
            found.add(path)

    walk(schema, "")
    return found


def test_every_value_of_the_schema_says_how_it_is_checked() -> None:
    """A key added to the schema must be placed in names.NAMED (free text, the schema's own check, or
    what it names); a place listed there must still be in the schema."""
    places = _schema_values()
    assert len(places) > 90  # the walk reaches into $defs, oneOf branches, keys and list items
    assert sorted(places - set(NAMED)) == [], "add these to compare/simulate/named.py NAMED"
    assert sorted(set(NAMED) - places) == [], "these are no longer in the schema"
    assert all(how.split(":")[0].split(";")[0].split("/")[0] in (
        "free", "free text", "schema", "schema (the categories of dsl.schema)", "E904", "E905", "E906", "E907", "E910")
        for how in NAMED.values())


def test_every_named_string_is_checked_here() -> None:
    """Each string place that names a thing of the policies or the folder is checked by a code of its
    own, not left free: free text is the scenario's name and title and a project's industry label."""
    free = sorted(p for p, how in NAMED.items() if how.startswith("free"))
    assert free == ["analyses.competition_map.project.industry", "name", "title"]


# ------------------------------------------------------------------ the cost of a run

def test_a_huge_sweep_is_refused_quickly_with_its_estimate(tmp_path: Path) -> None:
    """1000 × 1000 points over 1000 projects: 10^9 project-evaluations of one line; refused before
    any point is run (a point is ~5 ms: running even the first block would show)."""
    text = """\
name: huge
seed: 1
fx: 7.0
policies: [wuxi_2023]
portfolio:
  sample: {size: 1000}
analyses:
  sweep:
    policy: wuxi_2023
    figure: fdi_arrival_reward.cap
    values: {from: 1000万元, to: 1亿元, steps: 1000}
    figure2: fdi_arrival_reward.rate
    values2: {from: 1%, to: 3%, steps: 1000}
"""
    start = time.perf_counter()
    (d,) = _problems(tmp_path, text)
    assert time.perf_counter() - start < 30  # the run itself would take hours
    assert d.code == "E908" and d.span.line == 8  # at `sweep:`
    assert "1,000,000,000 project-evaluations" in d.message and "--force-large" in (d.hint or "")


def test_the_estimate_counts_points_projects_and_lines() -> None:
    lines = [LineCost("a", 10, [2, 2]), LineCost("b", 5, [3])]
    analyses = {"compare": True, "sweep": {"policy": "a", "values": [1, 2, 3], "values2": {"steps": 4}},
                "monte_carlo": {"draws": 7}, "readings": {"policies": ["a"]},
                "competition_map": {"x": {"steps": 5}, "y": {}}}  # y: 20 steps by default
    est = estimate(analyses, lines, projects=1000, chunk_size=400, sample_size=100)
    got = {p.analysis: p.evaluations for p in est.parts}
    # compare 1000 × 2 lines; sweep 3 × 4 points × the first chunk (400); Monte Carlo 7 × 100 × 2;
    # readings of `a`: its own run, 2 + 2 options, 2 × 2 combinations = 9 runs × 400;
    # the map 5 × 20 cells × 2 lines
    assert got == {"compare": 2000, "sweep": 4800, "monte_carlo": 1400, "readings": 3600, "competition_map": 200}
    assert not est.too_large


def test_a_million_draws_of_a_thousand_projects_is_too_large() -> None:
    est = estimate({"monte_carlo": {"draws": 1_000_000}}, [LineCost("a", 10, [])], 1000, 1_000_000, 1000)
    assert est.evaluations == 10**9 and est.too_large


def test_past_the_limit_a_run_is_refused_unless_forced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit, lowered to nothing, refuses a small run (E908) with no work done; `force_large` runs it."""
    from compare.simulate import cost

    monkeypatch.setattr(cost, "MAX_SECONDS", 0.0)
    shutil.copy(ROOT / "examples" / "projects.yaml", tmp_path / "projects.yaml")
    sc = parse_scenario(HEAD + "analyses: {compare: true}\n", str(tmp_path / "s.yaml"))
    with pytest.raises(ScenarioError) as err:
        run_scenario(sc)
    assert err.value.diagnostics[0].code == "E908"
    assert run_scenario(sc, force_large=True).tables["totals"].num_rows > 0


def test_every_long_analysis_reports_its_progress(tmp_path: Path) -> None:
    """Sweeps, Monte Carlo, readings and the competition map each tick the progress callback up to
    their total (the portfolio's chunks too)."""
    text = """\
name: ticks
seed: 1
fx: 7.0
policies: [wuxi_2023, zhangjiagang_2017]
portfolio:
  sample: {size: 20, money: {registered_capital: {lognormal: {median: 3000万美元, sigma: 1.0}}}}
analyses:
  compare: true
  sweep: {policy: wuxi_2023, figure: fdi_arrival_reward.cap, values: [1000万元, 2000万元]}
  monte_carlo: {draws: 2}
  readings: {policies: [wuxi_2023]}
  competition_map:
    beneficiary: firm
    x: {field: registered_capital, from: 100万美元, to: 1亿美元, steps: 2}
    y: {field: paid_in_ratio, from: 0%, to: 100%, steps: 2}
"""
    ticks: dict[str, tuple[int, int]] = {}
    run_scenario(parse_scenario(text, str(tmp_path / "s.yaml")),
                 progress=lambda what, done, total: ticks.__setitem__(what, (done, total)))
    # the last tick of each: done == total (20 projects, 2 points, 2 draws, 2 steps for one line,
    # 2 lines on the map)
    assert ticks == {"portfolio": (20, 20), "sweep": (2, 2), "monte carlo": (2, 2), "readings": (2, 2),
                     "competition map": (2, 2)}


def test_the_issues_example_exits_1_with_the_caret_and_no_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    shutil.copy(ROOT / "examples" / "projects.yaml", tmp_path / "projects.yaml")
    (tmp_path / "s.yaml").write_text(HEAD + """\
analyses:
  competition_map: {beneficiary: intermediaries, x: {field: registered_capital, from: 100万美元, to: 1亿美元},
                    y: {field: paid_in_ratio, from: 0%, to: 100%}}
""", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "compare.cli", "simulate", str(tmp_path / "s.yaml"), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    # line 6, `intermediaries` at column 34 (after `  competition_map: {beneficiary: `)
    assert "s.yaml:6:34: error[E905]" in done.stderr and "did you mean `intermediary`?" in done.stderr
    assert "^^^^^^^^^^^^^^" in done.stderr and not (tmp_path / "out").exists()


# The fixed choices (grade, currencies, built-in fields) are the
# schema's lists (tests/test_scenario.py checks them against dsl.schema); a wrong one is E901 with a
# did-you-mean, the same in another case first.
CHOICES = [
    ("currency", "portfolio:\n  sample: {size: 3, currency: {usd: 1.0}}\n", 5,
     "unknown key `usd`", "did you mean `USD`?"),
    ("money_field", "portfolio:\n  sample: {size: 3, money: {registerd_capital: {lognormal: {median: 1万美元, sigma: 1}}}}\n",
     5, "unknown key `registerd_capital`", "did you mean `registered_capital`?"),
    ("referral_value", "portfolio: {file: p.csv}\nanalyses:\n  competition_map:\n    beneficiary: firm\n"
     "    x: {field: registered_capital, from: 1万美元, to: 2万美元}\n    y: {field: paid_in_ratio, from: 0%, to: 100%}\n"
     "    project: {referral: intermediry}\n", 10, "not `intermediry`", "did you mean `intermediary`?"),
    ("grade_value", "portfolio: {file: p.csv}\nanalyses:\n  competition_map:\n    beneficiary: firm\n"
     "    x: {field: registered_capital, from: 1万美元, to: 2万美元}\n    y: {field: paid_in_ratio, from: 0%, to: 100%}\n"
     "    project: {grade: a}\n", 10, "not `a`", "did you mean `A`?"),
    ("axis_field", "portfolio: {file: p.csv}\nanalyses:\n  competition_map:\n    beneficiary: firm\n"
     "    x: {field: registered_capitl, from: 1万美元, to: 2万美元}\n    y: {field: paid_in_ratio, from: 0%, to: 100%}\n",
     8, "not `registered_capitl`", "did you mean `registered_capital`?"),
]


@pytest.mark.parametrize("body, line, message, hint", [c[1:] for c in CHOICES], ids=[c[0] for c in CHOICES])
def test_a_wrong_choice_of_the_record_says_did_you_mean(body: str, line: int, message: str, hint: str) -> None:
    text = "name: x\nseed: 1\npolicies: [wuxi_2023]\n" + body + ("" if "analyses" in body else "analyses: {compare: true}\n")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "x.yaml")
    d = next(d for d in err.value.diagnostics if message in d.message)
    assert (d.code, d.span.line, d.hint) == ("E901", line, hint)


def test_an_overrides_file_path_is_checked_at_its_line_there(tmp_path: Path) -> None:
    """A figure path of an overrides file is reported in that file (line 2 below), with the scenario's
    own problems, and rendered with that file's line."""
    (tmp_path / "cap.yaml").write_text("# raise the cap\nfdi_arrival_reward.capp: 8000万元\n", encoding="utf-8")
    text = HEAD + """\
reforms:
  - {name: cap, base: wuxi_2023, overrides: cap.yaml}
readings:
  cap: {ceilings: ful}
analyses: {compare: true}
"""
    shutil.copy(ROOT / "examples" / "projects.yaml", tmp_path / "projects.yaml")
    with pytest.raises(ScenarioError) as err:
        run_scenario(parse_scenario(text, str(tmp_path / "s.yaml")))
    first, second = err.value.diagnostics
    assert (first.code, first.span.line, Path(first.span.file).name) == ("E905", 8, "s.yaml")  # `ful`
    assert first.hint == "did you mean `full`?"
    assert (second.code, second.span.line, Path(second.span.file).name) == ("E905", 2, "cap.yaml")
    assert second.hint == "did you mean `fdi_arrival_reward.cap`?"
    assert "   2 | fdi_arrival_reward.capp: 8000万元" in str(err.value)


def test_a_policy_not_found_is_reported_with_the_other_names(tmp_path: Path) -> None:
    """The policies that are found are checked as usual beside the one that is not."""
    text = HEAD.replace("zhangjiagang_2017", "zhangjiagang_2071") + """\
readings:
  wuxi_2023: {ceiling: full}
  zhangjiagang_2071: {landing: bogus}
analyses: {compare: true}
"""
    diags = _problems(tmp_path, text)
    # line 3: the policy; line 6: wuxi's reading; line 7 names the missing policy: nothing more said
    assert [(d.code, d.span.line) for d in diags] == [("E905", 3), ("E905", 6)]
