"""Texts from files never act on the terminal, columns line up, any stdout encoding works,
and `--explain` shows every quote and money in the texts' notation."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES, ROOT

from compare.api import as_batch, explain, load_policy
from compare.data.write import aligned
from compare.engine.explain import fmt_money
from dsl.ast import Span
from dsl.check import check_text
from dsl.diagnostics import Diagnostic, render, to_json
from dsl.textsafe import display_width, printable

EVIL = "\x1b[31mred\x1b]0;title\x07 \u202eevil"
EVIL_SHOWN = "\\x1b[31mred\\x1b]0;title\\x07 \\u202eevil"  # worked by hand: each control as its escape
RAW = ("\x1b", "\x07", "\u202e")
LABEL_LINE = 'clause specialized_sme_reward "首次获评专精特新一次性奖励" {'
EVIL_LABEL_LINE = LABEL_LINE.replace('"首', f'"{EVIL}首')


def run(*args: str, cwd: Path, encoding: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, env=env,
                          timeout=120)


def no_raw_controls(r: subprocess.CompletedProcess[bytes]) -> str:
    """stdout + stderr as text, after checking neither holds a raw ESC, BEL or RLO."""
    out, err = r.stdout.decode("utf-8"), r.stderr.decode("utf-8")
    for ch in RAW:
        assert ch not in out, f"raw {ch!r} in stdout"
        assert ch not in err, f"raw {ch!r} in stderr"
    return out + err


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    """Wuxi's policy copied with a label holding an escape sequence and U+202E, its taxonomy and source
    beside it, and a project file whose first id holds the same."""
    (tmp_path / "taxonomy").symlink_to(POLICIES / "taxonomy")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "wuxi_2023.txt").write_text((POLICIES / "sources" / "wuxi_2023.txt").read_text(
        encoding="utf-8"), encoding="utf-8")
    text = (POLICIES / "wuxi_2023.policy").read_text(encoding="utf-8")
    assert LABEL_LINE in text
    (tmp_path / "evil.policy").write_text(text.replace(LABEL_LINE, EVIL_LABEL_LINE), encoding="utf-8")
    (tmp_path / "wuxi.policy").write_text(text, encoding="utf-8")
    projects = [{"id": EVIL, "categories": ["specialized_sme_first"]}, {"id": "=1+2"}, {"id": "@SUM(A1)"}]
    (tmp_path / "projects.json").write_text(json.dumps(projects), encoding="utf-8")
    return tmp_path


# ---------------------------------------------------------------- the function


def test_printable_escapes_controls_and_bidi_and_nothing_else() -> None:
    assert printable(EVIL) == EVIL_SHOWN
    assert printable("a\tb\nc\r") == "a\\tb\\nc\\r"
    assert printable("\x9b2J\x7f") == "\\x9b2J\\x7f"  # C1 CSI and DEL
    assert printable("\u2066x\u2069\u200f") == "\\u2066x\\u2069\\u200f"  # isolates, RLM
    assert printable("张家港 1400万美元 C:\\path") == "张家港 1400万美元 C:\\path"  # untouched
    assert printable(printable(EVIL)) == EVIL_SHOWN  # idempotent


# ---------------------------------------------------------------- display width


@pytest.mark.parametrize("text, width", [
    ("e\u0301", 1),                       # e + COMBINING ACUTE ACCENT
    ("a\u0308\u0323b", 2),                # two combining marks on one letter
    ("👩\u200d💻", 2),                    # ZWJ sequence: one glyph
    ("👨\u200d👩\u200d👧", 2),
    ("a\u200bb\u200c\u200dc", 3),         # zero-width space, non-joiner, joiner
    ("\ufeffx", 1),                       # BOM / ZERO WIDTH NO-BREAK SPACE
    ("张家港", 6), ("１２", 4),           # East Asian wide, fullwidth
    ("abc", 3),
])
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


def test_columns_align_across_combining_marks_zwj_and_cjk() -> None:
    lines = aligned([["e\u0301", "1"], ["ab", "2"], ["张", "3"], ["👩\u200d💻x", "4"]])
    # column 1 is 3 wide (👩‍💻x), so the second column starts at display column 5 on every row
    assert lines == ["e\u0301    1", "ab   2", "张   3", "👩\u200d💻x  4"]
    assert {display_width(line[:-1]) for line in lines} == {5}


def test_aligned_escapes_cells_and_measures_the_escaped_text() -> None:
    assert aligned([["\x1b", "x"], ["abcd", "y"]]) == ["\\x1b  x", "abcd  y"]


# ---------------------------------------------------------------- diagnostics


def test_caret_stays_under_the_spot_after_escaped_characters() -> None:
    line = 'clause c "\x1b[31m红" { value x }'
    col = line.index("x") + 1  # 27
    d = Diagnostic("E200", "undefined name `x`\u202e", Span("t.policy", 3, col, 3, col + 1), "hint\x07")
    # by hand: `clause c "` (10) + `\x1b` (4) + `[31m` (4) + 红 (2) + `" { value ` (10) = 30 columns
    assert render(d, ["", "", line]).split("\n") == [
        "t.policy:3:27: error[E200]: undefined name `x`\\u202e",
        '     3 | clause c "\\x1b[31m红" { value x }',
        "       | " + " " * 30 + "^",
        "  hint: hint\\x07",
    ]


def test_diagnostics_json_escapes_bidi_controls_losslessly() -> None:
    d = Diagnostic("W705", "label \u202eevil\x1b", Span("t.policy", 1, 1, 1, 2))
    text = to_json([d])
    assert "\u202e" not in text and "\x1b" not in text
    assert '"message": "label \\u202eevil\\u001b"' in text
    assert json.loads(text)[0]["message"] == "label \u202eevil\x1b"


def test_w705_names_the_characters_and_points_at_the_first() -> None:
    text = 'policy p {\n  city wuxi "无锡"\n}\nclause c "A\x1b[31m\u202eB" {\n  cite "(1)" "对\x07"\n  value 1分\n}\n'
    _, diags = check_text(text, "t.policy", None, "对")
    w = [(d.span.line, d.span.column, d.message) for d in diags if d.code == "W705"]
    assert w == [
        (4, 12, "the label holds control characters `\\x1b` (ESC), `\\u202e` (RIGHT-TO-LEFT OVERRIDE)"),
        (5, 16, "the quote holds a control character `\\x07` (BEL)"),
    ]
    assert all(d.severity == "warning" for d in diags if d.code == "W705")


def test_check_shows_the_label_escaped_with_the_caret_under_it(workdir: Path) -> None:
    r = run("check", "evil.policy", cwd=workdir)
    text = no_raw_controls(r)
    assert r.returncode == 0, text  # a warning, not an error
    lines = (workdir / "evil.policy").read_text(encoding="utf-8").split("\n")
    n = lines.index(EVIL_LABEL_LINE) + 1
    assert (f"evil.policy:{n}:32: warning[W705]: the label holds control characters `\\x1b` (ESC), `\\x07` (BEL), "
            "`\\u202e` (RIGHT-TO-LEFT OVERRIDE)") in text
    assert f"  {n:>4} | clause specialized_sme_reward \"{EVIL_SHOWN}首次获评专精特新一次性奖励\" {{" in text
    assert "\n       | " + " " * 31 + "^^^^\n" in text  # under the first `\x1b`, 4 columns wide


def test_check_json_has_no_raw_controls(workdir: Path) -> None:
    r = run("check", "--format", "json", "evil.policy", cwd=workdir)
    no_raw_controls(r)
    (w,) = [d for d in json.loads(r.stdout) if d["code"] == "W705"]
    assert w["column"] == 32


def test_project_file_diagnostics_escape_the_id(workdir: Path) -> None:
    (workdir / "bad.json").write_text(json.dumps([{"id": EVIL, "registered_capital": "lots"}]), encoding="utf-8")
    r = run("eval", "wuxi.policy", "--projects", "bad.json", cwd=workdir)
    text = no_raw_controls(r)
    assert r.returncode == 1
    assert EVIL_SHOWN in text and "error[E802]" in text


# ---------------------------------------------------------------- reports


def test_eval_table_escapes_the_id(workdir: Path) -> None:
    r = run("eval", "wuxi.policy", "--projects", "projects.json", cwd=workdir)
    out = no_raw_controls(r)
    assert r.returncode == 0
    row = next(line for line in out.split("\n") if line.startswith(EVIL_SHOWN))
    header = out.split("\n")[0]
    assert row.index("wuxi") == header.index("city")  # the column after the escaped id still lines up


def test_eval_csv_escapes_controls_and_neutralises_formulas(workdir: Path) -> None:
    r = run("eval", "wuxi.policy", "--projects", "projects.json", "--format", "csv", cwd=workdir)
    no_raw_controls(r)
    rows = list(csv.reader(io.StringIO(r.stdout.decode("utf-8"))))
    assert [row[0] for row in rows] == ["project", EVIL_SHOWN, "'=1+2", "'@SUM(A1)"]
    assert rows[0][:3] == ["project", "policy", "city"] and rows[1][2] == "wuxi"


def test_eval_json_is_lossless_and_has_no_raw_bidi(workdir: Path) -> None:
    r = run("eval", "wuxi.policy", "--projects", "projects.json", "--format", "json", cwd=workdir)
    out = no_raw_controls(r)
    assert '"project": "\\u001b[31mred\\u001b]0;title\\u0007 \\u202eevil"' in out
    assert [x["project"] for x in json.loads(out)] == [EVIL, "=1+2", "@SUM(A1)"]  # the ids as given


def test_compare_escapes_id_and_labels(workdir: Path) -> None:
    r = run("compare", "wuxi.policy", "--projects", "projects.json", cwd=workdir)
    out = no_raw_controls(r)
    assert r.returncode == 0
    assert f"project {EVIL_SHOWN}\n" in out
    assert "reward.specialized_sme 首次获评专精特新奖励" in out


def test_explain_escapes_id_label_and_quotes(workdir: Path) -> None:
    r = run("eval", "evil.policy", "--projects", "projects.json", "--explain", EVIL, cwd=workdir)
    out = no_raw_controls(r)
    assert r.returncode == 0, out
    assert out.startswith(f"project {EVIL_SHOWN} under wuxi_2023 (无锡);")
    assert f"✓ clause specialized_sme_reward “{EVIL_SHOWN}首次获评专精特新一次性奖励” → reward.specialized_sme" in out
    missing = run("eval", "wuxi.policy", "--projects", "projects.json", "--explain", "nobody", cwd=workdir)
    assert missing.returncode == 2 and EVIL_SHOWN in no_raw_controls(missing)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "big5"])
def test_compare_works_whatever_the_stdout_encoding(encoding: str) -> None:
    r = run("compare", "policies", "--projects", "examples/projects.yaml", cwd=ROOT, encoding=encoding)
    assert r.returncode == 0, r.stderr.decode(encoding, "replace")
    out = r.stdout.decode(encoding)  # what was written is valid in that encoding
    assert "Traceback" not in r.stderr.decode(encoding, "replace")
    assert "project foreign-4000wan" in out and "zhangjiagang" in out
    if encoding == "ascii":
        assert "3.5\\u5206" in out  # 3.5分, escaped where the terminal cannot show it


def test_explain_works_on_an_ascii_terminal() -> None:
    r = run("eval", "policies/zhangjiagang_2017.policy", "--projects", "examples/projects.yaml",
            "--explain", "foreign-4000wan", "--fx", "7", cwd=ROOT, encoding="ascii")
    assert r.returncode == 0
    assert "reward.team: 19.6\\u4e07\\u5143 ~ 49\\u4e07\\u5143" in r.stdout.decode("ascii")


# ---------------------------------------------------------------- explain: quotes and money


@pytest.mark.parametrize("amount, unit, shown", [
    (14_000_000, "美元", "1400万美元"),          # whole 万
    (350_000_000, "元", "3.5亿元"),              # ≥ 1亿, whole 百万
    (100_000_000, "美元", "1亿美元"),
    (6_000_000_000, "元", "60亿元"),
    (123_450_000, "元", "12345万元"),            # ≥ 1亿 but not a whole 百万: stays in 万
    (2_000_000, "元", "200万元"),
    (196_000, "元", "19.6万元"),                 # whole 元: 万 with up to four decimals
    (472_626, "元", "47.2626万元"),
    (10_001, "元", "1.0001万元"),
    (500, "元", "500元"),                        # below 1万
    (0, "元", "0元"),
    (44_430_121.94, "元", "44,430,121.94元"),    # fen: the exact figure
    (189_050.4, "元", "189,050.40元"),
    (0.01, "元", "0.01元"),
    (-2_000_000, "元", "-200万元"),
    (float("inf"), "元", "∞"),
])
def test_money_in_the_texts_notation(amount: float, unit: str, shown: str) -> None:
    assert fmt_money(amount, unit) == shown


ZJG_PROJECT = {"id": "p", "foreign": True, "started": True, "licensed": True, "in_core_zone": True,
               "registered_capital": "4000万美元", "paid_in_ratio": "35%", "fdi_arrived": "1400万美元",
               "referral": "other_district"}


def test_explain_shows_every_quote_of_zhangjiagang_article_13_and_money_as_written() -> None:
    zjg = load_policy(ROOT / "policies" / "zhangjiagang_2017.policy")
    text = explain(zjg, as_batch([ZJG_PROJECT]), "p", fx=7.0).render()
    assert "\n".join([
        "✓ clause team_reward “重大项目团队额外奖励” → reward.team",
        "    第13条: “再按引进项目质量情况对其进行额外奖励”",
        "    第13条: ““两区一园”注册资本1000万美元及以上、其他区镇注册资本500万美元及以上、开工并有30%以上外资到账的项目”",
        "    第13条: “给予当年度项目到帐外资2～5‰的奖励”",
    ]) in text
    assert "    第13条: “对其中由区镇、机关部门引荐的项目，奖金由引荐单位与受荐单位按3:7的比例进行分配”" in text
    assert "fdi_arrived = 1400万美元" in text and "paid_in_ratio = 35%" in text
    # 1400万美元 × 7 = 9800万元; 2‰ = 196000元 = 19.6万元, 5‰ = 490000元 = 49万元; 3:7 → 30% and 70%
    assert "  reward.team: 19.6万元 ~ 49万元" in text
    assert "    reward.team.referrer = 30% of team_reward = 5.88万元 ~ 14.7万元" in text
    assert "    reward.team.host = 70% of team_reward = 13.72万元 ~ 34.3万元" in text
    assert "  points.host_district: 3.5分" in text  # 5分 × 70%


def test_explain_keeps_the_fen() -> None:
    zjg = load_policy(ROOT / "policies" / "zhangjiagang_2017.policy")
    text = explain(zjg, as_batch([ZJG_PROJECT]), "p", fx=6.7518).render()
    # 1400万美元 × 6.7518 = 94,525,200元; 2‰ = 189,050.40元 (has fen: exact), 5‰ = 472,626元 = 47.2626万元
    assert "  reward.team: 189,050.40元 ~ 47.2626万元" in text
