"""Whatever escapes a command reaches the user as one line and a documented exit code, never a traceback:
an internal error (70, the traceback only with --debug or POLICYLAB_DEBUG=1), no memory (70), Ctrl-C
(130), a reader that stopped reading (141, silent).  Each is forced in a real process: a `-c` script
replaces a function the command calls, then runs the command as the console script does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import POLICIES

ROOT = Path(__file__).resolve().parents[1]


def _forced(raise_: str, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`policylab ARGV` with dsl.cache.check_paths_cached (which check and eval call) replaced by one that
    runs `raise_`."""
    script = textwrap.dedent(f"""
        import sys
        import dsl.cache

        def broken(*args, **kwargs):
            {raise_}

        dsl.cache.check_paths_cached = broken
        sys.argv = ["policylab", *{list(argv)!r}]
        from compare.cli import main
        main()
    """)
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("POLICYLAB_DEBUG", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=full_env,
                          timeout=120, cwd=ROOT)


def test_an_internal_error_is_one_line_naming_command_exception_and_file() -> None:
    r = _forced("raise ValueError('the cache went wrong\\nsecond line')", "check", str(POLICIES))
    assert r.returncode == 70
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().split("\n")
    assert lines == [f"policylab check: internal error (ValueError: the cache went wrong) while reading "
                     f"{POLICIES} — please report it with the output of `policylab --debug check …` to the "
                     "maintainers"]


def test_the_file_named_is_the_commands_argument_paths(tmp_path: Path) -> None:
    projects = tmp_path / "projects.csv"
    projects.write_text("id\np1\n", encoding="utf-8")
    r = _forced("raise RuntimeError('x')", "eval", str(POLICIES / "wuxi_2023.policy"), "--projects", str(projects))
    assert r.returncode == 70
    assert f"while reading {POLICIES / 'wuxi_2023.policy'}, {projects} — " in r.stderr
    assert "--projects=" not in r.stderr


def test_an_os_error_names_its_own_file() -> None:
    r = _forced("raise PermissionError(13, 'Permission denied', '/some/where/entry.bin')", "check", str(POLICIES))
    assert r.returncode == 70
    assert "internal error (PermissionError: [Errno 13] Permission denied: '/some/where/entry.bin') while " \
           "reading /some/where/entry.bin — " in r.stderr


@pytest.mark.parametrize("how", [("--debug",), ()])
def test_debug_shows_the_traceback(how: tuple[str, ...]) -> None:
    env = {} if how else {"POLICYLAB_DEBUG": "1"}
    r = _forced("raise ValueError('deep inside')", *how, "check", str(POLICIES), env=env)
    assert r.returncode == 70
    assert "Traceback (most recent call last)" in r.stderr
    assert "in broken" in r.stderr and "ValueError: deep inside" in r.stderr
    assert r.stderr.rstrip().endswith("to the maintainers")  # the one line still closes it


def test_debug_off_by_zero() -> None:
    r = _forced("raise ValueError('x')", "check", str(POLICIES), env={"POLICYLAB_DEBUG": "0"})
    assert "Traceback" not in r.stderr and r.returncode == 70


def test_ctrl_c_is_one_line_and_130() -> None:
    r = _forced("raise KeyboardInterrupt", "check", str(POLICIES))
    assert r.returncode == 130
    assert r.stderr.strip() == "policylab check: interrupted"


def test_no_memory_is_one_line() -> None:
    r = _forced("raise MemoryError", "check", str(POLICIES))
    assert r.returncode == 70
    assert r.stderr.strip().split("\n") == [f"policylab check: out of memory while reading {POLICIES}; give it "
                                            "fewer projects or smaller files, or more memory"]


def test_an_error_while_loading_the_commands_is_one_line() -> None:
    script = textwrap.dedent("""
        import sys
        sys.modules["compare.cli.app"] = None  # importing it raises ImportError
        sys.argv = ["policylab", "check"]
        from compare.cli import main
        main()
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 70
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("policylab: internal error (ModuleNotFoundError: import of compare.cli.app halted")


def test_usage_errors_keep_their_own_message_and_code() -> None:
    r = subprocess.run([sys.executable, "-m", "compare.cli", "check", "--bogus"], capture_output=True, text=True,
                       timeout=60, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"})
    assert r.returncode == 2
    assert "No such option: --bogus" in r.stderr and "internal error" not in r.stderr


def test_a_reader_that_stops_reading_ends_the_run_silently(tmp_path: Path) -> None:
    """`policylab eval … --format csv | head -1`: the pipe closes after the first line."""
    rows = "\n".join(f"p{i},true,true,{1000 + i}" for i in range(20000))
    (tmp_path / "many.csv").write_text("id,foreign,started,registered_capital[万美元]\n" + rows + "\n",
                                       encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "compare.cli", "eval", str(POLICIES / "wuxi_2023.policy"),
                          "--projects", str(tmp_path / "many.csv"), "--format", "csv", "-q"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert p.stdout is not None and p.stderr is not None
    assert p.stdout.readline().startswith(b"project")
    p.stdout.close()  # as head does once it has its line
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 141
    assert err == ""


def test_a_broken_pipe_at_the_final_flush_is_silent_too() -> None:
    """`check --format json` writes a few bytes, which sit in stdout's buffer until the flush at exit;
    the reader has gone by then."""
    script = textwrap.dedent(f"""
        import sys, time
        import dsl.cache

        checked = dsl.cache.check_paths_cached

        def slow(*args, **kwargs):
            time.sleep(0.5)
            return checked(*args, **kwargs)

        dsl.cache.check_paths_cached = slow
        sys.argv = ["policylab", "check", "--format", "json", {str(POLICIES / "wuxi_2023.policy")!r}]
        from compare.cli import main
        main()
    """)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 141
    assert err == ""


def test_ctrl_c_reaches_simulates_workers_without_a_traceback_from_each() -> None:
    """A terminal's Ctrl-C goes to the whole process group: the workers end at once and silently, the
    parent is interrupted (and says so once, through the handler above)."""
    script = textwrap.dedent("""
        import os, signal, sys, threading, time
        from compare.simulate import executor

        def slow(seconds):
            time.sleep(seconds)
            return seconds

        if (os.cpu_count() or 1) < 2:
            print("one core"); sys.exit(0)
        threading.Timer(3.0, lambda: os.killpg(0, signal.SIGINT)).start()
        start = time.monotonic()
        try:
            executor._local(slow, [(0,), (60,)], None)  # one worker waiting for work, one at work
        except KeyboardInterrupt:
            print(f"interrupted after {time.monotonic() - start:.0f} s")
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                       start_new_session=True)
    if r.stdout.strip() == "one core":
        pytest.skip("the pool needs two cores")
    assert "Traceback" not in r.stderr and r.stderr == ""
    assert r.stdout.startswith("interrupted after ")
    assert int(r.stdout.split()[2]) < 30  # the workers did not sleep their 60 s out


def test_the_readme_documents_every_exit_code_the_handler_gives() -> None:
    from compare.cli import guard

    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"{guard.EXIT_INTERNAL} an internal error" in text
    assert f"{guard.EXIT_INTERRUPTED} interrupted (Ctrl-C)" in text
    assert f"{guard.EXIT_BROKEN_PIPE} the output's reader stopped reading" in text
    assert "`policylab --debug COMMAND …` or `POLICYLAB_DEBUG=1`" in text
