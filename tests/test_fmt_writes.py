"""`policylab fmt` writes keep their promises: a read-only file is refused, disk and
permission errors are reported without a traceback, and a killed write leaves nothing behind."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from compare.data import atomic
from compare.data.atomic import WriteError, sweep_stale, write_atomically

UNFORMATTED = 'policy t {\ncity wuxi "无锡"\n}\n'


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=120)


def test_read_only_policy_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "t.policy"
    path.write_text(UNFORMATTED, encoding="utf-8")
    path.chmod(0o444)
    r = run("fmt", "t.policy", cwd=tmp_path)
    assert r.returncode == 1
    assert "t.policy is read-only; it was not rewritten" in r.stderr
    assert "chmod u+w" in r.stderr and "Traceback" not in r.stderr
    assert path.read_text(encoding="utf-8") == UNFORMATTED
    assert oct(path.stat().st_mode & 0o777) == "0o444"


def test_writable_policy_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "t.policy"
    path.write_text(UNFORMATTED, encoding="utf-8")
    path.chmod(0o640)
    r = run("fmt", "t.policy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert path.read_text(encoding="utf-8").startswith('policy t {\n  city wuxi "无锡"')
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert [p.name for p in tmp_path.iterdir()] == ["t.policy"]


@pytest.mark.parametrize("code,words", [(errno.ENOSPC, "the disk is full"),
                                        (errno.EROFS, "Read-only file system"),
                                        (errno.EACCES, "Permission denied")])
def test_disk_and_permission_errors_are_write_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     code: int, words: str) -> None:
    path = tmp_path / "t.policy"
    path.write_text("old", encoding="utf-8")

    def failing_write(fd: int, data: object) -> int:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.os, "write", failing_write)
    with pytest.raises(WriteError) as e:
        write_atomically(path, "new")
    assert words in e.value.message and e.value.hint
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.policy"]


def test_killed_mid_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the content is written to an unnamed file that vanishes with the process."""
    target = tmp_path / "big.policy"
    target.write_text("original", encoding="utf-8")
    script = ("import sys; from pathlib import Path; from compare.data.atomic import write_atomically\n"
              "while True: write_atomically(Path(sys.argv[1]), 'x' * 50_000_000)\n")
    for delay in (0.3, 0.6, 1.0):
        proc = subprocess.Popen([sys.executable, "-c", script, str(target)], cwd=ROOT)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # killed in the instant between naming the complete file and renaming it over the target, the
        # name stays; the next write sweeps it, its writer being gone
        sweep_stale(target)
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == ["big.policy"], left
        assert target.read_bytes() in (b"original", b"x" * 50_000_000)
