"""Documents in force on the command line and in the API: a city id or a folder picks each city's
document in force on --as-of (said on stderr), a policy named explicitly outside its period is W722,
and bad dates are clear errors at their line, never a traceback.

Zhangjiagang's figures are worked from policies/sources/zhangjiagang_2017.txt, 第12条: the FDI weight
ratio of “两区一园” to the other towns “由1:1调整为1.5:1”, and the text 自2017年1月1日起实施."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import POLICIES, ROOT

SRC = "示例文本（虚构，仅供测试）：本办法自发布之日起实施。\n"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


def no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def header(pid: str, *meta: str, city: str = "wuxi", label: str = "无锡") -> str:
    lines = "".join(f"  {m}\n" for m in meta)
    return f'policy {pid} {{\n  city {city} "{label}"\n{lines}  source "sources/x.txt"\n}}\n'


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "city"
    (d / "sources").mkdir(parents=True)
    (d / "taxonomy").symlink_to(POLICIES / "taxonomy")
    (d / "sources" / "x.txt").write_text(SRC, encoding="utf-8")
    return d


# ---------------------------------------------------------------- the bundled timeline of Zhangjiagang

@pytest.mark.parametrize("day,policy,notice,ratio", [
    ("2016-06-01", "zhangjiagang_base", "(in force until 2016-12-31), as of 2016-06-01", "1:1"),
    ("2017-06-01", "zhangjiagang_2017", "(in force from 2017-01-01), as of 2017-06-01", "1.5:1"),
])
def test_a_city_id_gives_the_document_in_force_on_the_date(cache: Path, day: str, policy: str, notice: str,
                                                            ratio: str) -> None:
    r = run("figures", "zhangjiagang", "--as-of", day)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == f"zhangjiagang: {policy} {notice}"
    row = next(line.split() for line in r.stdout.splitlines() if line.startswith("assessment.fdi_weight_ratio"))
    assert row[1:] == [ratio, "第12条"]
    c = run("compare", "zhangjiagang", "--as-of", day, "--projects", "examples/projects.yaml")
    assert c.returncode == 0, c.stderr
    assert f"zhangjiagang: {policy} {notice}" in c.stderr.splitlines()


def test_the_api_takes_as_of(cache: Path) -> None:
    from compare.api import PolicyWarning, load_city, load_policy

    old = load_city("zhangjiagang", as_of="2016-06-01")
    new = load_city("zhangjiagang", as_of=dt.date(2017, 6, 1))
    assert old.policy.id == "zhangjiagang_base" and new.policy.id == "zhangjiagang_2017"
    assert str(old.policy.params["assessment.fdi_weight_ratio"].value) == "1:1"
    with pytest.warns(PolicyWarning, match="W722: zhangjiagang_base is used as of 2017-06-01, after it was revised by "
                                           "zhangjiagang_2017 on 2017-01-01"):
        load_policy("zhangjiagang_base", as_of="2017-06-01")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # in its period: no warning
        assert load_policy(POLICIES / "zhangjiagang_2017.policy", as_of="2017-06-01").policy.id == "zhangjiagang_2017"
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        load_city("zhangjiagang", as_of="2017-6-1")


def test_the_folder_as_of_today_gives_the_four_cities_as_before(cache: Path) -> None:
    """The README's main job: one line per city on stderr, and stdout as the four documents named one by one."""
    r = run("compare", "policies/", "--projects", "examples/projects.yaml")
    assert r.returncode == 0, r.stderr
    today = dt.date.today().isoformat()
    assert r.stderr.splitlines() == [
        f"jiaxing: jiaxing_draft (a draft: no document of 嘉兴 is in force), as of {today}",
        f"taicang: taicang_2020 (in force from 2020-07-06), as of {today}",  # issued 2020-07-06, no effective date
        f"wuxi: wuxi_2023 (in force from 2023-09-28), as of {today}",  # 自发布之日起实施, issued 2023-09-28
        f"zhangjiagang: zhangjiagang_2017 (in force from 2017-01-01), as of {today}",
    ]
    named = run("compare", *(f"policies/{p}.policy" for p in ("jiaxing_draft", "taicang_2020", "wuxi_2023",
                                                              "zhangjiagang_2017")),
                "--projects", "examples/projects.yaml")
    assert named.returncode == 0 and named.stderr == ""
    assert r.stdout == named.stdout


def test_a_policy_named_outside_its_period_is_a_warning_and_is_used(cache: Path) -> None:
    r = run("compare", "zhangjiagang_base", "--as-of", "2017-06-01", "--projects", "examples/projects.yaml")
    assert r.returncode == 0, r.stderr
    assert "zhangjiagang_base.policy:5:1: warning[W722]: zhangjiagang_base is used as of 2017-06-01, after it was " \
           "revised by zhangjiagang_2017 on 2017-01-01" in r.stderr
    assert "(no city makes this project eligible for anything)" in r.stdout  # the base has no clause


