"""A cache entry cannot run code, and what is not an entry the cache wrote is never opened (dsl.cache).

Entries are pickles, and unpickling calls whatever a pickle names.  So an entry is signed with the
folder's key and the signature checked before anything is unpickled; and even a signed entry may name
only the model's own classes.  A planted entry (a pickle whose __reduce__ makes a folder) must leave
no folder, and the command must give the same answer as without a cache.  A FIFO, a device or a link
in an entry's place is neither read (a FIFO would block) nor removed.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import POLICIES

import dsl.check
from dsl.cache import KEY_NAME, MAGIC, _ModelUnpickler, check_paths_cached
from dsl.check import check_paths
from dsl.model import CheckResult


@pytest.fixture()
def pols(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder, ignore=shutil.ignore_patterns("*.cases.yaml"))
    return folder


class Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0
        monkeypatch.setattr(dsl.check, "check_paths", self)

    def __call__(self, paths: list[Path], search: list[Path] | None = None) -> CheckResult:
        self.n += 1
        return check_paths(paths, search)


class Planted:
    """A pickle that, unpickled, makes the folder `marker` (as a planted entry would run anything)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return os.mkdir, (str(self.marker),)


def the_entry(cache: Path) -> Path:
    [entry] = sorted(cache.glob("check-*.pickle"))
    return entry


def summary(result: CheckResult) -> tuple[list[str], list[str]]:
    return sorted(p.id for p in result.policies), sorted(f"{d.code} {d.span.file}:{d.span.line}" for d in result.diagnostics)


def test_a_planted_entry_runs_nothing(pols: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = check_paths_cached([pols])
    entry = the_entry(cache)
    marker = tmp_path / "ran"
    entry.write_bytes(pickle.dumps(Planted(marker)) + pickle.dumps(Planted(marker)))
    checks = Counter(monkeypatch)
    warm = check_paths_cached([pols])
    assert not marker.exists()
    assert checks.n == 1 and summary(warm) == summary(cold)  # checked afresh, the same answer


def test_a_planted_entry_signed_with_the_key_still_runs_nothing(pols: Path, cache: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the key stolen, the entry passes the signature: the unpickler still names no function."""
    cold = check_paths_cached([pols])
    entry = the_entry(cache)
    marker = tmp_path / "ran"
    secret = (cache / KEY_NAME).read_bytes()
    body = pickle.dumps(Planted(marker), protocol=pickle.HIGHEST_PROTOCOL)
    entry.write_bytes(MAGIC + hmac.new(secret, MAGIC + body, hashlib.sha256).digest() + body)
    checks = Counter(monkeypatch)
    warm = check_paths_cached([pols])
    assert not marker.exists()
    assert checks.n == 1 and summary(warm) == summary(cold)


def _global(module: str, name: str) -> bytes:
    """A protocol-0 pickle of just the global `module.name`."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n."


@pytest.mark.parametrize(("module", "name"), [
    ("os", "system"), ("posix", "system"), ("builtins", "eval"), ("builtins", "exec"), ("builtins", "getattr"),
    ("builtins", "__import__"), ("builtins", "open"), ("subprocess", "Popen"), ("functools", "partial"),
    ("operator", "attrgetter"), ("codecs", "encode"), ("types", "FunctionType"), ("copyreg", "_reconstructor"),
    ("shutil", "rmtree"), ("pickle", "loads"),
    # the project's own names that are not model classes: functions, an exception, a class with behaviour
    ("dsl.cache", "_remove"), ("dsl.cache", "clear_cache"), ("dsl.paths", "read_regular"),
    ("dsl.diagnostics", "PolicyError"), ("dsl.load", "Loader"), ("dsl.files", "read_checked"),
    ("dsl.ast", "dataclass"),  # imported into a model module, not defined there
])
def test_the_unpickler_refuses_every_other_name(module: str, name: str) -> None:
    with pytest.raises(pickle.UnpicklingError):
        _ModelUnpickler(io.BytesIO(_global(module, name))).load()


@pytest.mark.parametrize(("module", "name"), [
    ("dsl.ast", "Span"), ("dsl.model", "Policy"), ("dsl.units", "Dim"), ("dsl.paths", "Reads"),
    ("dsl.taxonomy", "Concept"), ("dsl.diagnostics", "Diagnostic"), ("decimal", "Decimal"),
    ("fractions", "Fraction"), ("pathlib", "PosixPath"), ("builtins", "frozenset"),
])
def test_the_unpickler_allows_the_model_and_inert_values(module: str, name: str) -> None:
    found = _ModelUnpickler(io.BytesIO(_global(module, name))).load()
    assert found.__name__ == name


def cli(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "POLICYLAB_CACHE_DIR": str(cache)}
    env.pop("POLICYLAB_NO_CACHE", None)
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=60)  # a FIFO read would block for ever: the timeout fails it


@pytest.mark.parametrize("thing", ["fifo", "link", "device"])
def test_an_entry_that_is_not_a_file_the_cache_wrote_is_never_opened_nor_removed(thing: str, pols: Path,
                                                                                  cache: Path, tmp_path: Path) -> None:
    cold = cli("check", "policies", cwd=pols.parent, cache=cache)
    assert cold.returncode == 0, cold.stderr
    entry = the_entry(cache)
    entry.unlink()
    outside = tmp_path / "notes.txt"
    outside.write_text("a user's notes", encoding="utf-8")
    if thing == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to(outside if thing == "link" else Path("/dev/zero"))
    for _ in range(2):  # neither run reads it, replaces it or hangs on it
        warm = cli("check", "policies", cwd=pols.parent, cache=cache)
        assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert os.path.lexists(entry) and (entry.is_fifo() if thing == "fifo" else entry.is_symlink())
    assert outside.read_text(encoding="utf-8") == "a user's notes"


@pytest.mark.parametrize("damage", ["readable by others", "a link", "a fifo"])
def test_a_key_that_is_not_private_means_no_caching(damage: str, pols: Path, cache: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cold = check_paths_cached([pols])
    key = cache / KEY_NAME
    if damage == "readable by others":
        key.chmod(0o644)
    else:
        stolen = tmp_path / "stolen_key"
        shutil.move(key, stolen)
        key.symlink_to(stolen) if damage == "a link" else os.mkfifo(key)
    checks = Counter(monkeypatch)
    assert summary(check_paths_cached([pols])) == summary(cold)
    assert summary(check_paths_cached([pols])) == summary(cold)
    assert checks.n == 2  # every check afresh: entries signed with an untrusted key are not used


def test_a_file_replaced_by_a_link_out_to_the_same_bytes_is_a_miss(pols: Path, cache: Path, tmp_path: Path) -> None:
    """The cache notes where each file was, not only its bytes: the same bytes through a link out of the
    taxonomy folder are refused by a fresh check, so the cached answer cannot stand."""
    assert not check_paths_cached([pols]).has_errors
    [tax] = sorted((pols / "taxonomy").glob("*.yaml"))[:1]
    moved = tmp_path / "elsewhere.yaml"
    shutil.move(tax, moved)
    tax.symlink_to(moved)
    warm = check_paths_cached([pols])
    assert "E006" in {d.code for d in warm.diagnostics}, warm.diagnostics
