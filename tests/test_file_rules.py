"""One rule for every file the tool reads or publishes (dsl.files): a regular file, of bounded size,
confined where a folder confines it, and nothing of a refused file ever shown.

Each kind of file — policy, source text, taxonomy, project file in every format, scenario, overrides,
portfolio, a reform's extends file, a published simulation folder — is planted with each of the
things that used to leak, hang or exhaust memory: a link to a file outside the tree holding a secret,
a link to /dev/zero, a FIFO, a link to /proc/self/environ (whose contents include a secret set in the
environment).  Each is refused with a clear error, in a child process with a timeout (a FIFO that
blocks fails the test instead of hanging it) and an address-space limit (/dev/zero read whole fails
fast instead of taking the machine), and neither secret appears in what the tool prints or publishes.
"""

from __future__ import annotations

import html
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import POLICIES, ROOT

from dsl import files
from dsl.files import FileRefusedError, Kind, check_path, open_checked, read_checked

SECRET = "SECRET-TOKEN-7f3a"  # in a file outside every tree
ENV_SECRET = "ENV-SECRET-51c9"  # in the environment of every command run here: /proc/self/environ holds it
TARGETS = ("outside", "zero", "fifo", "environ")
MEMORY = 3 << 30  # bytes of address space a command may take: /dev/zero read whole would exceed it at once
TIMEOUT = 60  # seconds: the commands take a few (a loaded machine); a FIFO that blocks takes for ever


def plant(path: Path, target: str, outside: Path) -> Path:
    """`path` made into the thing `target` names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if target == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to({"outside": outside, "zero": Path("/dev/zero"), "environ": Path("/proc/self/environ")}[target])
    return path


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A file outside every tree the tests build, holding the secret (as a policy and YAML would)."""
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(f"# {SECRET}\n{SECRET}: {SECRET}\n", encoding="utf-8")
    return secret


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(*args: str, cwd: Path, python: str | None = None) -> subprocess.CompletedProcess[str]:
    """`policylab ARGS` (or a Python snippet) in a child process: the timeout fails a hang, the limit a
    memory explosion; the secret is in its environment."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PROBE_SECRET": ENV_SECRET,
           "POLICYLAB_CACHE_DIR": str(cwd / ".cache")}
    command = [sys.executable, "-c", python] if python else [sys.executable, "-m", "compare.cli", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=TIMEOUT,
                          preexec_fn=_limits)


def assert_nothing_leaked(text: str) -> None:
    assert SECRET not in text and ENV_SECRET not in text, text
    assert "root:x:0:0" not in text, text


# ---------------------------------------------------------------- the rule itself


@pytest.fixture()
def alarm() -> Iterator[None]:
    """A read that blocks (a FIFO opened for reading) raises after 10 s instead of hanging the suite."""
    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the read blocked")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


SMALL = Kind("probe file", 10, "name a probe file")


@pytest.mark.parametrize(("target", "in_tree", "named"), [("outside", "E006", None), ("zero", "E006", "E004"),
                                                          ("fifo", "E004", "E004"), ("environ", "E006", "E007")])
def test_each_is_refused_with_its_reason_and_no_byte_of_it(target: str, in_tree: str, named: str | None,
                                                           tmp_path: Path, outside: Path, alarm: None) -> None:
    """Inside a folder that confines it, a link out is refused as such (E006) whatever it leads to; named
    alone, a device, FIFO or system file is refused for what it is."""
    tree = tmp_path / "tree"
    path = plant(tree / "x.txt", target, outside)
    for root, code in ((tree, in_tree), (None, named)):
        for call in (check_path, open_checked, read_checked):
            if code is None:  # a regular file named directly: the caller asked for it
                assert call is not read_checked or SECRET.encode() in read_checked(path, files.POLICY, root)
                continue
            with pytest.raises(FileRefusedError) as e:
                call(path, files.POLICY, root)
            assert (e.value.code, e.value.path) == (code, str(path))
            assert_nothing_leaked(str(e.value) + (e.value.hint or ""))


def test_a_device_fifo_or_system_file_is_refused_without_a_folder(tmp_path: Path, alarm: None) -> None:
    """Named directly (no folder confines it): still never a device, a FIFO, /proc or a folder."""
    os.mkfifo(tmp_path / "pipe")
    for path, code, words in [(Path("/dev/zero"), "E004", "it is a device"), (tmp_path / "pipe", "E004", "it is a FIFO"),
                              (tmp_path, "E004", "it is a folder"), (Path("/proc/self/environ"), "E007", "system file"),
                              (tmp_path / "nowhere", "E001", "does not exist")]:
        with pytest.raises(FileRefusedError) as e:
            read_checked(path, files.POLICY)
        assert e.value.code == code and words in e.value.message, e.value.message


def test_the_cap_is_checked_before_reading_and_stated(tmp_path: Path) -> None:
    (tmp_path / "ten").write_bytes(b"0123456789")
    (tmp_path / "eleven").write_bytes(b"0123456789A")
    assert read_checked(tmp_path / "ten", SMALL) == b"0123456789"
    with pytest.raises(FileRefusedError) as e:
        read_checked(tmp_path / "eleven", SMALL)
    assert e.value.code == "E005" and "a probe file is read up to 0.0 MiB" in e.value.message


def test_a_file_swapped_between_the_look_and_the_open_is_refused(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The descriptor must be the file that was looked at: a regular file swapped in afterwards is not read."""
    (tmp_path / "looked_at").write_text("a", encoding="utf-8")
    (tmp_path / "opened").write_text(SECRET, encoding="utf-8")
    real = files.check_path
    monkeypatch.setattr(files, "check_path", lambda path, kind, root=None: real(tmp_path / "looked_at", kind, root))
    with pytest.raises(FileRefusedError) as e:
        read_checked(tmp_path / "opened", files.POLICY)
    assert e.value.code == "E008" and SECRET not in str(e.value)


