"""The Python API: load policies, evaluate batches, explain one project.

    from compare.api import load_policy, evaluate, explain
    zjg = load_policy("policies/zhangjiagang_2017.policy")
    out = evaluate([zjg], [{"id": "p1", "foreign": True, "registered_capital": "4000万美元"}])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from compare.data.read import from_dicts, load_projects
from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.explain import explain
from compare.engine.fx import default_fx
from dsl.check import check_paths
from dsl.diagnostics import PolicyError


def load_policy(path: str | Path, search: Iterable[str | Path] = ()) -> CompiledPolicy:
    """Parse, check and compile one policy file; raise PolicyError if it has errors.
    `search`: folders of base policies and taxonomy after the file's own (then $POLICYLAB_PATH, the bundled)."""
    result = check_paths([Path(path)], [Path(s) for s in search])
    errors = [d for d in result.diagnostics if d.is_error]
    if errors or not result.policies:
        raise PolicyError(errors)
    return CompiledPolicy(result.policies[0])


def load_policies(paths: Iterable[str | Path]) -> list[CompiledPolicy]:
    return [load_policy(p) for p in paths]


def as_batch(projects: ProjectBatch | str | Path | Iterable[Mapping[str, Any]] | Any) -> ProjectBatch:
    if isinstance(projects, ProjectBatch):
        return projects
    if isinstance(projects, (str, Path)):
        return load_projects(Path(projects))
    if hasattr(projects, "to_dict"):  # a pandas DataFrame
        return from_dicts(projects.to_dict(orient="records"))
    return from_dicts(projects)


def evaluate(policies: Iterable[CompiledPolicy], projects: Any, fx: float | None = None,
             readings: Mapping[str, str] | None = None) -> list[Outcomes]:
    """Every project under every policy: one Outcomes per policy."""
    batch = as_batch(projects)
    return [p.evaluate(batch, fx if fx is not None else default_fx(p.policy), dict(readings or {}))
            for p in policies]


__all__ = ["CompiledPolicy", "Outcomes", "ProjectBatch", "as_batch", "evaluate", "explain", "load_policies", "load_policy"]
