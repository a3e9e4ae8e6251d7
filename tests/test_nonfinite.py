"""No non-finite values: a constant fault is a check-time error, a division by a field
that is 0 makes the project not eligible, infinite inputs and rates are refused, and JSON output
never holds NaN or Infinity.  The commands are run as a user runs them (`python -m compare.cli`)."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES, ROOT

from compare.api import outcomes
from compare.data.read import from_dicts
from compare.data.records import InputError
from compare.data.write import outcome_rows, render_json
from compare.engine.evaluate import CompiledPolicy
from dsl.check import check_text
from dsl.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]
QUOTE = "每个项目加5分，按1比1折算，到账外资的1.5%，有30%以上外资到账"
HEADER = 'policy r {\n  city r "随机"\n  source "sources/r.txt"\n}\n'


def clause(value: str, concept: str = "points.host_district", when: str | None = None) -> str:
    condition = f"  when {when}\n" if when else ""
    return (f'clause c {{\n  concept {concept}\n  beneficiary host_district\n  cite "第1条" "{QUOTE}"\n'
            f"{condition}  value {value}\n}}\n")


def codes(body: str) -> list[str]:
    _, diags = check_text(HEADER + body, "r.policy", TAXONOMY, QUOTE)
    return [d.code for d in diags if d.is_error]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=120)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A policy folder with the bundled taxonomy and a source text for one-clause policies."""
    shutil.copytree(POLICIES / "taxonomy", tmp_path / "taxonomy")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "r.txt").write_text(QUOTE + "\n", encoding="utf-8")
    (tmp_path / "projects.yaml").write_text("- {id: p1, foreign: true, paid_in_ratio: 0%, fdi_arrived: 1400万美元}\n"
                                            "- {id: p2, foreign: true, paid_in_ratio: 50%}\n", encoding="utf-8")
    return tmp_path


def write_policy(folder: Path, body: str) -> Path:
    path = folder / "r.policy"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def strict_json(text: str) -> object:
    """JSON as the standard has it: NaN, Infinity and -Infinity are not JSON."""
    def refuse(name: str) -> object:
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


# ---------------------------------------------------------------- constant faults: errors when checking


@pytest.mark.parametrize("value, code", [
    ("5分 / (1 - 1)", "E306"),                           # the reproducer: division by a constant zero
    ("5分 / (1 - 1) * 2", "E306"),
    ("∞ - ∞", "E308"),                                    # ∞ − ∞ between constants
    ('promised "按1比1折算" - ∞', "E308"),                   # [0, ∞] − ∞: the high end is ∞ − ∞
    ("∞ / ∞", "E308"),
    ("1" + "0" * 400 + "分", "E307"),                     # a figure that overflows float
    ("1" + "0" * 200 + "分 * 1" + "0" * 200, "E307"),    # arithmetic on figures that overflows
])
def test_constant_faults_are_errors(value: str, code: str) -> None:
    assert code in codes(clause(value))


def test_division_by_zero_under_one_reading_option_is_an_error() -> None:
    body = ('reading w "w" {\n  cite "第1条" "按1比1折算"\n  option one\n  option none\n  default one\n'
            '  because "b"\n}\n' + clause("5分 / by reading w { one: 1  none: 1 - 1 }"))
    assert "E306" in codes(body)


@pytest.mark.parametrize("value", ["5分 / 1", "5分 / paid_in_ratio", "0% of ∞", "∞ + 5分", "5分 - 1分"])
def test_arithmetic_with_a_value_is_not_a_fault(value: str) -> None:
    assert not {"E306", "E307", "E308"} & set(codes(clause(value)))


def test_eval_of_a_division_by_constant_zero_is_a_diagnostic_not_a_traceback(folder: Path) -> None:
    policy = write_policy(folder, clause("5分 / (1 - 1)"))
    r = run("eval", str(policy), "--projects", str(folder / "projects.yaml"), "--format", "json")
    assert r.returncode == 1 and "error[E306]" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = run("check", str(policy))
    assert r.returncode == 1 and "error[E306]: division by zero: the divisor is 0" in r.stderr


# ---------------------------------------------------------------- division by a field that is 0


def test_division_by_a_field_that_is_zero_is_not_eligible() -> None:
    policy, diags = check_text(HEADER + clause("5分 / paid_in_ratio"), "r.policy", TAXONOMY, QUOTE)
    assert policy is not None and not [d for d in diags if d.is_error], diags
    (out,) = outcomes([CompiledPolicy(policy)], [{"id": "zero", "paid_in_ratio": "0%"},
                                                 {"id": "half", "paid_in_ratio": "50%"}], fx=7.0)
    # 0%: no quotient, the clause does not fire; 50%: 5分 / 0.5 = 10分
    assert not out.fired["c"][0] and out.value("points.host_district", 0) == 0.0
    assert out.fired["c"][1] and out.value("points.host_district", 1) == 10.0
    values = [out.numeric["points.host_district"][k].tolist() for k in (0, 1)]
    assert all(math.isfinite(x) for end in values for x in end)


