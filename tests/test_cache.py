"""The cache of checked policies (dsl.cache): a hit is the same check, anything changed is a miss.

Each test keeps its own cache folder and its own copy of the bundled policies, edits a file the
check read, and expects the cached answer to be what a fresh check says now.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import POLICIES, ROOT

import dsl.check
from dsl.cache import FORMAT, SIGNATURE, check_paths_cached
from dsl.check import check_paths
from dsl.model import CheckResult, Policy
from dsl.paths import Reads
from dsl.walk import walk

# An unused reading: a warning (W703) that must come back from the cache like any error.
UNUSED_READING = '''
reading unused_choice "未用的解读" {
  cite "(1)" "给予最高50万元的一次性奖励"
  option one "甲"
  option other "乙"
  default one
  because "测试"
}
'''
HEAVY = ("lark", "networkx", "numpy", "z3", "pyarrow", "jinja2")


@pytest.fixture()
def pols(tmp_path: Path) -> Path:
    """A copy of the bundled policies; wuxi_2023 has a warning."""
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder, ignore=shutil.ignore_patterns("*.cases.yaml"))
    wuxi = folder / "wuxi_2023.policy"
    wuxi.write_text(wuxi.read_text(encoding="utf-8") + UNUSED_READING, encoding="utf-8")
    return folder


class Counter:
    """Counts the checks actually run (misses): dsl.cache imports dsl.check.check_paths when it misses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0
        monkeypatch.setattr(dsl.check, "check_paths", self)

    def __call__(self, paths: list[Path], search: list[Path] | None = None) -> CheckResult:
        self.n += 1
        return check_paths(paths, search)


@pytest.fixture()
def checks(monkeypatch: pytest.MonkeyPatch) -> Counter:
    return Counter(monkeypatch)


def typed_nodes(p: Policy) -> list[tuple[object, Any]]:
    """Each typed expression node of the policy with its type, in source order: what the compiler reads."""
    return [(n, p.node_types[id(n)]) for info in p.files for n in walk(info.ast) if id(n) in p.node_types]


def assert_same(got: CheckResult, want: CheckResult) -> None:
    assert got.diagnostics == want.diagnostics
    assert [d.span for d in got.diagnostics] == [d.span for d in want.diagnostics]  # spans are not in ==
    assert got.texts == want.texts
    assert [p.id for p in got.policies] == [p.id for p in want.policies]
    for p, q in zip(got.policies, want.policies, strict=True):
        assert replace(p, node_types={}) == replace(q, node_types={})
        assert typed_nodes(p) == typed_nodes(q) and len(p.node_types) == len(q.node_types)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("check-*.pickle"))


def test_a_hit_is_the_same_check(pols: Path, cache: Path, checks: Counter) -> None:
    cold = check_paths([pols])
    assert [d.code for d in cold.diagnostics] == ["W703"]
    first = check_paths_cached([pols])
    assert checks.n == 1 and len(entries(cache)) == 1
    warm = check_paths_cached([pols])
    assert checks.n == 1, "the second check came from the cache"
    assert warm is not first
    assert_same(first, cold)
    assert_same(warm, cold)


def test_a_hit_evaluates_the_same(pols: Path, cache: Path) -> None:
    """The checker's node types (keyed by node identity) survive the cache: the compiled policies agree."""
    from compare.api import outcomes
    from compare.engine.evaluate import CompiledPolicy

    projects = yaml.safe_load((ROOT / "examples" / "projects.yaml").read_text(encoding="utf-8"))
    check_paths_cached([pols])
    warm, cold = check_paths_cached([pols]), check_paths([pols])
    for w, c in zip(warm.policies, cold.policies, strict=True):
        if w.id == "zhangjiagang_base":
            continue
        ow, oc = (outcomes([CompiledPolicy(p)], projects, fx=7.0)[0] for p in (w, c))
        assert ow.concepts == oc.concepts and ow.concepts
        for concept in oc.concepts:
            for i in range(len(oc.ids)):
                assert (ow.state(concept, i), ow.value(concept, i)) == (oc.state(concept, i), oc.value(concept, i))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


