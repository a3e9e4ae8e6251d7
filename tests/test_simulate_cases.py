"""The hand-worked what-if cases of tests/simulate_cases/ (worked from the source texts; each figure's
`why` cites the article and shows the arithmetic), run through `compare.api.simulate`.

Money is compared to the fen; an interval `[low, high]`, a figure `x` (low = high = x); totals are
sums end by end; deltas end by end (tests/simulate_cases/README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

from compare.api import simulate  # noqa: E402

CASES = Path(__file__).parent / "simulate_cases"
FEN = 0.005


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / name).read_text(encoding="utf-8"))


def _ends(v: Any) -> tuple[float, float]:
    return (float(v[0]), float(v[1])) if isinstance(v, list) else (float(v), float(v))


def _close(actual: tuple[float, float], expected: Any, what: str) -> None:
    lo, hi = _ends(expected)
    assert abs(actual[0] - lo) < FEN and abs(actual[1] - hi) < FEN, f"{what}: {actual} != [{lo}, {hi}]"


def _run(case: dict[str, Any], tmp: Path, readings: dict[str, str] | None, projects: list[dict[str, Any]] | None = None,
         reforms: list[dict[str, Any]] | None = None, analyses: dict[str, Any] | None = None) -> Any:
    path = tmp / "projects.yaml"
    path.write_text(yaml.safe_dump(projects or case["projects"], allow_unicode=True), encoding="utf-8")
    chosen = reforms if reforms is not None else case.get("reforms", [])
    donors = [r["transplant"]["from"] for r in chosen if "transplant" in r]  # a donor is a policy of the run
    policies = [*case["policies"], *(d for d in donors if d not in case["policies"])]
    lines = [*policies, *(r["name"] for r in chosen)]
    scenario = {"name": "case", "fx": case["fx"], "policies": policies,
                "portfolio": {"file": str(path)}, "analyses": analyses or {"compare": True}}
    if reforms if reforms is not None else case.get("reforms"):
        scenario["reforms"] = reforms if reforms is not None else case["reforms"]
    if readings:
        scenario["readings"] = {name: dict(readings) for name in lines}
    return simulate(scenario)


def _per_project(res: Any) -> dict[tuple[str, str], dict[str, Any]]:
    frame = res.per_project
    return {(r["project"], r["policy"]): r for r in frame.to_dict("records")}


def _value(row: dict[str, Any], concept: str) -> tuple[float, float]:
    lo, hi = row.get(f"{concept}.low"), row.get(f"{concept}.high")
    if lo is None or lo != lo:  # absent or not eligible: 0
        return 0.0, 0.0
    return float(lo), float(hi) if hi == hi else float("inf")


def _totals(res: Any) -> dict[tuple[str, str], tuple[float, float]]:
    return {(r["policy"], r["concept"]): (r["low"], r["high"]) for r in res.totals.to_dict("records")}


@pytest.mark.parametrize("name", ["wuxi_two_reform_stack.yaml", "zjg_transplant_wuxi_fdi.yaml"])
def test_reforms_and_transplant_by_hand(name: str, tmp_path: Path) -> None:
    """无锡 (16) cap 5000万元 → 8000万元, then rate 2% → 3% stacked on it; 无锡's (16) FDI reward
    transplanted into 张家港 2017, 张家港's own outcomes unchanged."""
    case = _load(name)
    for entry in case["expect"]:
        res = _run(case, tmp_path, entry.get("readings"))
        rows = _per_project(res)
        if "delta" in entry:
            d = entry["delta"]
            deltas = {(r["project"], r["concept"]): (r["delta_low"], r["delta_high"])
                      for r in res.deltas.to_dict("records") if r["policy"] == d["to"] and r["root"] == d["from"]}
            for pid, values in entry.get("per_project", {}).items():
                for concept, expected in values.items():
                    _close(deltas.get((pid, concept), (0.0, 0.0)), expected, f"{name} delta {pid} {concept}")
            summary = {r["concept"]: (r["delta_low"], r["delta_high"]) for r in res.delta_summary.to_dict("records")
                       if r["policy"] == d["to"]}
            for concept, expected in entry.get("totals", {}).items():
                _close(summary[concept], expected, f"{name} delta total {concept}")
            continue
        policy = entry["policy"]
        for pid, values in entry.get("per_project", {}).items():
            for concept, expected in values.items():
                _close(_value(rows[(pid, policy)], concept), expected, f"{name} {policy} {pid} {concept}")
        for pid, states in entry.get("states", {}).items():
            for concept, state in states.items():
                assert rows[(pid, policy)][f"{concept}.state"] == state, f"{name} {policy} {pid} {concept}"
        totals = _totals(res)
        for concept, expected in entry.get("totals", {}).items():
            _close(totals[(policy, concept)], expected, f"{name} {policy} total {concept}")


