"""Which files a policy may read, and where its base and taxonomy are found (issues 8.3, 9.2, 9.7).

Policies are shared and published, so a policy must not make the checker read or print other
files; and a draft kept anywhere must be checked as strictly as the bundled policies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES

HEADER = 'policy probe {{\n  city wuxi "无锡"\n  source "{source}"\n}}\n'
CLAUSE = '''
clause sme_reward "首次获评专精特新奖励" {
  concept reward.specialized_sme
  cite "(1)" "QUOTE"
  when specialized_sme_first in categories
  value up to 50万元
}
'''
SME = "对首次获评“专精特新”的企业给予最高50万元的一次性奖励"


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env=full, timeout=120)


def probe(folder: Path, source: str, quote: str = SME) -> Path:
    (folder / "taxonomy").symlink_to(POLICIES / "taxonomy")
    path = folder / "probe.policy"
    path.write_text(HEADER.format(source=source) + CLAUSE.replace("QUOTE", quote), encoding="utf-8")
    return path


def test_absolute_source_is_refused_before_reading_it(tmp_path: Path) -> None:
    """`source "/proc/self/environ"` with a quote `PROBE_TOKEN=?` used to print 8 characters of the secret."""
    probe(tmp_path, "/proc/self/environ", quote="PROBE_TOKEN=?")
    r = run("check", "probe.policy", cwd=tmp_path, env={"PROBE_TOKEN": "s3cr3t-value"})
    assert r.returncode == 1
    assert "error[E006]: source text refused: `/proc/self/environ` is an absolute path" in r.stderr
    assert "s3cr3t" not in r.stdout + r.stderr
    assert "E500" not in r.stderr  # no quote is matched against a refused file


@pytest.mark.parametrize("source", ["/etc/passwd", "/dev/zero", "~/notes.txt"])
def test_other_absolute_sources_refused(tmp_path: Path, source: str) -> None:
    probe(tmp_path, source, quote="root:x:0:0")
    r = run("check", "probe.policy", cwd=tmp_path)
    assert r.returncode == 1 and "is an absolute path" in r.stderr, r.stderr
    assert "root:x" not in r.stderr.replace('"root:x:0:0"', "")  # only the policy's own quote is echoed


def test_dotdot_escape_refused(tmp_path: Path) -> None:
    inner = tmp_path / "drafts"
    inner.mkdir()
    (tmp_path / "outside.txt").write_text(SME, encoding="utf-8")
    probe(inner, "../outside.txt")
    r = run("check", "probe.policy", cwd=inner)
    assert r.returncode == 1 and "`../outside.txt` leads out of the policy's folder" in r.stderr, r.stderr


def test_dotdot_inside_the_tree_is_fine(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "s.txt").write_text(SME, encoding="utf-8")
    probe(tmp_path, "sources/../sources/s.txt")
    r = run("check", "probe.policy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_symlink_out_of_the_tree_refused(tmp_path: Path) -> None:
    inner = tmp_path / "drafts"
    inner.mkdir()
    (tmp_path / "secret.txt").write_text("PASSWORD=hunter2 " + SME, encoding="utf-8")
    (inner / "src.txt").symlink_to(tmp_path / "secret.txt")
    probe(inner, "src.txt", quote="PASSWORD=x")
    r = run("check", "probe.policy", cwd=inner)
    assert r.returncode == 1 and "is a link to a file outside the policy's folder" in r.stderr, r.stderr
    assert "hunter2" not in r.stderr


def test_fifo_source_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    probe(tmp_path, "pipe.txt")
    r = run("check", "probe.policy", cwd=tmp_path)  # run() times out after 120 s: a hang fails the test
    assert r.returncode == 1 and "is not a regular file" in r.stderr, r.stderr


def test_policy_symlink_to_proc_is_not_echoed(tmp_path: Path) -> None:
    """A `.policy` link to /proc/self/environ inside a checked folder used to be echoed by E002."""
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "evil.policy").symlink_to("/proc/self/environ")
    r = run("check", "p", cwd=tmp_path, env={"PROBE_TOKEN": "s3cr3t-value"})
    assert r.returncode == 1
    assert "evil.policy:1:1: error[E006]: a link to a file outside the folder is not read" in r.stderr
    assert "s3cr3t" not in r.stdout + r.stderr


def test_policy_given_directly_as_proc_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evil.policy").symlink_to("/proc/self/environ")
    r = run("check", "evil.policy", cwd=tmp_path, env={"PROBE_TOKEN": "s3cr3t-value"})
    assert r.returncode == 1 and "is a system file" in r.stderr, r.stderr
    assert "s3cr3t" not in r.stdout + r.stderr


@pytest.mark.parametrize("quote", ["", "   ", "……", "…"])
def test_empty_or_elision_only_quotes_are_errors(tmp_path: Path, quote: str) -> None:
    (tmp_path / "s.txt").write_text(SME, encoding="utf-8")
    probe(tmp_path, "s.txt", quote=quote)
    r = run("check", "probe.policy", cwd=tmp_path)
    assert r.returncode == 1 and "error[E500]: the quote is " in r.stderr, r.stderr


# ---------------------------------------------------------------- revisions and the search path

REVISION = '''policy zjg_draft extends zhangjiagang_2017 {{
  city zhangjiagang "张家港"
  status draft
}}

clause invented_points "虚构条款" {{
  concept {concept}
  beneficiary host_district
  cite "第99条" "{quote}"
  when foreign
  value 5分
}}
'''


def test_revision_without_source_is_quote_checked_against_its_base(tmp_path: Path) -> None:
    """A revision citing 这句话原文里根本没有 used to pass with 0 errors: it had no `source` line."""
    (tmp_path / "zjg_draft.policy").write_text(
        REVISION.format(concept="points.host_district", quote="这句话原文里根本没有"), encoding="utf-8")
    r = run("check", "zjg_draft.policy", cwd=tmp_path)
    assert r.returncode == 1
    assert "error[E500]: quote not found in zhangjiagang_2017.txt" in r.stderr, r.stderr


def test_revision_outside_policies_finds_base_and_taxonomy(tmp_path: Path) -> None:
    """Outside policies/ a misspelt concept key used to pass: no taxonomy was found."""
    quote = "对引进世界500强企业的，每个加5分"  # 第12条
    (tmp_path / "zjg_draft.policy").write_text(REVISION.format(concept="points.host_distrct", quote=quote),
                                               encoding="utf-8")
    r = run("check", "zjg_draft.policy", cwd=tmp_path)
    assert r.returncode == 1
    assert "error[E204]: `points.host_distrct` is not a concept of the taxonomy" in r.stderr, r.stderr
    (tmp_path / "zjg_draft.policy").write_text(REVISION.format(concept="points.host_district", quote=quote),
                                               encoding="utf-8")
    r = run("check", "zjg_draft.policy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_revision_with_its_own_source_may_quote_both_texts(tmp_path: Path) -> None:
    """A proposal cites its own draft text for the new clause and the old text for what it keeps."""
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "draft.txt").write_text("第99条 对新引进的外资研发中心，每个加3分。", encoding="utf-8")
    text = REVISION.format(concept="points.host_district", quote="对新引进的外资研发中心，每个加3分")
    text = text.replace('  status draft\n', '  status draft\n  source "sources/draft.txt"\n')
    text += '''
clause kept_points "沿用原文" {
  concept points.host_district
  beneficiary host_district
  cite "第12条" "对引进世界500强企业的，每个加5分"
  when fortune_global_500 in categories
  value 5分
}
'''
    (tmp_path / "zjg_draft.policy").write_text(text, encoding="utf-8")
    r = run("check", "zjg_draft.policy", cwd=tmp_path)
    assert "E500" not in r.stderr, r.stderr


def test_search_path_option_and_environment(tmp_path: Path) -> None:
    """A base kept in another folder is found with --policies DIR or $POLICYLAB_PATH, not otherwise."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "taxonomy").symlink_to(POLICIES / "taxonomy")
    shutil.copytree(POLICIES / "sources", lib / "sources")
    base = (POLICIES / "wuxi_2023.policy").read_text(encoding="utf-8").replace("policy wuxi_2023 {", "policy wuxi_lib {")
    (lib / "wuxi_lib.policy").write_text(base, encoding="utf-8")
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "d.policy").write_text('policy d extends wuxi_lib {\n  city wuxi "无锡"\n  status draft\n}\n',
                                     encoding="utf-8")
    r = run("check", "d.policy", cwd=drafts)
    assert r.returncode == 1 and "error[E602]: base policy `wuxi_lib` not found" in r.stderr
    assert "--policies DIR" in r.stderr
    assert run("check", "d.policy", "--policies", str(lib), cwd=drafts).returncode == 0
    assert run("check", "d.policy", cwd=drafts, env={"POLICYLAB_PATH": str(lib)}).returncode == 0