EDITS = {
    # the policy file itself: a figure its quote does not have
    "policy": ("wuxi_2023.policy", "range: up to 50万元", "range: up to 60万元", "E503"),
    # the source text its quotes are checked against
    "source": ("sources/wuxi_2023.txt", "一次性奖励", "一次性资助", "E500"),
    # the taxonomy
    "taxonomy": ("taxonomy/core.yaml", "reward.specialized_sme:", "reward.specialised_sme:", "E204"),
}


@pytest.mark.parametrize("what", EDITS)
def test_an_edit_is_a_miss(what: str, pols: Path, cache: Path, checks: Counter) -> None:
    name, old, new, code = EDITS[what]
    check_paths_cached([pols])
    assert not check_paths_cached([pols]).has_errors and checks.n == 1
    _edit(pols / name, old, new)
    warm = check_paths_cached([pols])
    assert checks.n == 2
    assert code in {d.code for d in warm.diagnostics if d.is_error}
    assert_same(warm, check_paths([pols]))
    assert_same(check_paths_cached([pols]), warm)  # and the rewritten entry is used again
    assert checks.n == 2 and len(entries(cache)) == 1


def test_an_edit_to_the_base_policy_is_a_miss(pols: Path, cache: Path, checks: Counter) -> None:
    """Only the revision is named; its base is found through `extends` and read all the same."""
    child = [pols / "zhangjiagang_2017.policy"]
    base = pols / "zhangjiagang_base.policy"
    check_paths_cached(child)
    before = check_paths_cached(child)
    assert checks.n == 1 and not before.has_errors
    base.write_text(base.read_text(encoding="utf-8") + "# revised\n", encoding="utf-8")
    warm = check_paths_cached(child)
    assert checks.n == 2 and warm.policies[0].files[0].text.endswith("# revised\n")
    _edit(base, "param assessment", "parm assessment")  # a syntax error in the base fails its revision
    warm = check_paths_cached(child)
    assert checks.n == 3 and warm.has_errors
    assert_same(warm, check_paths(child))


def lib_and_drafts(tmp_path: Path) -> tuple[Path, Path]:
    """drafts/ holds a revision (and its source); its base and the taxonomy are in lib/ (--policies lib)."""
    lib, drafts = tmp_path / "lib", tmp_path / "drafts"
    for folder in (lib, drafts):
        (folder / "sources").mkdir(parents=True)
        shutil.copy(POLICIES / "sources" / "zhangjiagang_2017.txt", folder / "sources")
    shutil.copytree(POLICIES / "taxonomy", lib / "taxonomy")
    shutil.copy(POLICIES / "zhangjiagang_base.policy", lib)
    shutil.copy(POLICIES / "zhangjiagang_2017.policy", drafts)
    return lib, drafts


@pytest.mark.parametrize("name", ["zhangjiagang_base.policy", "older.policy"])
def test_a_base_appearing_earlier_in_the_search_path_is_a_miss(name: str, tmp_path: Path, cache: Path,
                                                               checks: Counter) -> None:
    """The base is first found in a --policies folder; then one appears in the revision's own folder,
    searched before it (named after its id, or under another name)."""
    lib, drafts = lib_and_drafts(tmp_path)
    child = [drafts / "zhangjiagang_2017.policy"]
    check_paths_cached(child, [lib])
    assert check_paths_cached(child, [lib]).policies[0].files[0].path == lib / "zhangjiagang_base.policy"
    assert checks.n == 1
    text = (POLICIES / "zhangjiagang_base.policy").read_text(encoding="utf-8")
    (drafts / name).write_text(text + "# the drafts' own base\n", encoding="utf-8")
    warm = check_paths_cached(child, [lib])
    assert checks.n == 2
    assert warm.policies[0].files[0].path == drafts / name
    assert_same(warm, check_paths(child, [lib]))


