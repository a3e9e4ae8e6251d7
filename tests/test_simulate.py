"""Reforms, transplants and the `simulate` command: figure paths, `--set` errors, revisions that check,
reproducible outputs, atomic writes, chunked portfolios, and Dask equal to local.

Expected figures here come from 无锡 (16) "按实际到账外资比例给予最高2%、不超过5000万元奖励" worked by hand;
tests/test_simulate_cases.py holds the larger hand-worked cases.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

from compare.api import load_policy, simulate  # noqa: E402
from compare.simulate.figures import policy_figures  # noqa: E402
from compare.simulate.reform import Change, ReformError, Transplant, apply_changes  # noqa: E402
from compare.simulate.transplant import apply_transplant  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"


def _policy(name: str) -> Any:
    return load_policy(POLICIES / f"{name}.policy").policy


def test_figure_paths_name_each_figure_by_its_part() -> None:
    figs = policy_figures(_policy("wuxi_2023"))
    # (16): the 2% appears in both `ceilings` branches (up to 2% / 2%): one path, two nodes
    assert [str(n) for n in figs["fdi_arrival_reward.rate"].nodes] == ["2%", "2%"]
    assert str(figs["fdi_arrival_reward.cap"].node) == "5000万元"
    assert figs["fdi_arrival_reward.cap"].article == "(16)"
    assert str(figs["network.node_reward_max"].node) == "100万元"  # a param: its id
    zjg = policy_figures(_policy("zhangjiagang_2017"))
    assert str(zjg["major_foreign_project_points.tiers[2]"].node) == "5分"  # 第12条 3000万～1亿美元 加5分
    assert str(zjg["team_reward_split.referrer"].node) == "3"  # 第13条 3:7


@pytest.mark.parametrize("path, value, message, hint", [
    ("fdi_arrival_reward.cap", "8000万美元", "is USD", "keeps its currency"),
    ("fdi_arrival_reward.cap", "8000", "a bare number", "e.g. 8000万元"),
    ("fdi_arrival_reward.rate", "3分", "is points", "3% or 5‰"),
    ("fdi_arrival_reward.capp", "1元", "no figure", "fdi_arrival_reward.cap"),
    ("fdi_arrival_reward.cap", "八千万元", "not a figure", "e.g. 8000万元"),
    ("awards.quota.pioneers", "1万名", "scale", None),  # (15) 30名: a count takes no 万
])
def test_set_errors_name_the_figure_and_hint(tmp_path: Path, path: str, value: str, message: str,
                                             hint: str | None) -> None:
    with pytest.raises(ReformError) as err:
        apply_changes(_policy("wuxi_2023"), [Change(path, value)], "bad", tmp_path, [POLICIES])
    diag = err.value.diagnostics[0]
    assert diag.code == "E910" and message in diag.message
    if hint:
        assert hint in (diag.hint or "")


def test_two_reforms_stack_and_are_written_as_checked_revisions(tmp_path: Path) -> None:
    wuxi = _policy("wuxi_2023")
    a, text_a = apply_changes(wuxi, [Change("fdi_arrival_reward.cap", "8000万元")], "cap_8000", tmp_path, [POLICIES])
    b, text_b = apply_changes(a, [Change("fdi_arrival_reward.rate", "3%")], "rate_3", tmp_path, [POLICIES])
    assert "policy cap_8000 extends wuxi_2023" in text_a and "policy rate_3 extends cap_8000" in text_b
    assert 'cap 8000万元 derived "reform cap_8000: fdi_arrival_reward.cap=8000万元"' in text_a
    figs = policy_figures(b)
    assert str(figs["fdi_arrival_reward.rate"].node) == "3%" and str(figs["fdi_arrival_reward.cap"].node) == "8000万元"
    # (16) with both reforms, ceilings=full: 6亿美元 × 7 = 42亿元; 3% = 1.26亿元 > 8000万元 → 8000万元
    from compare.api import outcomes
    from compare.engine.evaluate import CompiledPolicy

    out = outcomes([CompiledPolicy(b)], [{"id": "p", "foreign": True, "fdi_arrived": "6亿美元"}], fx=7.0,
                   readings={"ceilings": "full"}, analyse=False)[0]
    assert out.value("reward.fdi", 0) == 80_000_000.0


def test_transplant_brings_what_the_clause_needs_and_renames_clashes(tmp_path: Path) -> None:
    zjg, wuxi = _policy("zhangjiagang_2017"), _policy("wuxi_2023")
    new, text = apply_transplant(zjg, wuxi, Transplant("wuxi_2023", ("reward.fdi",)), "zjg_fdi", tmp_path, [POLICIES])
    # both texts declare `new_project_scope`: 无锡's comes along as wuxi_new_project_scope, chosen apart
    assert "reading wuxi_new_project_scope" in text and "by reading wuxi_new_project_scope" in text
    assert "reading ceilings" in text and set(new.readings) >= {"ceilings", "new_project_scope", "wuxi_new_project_scope"}
    assert new.clauses["fdi_arrival_reward"].concept is not None
    assert (tmp_path / "sources" / "wuxi_2023.txt").is_file()  # quotes checked against the sentence they came from
    # 张家港 has no clause for reward.team in 无锡: transplanting a concept 无锡 lacks is an error
    with pytest.raises(ReformError) as err:
        apply_transplant(zjg, wuxi, Transplant("wuxi_2023", ("reward.team",)), "bad", tmp_path, [POLICIES])
    assert err.value.diagnostics[0].code == "E911"


def test_a_reform_named_like_a_keyword_is_an_error_at_its_key(tmp_path: Path) -> None:
    from compare.simulate.scenario import ScenarioError

    scenario = _scenario(tmp_path, reforms=[{"name": "at", "base": "wuxi_2023", "set": {"fdi_arrival_reward.cap": "1亿元"}}])
    with pytest.raises((ReformError, ScenarioError)) as err:
        simulate(scenario)
    assert err.value.diagnostics[0].code in ("E910", "E904") and "keyword" in err.value.diagnostics[0].message


# ---------------------------------------------------------------- scenario runs


def _scenario(tmp: Path, **extra: Any) -> Path:
    data: dict[str, Any] = {
        "name": "t", "seed": 11, "fx": 7.0, "policies": ["wuxi_2023", "zhangjiagang_2017"],
        "portfolio": {"sample": {"size": 300, "currency": {"USD": 0.7, "CNY": 0.3},
                                 "money": {"registered_capital": {"lognormal": {"median": "2000万美元", "sigma": 1.0}},
                                           "fdi_arrived": {"share_of": "registered_capital", "low": 0.2, "high": 1.0}},
                                 "ratios": {"paid_in_ratio": {"uniform": {"low": 0.1, "high": 1.0}}},
                                 "flags": {"foreign": 0.7, "licensed": 0.8, "started": 0.6, "in_core_zone": 0.5}}},
        "analyses": {"compare": True,
                     "sweep": {"policy": "wuxi_2023", "figure": "fdi_arrival_reward.cap",
                               "values": {"from": "1000万元", "to": "1亿元", "steps": 4}},
                     "monte_carlo": {"draws": 60},
                     "readings": {"policies": ["zhangjiagang_2017"]},
                     "competition_map": {"beneficiary": "firm",
                                         "x": {"field": "registered_capital", "from": "100万美元", "to": "1亿美元",
                                               "steps": 4, "scale": "log"},
                                         "y": {"field": "paid_in_ratio", "from": "10%", "to": "100%", "steps": 3},
                                         "project": {"foreign": True, "licensed": True,
                                                     "fdi_arrived": {"share_of": "registered_capital"}}}},
    }
    data.update(extra)
    path = tmp / "t.scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "POLICYLAB_NO_CACHE": "1"}, timeout=300)


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_scenario_and_seed_give_byte_identical_outputs(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, reforms=[{"name": "cap_1yi", "base": "wuxi_2023",
                                              "set": {"fdi_arrival_reward.cap": "1亿元"}}])
    first, second = tmp_path / "one", tmp_path / "two"
    for out in (first, second):
        done = _cli("simulate", str(scenario), "--out", str(out), "--quiet")
        assert done.returncode == 0, done.stderr
    a, b = _digests(first), _digests(second)
    assert a == b
    assert {"totals.csv", "totals.parquet", "totals.json", "scenario.lock", "plots/sweep.svg", "plots/tornado.png",
            "plots/competition_map.svg", "plots/monte_carlo.svg", "policies/cap_1yi.policy"} <= set(a)
    lock = (first / "scenario.lock").read_text(encoding="utf-8")
    assert hashlib.sha256(scenario.read_bytes()).hexdigest() in lock and '"seed": 11' in lock
    # the written revision checks as it stands, beside the bundled policies
    check = _cli("check", str(first / "policies" / "cap_1yi.policy"), "--policies", str(POLICIES))
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_failed_run_leaves_the_previous_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compare.simulate import plots

    out = tmp_path / "out"
    res = simulate(_scenario(tmp_path))
    res.write(out, ["csv"])
    before = _digests(out)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "save", broken)
    with pytest.raises(KeyboardInterrupt):
        res.write(out, ["csv", "svg"])
    assert _digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_cli_errors_name_the_key_and_hint(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, reforms=[{"name": "r", "base": "wuxi_2023", "set": {"fdi_arrival_reward.cap": "8000万美元"}}])
    done = _cli("simulate", str(scenario), "--out", str(tmp_path / "x"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "E910" in done.stderr and "keeps its currency" in done.stderr and "t.scenario.yaml:" in done.stderr
    done = _cli("simulate", str(_scenario(tmp_path)), "--out", str(tmp_path / "y"), "--set", "wuxi_2023:fdi_arrival_reward.rate=3分")
    assert done.returncode == 1 and "<--set 1>" in done.stderr and "3% or 5‰" in done.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_figures_and_reform_commands(tmp_path: Path) -> None:
    listing = _cli("figures", "wuxi_2023")
    assert listing.returncode == 0 and "fdi_arrival_reward.cap" in listing.stdout and "5000万元" in listing.stdout
    out = tmp_path / "zjg_fdi.policy"
    done = _cli("reform", "zhangjiagang_2017", "--transplant-from", "wuxi_2023", "--concept", "reward.fdi",
                "--set", "fdi_arrival_reward.cap=8000万元", "--out", str(out))
    assert done.returncode == 0, done.stderr
    check = _cli("check", str(out), "--policies", str(POLICIES))
    assert check.returncode == 0, check.stdout + check.stderr
    again = _cli("reform", "zhangjiagang_2017", "--transplant-from", "wuxi_2023", "--concept", "reward.fdi",
                 "--set", "fdi_arrival_reward.cap=8000万元", "--out", str(out))
    assert again.returncode == 0, again.stderr  # its own files: replaced by the same


def test_a_transplant_never_replaces_a_source_it_did_not_write(tmp_path: Path) -> None:
    # the donor's text goes to sources/wuxi_2023.txt beside --out: a different file there is the user's
    mine = tmp_path / "sources" / "wuxi_2023.txt"
    mine.parent.mkdir()
    mine.write_text("my notes\n", encoding="utf-8")
    done = _cli("reform", "zhangjiagang_2017", "--transplant-from", "wuxi_2023", "--concept", "reward.fdi",
                "--out", str(tmp_path / "zjg_fdi.policy"))
    assert done.returncode == 2 and "wuxi_2023.txt exists and holds something else" in done.stderr, done.stderr
    assert mine.read_text(encoding="utf-8") == "my notes\n" and not (tmp_path / "zjg_fdi.policy").exists()


def test_a_portfolio_in_chunks_adds_up_to_the_same_totals(tmp_path: Path) -> None:
    from compare.simulate import comparison
    from compare.simulate.plan import run_scenario
    from compare.simulate.portfolio import sample_batch
    from compare.simulate.scenario import load_scenario

    sc = load_scenario(_scenario(tmp_path, analyses={"compare": True}))
    whole = run_scenario(sc, chunk_size=120)  # 300 projects: chunks of 120, 120, 60
    totals = {(r["policy"], r["concept"]): (r["low"], r["high"]) for r in whole.totals.to_dict("records")}
    spec = sc.data["portfolio"]["sample"]
    from compare.engine.evaluate import CompiledPolicy

    for name in ("wuxi_2023", "zhangjiagang_2017"):
        cp = CompiledPolicy(_policy(name))
        lo = hi = 0.0
        for k, n in enumerate((120, 120, 60)):
            out = cp.outcomes(cp.run(sample_batch(spec, n, 11, chunk=k, fx=7.0), 7.0))
            if "reward.fdi" in out.numeric:
                elig = out.eligible["reward.fdi"]
                lo += float(out.numeric["reward.fdi"][0][elig].sum())
                hi += float(out.numeric["reward.fdi"][1][elig].sum())
        if name == "wuxi_2023":
            assert totals[(name, "reward.fdi")] == pytest.approx((lo, hi), abs=0.01)
    assert comparison.PER_PROJECT_LIMIT >= 300 and whole.tables["per_project"].num_rows == 300 * 2  # all chunks


def test_dask_equals_local(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    sc = _scenario(tmp_path, fx={"low": 6.8, "high": 7.3})
    local = simulate(sc)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = simulate(sc, executor="dask", scheduler=cluster.scheduler_address)
    for name in ("sweep", "monte_carlo", "monte_carlo_summary"):
        assert remote.frame(name).equals(local.frame(name)), name  # NaN where NaN (a DataFrame's equals)
    assert local.tables["monte_carlo"].num_rows > 0 and len(set(local.monte_carlo["fx"])) > 1  # a rate per draw


def _stack_case(tmp: Path, reforms: list[dict[str, Any]], readings: dict[str, Any] | None = None) -> Any:
    """The six projects of tests/simulate_cases/wuxi_two_reform_stack.yaml under 无锡 and `reforms`."""
    case = yaml.safe_load((ROOT / "tests" / "simulate_cases" / "wuxi_two_reform_stack.yaml").read_text(encoding="utf-8"))
    projects = tmp / "projects.yaml"
    projects.write_text(yaml.safe_dump(case["projects"], allow_unicode=True), encoding="utf-8")
    names = ["wuxi_2023", *(r["name"] for r in reforms)]
    return simulate({"name": "stack", "fx": 7.0, "policies": ["wuxi_2023"], "reforms": reforms,
                     "readings": {n: {"ceilings": "full"} for n in names} if readings is None else readings,
                     "portfolio": {"file": str(projects)}, "analyses": {"compare": True}})


def test_an_overrides_file_and_an_extending_policy_are_reforms_like_set(tmp_path: Path) -> None:
    """(16) cap 5000万元 → 8000万元 three ways; the six projects total 136,372,839.42元 under ceilings=full
    (tests/simulate_cases/wuxi_two_reform_stack.yaml, reform A, worked by hand)."""
    overrides = tmp_path / "cap.yaml"
    overrides.write_text("fdi_arrival_reward.cap: 8000万元\n", encoding="utf-8")
    child = tmp_path / "wuxi_cap.policy"
    done = _cli("reform", "wuxi_2023", "--set", "fdi_arrival_reward.cap=8000万元", "--out", str(child))
    assert done.returncode == 0, done.stderr
    res = _stack_case(tmp_path, [{"name": "by_set", "base": "wuxi_2023", "set": {"fdi_arrival_reward.cap": "8000万元"}},
                                 {"name": "by_file", "base": "wuxi_2023", "overrides": str(overrides)},
                                 {"name": "by_child", "base": "wuxi_2023", "extends": str(child)}])
    totals = {(r["policy"], r["concept"]): r["high"] for r in res.totals.to_dict("records")}
    for name in ("by_set", "by_file", "by_child"):
        assert totals[(name, "reward.fdi")] == pytest.approx(136_372_839.42, abs=0.005), name
    assert totals[("wuxi_2023", "reward.fdi")] == pytest.approx(104_372_839.42, abs=0.005)


def test_an_overrides_error_points_into_the_overrides_file(tmp_path: Path) -> None:
    overrides = tmp_path / "cap.yaml"
    overrides.write_text("# raise the cap\nfdi_arrival_reward.cap: 8000万美元\n", encoding="utf-8")
    from compare.simulate.scenario import ScenarioError

    with pytest.raises((ReformError, ScenarioError)) as err:
        _stack_case(tmp_path, [{"name": "by_file", "base": "wuxi_2023", "overrides": str(overrides)}])
    diag = err.value.diagnostics[0]
    assert diag.code == "E910" and diag.span.file == str(overrides) and diag.span.line == 2


def test_an_extending_policy_of_another_base_is_refused(tmp_path: Path) -> None:
    from compare.simulate.scenario import ScenarioError

    with pytest.raises((ReformError, ScenarioError)) as err:
        _stack_case(tmp_path, [{"name": "wrong", "base": "wuxi_2023",
                                "extends": str(POLICIES / "zhangjiagang_2017.policy")}])
    assert "does not extend `wuxi_2023`" in err.value.diagnostics[0].message


def test_a_two_parameter_sweep_by_hand(tmp_path: Path) -> None:
    """(16) 按实际到账外资比例给予最高2%、不超过5000万元, swept over cap {3000万元, 1亿元} × rate {1%, 3%},
    ceilings=full, fx 7.0, on the four projects of wuxi_cap_sweep.yaml (FDI in 元: q1 2.1亿, q2 10亿,
    q3 28亿, q4 84亿).  rate 1%: 2,100,000 + 10,000,000 + 28,000,000 + 84,000,000, each capped;
    rate 3%: 6,300,000 + 30,000,000 + 84,000,000 + 252,000,000, each capped."""
    case = yaml.safe_load((ROOT / "tests" / "simulate_cases" / "wuxi_cap_sweep.yaml").read_text(encoding="utf-8"))
    projects = tmp_path / "q.yaml"
    projects.write_text(yaml.safe_dump(case["projects"], allow_unicode=True), encoding="utf-8")
    res = simulate({"name": "grid", "fx": 7.0, "policies": ["wuxi_2023"], "readings": {"wuxi_2023": {"ceilings": "full"}},
                    "portfolio": {"file": str(projects)},
                    "analyses": {"sweep": {"policy": "wuxi_2023", "figure": "fdi_arrival_reward.cap",
                                           "values": ["3000万元", "1亿元"], "figure2": "fdi_arrival_reward.rate",
                                           "values2": ["1%", "3%"], "concepts": ["reward.fdi"]}}})
    got = {(r["value_label"], r["value2_label"]): r["high"] for r in res.sweep.to_dict("records")}
    assert got == {("3000万元", "1%"): pytest.approx(70_100_000.0),   # 2.1M + 10M + 28M + 30M (cap)
                   ("1亿元", "1%"): pytest.approx(124_100_000.0),     # 2.1M + 10M + 28M + 84M
                   ("3000万元", "3%"): pytest.approx(96_300_000.0),   # 6.3M + 30M + 30M + 30M
                   ("1亿元", "3%"): pytest.approx(220_300_000.0)}     # 6.3M + 30M + 84M + 100M
    assert len(res.plots()) == 1  # the sweep's heatmap


def test_every_step_of_a_reform_is_written_so_each_revision_checks(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, analyses={"compare": True},
                         reforms=[{"name": "zjg_fdi", "base": "zhangjiagang_2017", "set": {"fdi_arrival_reward.rate": "2.5%"},
                                   "transplant": {"from": "wuxi_2023", "concepts": ["reward.fdi"]}}])
    out = tmp_path / "out"
    simulate(scenario).write(out, ["csv"])
    written = sorted(p.name for p in (out / "policies").glob("*.policy"))
    assert written == ["zjg_fdi.policy", "zjg_fdi__transplant.policy"]
    assert (out / "policies" / "sources" / "wuxi_2023.txt").is_file()
    check = _cli("check", str(out / "policies" / "zjg_fdi.policy"), "--policies", str(POLICIES))
    assert check.returncode == 0, check.stdout + check.stderr
