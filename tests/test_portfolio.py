"""Sampled portfolios (compare.simulate.portfolio) and amounts as written (compare.simulate.amounts).

Statistical checks draw 200 000 projects with a fixed seed, so they are deterministic; their
tolerances are 5 standard errors of the estimate, which a correct sampler exceeds with probability
below 10⁻⁶ for any seed (a wrong one — a frequency off by a percentage point, a median off by 3% —
is caught: 5 SE is at most 0.6 points for a frequency, 1.4% for a median with sigma 1).
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import POLICIES

from compare.api import load_policy, outcomes
from compare.data.read import from_frame
from compare.engine.batch import CNY, USD, ProjectBatch
from compare.simulate.amounts import parse_amount
from compare.simulate.portfolio import Portfolio, sample_batch, stream
from dsl.schema import CATEGORIES, GRADES, REFERRALS
from dsl.units import Dim

N = 200_000
FX = 7.0
SPEC: dict[str, Any] = {
    "size": 1000,
    "currency": {"USD": 0.7, "CNY": 0.3},
    "money": {
        "registered_capital": {"lognormal": {"median": "3000万美元", "sigma": 1.0}},
        "total_investment": {"lognormal": {"median": "2亿元", "sigma": 0.8}},
        "fdi_arrived": {"share_of": "registered_capital", "low": 0.2, "high": 1.0},
    },
    "ratios": {"paid_in_ratio": {"uniform": {"low": 0.2, "high": 1.0}}},
    "flags": {"foreign": 0.6, "manufacturing": 0.7, "licensed": 0.8},
    "categories": {"fortune_global_500": 0.05, "foreign_hq": 0.02},
    "referral": {"none": 0.5, "other_district": 0.3, "municipal_dept": 0.15, "intermediary": 0.05},
    "grade": {"A": 0.2, "B": 0.5, "C": 0.3},
    "quality_score": {"uniform": {"low": 40, "high": 100}},
    "correlations": [{"fields": ["registered_capital", "total_investment"], "rho": 0.8}],
}
MONEY = ("registered_capital", "total_investment", "paid_in_capital", "fdi_arrived", "fixed_asset_investment")


@pytest.fixture(scope="module")
def big() -> ProjectBatch:
    return sample_batch(SPEC, N, 20261124, fx=FX)


def same(a: ProjectBatch, b: ProjectBatch) -> bool:
    return a.ids == b.ids and list(a.columns) == list(b.columns) and all(
        a.columns[k].dtype == b.columns[k].dtype
        and np.array_equal(a.columns[k], b.columns[k], equal_nan=a.columns[k].dtype.kind == "f")
        for k in a.columns)


def within(observed: float, expected: float, se: float) -> None:
    assert abs(observed - expected) <= 5 * se, f"{observed} vs {expected} (5 SE = {5 * se})"


def frequency(hits: np.ndarray, p: float) -> None:
    within(float(hits.mean()), p, math.sqrt(p * (1 - p) / len(hits)))


# ---------------------------------------------------------------- reproducibility


def test_same_seed_same_batch_other_seed_other_batch() -> None:
    a, b = sample_batch(SPEC, 3000, 7, fx=FX), sample_batch(SPEC, 3000, 7, fx=FX)
    assert same(a, b)
    c = sample_batch(SPEC, 3000, 8, fx=FX)
    assert not np.array_equal(a.columns["registered_capital"], c.columns["registered_capital"])
    assert not np.array_equal(a.columns["foreign"], c.columns["foreign"])


def test_a_chunk_drawn_alone_equals_that_chunk_of_the_stream() -> None:
    chunks = list(stream(SPEC, 3500, 11, chunk_size=1000, fx=FX))
    assert [c.n for c in chunks] == [1000, 1000, 1000, 500]
    assert chunks[3].ids[0] == "s3-0"
    assert same(sample_batch(SPEC, 500, 11, chunk=3, fx=FX), chunks[3])
    assert same(sample_batch(SPEC, 1000, 11, chunk=1, fx=FX), chunks[1])
    assert not np.array_equal(chunks[0].columns["registered_capital"], chunks[1].columns["registered_capital"])


def test_each_part_has_its_own_stream() -> None:
    """Common random numbers: another grade mix leaves the money and the flags as they were."""
    other = {**SPEC, "grade": {"A+": 1.0}}
    a, b = sample_batch(SPEC, 2000, 3, fx=FX), sample_batch(other, 2000, 3, fx=FX)
    for name in ("registered_capital", "total_investment", "foreign", "referral"):
        assert np.array_equal(a.columns[name], b.columns[name])
    assert (b.columns["grade"] == GRADES.index("A+")).all()


# ---------------------------------------------------------------- what the batch looks like


def test_a_sampled_batch_is_indistinguishable_from_a_read_one() -> None:
    """Nothing specified: exactly the batch of a file with ids only (every default, nothing given)."""
    sampled = sample_batch({}, 50, 1)
    read = from_frame({"id": sampled.ids}).batch
    assert same(sampled, read)


def test_columns_and_dtypes_match_a_read_batch(big: ProjectBatch) -> None:
    read = from_frame({"id": ["a"]}).batch
    assert list(big.columns) == list(read.columns)
    assert {k: v.dtype for k, v in big.columns.items()} == {k: v.dtype for k, v in read.columns.items()}


def test_given_columns(big: ProjectBatch) -> None:
    g = {k[:-6]: bool(v[0]) for k, v in big.columns.items() if k.endswith("#given")}
    assert all(big.columns[f"{k}#given"].all() == v for k, v in g.items())
    assert [k for k, v in g.items() if v] == ["foreign", "registered_capital", "total_investment", "paid_in_ratio",
                                              "fdi_arrived", "licensed", "categories", "referral", "manufacturing",
                                              "quality_score", "grade"]


def test_derived_paid_in_capital_is_the_readers() -> None:
    b = sample_batch(SPEC, 2000, 5, fx=FX)
    unit = np.where(b.columns["registered_capital#cur"] == USD, "美元", "元")
    cells = [f"{x:.2f}{u}" for x, u in zip(b.columns["registered_capital"], unit, strict=True)]
    read = from_frame({"id": b.ids, "registered_capital": cells, "paid_in_ratio": b.columns["paid_in_ratio"]}).batch
    for k in ("paid_in_capital", "paid_in_capital#cur", "paid_in_capital#given", "registered_capital"):
        assert np.array_equal(b.columns[k], read.columns[k]), k


def test_amounts_are_to_the_fen(big: ProjectBatch) -> None:
    for name in MONEY:
        x = big.columns[name]
        assert (np.rint(x * 100.0) / 100.0 == x).all(), name
        assert (x >= 0).all()


# ---------------------------------------------------------------- distributions


def test_currency_mix_and_one_currency_per_project(big: ProjectBatch) -> None:
    cur = big.columns["registered_capital#cur"]
    frequency(cur == USD, 0.7)
    for name in ("total_investment", "fdi_arrived", "paid_in_capital"):
        assert np.array_equal(big.columns[f"{name}#cur"], cur), name
    assert (big.columns["fixed_asset_investment#cur"] == CNY).all()  # not sampled: as a missing column


def test_lognormal_median_in_each_currency(big: ProjectBatch) -> None:
    usd = big.columns["registered_capital#cur"] == USD
    for name, median_usd, sigma in (("registered_capital", 3e7, 1.0), ("total_investment", 2e8 / FX, 0.8)):
        logs = np.log(big.columns[name])
        for rows, median in ((usd, median_usd), (~usd, median_usd * FX)):
            se = 1.2533 * sigma / math.sqrt(rows.sum())  # standard error of a normal sample's median
            within(float(np.median(logs[rows])), math.log(median), se)
            within(float(np.std(logs[rows])), sigma, sigma / math.sqrt(2 * rows.sum()))


def test_correlation_of_the_logs(big: ProjectBatch) -> None:
    usd = big.columns["registered_capital#cur"] == USD  # within one currency: conversion shifts both logs
    a, b = (np.log(big.columns[k][usd]) for k in ("registered_capital", "total_investment"))
    r = float(np.corrcoef(a, b)[0, 1])
    within(r, 0.8, (1 - 0.8**2) / math.sqrt(usd.sum()))


def test_share_of_within_bounds_and_same_currency(big: ProjectBatch) -> None:
    reg, fdi = big.columns["registered_capital"], big.columns["fdi_arrived"]
    assert (fdi >= 0.2 * reg - 0.005).all() and (fdi <= 1.0 * reg + 0.005).all()
    share = fdi / reg
    within(float(share.mean()), 0.6, 0.8 / math.sqrt(12 * N))  # uniform on [0.2, 1]: sd 0.8/√12
    assert np.array_equal(big.columns["fdi_arrived#cur"], big.columns["registered_capital#cur"])


def test_flags_categories_referral_grade(big: ProjectBatch) -> None:
    for name, p in SPEC["flags"].items():
        frequency(big.columns[name], p)
    for c in CATEGORIES:
        frequency(big.columns[f"categories.{c}"], SPEC["categories"].get(c, 0.0))
    for r, p in SPEC["referral"].items():
        frequency(big.columns["referral"] == REFERRALS.index(r), p)
    for g in GRADES:
        frequency(big.columns["grade"] == GRADES.index(g), SPEC["grade"].get(g, 0.0))


def test_ratios_and_quality_score(big: ProjectBatch) -> None:
    r, q = big.columns["paid_in_ratio"], big.columns["quality_score"]
    assert r.min() >= 0.2 and r.max() <= 1.0 and q.min() >= 40 and q.max() <= 100
    within(float(r.mean()), 0.6, 0.8 / math.sqrt(12 * N))
    b = sample_batch({"ratios": {"paid_in_ratio": {"beta": {"a": 2, "b": 6}}}}, 20_000, 2)
    sd = math.sqrt(2 * 6 / (8**2 * 9))
    within(float(b.columns["paid_in_ratio"].mean()), 0.25, sd / math.sqrt(20_000))
    fixed = sample_batch({"ratios": {"paid_in_ratio": "30%"}, "quality_score": 85}, 10, 2)
    assert (fixed.columns["paid_in_ratio"] == 0.3).all() and (fixed.columns["quality_score"] == 85).all()
    unknown = sample_batch({"flags": {"foreign": 1}}, 10, 2)
    assert np.isnan(unknown.columns["quality_score"]).all() and not unknown.columns["quality_score#given"].any()
    assert np.isnan(unknown.columns["year"]).all() and not unknown.columns["year#given"].any()


# ---------------------------------------------------------------- tables


def test_table_resampling_yields_only_the_tables_values(tmp_path: Path) -> None:
    (tmp_path / "amounts.csv").write_text("name,amount[万元]\na,100\nb,250.5\nc,1000\nd,\n", encoding="utf-8")
    spec = {"currency": {"CNY": 1}, "money": {"total_investment": {"table": "amounts.csv", "column": "amount"}}}
    b = sample_batch(spec, 3000, 4, folder=tmp_path)
    assert set(b.columns["total_investment"].tolist()) == {1e6, 2505000.0, 1e7}  # the empty cell is not drawn
    assert (b.columns["total_investment#cur"] == CNY).all() and b.columns["total_investment#given"].all()


def test_table_cells_with_units_and_conversion(tmp_path: Path) -> None:
    pq.write_table(pa.table({"rc": ["300万美元", "1亿元"]}), tmp_path / "t.parquet")
    spec = {"currency": {"USD": 1}, "money": {"registered_capital": {"table": str(tmp_path / "t.parquet"),
                                                                     "column": "rc"}}}
    b = sample_batch(spec, 500, 4, fx=8.0)
    assert set(b.columns["registered_capital"].tolist()) == {3e6, 12_500_000.0}
    assert (b.columns["registered_capital#cur"] == USD).all()
    with pytest.raises(ValueError, match="pass fx"):
        sample_batch(spec, 5, 4)


def test_table_problems(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("amount\n100\n", encoding="utf-8")
    money = {"total_investment": {"table": "t.csv", "column": "amount"}}
    with pytest.raises(ValueError, match="has no currency"):
        sample_batch({"money": money}, 5, 1, folder=tmp_path)
    with pytest.raises(ValueError, match="no column `x`"):
        sample_batch({"money": {"total_investment": {"table": "t.csv", "column": "x"}}}, 5, 1, folder=tmp_path)
    with pytest.raises(ValueError, match="no such file"):
        sample_batch({"money": {"total_investment": {"table": "none.csv", "column": "x"}}}, 5, 1, folder=tmp_path)


# ---------------------------------------------------------------- the engine takes it


def test_the_engine_accepts_a_sampled_batch() -> None:
    policies = [load_policy(POLICIES / f"{p}.policy")
                for p in ("wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft")]
    batch = sample_batch(SPEC, 2000, 9, fx=FX)
    results = outcomes(policies, batch, fx=FX, analyse=False)
    assert len(results) == 4


# ---------------------------------------------------------------- bad specs


@pytest.mark.parametrize("spec,message", [
    ({"bogus": 1}, "portfolio.sample: unknown key `bogus`"),
    ({"money": {"registerd_capital": {"lognormal": {"median": "1亿元", "sigma": 1}}}}, "unknown key `registerd_capital`"),
    ({"flags": {"foriegn": 0.5}}, "unknown key `foriegn`"),
    ({"categories": {"fortune_500": 0.5}}, "unknown key `fortune_500`"),
    ({"referral": {"friend": 1.0}}, "unknown key `friend`"),
    ({"grade": {"Z": 1.0}}, "unknown key `Z`"),
    ({"ratios": {"paid_in": 0.3}}, "unknown key `paid_in`"),
    ({"referral": {"none": 0.5, "intermediary": 0.4}}, "sum to 0.9"),
    ({"flags": {"foreign": 1.5}}, "flags.foreign"),
    ({"money": {"registered_capital": {"lognormal": {"median": "3000万", "sigma": 1}}}},
     "`3000万` has no currency: write 3000万元 or 3000万美元"),
    ({"money": {"fdi_arrived": {"share_of": "total_investment", "low": 0, "high": 1}}}, "`total_investment` is not sampled"),
    ({"money": {"fdi_arrived": {"share_of": "total_investment"}, "total_investment": {"share_of": "fdi_arrived"}}},
     "circle"),
    ({"currency": {"USD": 1}, "money": {"registered_capital": {"lognormal": {"median": "1亿元", "sigma": 1}}}},
     "pass fx"),
])
def test_bad_specs(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sample_batch(spec, 10, 1)


def _three(rhos: tuple[float, float, float]) -> dict[str, Any]:
    names = ("registered_capital", "total_investment", "fixed_asset_investment")
    return {"money": {n: {"lognormal": {"median": "1亿元", "sigma": 1}} for n in names},
            "correlations": [{"fields": [names[i], names[j]], "rho": r}
                             for (i, j), r in zip(((0, 1), (1, 2), (0, 2)), rhos, strict=True)]}


def test_correlations_that_cannot_be() -> None:
    with pytest.raises(ValueError, match="registered_capital–total_investment .rho 1.*or rho is ±1"):
        sample_batch(_three((1.0, 0.0, 0.0)), 10, 1)
    with pytest.raises(ValueError, match="registered_capital–total_investment .rho 0.9.*total_investment–fixed_asset_"
                                         "investment .rho 0.9.*contradict"):
        sample_batch(_three((0.9, 0.9, -0.9)), 10, 1)
    sample_batch(_three((0.9, 0.9, 0.8)), 10, 1)  # each pair alone, and all three together, can be
    spec = {**SPEC, "correlations": [{"fields": ["registered_capital", "fdi_arrived"], "rho": 0.5}]}
    with pytest.raises(ValueError, match="`fdi_arrived` is not a lognormal money field"):
        sample_batch(spec, 10, 1, fx=FX)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="size"):
        sample_batch({}, -1, 1)
    with pytest.raises(ValueError, match="seed"):
        sample_batch({}, 1, -1)
    with pytest.raises(ValueError, match="fx"):
        Portfolio({}, fx=0.0)


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize("text,hint,value,dim", [
    ("3000万美元", None, Decimal(30_000_000), Dim.USD),
    ("1亿元", None, Decimal(100_000_000), Dim.CNY),
    ("8000万元", "money", Decimal(80_000_000), Dim.CNY),
    ("1.5亿元", "CNY", Decimal(150_000_000), Dim.CNY),
    ("3%", None, Decimal("0.03"), Dim.RATIO),
    ("5‰", "ratio", Decimal("0.005"), Dim.RATIO),
    (0.3, "ratio", Decimal("0.3"), Dim.RATIO),
    ("12分", None, Decimal(12), Dim.POINTS),
    ("6个月", None, Decimal(6), Dim.MONTHS),
    ("1年", "months", Decimal(12), Dim.MONTHS),
    ("1个月", "days", Decimal(30), Dim.DAYS),
    (1.5, None, Decimal("1.5"), Dim.SCALAR),
    ("３０００万美元", None, Decimal(30_000_000), Dim.USD),
])
def test_parse_amount(text: str | float, hint: str | None, value: Decimal, dim: Dim) -> None:
    assert parse_amount(text, hint) == (value, dim)


@pytest.mark.parametrize("text,hint,message", [
    ("3000万", "money", "`3000万` has no currency: write 3000万元 or 3000万美元"),
    ("3000万美元", "CNY", "in dollars; an amount in yuan is expected"),
    ("3%", "money", "is a ratio, not an amount of money"),
    ("30", "ratio", "write 30%"),
    ("USD 40000000", None, "unit after the number"),
    ("1.5:1", None, "ratio of parts"),
    ("5欧元", None, "unknown unit `欧元`"),
    ("3万%", None, "a scale .万. goes with money only"),
    ("-5%", None, "negative"),
    ("abc", None, "is not an amount"),
    ("", None, "empty"),
    (True, None, "not an amount"),
    (float("nan"), None, "not a finite number"),
])
def test_parse_amount_refuses(text: Any, hint: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_amount(text, hint)
