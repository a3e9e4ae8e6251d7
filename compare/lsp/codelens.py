"""Code lens: above each clause, the example projects it fires for (examples/projects.yaml beside the
policies' folder or in the editor's workspace), so a change to a condition shows its reach at once.

Only a policy with no errors is evaluated (what `check` accepts evaluates); the projects are read with
the policy's own record, at the policy year's USD→CNY rate (compare.engine.fx)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as T

from compare.lsp.analysis import Analysis, span_range
from compare.lsp.diagnostics import to_range

EXAMPLES = Path("examples") / "projects.yaml"


def example_projects(analysis: Analysis, roots: list[Path]) -> Path | None:
    """The example projects for a document: in a workspace folder, else beside its policies' folder."""
    for folder in [*roots, analysis.path.resolve().parent.parent]:
        candidate = folder / EXAMPLES
        if candidate.is_file():
            return candidate
    return None


def lenses(analysis: Analysis, projects: Path | None) -> list[T.CodeLens]:
    """One lens per clause of this document: `fires for N of M example projects: ids`."""
    policy = analysis.policy
    if policy is None or projects is None or analysis.ast is None \
            or any(d.is_error for d in [*analysis.diagnostics, *analysis.elsewhere]):
        return []
    from compare.data.read import read_projects
    from compare.data.records import InputError
    from compare.engine.evaluate import CompiledPolicy
    from compare.engine.fx import default_fx

    try:
        batch = read_projects(projects, record=policy.record).batch
    except InputError:
        return []  # the projects' own problems are `policylab eval`'s to report
    compiled = CompiledPolicy(policy)
    env = compiled.run(batch, default_fx(policy))
    lines = analysis.lines
    out = []
    for cid, c in policy.clauses.items():
        if c.span.file != policy.files[-1].ast.path:
            continue  # a base's clause: its lens is in its own file
        fired = [pid for pid, f in zip(batch.ids, env.fired[cid], strict=True) if bool(f)]
        words = f"fires for {len(fired)} of {batch.n} example projects" + (f": {', '.join(fired)}" if fired else "")
        start = span_range(c.span, lines)[0]
        out.append(T.CodeLens(range=to_range((start, start)), command=T.Command(title=words, command="")))
    return out
