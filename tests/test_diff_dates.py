"""`policylab diff OLD NEW` states both documents' dates in every format (table, Markdown, JSON; the
site's revision page is the HTML form: tests/test_site_time.py): issued, effective and expiry as
stated or "not stated", the period each is in force, and which is in force from when.

Every expected date is worked out by hand from the documents:
- zhangjiagang_2017: 第14条 of policies/sources/zhangjiagang_2017.txt, “本意见自2017年1月1日起实施”
  -> in force from 2017-01-01; it `extends` zhangjiagang_base (so revises it), so the base, which states
  no date at all, is in force until the day before: 2016-12-31.
- wuxi_2023: the notice is dated 2023年9月28日 and the measures say “本措施自发布之日起实施” -> in force
  from 2023-09-28.  taicang_2020: 太政发〔2020〕43号 is dated 2020年7月6日 and states no date of entry
  into force -> from the date of issue, 2020-07-06.
- the made-up pair below (demo_a, demo_b): see its headers.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

ZJG_TABLE = [
    "dates",
    "  old zhangjiagang_base: issued not stated · effective not stated · expiry not stated",
    "      in force from a date not stated, to 2016-12-31 (revised by zhangjiagang_2017)",
    "  new zhangjiagang_2017: issued not stated · effective 2017-01-01 · expiry not stated",
    "      in force from 2017-01-01 (effective 2017-01-01), with no end stated",
    "  zhangjiagang_2017 is in force from 2017-01-01 in place of zhangjiagang_base (in force until 2016-12-31)",
]
ZJG_SENTENCE = ("zhangjiagang_2017 is in force from 2017-01-01 in place of zhangjiagang_base "
                "(in force until 2016-12-31)")


def diff(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "compare.cli", "diff", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _block(out: str, first: str, n: int) -> list[str]:
    lines = out.splitlines()
    k = lines.index(first)
    return lines[k:k + n]


# ---------------------------------------------------------------- the bundled documents


def test_the_table_states_both_zhangjiagang_dates() -> None:
    out = diff("zhangjiagang_base", "zhangjiagang_2017")
    assert _block(out, "dates", len(ZJG_TABLE)) == ZJG_TABLE


def test_markdown_states_both_zhangjiagang_dates() -> None:
    out = diff("zhangjiagang_base", "zhangjiagang_2017", "--format", "markdown")
    assert "| old | `zhangjiagang_base` | not stated | not stated | not stated | from a date not stated, to " \
           "2016-12-31 (revised by zhangjiagang_2017) |" in out.splitlines()
    assert "| new | `zhangjiagang_2017` | not stated | 2017-01-01 | not stated | from 2017-01-01 (effective " \
           "2017-01-01), with no end stated |" in out.splitlines()
    assert f"In force: {ZJG_SENTENCE}." in out.splitlines()


def test_json_states_both_zhangjiagang_dates() -> None:
    dates = json.loads(diff("zhangjiagang_base", "zhangjiagang_2017", "--format", "json"))["dates"]
    assert dates["old"] == {
        "policy": "zhangjiagang_base", "city": "zhangjiagang", "status": "superseded", "issued": None,
        "effective": None, "expiry": None, "in_force_from": None, "from_reason": "not stated",
        "in_force_until": "2017-01-01", "last_day": "2016-12-31", "until_reason": "revised by zhangjiagang_2017"}
    assert dates["new"] == {
        "policy": "zhangjiagang_2017", "city": "zhangjiagang", "status": "in_force", "issued": None,
        "effective": "2017-01-01", "expiry": None, "in_force_from": "2017-01-01",
        "from_reason": "effective 2017-01-01", "in_force_until": None, "last_day": None, "until_reason": "open"}
    assert dates["in_force"] == ZJG_SENTENCE


def test_given_the_other_way_round_the_sentence_still_runs_in_date_order() -> None:
    out = diff("zhangjiagang_2017", "zhangjiagang_base")
    assert f"  {ZJG_SENTENCE}" in out.splitlines()
    assert "  old zhangjiagang_2017: issued not stated · effective 2017-01-01 · expiry not stated" in out.splitlines()


def test_two_cities_each_with_its_own_period() -> None:
    out = diff("taicang_2020", "wuxi_2023")
    assert _block(out, "dates", 6)[1:] == [
        "  old taicang_2020: issued 2020-07-06 · effective not stated · expiry not stated",
        "      in force from 2020-07-06 (issued 2020-07-06 (from the date of issue; the text states no date of "
        "entry into force)), with no end stated",
        "  new wuxi_2023: issued 2023-09-28 · effective 自发布之日起实施 · expiry not stated",
        "      in force from 2023-09-28 (issued 2023-09-28 (自发布之日起实施)), with no end stated",
        "  documents of two cities: taicang_2020 in force from 2020-07-06, with no end stated; wuxi_2023 from "
        "2023-09-28, with no end stated",
    ]


def test_the_outcome_diff_states_the_dates_too(tmp_path: Path) -> None:
    """--projects (table, Markdown, JSON): the same block; CSV (a row per project) has no place for it."""
    projects = ROOT / "examples" / "projects.yaml"
    table = diff("zhangjiagang_base", "zhangjiagang_2017", "--projects", str(projects))
    assert _block(table, "dates", len(ZJG_TABLE)) == ZJG_TABLE
    md = diff("zhangjiagang_base", "zhangjiagang_2017", "--projects", str(projects), "--format", "markdown")
    assert f"In force: {ZJG_SENTENCE}." in md.splitlines()
    doc = json.loads(diff("zhangjiagang_base", "zhangjiagang_2017", "--projects", str(projects), "--format", "json"))
    assert doc["dates"]["new"]["in_force_from"] == "2017-01-01" and doc["dates"]["old"]["last_day"] == "2016-12-31"
    csv = diff("zhangjiagang_base", "zhangjiagang_2017", "--projects", str(projects), "--format", "csv")
    assert "2016-12-31" not in csv


# ---------------------------------------------------------------- the rules, on made-up documents

# demo_a: effective 2020-04-01, expires 2022-12-31 (its own end: 2023-01-01);
# demo_b: issued 2022-06-15, in force 自发布之日起 (so from 2022-06-15), `replaces demo_a`, `valid 3年`.
# demo_a ends where demo_b starts, before its own expiry: last day 2022-06-14.
# demo_b: 3 years from 2022-06-15 -> ends 2025-06-15, last day 2025-06-14.
PAYLOAD = "[c](javascript:window.pwned=1) <img src=x onerror=window.pwned=2> | {: onfocus=x } \u202e"
SOURCE = "第一条 每年组织培训3次。\n第二条 每年组织培训4次。\n"


def _write(folder: Path, pid: str, header: list[str], times: int, article: str) -> Path:
    (folder / "sources").mkdir(exist_ok=True)
    (folder / "sources" / "demo.txt").write_text(SOURCE, encoding="utf-8")
    lines = "\n".join(f"  {h}" for h in header)
    text = (f'policy {pid} {{\n  city democity "示例市"\n{lines}\n  source "sources/demo.txt"\n}}\n\n'
            f'param training.per_year "培训次数" = {times}次 {{\n  cite "{article}" "每年组织培训{times}次"\n}}\n')
    path = folder / f"{pid}.policy"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a = _write(tmp_path, "demo_a", ["issued 2020-03-01", "effective 2020-04-01", "expires 2022-12-31",
                                    "status in_force"], 3, "第一条")
    effective = json.dumps(PAYLOAD + " 自发布之日起实施", ensure_ascii=False)
    b = _write(tmp_path, "demo_b", ["issued 2022-06-15", f"effective {effective}", "valid 3年", "replaces demo_a",
                                    "status in_force"], 4, "第二条")
    return a, b


def test_a_replacement_ends_the_old_document_before_its_expiry(pair: tuple[Path, Path]) -> None:
    out = diff(str(pair[0]), str(pair[1]))
    block = _block(out, "dates", 6)
    assert block[1] == "  old demo_a: issued 2020-03-01 · effective 2020-04-01 · expiry expires 2022-12-31"
    assert block[2] == "      in force from 2020-04-01 (effective 2020-04-01), to 2022-06-14 (replaced by demo_b)"
    assert block[3].startswith("  new demo_b: issued 2022-06-15 · effective [c](javascript:")
    assert block[3].endswith(" 自发布之日起实施 · expiry valid 3年")
    assert block[4].startswith("      in force from 2022-06-15 (issued 2022-06-15 (")
    assert block[4].endswith("), to 2025-06-14 (valid 3年)")
    assert block[5] == "  demo_b is in force from 2022-06-15 in place of demo_a (in force until 2022-06-14)"
    assert "\u202e" not in out and "\\u202e" in block[3]  # a bidi override shown, not obeyed


def test_markdown_escapes_what_the_documents_state(pair: tuple[Path, Path]) -> None:
    """The payload in the `effective` text: no link, image, tag or attribute list in either renderer,
    and the row keeps its six cells (a `|` of the text does not end one)."""
    import markdown
    from markdown_it import MarkdownIt

    out = diff(str(pair[0]), str(pair[1]), "--format", "markdown")
    table = "\n".join(line for line in out.splitlines() if line.startswith("| ") and "document" in line
                      or line.startswith(("|---", "| old", "| new")))
    for html in (markdown.markdown(table, extensions=["tables", "attr_list", "md_in_html"]),
                 MarkdownIt("commonmark").enable("table").render(table)):
        assert "<img" not in html and "<a " not in html and not re.search(r"<[^>]*\bonfocus", html), html
        assert "javascript:window.pwned=1" in html and "{: onfocus=x }" in html  # shown as text
        new_row = next(r for r in html.split("<tr>") if "demo_b" in r)
        assert new_row.count("<td") == 6


def test_json_keeps_the_text_as_written(pair: tuple[Path, Path]) -> None:
    dates = json.loads(diff(str(pair[0]), str(pair[1]), "--format", "json"))["dates"]
    assert dates["new"]["effective"] == PAYLOAD + " 自发布之日起实施"
    assert (dates["new"]["in_force_from"], dates["new"]["in_force_until"], dates["new"]["last_day"]) == \
        ("2022-06-15", "2025-06-15", "2025-06-14")
    assert (dates["old"]["in_force_until"], dates["old"]["until_reason"]) == ("2022-06-15", "replaced by demo_b")


def test_the_semantic_diff_states_the_dates(pair: tuple[Path, Path]) -> None:
    out = diff(str(pair[0]), str(pair[1]), "--semantic", "--budget", "30")
    assert "  demo_b is in force from 2022-06-15 in place of demo_a (in force until 2022-06-14)" in out.splitlines()
    doc = json.loads(diff(str(pair[0]), str(pair[1]), "--semantic", "--budget", "30", "--format", "json"))
    assert doc["dates"]["old"]["last_day"] == "2022-06-14"


def test_documents_in_force_at_once_are_said_to_be(tmp_path: Path) -> None:
    """Two documents of one city, neither replacing the other, with overlapping periods: the diff says
    both are in force from the later start (2021-01-01), not that one takes over."""
    a = _write(tmp_path, "demo_a", ["effective 2020-01-01", "status in_force"], 3, "第一条")
    b = _write(tmp_path, "demo_b", ["effective 2021-01-01", "status in_force"], 4, "第二条")
    out = diff(str(a), str(b))
    assert ("  both are in force from 2021-01-01: neither says it revises or replaces the other (demo_a from "
            "2020-01-01, with no end stated; demo_b from 2021-01-01, with no end stated)") in out.splitlines()


def test_a_draft_is_never_in_force(tmp_path: Path) -> None:
    a = _write(tmp_path, "demo_a", ["effective 2020-01-01", "status in_force"], 3, "第一条")
    b = _write(tmp_path, "demo_b", ["issued 2024-12-14", "replaces demo_a", "status draft"], 4, "第二条")
    block = _block(diff(str(a), str(b)), "dates", 6)
    assert block[2] == "      in force from 2020-01-01 (effective 2020-01-01), with no end stated"  # a draft ends nothing
    assert block[4] == "      never in force (a draft)"
    assert block[5] == "  demo_b is a draft, never in force; demo_a is in force from 2020-01-01, with no end stated"