@pytest.mark.parametrize("command", [["compare", "zhangjiagang", "--projects", "examples/projects.yaml"],
                                     ["check", "zhangjiagang"], ["figures", "zhangjiagang"],
                                     ["fields", "zhangjiagang"]])
@pytest.mark.parametrize("day", ["2017-02-30", "June 2017"])
def test_a_bad_as_of_is_a_command_line_error(command: list[str], day: str) -> None:
    r = run(*command, "--as-of", day)
    no_traceback(r)
    assert r.returncode == 2
    assert f"--as-of: `{day}` is not" in r.stderr and "YYYY-MM-DD" in r.stderr


def test_a_name_that_is_nothing_is_a_command_line_error(cache: Path) -> None:
    r = run("compare", "atlantis", "--projects", "examples/projects.yaml")
    no_traceback(r)
    assert r.returncode == 2 and "no policy file, folder, policy id or city `atlantis`" in r.stderr


def test_no_document_in_force_on_the_date(cache: Path) -> None:
    r = run("figures", "taicang", "--as-of", "2019-01-01")  # taicang_2020 is issued 2020-07-06
    no_traceback(r)
    assert r.returncode == 2
    assert "taicang: no document of 太仓 in force as of 2019-01-01 (taicang_2020 takes effect on 2020-07-06)" in r.stderr


# ---------------------------------------------------------------- bad input in a city's documents

def test_two_documents_in_force_at_once_is_an_error_at_the_later_header(cache: Path, folder: Path) -> None:
    (folder / "wuxi_2023.policy").write_text(header("wuxi_2023", "issued 2023-09-28",
                                                    'effective "自发布之日起实施"'), encoding="utf-8")
    (folder / "wuxi_2024.policy").write_text(header("wuxi_2024", "effective 2024-05-01"), encoding="utf-8")
    for args in (["check", str(folder)], ["compare", str(folder), "--projects", str(ROOT / "examples/projects.yaml")]):
        r = run(*args)
        no_traceback(r)
        assert r.returncode == 1
        assert f"{folder / 'wuxi_2024.policy'}:1:1: error[E222]: two documents of 无锡 in force at once from " \
               "2024-05-01: wuxi_2023 and wuxi_2024" in r.stderr
        assert "hint: say which prevails: `replaces wuxi_2023` in wuxi_2024's header" in r.stderr
    # stating the precedence ends the earlier one where the later takes effect
    (folder / "wuxi_2024.policy").write_text(header("wuxi_2024", "effective 2024-05-01", "replaces wuxi_2023"),
                                             encoding="utf-8")
    r = run("figures", "wuxi", "--as-of", "2024-04-30", cwd=folder)
    assert r.returncode == 0 and r.stderr.strip() == "wuxi: wuxi_2023 (in force from 2023-09-28 until 2024-04-30), " \
                                                     "as of 2024-04-30"
    r = run("figures", "wuxi", "--as-of", "2024-05-01", cwd=folder)
    assert r.returncode == 0 and r.stderr.strip() == "wuxi: wuxi_2024 (in force from 2024-05-01), as of 2024-05-01"


def test_an_expiry_before_the_effective_date_is_an_error_at_its_entry(cache: Path, folder: Path) -> None:
    (folder / "nt.policy").write_text(header("nt", "effective 2021-03-01", "expires 2020-12-31", city="nantong",
                                             label="南通"), encoding="utf-8")
    r = run("check", str(folder))
    no_traceback(r)
    assert r.returncode == 1
    # line 4 is `  expires 2020-12-31`: the date from column 11
    assert f"{folder / 'nt.policy'}:4:11: error[E220]: the document expires on 2020-12-31, before it takes effect " \
           "on 2021-03-01" in r.stderr


@pytest.mark.parametrize("entry,col", [("expires 2023-02-30", 11), ("effective 2023-13-01", 13)])
def test_a_date_that_does_not_parse_is_an_error_at_its_line(cache: Path, folder: Path, entry: str, col: int) -> None:
    (folder / "nt.policy").write_text(header("nt", entry, city="nantong", label="南通"), encoding="utf-8")
    r = run("check", str(folder))
    no_traceback(r)
    assert r.returncode == 1
    assert f"{folder / 'nt.policy'}:3:{col}: error[E109]: `{entry.split()[1]}` is not a date" in r.stderr