def test_extends_resolves_by_the_header_id(tmp_path: Path) -> None:
    """`extends foo` used to take foo.policy although its header says `policy bar` (the child got no clauses)."""
    (tmp_path / "taxonomy").symlink_to(POLICIES / "taxonomy")
    shutil.copytree(POLICIES / "sources", tmp_path / "sources")
    wuxi = (POLICIES / "wuxi_2023.policy").read_text(encoding="utf-8")
    (tmp_path / "foo.policy").write_text(wuxi.replace("policy wuxi_2023 {", "policy bar {"), encoding="utf-8")
    (tmp_path / "child.policy").write_text('policy child extends foo {\n  city wuxi "无锡"\n}\n', encoding="utf-8")
    r = run("check", "child.policy", cwd=tmp_path)
    assert r.returncode == 1
    assert "base policy `foo` not found" in r.stderr
    assert "foo.policy declares `policy bar`, not `foo`" in r.stderr
    # a file named otherwise whose header declares the id is found
    (tmp_path / "child.policy").write_text('policy child extends bar {\n  city wuxi "无锡"\n}\n', encoding="utf-8")
    r = run("eval", "child.policy", "--projects", str(tmp_path / "p.yaml"), "--format", "json", cwd=tmp_path) \
        if (tmp_path / "p.yaml").write_text("- {id: p1, categories: [specialized_sme_first]}\n") else None
    assert r is not None and r.returncode == 0, r.stderr if r else ""
    assert '"reward.specialized_sme"' in r.stdout  # the clauses of `bar` (Wuxi (1)) came with it