def test_a_regular_file_inside_the_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("内容", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "sub" / "a.txt")  # a link that stays inside is fine
    assert read_checked(tmp_path / "link.txt", files.SOURCE, tmp_path).decode("utf-8") == "内容"


def test_the_diagnostic_printer_never_opens_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A diagnostic pointing into a file whose text the tool did not accept shows no line of it."""
    from compare.cli.common import OutputFormat, print_diagnostics
    from dsl.ast import Span
    from dsl.diagnostics import Diagnostic

    secret = tmp_path / "environ.policy"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    print_diagnostics([Diagnostic("E007", "refused", Span(str(secret), 1, 1, 1, 5))], {}, OutputFormat.text)
    err = capsys.readouterr().err
    assert "error[E007]: refused" in err and SECRET not in err


# ---------------------------------------------------------------- policies, sources, taxonomy

PROBE = '''policy probe {{
  city wuxi "无锡"
  source "{source}"
}}

clause sme_reward "首次获评专精特新奖励" {{
  concept reward.specialized_sme
  cite "(1)" "对首次获评“专精特新”的企业给予最高50万元的一次性奖励"
  when specialized_sme_first in categories
  value up to 50万元
}}
'''
SME = "对首次获评“专精特新”的企业给予最高50万元的一次性奖励"
# in a folder that confines them, links out are refused as such (E006) whatever they lead to
IN_TREE = [("outside", "E006"), ("zero", "E006"), ("fifo", "E004"), ("environ", "E006")]


def policy_tree(root: Path, source: str = "sources/sme.txt") -> Path:
    tree = root / "tree"
    shutil.copytree(POLICIES / "taxonomy", tree / "taxonomy")
    (tree / "sources").mkdir()
    (tree / "sources" / "sme.txt").write_text(SME, encoding="utf-8")
    (tree / "probe.policy").write_text(PROBE.format(source=source), encoding="utf-8")
    return tree


def test_the_tree_checks_clean_before_anything_is_planted(tmp_path: Path) -> None:
    policy_tree(tmp_path)
    r = run("check", "tree", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("target", TARGETS)
def test_a_policy_in_a_checked_folder(target: str, tmp_path: Path, outside: Path) -> None:
    tree = policy_tree(tmp_path)
    plant(tree / "evil.policy", target, outside)
    r = run("check", "tree", cwd=tmp_path)
    assert r.returncode == 1 and "evil.policy:1:1: error[E00" in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)


@pytest.mark.parametrize(("target", "code"), [("zero", "E004"), ("fifo", "E004"), ("environ", "E007")])
def test_a_policy_named_on_the_command_line(target: str, code: str, tmp_path: Path, outside: Path) -> None:
    tree = policy_tree(tmp_path)
    plant(tree / "evil.policy", target, outside)
    r = run("check", "tree/evil.policy", cwd=tmp_path)
    assert r.returncode == 1 and f"error[{code}]" in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)


@pytest.mark.parametrize(("target", "code"), IN_TREE)
def test_a_source_text(target: str, code: str, tmp_path: Path, outside: Path) -> None:
    tree = policy_tree(tmp_path, "sources/evil.txt")
    plant(tree / "sources" / "evil.txt", target, outside)
    r = run("check", "tree/probe.policy", cwd=tmp_path)
    assert r.returncode == 1 and f"error[{code}]: source text refused: `" in r.stderr and "sources/evil.txt` " in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)


@pytest.mark.parametrize(("target", "code"), IN_TREE)
def test_a_taxonomy_file(target: str, code: str, tmp_path: Path, outside: Path) -> None:
    tree = policy_tree(tmp_path)
    plant(tree / "taxonomy" / "evil.yaml", target, outside)
    r = run("check", "tree/probe.policy", cwd=tmp_path)
    assert r.returncode == 1 and f"evil.yaml:1:1: error[{code}]: taxonomy file refused" in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)


@pytest.mark.parametrize("target", TARGETS)
def test_a_base_in_a_policies_search_folder(target: str, tmp_path: Path, outside: Path) -> None:
    """`--policies DIR`: a base there that is not a regular file inside DIR is not used (E602)."""
    tree = policy_tree(tmp_path)
    lib = tmp_path / "lib"
    plant(lib / "probe_base.policy", target, outside)
    (tree / "probe.policy").write_text(PROBE.format(source="sources/sme.txt").replace(
        "policy probe {", "policy probe extends probe_base {"), encoding="utf-8")
    r = run("check", "tree/probe.policy", "--policies", "lib", cwd=tmp_path)
    assert r.returncode == 1 and "error[E602]: base policy `probe_base` not found" in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)


# ---------------------------------------------------------------- project files, in every format

FORMATS = ("csv", "tsv", "jsonl", "parquet", "xlsx", "yaml", "json")


def test_project_files_of_every_format(tmp_path: Path, outside: Path) -> None:
    """Every format × every target through `read_projects`, in one child process (limits as above)."""
    for fmt in FORMATS:
        for target in TARGETS:
            plant(tmp_path / "data" / f"{target}.{fmt}", target, outside)
    script = textwrap.dedent("""
        import json
        from pathlib import Path
        from compare.data.read import read_projects
        from compare.data.records import InputError
        out = {}
        for path in sorted(Path("data").iterdir()):
            try:
                read_projects(path)
                out[path.name] = "read"
            except InputError as e:
                out[path.name] = [d.code + " " + d.message for d in e.diagnostics]
        print(json.dumps(out, ensure_ascii=False))
    """)
    r = run(cwd=tmp_path, python=script)
    assert r.returncode == 0, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)
    got = json.loads(r.stdout)
    assert len(got) == len(FORMATS) * len(TARGETS)
    for name, diags in got.items():
        target = name.split(".")[0]
        # named directly (a project file is not confined): the file outside is a regular file, read
        # as the user asked; its text is the secret, which no message may show
        if target == "outside":
            continue
        reason = {"zero": "is not a regular file: it is a device", "fifo": "is not a regular file: it is a FIFO",
                  "environ": "is a system file"}[target]
        assert diags != "read" and diags[0].startswith("E800 project file refused: `data/") and reason in diags[0], \
            (name, diags)


@pytest.mark.parametrize("target", ("zero", "fifo", "environ"))
def test_eval_with_a_refused_project_file(target: str, tmp_path: Path, outside: Path) -> None:
    plant(tmp_path / "projects.csv", target, outside)
    r = run("eval", str(POLICIES / "wuxi_2023.policy"), "--projects", "projects.csv", cwd=tmp_path)
    assert r.returncode == 1 and "projects.csv:1:1: error[E800]: project file refused" in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)


# ---------------------------------------------------------------- scenarios and the files they name

SCENARIO = """name: probe
seed: 1
policies: [wuxi_2023]
reforms:
  - name: probe_cap
    base: wuxi_2023
    {reform}
