"""Load a policy file and its `extends` chain; merge them into one model (unchecked)."""

from __future__ import annotations

import re
from pathlib import Path

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.files import CANNOT_READ, POLICY, SOURCE, read_checked
from dsl.model import Policy, PolicyFileInfo
from dsl.paths import ENV_VAR, FileRefusedError, confined, glob_sorted, probe, read_regular, search_dirs, within
from dsl.walk import item_kind

POLICY_SUFFIX = ".policy"
_KIND_MAPS = {"clause": "clauses", "split": "splits", "param": "params", "mechanism": "mechanisms",
              "reading": "readings", "field": "fields", "category": "categories", "choice": "choices",
              "list": "lists", "condition": "conditions"}
# A header's id read from the text alone (comments and blanks before it): enough to find the file a policy
# named on the command line lives in, which is then loaded (and checked) in full.
_HEADER_ID = re.compile(r"\A(?:\s|#[^\n]*)*policy\s+([A-Za-z_][A-Za-z0-9_]*)\b")


def policy_files(paths: list[Path]) -> list[Path]:
    """Expand folders to the *.policy files inside them (recursively), in a stable order.

    A file inside a folder that is a link to somewhere outside that folder is left out here
    and reported by `escaping_links`: a policy folder must not read the rest of the disk."""
    out: list[Path] = []
    for p in paths:
        if probe(p) == "dir":
            out.extend(f for f in glob_sorted(p, f"*{POLICY_SUFFIX}", recursive=True) if within(f, p))
        else:
            out.append(p)
    return out


def escaping_links(paths: list[Path]) -> list[Path]:
    """The *.policy links inside the given folders that point out of them."""
    return [f for p in paths if probe(p) == "dir"
            for f in glob_sorted(p, f"*{POLICY_SUFFIX}", recursive=True) if not within(f, p)]


class Loader:
    """Parses each file once; finds base policies by id along the search path (dsl.paths)."""

    def __init__(self, search: list[Path] | None = None, headers_only: bool = False) -> None:
        self.search = search_dirs(search)
        self.headers_only = headers_only  # find a file by its header's text, without parsing it (find_policy)
        self.parsed: dict[Path, tuple[A.PolicyFile | None, str | None, list[Diagnostic]]] = {}
        self.texts: dict[str, str] = {}  # path -> text, for rendering diagnostics

    def parse(self, path: Path) -> tuple[A.PolicyFile | None, str | None, list[Diagnostic]]:
        key = path.resolve()
        if key not in self.parsed:
            from dsl.parse import parse_file  # Lark is imported only when a file is parsed (dsl.cache)

            self.parsed[key] = parse_file(path)
            text = self.parsed[key][1]
            if text is not None:
                self.texts[str(path)] = text
        return self.parsed[key]

    def _declares(self, candidate: Path, folder: Path, policy_id: str) -> bool:
        if probe(candidate) != "file" or not within(candidate, folder):
            return False
        if self.headers_only:
            return header_id(candidate) == policy_id
        ast, _, _ = self.parse(candidate)
        return ast is not None and ast.header.id == policy_id

    def find_base(self, policy_id: str, near: Path) -> tuple[Path | None, str]:
        """The file whose header declares `policy_id`: the policy's folder first, then the search path.
        Without one, a hint saying where it looked (and which file is named so but declares another id)."""
        folders = [near.parent, *self.search]
        for folder in folders:
            named = folder / f"{policy_id}{POLICY_SUFFIX}"
            if self._declares(named, folder, policy_id):  # the usual case: file named after its id
                return named, ""
            for candidate in glob_sorted(folder, f"*{POLICY_SUFFIX}"):
                if candidate != named and self._declares(candidate, folder, policy_id):
                    return candidate, ""
        for folder in folders:
            named = folder / f"{policy_id}{POLICY_SUFFIX}"
            ast = self.parse(named)[0] if probe(named) == "file" and within(named, folder) else None
            if ast is not None:
                return None, (f"{named} declares `policy {ast.header.id}`, not `{policy_id}`: "
                              f"`extends` names a policy by the id in its header")
        return None, ("looked in " + ", ".join(str(f) for f in folders) +
                      f"; put {policy_id}{POLICY_SUFFIX} beside {near.name}, or add its folder with --policies DIR "
                      f"or ${ENV_VAR}")

    def read_source(self, info: PolicyFileInfo, src: A.Meta, diags: list[Diagnostic]) -> None:
        """The policy's own source text, confined to its folder tree (dsl.paths)."""
        span = src.value_span if src.value_span.line else src.span
        try:
            path = confined(info.path.parent, src.value)
            data = read_regular(path, SOURCE, info.path.parent)
            info.source_text = data.decode("utf-8-sig")
            info.source_path = path
        except FileRefusedError as e:  # a missing text is E501; a refusal by the file rule, its own code
            code = "E501" if e.code == CANNOT_READ else e.code
            diags.append(Diagnostic(code, f"source text refused: {e.message}", span, e.hint))
        except UnicodeDecodeError:
            diags.append(Diagnostic("E501", f"source text `{src.value}` is not UTF-8", span,
                                    "save the text as UTF-8 (GBK-encoded texts must be converted first)"))

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
                self.read_source(info, src, diags)
            chain.insert(0, info)
            seen.add(current.resolve())
            base_id = ast.header.extends
            if base_id is None:
                break
            base, hint = self.find_base(base_id, current)
            if base is None:
                diags.append(Diagnostic("E602", f"base policy `{base_id}` not found", ast.header.extends_span, hint))
                return None, diags
            if base.resolve() in seen:
                diags.append(Diagnostic("E604", f"`{ast.header.id}` extends `{base_id}`, which extends it back",
                                        ast.header.extends_span, "a policy cannot be its own base"))
                return None, diags
            current = base
        inherit_sources(chain)
        return merge(chain, diags), diags


def find_policy(name: str, search: list[Path] | None = None) -> tuple[Path | None, str]:
    """A policy named on the command line: a file, or a policy id looked up in the current folder,
    `policies/`, then the search path (--policies, $POLICYLAB_PATH, bundled)."""
    as_path = Path(name)
    if as_path.suffix == POLICY_SUFFIX or as_path.exists():
        return (as_path, "") if as_path.is_file() else (None, f"no such policy file: {name}")
    # Parsing every candidate (Lark and four whole files for four cities) cost more than the rest of
    # a warm run: the header's text names the file, whose load then reports any error in it.
    loader = Loader([Path("policies"), *(search or [])], headers_only=True)
    return loader.find_base(name, Path.cwd() / name)


def header_id(path: Path) -> str | None:
    """The id a policy file's header declares, read from its first lines (None if it starts otherwise)."""
    try:
        head = read_checked(path, POLICY)[:65536].decode("utf-8-sig", errors="replace")
    except (FileRefusedError, OSError):
        return None
    m = _HEADER_ID.match(head)
    return m.group(1) if m else None


def inherit_sources(chain: list[PolicyFileInfo]) -> None:
    """A revision without a `source` of its own quotes its base's text; one with its own may also
    quote the texts it revises.  So every file of a chain is quote-checked (base first)."""
    for base, info in zip(chain, chain[1:], strict=False):
        inherited = ([(base.source_path, base.source_text)] if base.source_path and base.source_text else []) \
            + base.base_sources
        if info.source_text is None:
            info.source_path, info.source_text = base.source_path, base.source_text
            info.base_sources = list(base.base_sources)
        else:
            info.base_sources = [(p, s) for p, s in inherited if s != info.source_text]


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
