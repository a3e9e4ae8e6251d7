"""The built parser is kept in policylab's private cache folder, never in a shared temporary folder, where
another user could plant the pickle a cold `check` would load (Lark's own `cache=True` used /tmp)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "wuxi_2023.policy"


def _check(cache: Path, tmp: Path, *extra: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "POLICYLAB_CACHE_DIR": str(cache), "TMPDIR": str(tmp), **env}
    environ.pop("POLICYLAB_NO_CACHE", None)
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "compare.cli", "check", str(POLICY), *extra],
                          capture_output=True, text=True, env=environ, cwd=ROOT)


def test_the_parser_is_cached_in_the_private_folder_only(tmp_path: Path) -> None:
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    r = _check(cache, tmp)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in cache.glob("lark-*")] == [f"lark-parser-py{sys.version_info[0]}{sys.version_info[1]}.pickle"]
    assert list(tmp.iterdir()) == []
    assert (cache.stat().st_mode & 0o777) == 0o700


def test_a_folder_others_may_write_to_is_not_used(tmp_path: Path) -> None:
    cache, tmp = tmp_path / "shared", tmp_path / "tmp"
    cache.mkdir()
    cache.chmod(0o777)
    tmp.mkdir()
    r = _check(cache, tmp)
    assert r.returncode == 0, r.stderr
    assert list(cache.iterdir()) == [] and list(tmp.iterdir()) == []


def test_without_caching_no_folder_is_created(tmp_path: Path) -> None:
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    r = _check(cache, tmp, POLICYLAB_NO_CACHE="1")
    assert r.returncode == 0, r.stderr
    assert not cache.exists() and list(tmp.iterdir()) == []
