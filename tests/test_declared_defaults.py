"""A batch read against another record (or built by hand) lacks the columns of the fields a policy
declares: the engine gives each its declared default, and refuses, naming it, a required one."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import POLICIES

from compare.api import load_policy
from compare.data.read import from_dicts
from compare.engine.evaluate import CompiledPolicy
from dsl.check.driver import check_text


def test_a_declared_flag_takes_its_default_where_the_batch_has_no_column() -> None:
    """Wuxi (16): 对符合我市“465”现代产业集群导向的重点产业招商项目……给予相应奖励.  `in_465_cluster` defaults to
    true, so a landed project read against the core record is promised the landing reward; not landed, 0."""
    cp = load_policy(POLICIES / "wuxi_2023.policy")
    batch = from_dicts([{"id": "a", "licensed": True}, {"id": "b", "licensed": False}])
    assert "in_465_cluster" not in batch.columns
    out = cp.evaluate(batch, 7.0)
    lo, hi = out.numeric["reward.landing"]
    assert (lo[0], hi[0]) == (0.0, float("inf")) and (lo[1], hi[1]) == (0.0, 0.0)
    assert not batch.columns["in_465_cluster#given"].any()  # the default, not given: explain says assumed


def test_a_required_declared_field_missing_from_a_batch_is_named() -> None:
    text = ('policy r {\n  city r "示例"\n}\nfield site_area "用地面积" {\n  type area 平方米\n}\n'
            'clause c {\n  value 10元/平方米 * site_area\n}\n')
    policy, diags = check_text(text)
    assert policy is not None and not [d for d in diags if d.is_error and d.code not in ("E110", "E209", "E502")], diags
    batch = from_dicts([{"id": "a"}])
    with pytest.raises(ValueError, match="`site_area` is declared without a default"):
        CompiledPolicy(policy).evaluate(batch, 7.0)
    assert np.array_equal(batch.columns["licensed"], [False])  # the batch is otherwise untouched
