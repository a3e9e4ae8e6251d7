"""A sampled portfolio the simulation tests share: the four bundled cities and a spec of the usual fields."""

from __future__ import annotations

from typing import Any

CITIES = ["wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft"]
SPEC: dict[str, Any] = {
    "currency": {"USD": 0.7, "CNY": 0.3},
    "money": {"registered_capital": {"lognormal": {"median": "2000万美元", "sigma": 1.2}},
              "fdi_arrived": {"share_of": "registered_capital", "low": 0.1, "high": 1.0}},
    "ratios": {"paid_in_ratio": {"uniform": {"low": 0.1, "high": 1.0}}},
    "flags": {"foreign": 0.6, "licensed": 0.8, "manufacturing": 0.7, "started": 0.6, "in_core_zone": 0.4},
    "categories": {"fortune_global_500": 0.03, "foreign_hq": 0.02},
    "referral": {"none": 0.5, "other_district": 0.3, "municipal_dept": 0.15, "intermediary": 0.05}}