def test_a_taxonomy_appearing_nearer_is_a_miss(tmp_path: Path, cache: Path, checks: Counter) -> None:
    lib, drafts = lib_and_drafts(tmp_path)
    child = [drafts / "zhangjiagang_2017.policy"]
    check_paths_cached(child, [lib])
    assert not check_paths_cached(child, [lib]).has_errors and checks.n == 1
    shutil.copytree(lib / "taxonomy", drafts / "taxonomy")
    (drafts / "taxonomy" / "zhangjiagang.yaml").unlink()  # the city's own concepts are missing there
    warm = check_paths_cached(child, [lib])
    assert checks.n == 2 and "E204" in {d.code for d in warm.diagnostics}
    assert_same(warm, check_paths(child, [lib]))


def test_a_source_link_replaced_by_a_file_is_a_miss(pols: Path, tmp_path: Path, cache: Path,
                                                    checks: Counter) -> None:
    """A link out of the policy's folder is refused without being read; the same bytes as a file are not."""
    source = pols / "sources" / "wuxi_2023.txt"
    outside = tmp_path / "outside.txt"
    shutil.move(source, outside)
    source.symlink_to(outside)
    check_paths_cached([pols])
    assert "E006" in {d.code for d in check_paths_cached([pols]).diagnostics} and checks.n == 1
    source.unlink()
    shutil.copy(outside, source)
    warm = check_paths_cached([pols])
    assert checks.n == 2 and not warm.has_errors
    assert_same(warm, check_paths([pols]))


def test_a_missing_policy_file_appearing_is_a_miss(pols: Path, cache: Path, checks: Counter) -> None:
    new = [pols / "new.policy"]
    check_paths_cached(new)
    assert [d.code for d in check_paths_cached(new).diagnostics] == ["E001"] and checks.n == 1
    shutil.copy(pols / "taicang_2020.policy", new[0])
    warm = check_paths_cached(new)
    assert checks.n == 2 and [p.id for p in warm.policies] == ["taicang_2020"] and not warm.has_errors


def test_a_new_policy_file_in_the_folder_is_a_miss(pols: Path, cache: Path, checks: Counter) -> None:
    check_paths_cached([pols])
    shutil.copy(pols / "taicang_2020.policy", pols / "sub_taicang.policy")
    warm = check_paths_cached([pols])
    assert checks.n == 2 and "E201" not in {d.code for d in warm.diagnostics}
    assert len(warm.policies) == 6
    assert_same(warm, check_paths([pols]))


def _valid_header(entry: Path) -> bytes:
    """The entry up to the end of its header pickle (its signature included)."""
    with entry.open("rb") as f:
        f.seek(SIGNATURE)
        pickle.load(f)
        return entry.read_bytes()[: f.tell()]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "header only", "foreign pickle",
                                    "other format", "another key", "not a result"])