portfolio:
  file: {portfolio}
analyses:
  compare: true
"""


def scenario_folder(root: Path, reform: str = "set: {fdi_arrival_reward.cap: 8000万元}",
                    portfolio: str = "projects.csv") -> Path:
    folder = root / "scenario"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "projects.csv", folder / "projects.csv")
    (folder / "probe.scenario.yaml").write_text(SCENARIO.format(reform=reform, portfolio=portfolio), encoding="utf-8")
    return folder


def test_the_scenario_runs_before_anything_is_planted(tmp_path: Path) -> None:
    folder = scenario_folder(tmp_path)
    r = run("simulate", "probe.scenario.yaml", "--out", str(tmp_path / "out"), cwd=folder)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize(("what", "target"), [
    *(("scenario", t) for t in ("zero", "fifo", "environ")),
    *(("overrides", t) for t in ("zero", "fifo", "environ")),
    *(("portfolio", t) for t in ("zero", "fifo", "environ")),
    *(("extends", t) for t in ("zero", "fifo", "environ")),
])
def test_a_scenario_and_the_files_it_names(what: str, target: str, tmp_path: Path, outside: Path) -> None:
    reform = {"overrides": "overrides: evil.yaml", "extends": "extends: evil.policy"}.get(
        what, "set: {fdi_arrival_reward.cap: 8000万元}")
    folder = scenario_folder(tmp_path, reform, "evil.csv" if what == "portfolio" else "projects.csv")
    name = {"scenario": "evil.scenario.yaml", "overrides": "evil.yaml", "portfolio": "evil.csv",
            "extends": "evil.policy"}[what]
    plant(folder / name, target, outside)
    scenario = name if what == "scenario" else "probe.scenario.yaml"
    r = run("simulate", scenario, "--out", str(tmp_path / "out"), cwd=folder)
    assert r.returncode not in (0, None) and "Traceback" not in r.stderr, r.stderr
    code = {"scenario": "E900", "overrides": "E900", "portfolio": "E800", "extends": "E910"}[what]
    assert f"error[{code}" in r.stderr and name in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- a published simulation folder


def simulation_folder(root: Path, outside: Path) -> Path:
    """What `policylab simulate` writes, with planted links, a FIFO and a device among the files."""
    folder = root / "sim"
    (folder / "plots").mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"rate": "USD→CNY 7.05"}), encoding="utf-8")
    (folder / "totals.csv").write_text("line,total\nwuxi_2023,100\n", encoding="utf-8")
    (folder / "plots" / "totals.png").write_bytes(b"\x89PNG\r\n\x1a\nregular plot")
    (folder / "plots" / "secret.png").symlink_to("/etc/shadow")
    (folder / "plots" / "leak.png").symlink_to(outside)
    (folder / "plots" / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(folder / "plots" / "pipe.png")
    (folder / "users.csv").symlink_to("/etc/passwd")
    (folder / "environ.csv").symlink_to("/proc/self/environ")
    os.mkfifo(folder / "pipe.csv")
    return folder


def test_a_simulation_folder_publishes_only_its_regular_files(tmp_path: Path, outside: Path, alarm: None) -> None:
    from compare.site.build import environment
    from compare.site.sections import simulation_pages

    folder = simulation_folder(tmp_path, outside)
    docs = tmp_path / "docs"
    skipped: list[str] = []
    simulation_pages(environment(), [folder], docs, skipped)
    copied = sorted(p.name for p in (docs / "simulations" / "sim").iterdir())
    assert copied == ["totals.png"]
    page = html.unescape((docs / "simulations" / "sim.md").read_text(encoding="utf-8"))  # text as shown
    assert "wuxi_2023" in page and "users" not in page and "environ" not in page and "pipe" not in page
    for name in ("plots/secret.png", "plots/leak.png", "plots/zero.png", "plots/pipe.png", "users.csv",
                 "environ.csv", "pipe.csv"):
        assert [n for n in skipped if f"`{folder / name}`" in n], (name, skipped)
    assert_nothing_leaked(page + "\n".join(skipped))


def test_site_build_warns_and_publishes_no_planted_file(tmp_path: Path, outside: Path) -> None:
    pytest.importorskip("material")
    folder = simulation_folder(tmp_path, outside)
    r = run("site", "build", "wuxi_2023", "--simulation", str(folder), "--out", "site", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "warning: `" in r.stderr and "users.csv` is a link to a file outside its folder" in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)
    published = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert not [p for p in published if p.name in ("secret.png", "leak.png", "zero.png", "pipe.png")]
    for p in published:
        data = p.read_bytes()
        assert SECRET.encode() not in data and ENV_SECRET.encode() not in data and b"root:x:0:0" not in data, p


@pytest.mark.parametrize(("target", "words"), [("outside", "is a link to a file outside its folder"),
                                               ("zero", "is a link to a file outside its folder"),
                                               ("fifo", "is not a regular file: it is a FIFO"),
                                               ("environ", "is a link to a file outside its folder")])
def test_a_policy_test_case_file(target: str, words: str, tmp_path: Path, outside: Path) -> None:
    tree = policy_tree(tmp_path)
    plant(tree / "probe.cases.yaml", target, outside)
    r = run("test", "tree", cwd=tmp_path)
    assert r.returncode == 1 and "probe.cases.yaml:1:1: error[E800]: cannot read the case file: `" in r.stderr \
        and words in r.stderr, r.stderr
    assert_nothing_leaked(r.stdout + r.stderr)


def test_a_portfolio_error_shows_the_line_its_reader_accepted(tmp_path: Path) -> None:
    """Not reopened by the printer: the line comes from what the reader kept, under the caret."""
    folder = scenario_folder(tmp_path, portfolio="bad.csv")
    (folder / "bad.csv").write_text("id,registered_capital[万美元],foreign\np1,abc,true\n", encoding="utf-8")
    r = run("simulate", "probe.scenario.yaml", "--out", str(tmp_path / "out"), cwd=folder)
    assert r.returncode not in (0, None) and "bad.csv:2:4: error[E802]" in r.stderr, r.stderr
    assert "     2 | p1,abc,true\n       |    ^^^" in r.stderr, r.stderr