def test_a_condition_dividing_by_a_field_that_is_zero_is_false() -> None:
    when = "fdi_arrived / registered_capital >= 30%"
    policy, diags = check_text(HEADER + clause("5分", when=when), "r.policy", TAXONOMY, QUOTE)
    assert policy is not None and not [d for d in diags if d.is_error], diags
    (out,) = outcomes([CompiledPolicy(policy)], [{"id": "no_capital", "fdi_arrived": "1万元"},
                                                 {"id": "a", "fdi_arrived": "40万元", "registered_capital": "100万元"}],
                      fx=7.0)
    assert out.value("points.host_district", 0) == 0.0 and out.value("points.host_district", 1) == 5.0


def test_eval_json_has_no_nan_for_a_division_by_a_zero_ratio(folder: Path) -> None:
    policy = write_policy(folder, clause("5分 / paid_in_ratio"))
    r = run("eval", str(policy), "--projects", str(folder / "projects.yaml"), "--format", "json", "--fx", "7")
    assert r.returncode == 0, r.stderr
    rows = strict_json(r.stdout)
    assert isinstance(rows, list)
    by_id = {row["project"]: row["outcomes"]["points.host_district"] for row in rows}
    assert by_id == {"p1": 0, "p2": 10}  # p1 has paid in 0%: not eligible; p2: 5分 / 50% = 10分
    r = run("compare", str(policy), "--projects", str(folder / "projects.yaml"), "--fx", "7")
    assert r.returncode == 0 and "nan" not in r.stdout.lower(), r.stdout


# ---------------------------------------------------------------- infinite inputs and rates are refused


@pytest.mark.parametrize("amount", ["{amount: .inf, currency: USD}", ".inf", "1" + "0" * 400 + "万元",
                                    "USD 1" + "0" * 20])
def test_infinite_or_huge_amounts_in_a_project_file_are_refused(folder: Path, amount: str) -> None:
    projects = folder / "bad.yaml"
    projects.write_text(f"- {{id: p1, registered_capital: {amount}}}\n", encoding="utf-8")
    r = run("eval", "policies/zhangjiagang_2017.policy", "--projects", str(projects), "--format", "json")
    assert r.returncode == 1 and "error[E803]" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert "registered_capital" in r.stderr


@pytest.mark.parametrize("record", [{"paid_in_ratio": float("inf")}, {"year": float("inf")},
                                    {"registered_capital": {"amount": float("inf"), "currency": "USD"}},
                                    {"registered_capital": float("-inf")}])
def test_non_finite_values_in_records_are_refused(record: dict[str, object]) -> None:
    with pytest.raises(InputError) as e:
        from_dicts([{"id": "p", **record}])
    assert e.value.diagnostics[0].code == "E803"


@pytest.mark.parametrize("record", [{"paid_in_ratio": float("nan")}, {"quality_score": float("nan")},
                                    {"registered_capital": {"amount": float("nan"), "currency": "CNY"}},
                                    {"registered_capital": None}, {"registered_capital": "NaN"}])
def test_nan_and_none_are_not_given(record: dict[str, object]) -> None:
    """NaN (a DataFrame's empty cell), None and the text NaN mean "not given": the schema's default
    applies and the field is marked not given."""
    (name,) = record
    batch = from_dicts([{"id": "p", **record}])
    assert not batch.columns[f"{name}#given"][0]


def test_amounts_finer_than_a_fen_are_refused() -> None:
    with pytest.raises(InputError) as e:
        from_dicts([{"id": "p", "registered_capital": "1.005元"}])
    assert e.value.diagnostics[0].code == "E802" and "finer than a fen" in e.value.diagnostics[0].message


@pytest.mark.parametrize("rate", ["inf", "-inf", "nan", "0", "-7.1", "Infinity"])
def test_a_non_finite_or_non_positive_rate_is_a_command_line_error(rate: str) -> None:
    for command in ("eval", "compare"):
        r = run(command, "policies", "--projects", "examples/projects.yaml", "--fx", rate)
        assert r.returncode == 2 and "--fx" in r.stderr and "Traceback" not in r.stderr, (command, rate, r.stderr)


@pytest.mark.parametrize("rate", [float("inf"), float("nan"), 0.0, -7.0])
def test_the_engine_refuses_a_non_finite_or_non_positive_rate(rate: float) -> None:
    policy, _ = check_text(HEADER + clause("5分"), "r.policy", TAXONOMY, QUOTE)
    assert policy is not None
    with pytest.raises(ValueError, match="USD→CNY rate"):
        CompiledPolicy(policy).evaluate(from_dicts([{"id": "p"}]), rate)


# ---------------------------------------------------------------- JSON output


def test_unbounded_figures_are_null_in_json() -> None:
    policy, diags = check_text(HEADER + clause("∞") + clause("at least 5分").replace("clause c", "clause d")
                               .replace("points.host_district", "points.referring_district"),
                               "r.policy", TAXONOMY, QUOTE)
    assert policy is not None and not [d for d in diags if d.is_error], diags
    out = outcomes([CompiledPolicy(policy)], [{"id": "p"}], fx=7.0)
    text = render_json(outcome_rows(out))
    rows = strict_json(text)
    assert isinstance(rows, list)
    assert rows[0]["outcomes"]["points.host_district"] is None  # ∞: unbounded
    assert rows[0]["outcomes"]["points.referring_district"] == [5, None]  # at least 5分: [5, null]


def test_render_json_refuses_nan_rather_than_write_invalid_json() -> None:
    with pytest.raises(ValueError):
        render_json([{"project": "p", "city": "c", "outcomes": {"x": float("nan")}}])