def test_a_corrupt_entry_is_rebuilt(damage: str, pols: Path, cache: Path, checks: Counter) -> None:
    cold = check_paths_cached([pols])
    [entry] = entries(cache)
    data = entry.read_bytes()
    header = _valid_header(entry)
    entry.write_bytes({
        "truncated": data[: len(data) * 2 // 3],
        "garbage": b"\x80\x05garbage" + os.urandom(64),
        "empty": b"",
        "header only": header + b"\x80\x05\x95junk",
        "foreign pickle": pickle.dumps(["a list", 1]),
        "other format": pickle.dumps({"format": -1, "key": "?", "reads": None}),
        # nothing read, so nothing changed: only the key inside says it is another check's (or version's)
        "another key": pickle.dumps({"format": FORMAT, "key": "0" * 64, "reads": Reads()}) + data[len(header):],
        "not a result": header + pickle.dumps({"policies": []}),
    }[damage])
    rebuilt = check_paths_cached([pols])
    assert checks.n == 2
    assert_same(rebuilt, cold)
    assert_same(check_paths_cached([pols]), cold)  # the entry was rewritten whole
    assert checks.n == 2 and len(entries(cache)) == 1


def test_no_cache_and_the_environment_variable_bypass_it(pols: Path, cache: Path, checks: Counter,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    check_paths_cached([pols], cache=False)
    check_paths_cached([pols], cache=False)
    assert checks.n == 2 and not cache.exists()
    monkeypatch.setenv("POLICYLAB_NO_CACHE", "1")
    check_paths_cached([pols])
    check_paths_cached([pols])
    assert checks.n == 4 and not cache.exists()
    monkeypatch.setenv("POLICYLAB_NO_CACHE", "0")
    check_paths_cached([pols])
    check_paths_cached([pols])
    assert checks.n == 5 and len(entries(cache)) == 1


def test_an_unusable_cache_folder_means_no_caching(pols: Path, tmp_path: Path, checks: Counter,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cold = check_paths([pols])
    a_file = tmp_path / "a_file"
    a_file.write_text("", encoding="utf-8")
    monkeypatch.setenv("POLICYLAB_CACHE_DIR", str(a_file / "cache"))  # cannot be created
    assert_same(check_paths_cached([pols]), cold)
    assert_same(check_paths_cached([pols]), cold)
    assert checks.n == 2
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # writable by others: an entry there could be someone's pickle, so it is not used
    monkeypatch.setenv("POLICYLAB_CACHE_DIR", str(shared))
    assert_same(check_paths_cached([pols]), cold)
    assert checks.n == 3 and entries(shared) == []
    if os.geteuid() != 0:  # root writes to a read-only folder all the same
        ro = tmp_path / "read_only"
        ro.mkdir(mode=0o500)
        monkeypatch.setenv("POLICYLAB_CACHE_DIR", str(ro))
        assert_same(check_paths_cached([pols]), cold)
        assert checks.n == 4 and entries(ro) == []


def test_the_cache_folder_is_private(pols: Path, cache: Path) -> None:
    check_paths_cached([pols])
    assert cache.stat().st_mode & 0o777 == 0o700
    assert [p.stat().st_mode & 0o077 for p in entries(cache)] == [0]
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]


# ---------------------------------------------------------------- the command


def cli(*args: str, cwd: Path, cache: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "POLICYLAB_CACHE_DIR": str(cache)}
    env.pop("POLICYLAB_NO_CACHE", None)
    return subprocess.run([sys.executable, *extra, "-m", "compare.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=120)


def without_import_times(stderr: str) -> str:
    return "".join(line for line in stderr.splitlines(keepends=True) if not line.startswith("import time:"))


def test_check_with_a_warm_cache_prints_the_same_and_imports_no_parser(pols: Path, cache: Path) -> None:
    cold = cli("check", "policies", cwd=pols.parent, cache=cache)
    assert cold.returncode == 0 and "1 warning" in cold.stdout and "W703" in cold.stderr, cold.stderr
    assert len(entries(cache)) == 1
    warm = cli("check", "policies", cwd=pols.parent, cache=cache, extra=("-X", "importtime"))
    imported = {line.split("|")[-1].strip() for line in warm.stderr.splitlines() if line.startswith("import time:")}
    assert "dsl.cache" in imported and "dsl.ast" in imported  # the timings were seen
    assert {m.split(".")[0] for m in imported} & set(HEAVY) == set()
    assert "dsl.parse" not in imported and "dsl.check.driver" not in imported
    assert (warm.returncode, warm.stdout, without_import_times(warm.stderr)) == \
        (cold.returncode, cold.stdout, cold.stderr)


def test_check_no_cache_option(pols: Path, cache: Path) -> None:
    r = cli("check", "policies", "--no-cache", cwd=pols.parent, cache=cache)
    assert r.returncode == 0 and "W703" in r.stderr
    assert entries(cache) == []
    _edit(pols / "wuxi_2023.policy", "range: up to 50万元", "range: up to 60万元")
    assert cli("check", "policies", cwd=pols.parent, cache=cache).returncode == 1
    assert len(entries(cache)) == 1
    again = cli("check", "policies", "--no-cache", cwd=pols.parent, cache=cache)
    assert again.returncode == 1 and "error[E503]" in again.stderr