def test_a_term_in_months_is_an_error(cache: Path, folder: Path) -> None:
    (folder / "nt.policy").write_text(header("nt", "effective 2021-03-01", "trial 6月", city="nantong", label="南通"),
                                      encoding="utf-8")
    r = run("check", str(folder))
    assert r.returncode == 1 and f"{folder / 'nt.policy'}:4:9: error[E221]: `trial 6月` is not a term in whole " \
                                 "years" in r.stderr


def test_check_warns_of_a_document_marked_in_force_that_has_ended(cache: Path, folder: Path) -> None:
    # effective 2021-03-01, valid 2年: in force until 2023-02-28 (2023-03-01 is the first day out)
    (folder / "nt.policy").write_text(header("nt", "effective 2021-03-01", "valid 2年", "status in_force",
                                             city="nantong", label="南通"), encoding="utf-8")
    r = run("check", str(folder), "--as-of", "2023-02-28")
    assert r.returncode == 0 and "W721" not in r.stderr + r.stdout, r.stderr
    r = run("check", str(folder), "--as-of", "2023-03-01")
    assert r.returncode == 0
    assert f"{folder / 'nt.policy'}:1:1: warning[W721]: nt says it is in force, but it was in force until 2023-02-28 " \
           "(valid 2年); as of 2023-03-01 it is not" in r.stderr


def test_replacing_another_citys_document_is_a_warning(cache: Path, folder: Path) -> None:
    (folder / "wuxi_2023.policy").write_text(header("wuxi_2023", "effective 2023-09-28"), encoding="utf-8")
    (folder / "tc.policy").write_text(header("tc", "effective 2024-01-01", "replaces wuxi_2023", city="taicang",
                                             label="太仓"), encoding="utf-8")
    r = run("check", str(folder))
    assert r.returncode == 0
    assert f"{folder / 'tc.policy'}:1:1: warning[W720]: tc replaces wuxi_2023, a document of 无锡, not of 太仓" in r.stderr


def test_check_takes_a_city_id_and_checks_all_its_documents(cache: Path) -> None:
    r = run("check", "zhangjiagang")
    assert r.returncode == 0, r.stderr
    assert "checked 2 files" in r.stdout + r.stderr


# ---------------------------------------------------------------- every command that takes policies

# fmt lays out text (no date applies); simulate names its policies in the scenario file; panel spans
# dates of its own (--from/--to)
NO_DATE = {"fmt", "simulate", "panel"}


def test_every_command_that_takes_policies_takes_as_of() -> None:
    import typer

    from compare.cli.app import app

    def commands(c, prefix: str = ""):  # type: ignore[no-untyped-def]
        for name, sub in getattr(c, "commands", {}).items():
            if hasattr(sub, "commands"):
                yield from commands(sub, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", sub

    missing = []
    for name, cmd in commands(typer.main.get_command(app)):
        args = {p.name for p in cmd.params if not any(o.startswith("-") for o in getattr(p, "opts", []))}
        if args & {"policies", "policy", "paths", "old", "new"} and name not in NO_DATE:
            if not any("--as-of" in getattr(p, "opts", []) for p in cmd.params):
                missing.append(name)
    assert missing == []


@pytest.mark.parametrize("args", [
    ["fields", "zhangjiagang"],
    ["impact", "zhangjiagang", "assessment.fdi_weight_ratio"],
    ["report", "zhangjiagang"],
    ["graph", "zhangjiagang", "--format", "json"],
    ["eval", "zhangjiagang", "--projects", "examples/projects.yaml"],
])
def test_commands_take_a_city_as_of_a_date(cache: Path, args: list[str]) -> None:
    r = run(*args, "--as-of", "2016-06-01")
    no_traceback(r)
    assert r.returncode in (0, 1), r.stderr  # coverage-like commands may report findings
    assert "zhangjiagang: zhangjiagang_base (in force until 2016-12-31), as of 2016-06-01" in r.stderr.splitlines()


def test_test_runs_the_cases_of_the_document_in_force(cache: Path) -> None:
    r = run("test", "zhangjiagang", "--as-of", "2017-06-01")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr.splitlines()[0] == "zhangjiagang: zhangjiagang_2017 (in force from 2017-01-01), as of 2017-06-01"
    assert " passed, 0 failed" in r.stdout


def test_diff_of_a_city_on_two_dates(cache: Path) -> None:
    """`diff zhangjiagang_base zhangjiagang`: the city as of 2017-06-01 is the 2017 revision, whose 第12条
    changes the weight ratio from 1:1 to 1.5:1; a diff of versions does not warn of the old one's date."""
    r = run("diff", "zhangjiagang_base", "zhangjiagang", "--as-of", "2017-06-01", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert "W722" not in r.stderr
    assert r.stderr.strip() == "zhangjiagang: zhangjiagang_2017 (in force from 2017-01-01), as of 2017-06-01"
    assert "1.5:1" in r.stdout and "1:1" in r.stdout
