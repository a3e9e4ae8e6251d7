"""Results folders (`simulate --out`, `site build --out`): only a folder policylab wrote is replaced;
anything else is refused before any work, byte for byte untouched; killed runs leave nothing that the
next run does not clean (`.NAME.partial-PID`, `.NAME.old-PID`, temporary folders), and no worker
process outlives a killed `simulate`."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from compare.data.folders import (
    MARKER,
    OutFolderError,
    atomic_folder,
    prepare_out_folder,
    sweep_stale_folders,
    temp_folder,
)

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- helpers

def _env(tmp: Path) -> dict[str, str]:
    """The run's own system temporary folder, so what it leaves there is seen (and others' runs are not)."""
    (tmp / "systmp").mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp / "systmp"), "POLICYLAB_NO_CACHE": "1"}


def _cli(tmp: Path, *args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd or tmp, capture_output=True,
                          text=True, env={**_env(tmp), **env}, timeout=600)


def _snapshot(folder: Path) -> dict[str, Any]:
    """Every entry under `folder`: a file's bytes, a link's target, a folder's presence."""
    out: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        out[rel] = ("link", os.readlink(path)) if path.is_symlink() else \
            ("file", path.read_bytes()) if path.is_file() else ("dir",)
    return out


def _checkout(where: Path) -> Path:
    """A folder like a git checkout with the user's notes: what `--out` must never swallow."""
    where.mkdir(parents=True)
    (where / ".git" / "refs").mkdir(parents=True)
    (where / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (where / ".git" / "config").write_text("[core]\n\trepositoryformatversion = 0\n")
    (where / "notes.md").write_text("# 调研笔记\n张家港 第12条 …\n", encoding="utf-8")
    (where / "data").mkdir()
    (where / "data" / "projects.csv").write_bytes(b"id,registered_capital\np1,3000\xe4\xb8\x87\n")
    return where


def _scenario(tmp: Path, draws: int = 0, name: str = "t") -> Path:
    """A scenario of one policy; with `draws`, a Monte Carlo of that many portfolios (seconds of work for
    the forked workers) and its plots (a second or more of writing)."""
    data: dict[str, Any] = {
        "name": name, "seed": 7, "fx": 7.0, "policies": ["wuxi_2023"],
        "portfolio": {"sample": {"size": 200, "currency": {"USD": 1.0},
                                 "money": {"registered_capital": {"lognormal": {"median": "2000万美元", "sigma": 1.0}},
                                           "fdi_arrived": {"share_of": "registered_capital", "low": 0.2,
                                                           "high": 1.0}},
                                 "flags": {"foreign": 1.0}}},
        "analyses": {"compare": True, **({"monte_carlo": {"draws": draws}} if draws else {})},
        "outputs": ["csv", "png", "svg"] if draws else ["csv"],
    }
    path = tmp / f"{name}.scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _broken_policy(tmp: Path) -> Path:
    """A policy that does not check: a site build that got as far as checking it would exit 1, not 2."""
    path = tmp / "broken.policy"
    path.write_text("policy broken {\n  city x \"x\"\n", encoding="utf-8")
    return path


def _simulate(tmp: Path, out: str, *more: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    # a scenario naming a policy that does not exist: a run that got past the folder check would exit 1
    bad = tmp / "bad.scenario.yaml"
    if not bad.exists():
        text = _scenario(tmp).read_text(encoding="utf-8").replace("wuxi_2023", "no_such_policy")
        bad.write_text(text, encoding="utf-8")
    return _cli(tmp, "simulate", str(bad), "--out", out, "--quiet", *more, cwd=cwd, **env)


def _site(tmp: Path, out: str, *more: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return _cli(tmp, "site", "build", str(_broken_policy(tmp)), "--out", out, *more, cwd=cwd, **env)


COMMANDS: dict[str, Callable[..., subprocess.CompletedProcess[str]]] = {"simulate": _simulate, "site": _site}


def _refused(done: subprocess.CompletedProcess[str], folder: str, reason: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 2 and f"--out {folder}: refused: {reason}" in lines[0], done.stderr
    assert lines[1].strip().startswith("hint:") and "--force" in lines[1], done.stderr


def _temps(tmp: Path) -> list[str]:
    """policylab's folders in the run's system temporary folder (Lark keeps a grammar cache there too)."""
    return sorted(n for n in os.listdir(tmp / "systmp") if n.startswith("policylab-"))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name)


# ---------------------------------------------------------------- refusals, before any work

@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_policylab_did_not_write_is_refused_and_untouched(tmp_path: Path, command: str) -> None:
    victim = _checkout(tmp_path / "victim")
    before = _snapshot(victim)
    _refused(COMMANDS[command](tmp_path, "victim"), "victim", "it is a folder policylab did not write")
    assert _snapshot(victim) == before
    # a marker below the top, or a link to a marker elsewhere, is not the folder's own
    (victim / "data" / MARKER).write_text("policylab simulate\n")
    own = tmp_path / "own"
    assert _cli(tmp_path, "simulate", str(_scenario(tmp_path)), "--out", str(own), "--quiet").returncode == 0
    (victim / MARKER).symlink_to(own / MARKER)
    before = _snapshot(victim)
    _refused(COMMANDS[command](tmp_path, "victim"), "victim", "it is a folder policylab did not write")
    assert _snapshot(victim) == before


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("force", [(), ("--force",)])
def test_a_file_is_never_replaced_by_a_folder(tmp_path: Path, command: str, force: tuple[str, ...]) -> None:
    (tmp_path / "memo.md").write_text("备忘\n", encoding="utf-8")
    _refused(COMMANDS[command](tmp_path, "memo.md", *force), "memo.md", "it is a file, not a folder")
    assert (tmp_path / "memo.md").read_text(encoding="utf-8") == "备忘\n"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("force", [(), ("--force",)])
def test_the_current_folder_and_its_ancestors_are_never_replaced(tmp_path: Path, command: str,
                                                                 force: tuple[str, ...]) -> None:
    victim = _checkout(tmp_path / "victim")
    deep = victim / "data" / "deep"
    deep.mkdir()
    before = _snapshot(victim)
    run = COMMANDS[command]
    _refused(run(tmp_path, ".", *force, cwd=victim), ".", "it is the current folder")
    _refused(run(tmp_path, str(victim), *force, cwd=victim), str(victim), "it is the current folder")
    _refused(run(tmp_path, "../..", *force, cwd=deep), "../..", "it holds the current folder")
    _refused(run(tmp_path, str(victim), *force, cwd=deep), str(victim), "it holds the current folder")
    _refused(run(tmp_path, "/", *force, cwd=deep), "/", "it holds the current folder")
    assert _snapshot(victim) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_a_link_is_not_followed_and_home_and_policylab_itself_are_never_replaced(tmp_path: Path, command: str) -> None:
    victim = _checkout(tmp_path / "victim")
    (tmp_path / "results").symlink_to(victim)
    before = _snapshot(victim)
    run = COMMANDS[command]
    _refused(run(tmp_path, "results", "--force"), "results", "it is a symbolic link")
    assert (tmp_path / "results").is_symlink() and _snapshot(victim) == before
    home = _checkout(tmp_path / "home")
    before = _snapshot(home)
    _refused(run(tmp_path, str(home), "--force", HOME=str(home)), str(home), "it is the home folder")
    assert _snapshot(home) == before
    policies = ROOT / "policies"
    _refused(run(tmp_path, str(policies), "--force"), str(policies), "it holds policylab itself or its policies")


def test_a_folder_another_command_wrote_is_refused(tmp_path: Path) -> None:
    results = tmp_path / "results"
    assert _cli(tmp_path, "simulate", str(_scenario(tmp_path)), "--out", str(results), "--quiet").returncode == 0
    before = _snapshot(results)
    _refused(_site(tmp_path, "results"), "results", "it holds the results of `policylab simulate`, not of "
                                                     "`policylab site build`")
    assert _snapshot(results) == before


def test_a_folder_holding_the_scenario_is_refused_even_with_force(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    done = _cli(tmp_path, "simulate", str(scenario), "--out", str(tmp_path), "--force", "--quiet", cwd=ROOT)
    assert done.returncode == 2 and f"it holds {scenario}, which this run reads" in done.stderr, done.stderr
    assert scenario.is_file()


# ---------------------------------------------------------------- what may be replaced

def test_simulate_replaces_its_own_folder_an_empty_one_and_with_force_any(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _cli(tmp_path, "simulate", str(scenario), "--out", "empty", "--quiet")
    assert done.returncode == 0, done.stderr
    assert (empty / MARKER).read_text().splitlines()[0] == "policylab simulate"
    (empty / "stale.csv").write_text("from an earlier run\n")
    done = _cli(tmp_path, "simulate", str(scenario), "--out", "empty", "--quiet")
    assert done.returncode == 0, done.stderr
    assert not (empty / "stale.csv").exists() and (empty / "totals.csv").is_file()
    victim = _checkout(tmp_path / "victim")
    done = _cli(tmp_path, "simulate", str(scenario), "--out", "victim", "--force", "--quiet")
    assert done.returncode == 0, done.stderr
    assert not (victim / ".git").exists() and (victim / "totals.csv").is_file() and (victim / MARKER).is_file()
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(importlib.util.find_spec("material") is None, reason="site build needs mkdocs-material")
def test_site_build_replaces_with_force_then_its_own_folder(tmp_path: Path) -> None:
    victim = _checkout(tmp_path / "victim")
    done = _cli(tmp_path, "site", "build", "wuxi_2023", "--out", "victim", "--force")
    assert done.returncode == 0, done.stderr
    assert not (victim / ".git").exists() and (victim / "index.html").is_file()
    assert (victim / MARKER).read_text().splitlines()[0] == "policylab site build"
    (victim / "stale.html").write_text("<p>old</p>")
    done = _cli(tmp_path, "site", "build", "wuxi_2023", "--out", "victim")
    assert done.returncode == 0, done.stderr
    assert not (victim / "stale.html").exists() and (victim / "index.html").is_file()
    assert _leftovers(tmp_path) == [] and _temps(tmp_path) == []


def test_the_folder_is_checked_again_before_the_swap(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(OutFolderError), atomic_folder(out, "policylab simulate") as staged:
        (staged / "a.csv").write_text("1\n")
        _checkout(out)  # the user made the folder while the run worked
    assert (out / "notes.md").is_file() and _leftovers(tmp_path) == []


# ---------------------------------------------------------------- killed runs

KILLER = """
import os, shutil, signal, sys
from pathlib import Path
from compare.data import folders
point, out = sys.argv[1], Path(sys.argv[2])
def die():
    os.kill(os.getpid(), signal.SIGKILL)
if point == "between-renames":
    rename = os.rename
    def half(a, b):
        rename(a, b)
        if ".old-" in str(b):
            die()
    folders.os.rename = half
if point == "removing-old":
    rmtree = shutil.rmtree
    def half(path, *a, **k):
        if ".old-" in str(path):
            (Path(path) / "a.csv").unlink()
            die()
        rmtree(path, *a, **k)
    folders.shutil.rmtree = half
with folders.temp_folder("sim") as work, folders.atomic_folder(out, "policylab simulate") as staged:
    (work / "x").write_text("work")
    (staged / "a.csv").write_text("new\\n")
    (staged / "b.csv").write_text("new\\n")
    if point == "filling":
        die()
"""


@pytest.mark.parametrize("point", ["filling", "between-renames", "removing-old"])
def test_a_run_killed_at_any_point_is_cleaned_by_the_next(tmp_path: Path, point: str) -> None:
    env = _env(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("policylab simulate\n")
    (out / "a.csv").write_text("old\n")
    before = _snapshot(out)
    killed = subprocess.run([sys.executable, "-c", KILLER, point, str(out)], env=env, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert _leftovers(tmp_path) and _temps(tmp_path)  # what the kill left, for the next run
    if point == "between-renames":  # the swap was cut short: the old results come back, whole
        sweep_stale_folders(out)
        assert _snapshot(out) == before
    done = _cli(tmp_path, "simulate", str(_scenario(tmp_path)), "--out", "out", "--quiet")
    assert done.returncode == 0, done.stderr
    assert _leftovers(tmp_path) == [] and _temps(tmp_path) == []
    assert (out / "totals.csv").is_file() and not (out / "a.csv").exists()


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_leftovers_of_a_live_writer_are_left_alone_and_links_never_followed(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    victim = _checkout(tmp_path / "victim")
    before = _snapshot(victim)
    out, dead = tmp_path / "out", _dead_pid()
    mine = tmp_path / f".out.partial-{os.getpid()}"  # this process is alive: its folder is not stale
    mine.mkdir()
    (tmp_path / f".out.partial-{dead}").symlink_to(victim)  # named like a leftover, but a link: not ours
    stale = tmp_path / f".out.old-{dead}"
    stale.mkdir()
    (stale / "inside").symlink_to(victim)
    out.mkdir()
    prepare_out_folder(out, "policylab simulate")
    assert mine.is_dir() and not stale.exists() and _snapshot(victim) == before
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))
    live, gone = systmp / f"policylab-sim-{os.getpid()}-abc", systmp / f"policylab-site-{dead}-abc"
    for folder in (live, gone):
        folder.mkdir()
        (folder / "inside").symlink_to(victim)
    (systmp / f"policylab-sim-{dead}-link").symlink_to(victim)
    (systmp / "policylab-cache-abcdefgh").mkdir()  # not a run's temporary folder
    with temp_folder("sim") as work:
        assert work.name.startswith(f"policylab-sim-{os.getpid()}-")
    assert sorted(p.name for p in systmp.iterdir()) == sorted([live.name, f"policylab-sim-{dead}-link",
                                                                "policylab-cache-abcdefgh"])
    assert _snapshot(victim) == before


def test_replacing_a_folder_never_follows_its_links(tmp_path: Path) -> None:
    """A folder with the marker that links to the user's folder: replaced, and the user's folder is intact."""
    victim = _checkout(tmp_path / "victim")
    before = _snapshot(victim)
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("policylab simulate\n")
    (out / "plots").symlink_to(victim)
    (out / "notes.md").symlink_to(victim / "notes.md")
    with atomic_folder(out, "policylab simulate") as staged:
        (staged / "a.csv").write_text("1\n")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.csv"]
    assert _snapshot(victim) == before and _leftovers(tmp_path) == []


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid`, and theirs (from /proc)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fields = Path(f"/proc/{name}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            parents[int(name)] = int(fields[1])
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found.add(child)
                frontier.append(child)
    return found


def _running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _start(tmp: Path, out: str, draws: int, *more: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "compare.cli", "simulate", str(_scenario(tmp, draws, "mc")),
                             "--out", out, "--quiet", *more], cwd=tmp, env=_env(tmp),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(what: Callable[[], Any], seconds: float = 120) -> Any:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        found = what()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: simulate runs its blocks in its own process")
@pytest.mark.parametrize("when", ["workers", "writing"])
def test_sigkill_of_simulate_leaves_no_worker_and_the_next_run_cleans(tmp_path: Path, when: str) -> None:
    proc = _start(tmp_path, "out", 1000)
    try:
        workers = _wait_for(lambda: len(_children(proc.pid)) >= 2 and _children(proc.pid))
        if when == "writing":
            _wait_for(lambda: [p for p in tmp_path.iterdir() if p.name.startswith(".out.partial-")])
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert _wait_for(lambda: not _running(workers), 10)  # the kernel ends them with their parent
    # SIGKILL leaves no chance to clean: while working, its temporary folder stays; while writing, the partial one
    if when == "workers":
        assert [n for n in _temps(tmp_path) if f"-{proc.pid}-" in n]
    else:
        assert _leftovers(tmp_path) == [f".out.partial-{proc.pid}"]
    done = _cli(tmp_path, "simulate", str(_scenario(tmp_path)), "--out", "out", "--quiet")
    assert done.returncode == 0, done.stderr
    assert _leftovers(tmp_path) == [] and _temps(tmp_path) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_cleans_up_at_once(tmp_path: Path, sig: int) -> None:
    proc = _start(tmp_path, "out", 1000)
    try:
        workers = _wait_for(lambda: len(_children(proc.pid)) >= 2 and _children(proc.pid))
        time.sleep(0.2)
        busy = bool(_running(workers))
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    # while the workers ran (the usual case): an exit, after cleaning (130, 143); else nothing was open to clean
    assert code == 128 + sig if busy else code != 0
    assert _wait_for(lambda: not _running(workers), 10)
    assert _temps(tmp_path) == [] and _leftovers(tmp_path) == [] and not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigkill_of_simulate_on_a_local_dask_cluster_leaves_no_worker(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    proc = _start(tmp_path, "out", 2000, "--executor", "dask")
    try:
        # the cluster's worker processes (their nannies live in the process itself), once they have work
        _wait_for(lambda: len(_children(proc.pid)) >= 2, 180)
        time.sleep(3)
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert _wait_for(lambda: not _running(workers), 30)