def test_cap_sweep_by_hand(tmp_path: Path) -> None:
    """无锡 (16) 不超过5000万元 swept over 1000万元 … 1亿元: the sweep's totals, and each value as a
    reform (`set`) for the per-project figures."""
    case = _load("wuxi_cap_sweep.yaml")
    sweep = case["sweep"]
    for entry in case["expect"]:
        readings = entry.get("readings")
        (path, value), = entry["set"].items()
        res = _run(case, tmp_path, readings, reforms=[{"name": "swept", "base": sweep["base"], "set": {path: value}}],
                   analyses={"compare": True, "sweep": {"policy": sweep["base"], "figure": sweep["path"],
                                                        "values": sweep["values"]}})
        rows = _per_project(res)
        for pid, values in entry["per_project"].items():
            for concept, expected in values.items():
                _close(_value(rows[(pid, "swept")], concept), expected, f"sweep {value} {pid} {concept}")
        swept = {(r["value_label"], r["concept"]): (r["low"], r["high"]) for r in res.sweep.to_dict("records")}
        for concept, expected in entry["totals"].items():
            _close(swept[(str(value), concept)], expected, f"sweep total at {value} {concept}")


def test_competitiveness_for_the_firm_by_hand(tmp_path: Path) -> None:
    """What each city gives the firm of a foreign manufacturing project (无锡 (16) only has a money
    figure for it); promises without a figure are flagged, not added."""
    case = _load("competition_firm_small.yaml")
    res = _run(case, tmp_path, None)
    compete = {r["project"]: r for r in res.competitiveness.to_dict("records")
               if r["scenario"] == "baseline" and r["beneficiary"] == "firm"}
    for entry in case["expect"]:
        if "project" not in entry:
            wins = {r["policy"]: r["offered_high"] for r in res.wins.to_dict("records")
                    if r["scenario"] == "baseline" and r["beneficiary"] == "firm"}
            for city, expected in entry["totals"]["offers"].items():
                assert abs(wins[city] - _ends(expected)[1]) < FEN
            continue
        row = compete[entry["project"]]
        for city, expected in entry["offers"].items():
            _close((row[f"{city}.low"], row[f"{city}.high"]), expected, f"offer {entry['project']} {city}")
        for city, promised in entry["promises"].items():
            assert row[f"{city}.promised"] == bool(promised), f"promise {entry['project']} {city}"
        best = entry["best_high"]
        assert row["winner"] == best["city"]
        assert abs(row["margin_high"] - best["margin"]) < FEN and abs(row["best_high"] - best["high"]) < FEN


def test_zhangjiagang_readings_by_hand(tmp_path: Path) -> None:
    """张家港 2017: every option of every reading, one at a time, per project (第12条, 第13条); the
    tornado's ranking of the readings that move the outcome."""
    case = _load("zjg_readings.yaml")
    projects = {p["id"]: p for p in case["projects"]}
    for entry in case["expect"]:
        res = _run(case, tmp_path, None, projects=[projects[entry["project"]]],
                   analyses={"compare": True, "readings": {}})
        combos = res.readings
        combos = combos[combos["concept"] == entry["outcome"]]
        for reading, options in entry["options"].items():
            for option, expected in options.items():
                mask = combos[f"reading.{reading}"] == option
                for other in entry["options"]:
                    if other != reading:
                        mask &= combos[f"reading.{other}"] == res.meta["lines"][0]["readings"].get(
                            other, _default(other))
                got = combos[mask]
                assert len(got) == 1, f"{reading}={option}: {len(got)} rows"
                _close((got["low"].iloc[0], got["high"].iloc[0]), expected, f"{entry['project']} {reading}={option}")
        tornado = res.tornado
        tornado = tornado[(tornado["concept"] == entry["outcome"]) & (tornado["swing"] > 0)]
        assert list(tornado["reading"]) == entry["ranking"]


def _default(reading: str) -> str:
    from compare.api import load_policy

    return load_policy("policies/zhangjiagang_2017.policy").policy.readings[reading].default or ""
