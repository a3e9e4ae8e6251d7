"""The shipped what-if examples (README, docs/simulation.md) run, each well within a minute, and give
the tables their questions need."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

from compare.simulate.plan import run_scenario  # noqa: E402
from compare.simulate.scenario import load_scenario  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NEEDS = {
    "wuxi_fdi_cap": {"totals", "deltas", "sweep", "monte_carlo_summary"},
    "zjg_wuxi_fdi_transplant": {"totals", "competitiveness", "wins"},
    "competition_foreign_manufacturing": {"competition_map"},
    "competition_foreign_intermediary": {"competition_map"},
    "zjg_readings": {"tornado", "readings"},
}


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_example_runs(name: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    res = run_scenario(load_scenario(EXAMPLES / f"{name}.scenario.yaml"))
    written = res.write(tmp_path / name, ["csv", "svg"])
    assert time.perf_counter() - started < 60
    assert NEEDS[name] <= {t for t, table in res.tables.items() if table.num_rows}
    assert any(str(p).endswith(".svg") for p in written)
