"""Load a policy file and its `extends` chain; merge them into one model (unchecked)."""

from __future__ import annotations

from pathlib import Path

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.model import Policy, PolicyFileInfo
from dsl.parse import parse_file
from dsl.walk import item_kind

POLICY_SUFFIX = ".policy"
_KIND_MAPS = {"clause": "clauses", "split": "splits", "param": "params", "mechanism": "mechanisms",
              "reading": "readings"}


def policy_files(paths: list[Path]) -> list[Path]:
    """Expand folders to the *.policy files inside them (recursively), in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(p.rglob(f"*{POLICY_SUFFIX}")))
        else:
            out.append(p)
    return out


class Loader:
    """Parses each file once; finds base policies by id in the same folder."""

    def __init__(self) -> None:
        self.parsed: dict[Path, tuple[A.PolicyFile | None, str | None, list[Diagnostic]]] = {}
        self.texts: dict[str, str] = {}  # path -> text, for rendering diagnostics

    def parse(self, path: Path) -> tuple[A.PolicyFile | None, str | None, list[Diagnostic]]:
        key = path.resolve()
        if key not in self.parsed:
            self.parsed[key] = parse_file(path)
            text = self.parsed[key][1]
            if text is not None:
                self.texts[str(path)] = text
        return self.parsed[key]

    def find_base(self, policy_id: str, near: Path) -> Path | None:
        for candidate in sorted(near.parent.glob(f"*{POLICY_SUFFIX}")):
            if candidate.stem == policy_id:
                return candidate
        for candidate in sorted(near.parent.glob(f"*{POLICY_SUFFIX}")):
            ast, _, _ = self.parse(candidate)
            if ast is not None and ast.header.id == policy_id:
                return candidate
        return None

    def load(self, path: Path) -> tuple[Policy | None, list[Diagnostic]]:
        """Parse `path` and its bases, merge; diagnostics of parsing and merging."""
        chain: list[PolicyFileInfo] = []
        diags: list[Diagnostic] = []
        seen: set[Path] = set()
        current: Path | None = path
        while current is not None:
            ast, text, d = self.parse(current)
            if current.resolve() != path.resolve():
                d = [x for x in d if x.is_error]  # a base's own warnings belong to its own check
            diags.extend(d)
            if ast is None or text is None:
                return None, diags
            info = PolicyFileInfo(current, text, ast)
            src = ast.header.get("source")
            if src is not None:
                info.source_path = (current.parent / src.value)
                try:
                    info.source_text = info.source_path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    diags.append(Diagnostic("E501", f"source text `{src.value}` not found or not UTF-8", src.span,
                                            f"the path is relative to the policy file: {info.source_path}"))
            chain.insert(0, info)
            seen.add(current.resolve())
            base_id = ast.header.extends
            if base_id is None:
                break
            base = self.find_base(base_id, current)
            if base is None:
                diags.append(Diagnostic("E602", f"base policy `{base_id}` not found", ast.header.extends_span,
                                        f"put {base_id}{POLICY_SUFFIX} beside {current.name}"))
                return None, diags
            if base.resolve() in seen:
                diags.append(Diagnostic("E604", f"`{ast.header.id}` extends `{base_id}`, which extends it back",
                                        ast.header.extends_span, "a policy cannot be its own base"))
                return None, diags
            current = base
        return merge(chain, diags), diags


def merge(chain: list[PolicyFileInfo], diags: list[Diagnostic]) -> Policy:
    meta: dict[str, A.Meta] = {}
    for info in chain:
        for m in info.ast.header.meta:
            meta[m.key] = m
    policy = Policy(chain[-1].ast.header.id, chain, meta)
    for depth, info in enumerate(chain):
        for item in info.ast.items:
            if isinstance(item, A.Unencoded):
                policy.unencoded.append(item)
                policy.origin[f"unencoded:{len(policy.unencoded) - 1}"] = info
                continue
            if isinstance(item, A.Remove):
                table = getattr(policy, _KIND_MAPS[item.kind])
                if item.id not in table:
                    diags.append(Diagnostic("E603", f"remove {item.kind} `{item.id}`: the base has no such {item.kind}",
                                            item.span, None if depth else "`remove` is for revisions (extends)"))
                else:
                    del table[item.id]
                continue
            overriding = isinstance(item, A.Override)
            inner = item.item if isinstance(item, A.Override) else item
            kind = item_kind(inner)
            table = getattr(policy, _KIND_MAPS[kind])
            key = f"{kind}:{inner.id}"
            if overriding:
                if inner.id not in table:
                    diags.append(Diagnostic("E603", f"override {kind} `{inner.id}`: the base has no such {kind}",
                                            item.span, "drop `override` to add a new item"))
            elif inner.id in table:
                prev = policy.origin[key]
                if prev is info:
                    first = table[inner.id].span
                    diags.append(Diagnostic("E201", f"{kind} `{inner.id}` is defined twice", inner.span,
                                            f"first defined at line {first.line}"))
                    continue
                diags.append(Diagnostic("E201", f"{kind} `{inner.id}` is already defined by the base policy",
                                        inner.span, f"write `override {kind} {inner.id} …` to replace it"))
            table[inner.id] = inner
            policy.origin[key] = info
    return policy
