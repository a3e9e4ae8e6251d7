"""The lines of a simulation: each baseline policy and each reform, checked and compiled once.

A reform stacks on its base (a policy or an earlier reform) and is compared with its root, the
baseline policy it comes from: per-project deltas are taken against the root, and in the
competitiveness table a reform stands in for its root among the other cities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compare.engine.evaluate import CompiledPolicy
from compare.simulate.reform import Reform, ReformError, apply_changes, check_file
from compare.simulate.transplant import apply_transplant
from dsl.diagnostics import Diagnostic
from dsl.files import POLICY, FileRefusedError, check_path
from dsl.model import Policy


@dataclass
class Line:
    name: str  # the policy id, or the reform's name
    policy: Policy
    compiled: CompiledPolicy
    root: str  # the baseline it derives from (its own name for a baseline)
    readings: dict[str, str] = field(default_factory=dict)
    text: str | None = None  # a reform's revision, as checked
    reform: Reform | None = None
    revisions: list[tuple[str, str]] = field(default_factory=list)  # (file stem, text) of each step

    @property
    def city(self) -> str:
        return self.policy.city

    @property
    def label(self) -> str:
        return f"{self.policy.city_label} {self.name}"

    @property
    def is_reform(self) -> bool:
        return self.reform is not None


def _readings_for(policy: Policy, chosen: Mapping[str, str]) -> dict[str, str]:
    return {r: o for r, o in chosen.items() if r in policy.readings}


def build_lines(policies: Sequence[Policy], reforms: Sequence[Reform],
                readings: Mapping[str, Mapping[str, str]], folder: Path, search: Sequence[Path]) -> list[Line]:
    """Baselines (in order), then reforms (in order, each on its base).  `readings`: per policy id or
    reform name, reading -> option (a reform takes its root's, then its own).  Reform revisions are
    written to `folder`.  ReformError for a reform that does not check."""
    lines: dict[str, Line] = {}
    folders = [folder, *dict.fromkeys(p.path.parent for p in policies), *search]
    for p in policies:
        chosen = _readings_for(p, readings.get(p.id, {}))
        lines[p.id] = Line(p.id, p, CompiledPolicy(p), p.id, chosen)
    from dsl.lark_parser import keywords

    for r in reforms:
        if r.name in keywords():  # the reform becomes a policy id: a keyword would not parse
            raise ReformError([Diagnostic("E910", f"reform name `{r.name}` is a keyword of the policy language", r.where,
                                          f"choose another name, e.g. `{r.name}_reform`")])
        base = lines.get(r.base)
        if base is None:
            raise ReformError([Diagnostic("E910", f"reform `{r.name}`: its base `{r.base}` is neither a policy of "
                                                  "the run nor an earlier reform", r.where,
                                          "bases: " + ", ".join(lines))])
        policy, text = base.policy, ""
        steps: list[tuple[str, str]] = []
        # the revision is checked in `folder`: its city's taxonomy is the one beside its root policy,
        # before the other policies' folders (a made-up city's among the bundled ones)
        own = list(dict.fromkeys([folder, lines[base.root].policy.path.parent, base.policy.path.parent, *folders]))
        if r.extends is not None:
            policy, text = _extending(r, base, own, folder)
            steps.append((r.extends.stem, text))
        if r.transplant is not None:
            donor = lines.get(r.transplant.donor)
            if donor is None:
                raise ReformError([Diagnostic("E911", f"reform `{r.name}`: transplant from `{r.transplant.donor}`, "
                                                      "which is not a policy of the run", r.transplant.where,
                                              "add it to `policies`")])
            step = r.name if not r.changes else f"{r.name}__transplant"
            policy, text = apply_transplant(policy, donor.policy, r.transplant, step, folder, own)
            steps.append((step, text))
        if r.changes:
            policy, text = apply_changes(policy, r.changes, r.name, folder, own)
            steps.append((r.name, text))
        chosen = {**base.readings, **_readings_for(policy, readings.get(r.name, {}))}
        lines[r.name] = Line(r.name, policy, CompiledPolicy(policy), base.root, chosen, text, r, steps)
    return list(lines.values())


def _extending(r: Reform, base: Line, search: Sequence[Path], folder: Path) -> tuple[Policy, str]:
    """A reform written as a policy file that `extends` the base (its id or a reform's name).  Its own
    source text (a draft `policylab reform` wrote has one) is copied into `folder` where its `source`
    names it, so the revision published beside the results finds it."""
    assert r.extends is not None
    try:
        check_path(r.extends, POLICY)  # a regular file (dsl.files), before the checker reads it
    except FileRefusedError as e:
        message = f"no such policy file: {r.extends}" if e.reason == "does not exist" else e.message
        raise ReformError([Diagnostic("E910", f"reform `{r.name}`: {message}", r.where,
                                      "the path is relative to the scenario file")]) from None
    policy = check_file(r.extends, search)  # read once, by the file rule (dsl.files), as any policy
    text = policy.files[-1].text
    chain = [info.ast.header.id for info in policy.files]
    if base.policy.id not in chain:
        raise ReformError([Diagnostic("E910", f"reform `{r.name}`: {r.extends} does not extend `{base.policy.id}`",
                                      r.where, f"its chain: {' → '.join(chain)}; write `extends {base.policy.id}`")])
    own, src = policy.files[-1], policy.files[-1].ast.header.get("source")
    if src is not None and own.source_text is not None and not (folder / src.value).exists():
        (folder / src.value).parent.mkdir(parents=True, exist_ok=True)
        (folder / src.value).write_text(own.source_text, encoding="utf-8")
    return policy, text


__all__ = ["Line", "build_lines"]
