"""The Python API: load policies, evaluate batches, explain one project.

    from compare.api import load_policy, evaluate, explain
    zjg = load_policy("policies/zhangjiagang_2017.policy")
    out = evaluate([zjg], [{"id": "p1", "foreign": True, "registered_capital": "4000万美元"}])

Several policies are evaluated at one USD→CNY rate (the latest policy year's average unless `fx`
names one; `fx="per-policy"` for each policy's own year); `run` also says which rate and carries, per
Outcomes, the inputs assumed (not given) and the outcomes another reading option would change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compare.data.read import from_dicts, load_projects
from compare.diff.data import OutcomeDiff
from compare.diff.data import outcome_diff as _outcome_diff
from compare.diff.graph_export import PolicyGraph
from compare.diff.graph_export import policy_graph as _policy_graph
from compare.diff.impact import Impact, UnknownNameError
from compare.diff.impact import impact as _impact
from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.explain import explain
from compare.engine.runs import PER_POLICY, Rates, evaluate_policies
from dsl.check import check_paths
from dsl.diagnostics import PolicyError

if TYPE_CHECKING:  # the semantic diff imports z3: loaded when first used
    from compare.diff.semantic import SemanticDiff


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


def run(policies: Iterable[CompiledPolicy], projects: Any, fx: float | str | None = None,
        readings: Mapping[str, str] | None = None, analyse: bool = True) -> tuple[list[Outcomes], Rates]:
    """Every project under every policy at one rate: one Outcomes per policy, and the rate chosen
    (`Rates.note`: "USD→CNY 7.0467 (2023 average, the latest policy year)").  With `analyse`, each
    Outcomes has `assumed` and `alternatives` (see compare.engine.assumed and .sensitivity)."""
    return evaluate_policies(list(policies), as_batch(projects), fx, dict(readings or {}), analyse)


def evaluate(policies: Iterable[CompiledPolicy], projects: Any, fx: float | str | None = None,
             readings: Mapping[str, str] | None = None, analyse: bool = True) -> list[Outcomes]:
    """Every project under every policy: one Outcomes per policy (as `run`, without the rate note)."""
    return run(policies, projects, fx, readings, analyse)[0]


__all__ = ["PER_POLICY", "CompiledPolicy", "Outcomes", "ProjectBatch", "Rates", "as_batch", "evaluate", "explain",
           "load_policies", "load_policy", "run"]


# ---------------------------------------------------------------- revisions on data, impact, the graph
# Plain dataclasses; `.rows()` gives a list of dicts (pandas is not a dependency: `.to_frame()` makes a
# DataFrame where pandas is installed).


def _compiled(policy: CompiledPolicy | str | Path) -> CompiledPolicy:
    return policy if isinstance(policy, CompiledPolicy) else load_policy(policy)


def outcome_diff(old: CompiledPolicy | str | Path, new: CompiledPolicy | str | Path, projects: Any,
                 fx: float | None = None, readings: Mapping[str, str] | None = None) -> OutcomeDiff:
    """Each project's outcomes under `old` and `new` at one rate (`fx`, else the later policy year's
    average) and the same readings, the change end by end, and per concept the totals and how many
    projects gain, lose or are unaffected.  ValueError for a reading or option neither policy has."""
    return _outcome_diff(_compiled(old), _compiled(new), as_batch(projects), fx, dict(readings or {}))


def impact(policy: CompiledPolicy | str | Path, name: str) -> Impact:
    """What `name` (a clause, param, reading, project field or outcome concept) can move in the policy.
    UnknownNameError (a LookupError, with `.hint`) for a name that is none of these."""
    return _impact(_compiled(policy), name)


def policy_graph(policies: Iterable[CompiledPolicy | str | Path]) -> PolicyGraph:
    """The policies' dependency graphs joined at the taxonomy's concept nodes; `.to_json()`, `.to_dot()`,
    `.to_svg()` (no Graphviz needed), `.graph` (networkx)."""
    compiled = [_compiled(p) for p in policies]
    return _policy_graph([cp.policy for cp in compiled], [cp.graph for cp in compiled])


__all__ += ["Impact", "OutcomeDiff", "PolicyGraph", "UnknownNameError", "impact", "outcome_diff", "policy_graph"]


# ---------------------------------------------------------------- semantic diff (z3)


def semantic_diff(old: CompiledPolicy | str | Path, new: CompiledPolicy | str | Path,
                  concepts: Iterable[str] | None = None, readings: Mapping[str, str] | None = None,
                  fx: float | str | None = None, regions: bool = False) -> SemanticDiff:
    """Per outcome concept, what `new` gives against `old` over every valid project, proved with z3:
    a verdict (equivalent, more generous, less generous, mixed, only in OLD/NEW), witness projects
    (re-evaluated by the evaluator) with both values, the largest gain and loss per bound of the
    interval.  `concepts`: keys, or `OLD_KEY=NEW_KEY` across cities; `regions`: describe where each
    side gives more.  ValueError for a reading or option neither policy has."""
    from compare.diff.semantic import semantic_diff as _semantic_diff

    return _semantic_diff(_compiled(old), _compiled(new), list(concepts) if concepts else None,
                          dict(readings or {}), fx, regions)


__all__ += ["semantic_diff"]
