"""The editors' TextMate grammar (editors/vscode/syntaxes/policy.tmLanguage.json): it is the one
dsl.textmate generates from the lexer's token table, and it shows every policy the project ships as
the Pygments lexer does, character by character (run with tests/textmate_subset.py, Python's `re`)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.token import Whitespace
from textmate_subset import scopes

from dsl.highlight import PolicyLexer, pygments_token
from dsl.highlight_rules import SCOPES
from dsl.textmate import GRAMMAR_PATH, grammar, grammar_text, main, scope

POLICY_FILES = sorted(p for p in ROOT.rglob("*.policy") if ".git" not in p.parts)
_NAMES = {pygments_token(name): name for name in SCOPES} | {Whitespace: "Whitespace"}


def committed() -> dict[str, Any]:
    return json.loads(GRAMMAR_PATH.read_text(encoding="utf-8"))


def lexed(text: str) -> list[str | None]:
    """The lexer's token of every character, as a TextMate scope."""
    out: list[str | None] = [None] if text.startswith("\ufeff") else []  # Pygments drops a BOM
    for token, value in PolicyLexer(stripnl=False).get_tokens(text):
        out += [scope(_NAMES[token])] * len(value)
    return out[: len(text)]  # Pygments ends the text with a line break of its own


def differences(grammar_: dict[str, Any], text: str) -> list[str]:
    """Where the grammar shows a character otherwise than the lexer (line breaks aside)."""
    tm, py = scopes(grammar_, text), lexed(text)
    assert len(tm) == len(py) == len(text)
    out = []
    for i, (a, b) in enumerate(zip(tm, py, strict=True)):
        if a != b and text[i] != "\n":
            line = text.count("\n", 0, i) + 1
            out.append(f"line {line}: {text[i]!r} TextMate {a}, lexer {b}")
    return out


def test_the_committed_grammar_is_the_generated_one() -> None:
    assert GRAMMAR_PATH.read_text(encoding="utf-8") == grammar_text(), "run `python -m dsl.textmate`"
    assert main(["--check"]) == 0


def test_check_reports_a_stale_grammar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "policy.tmLanguage.json"
    stale.write_text(grammar_text().replace("keyword.other.policy", "keyword.policy"), encoding="utf-8")
    monkeypatch.setattr("dsl.textmate.GRAMMAR_PATH", stale)
    assert main(["--check"]) == 1
    assert "python -m dsl.textmate" in capsys.readouterr().err
    assert main(["--bogus"]) == 2


def test_generating_writes_the_grammar_and_never_over_another_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "syntaxes" / "policy.tmLanguage.json"
    monkeypatch.setattr("dsl.textmate.GRAMMAR_PATH", target)
    assert main([]) == 0 and target.read_text(encoding="utf-8") == grammar_text()
    target.write_text(grammar_text().replace("keyword.other.policy", "k.policy"), encoding="utf-8")  # stale: replaced
    assert main([]) == 0 and target.read_text(encoding="utf-8") == grammar_text()
    target.write_text('{"name": "someone else\'s"}', encoding="utf-8")  # not written by it: kept
    assert main([]) == 1 and target.read_text(encoding="utf-8") == '{"name": "someone else\'s"}'
    assert "not a grammar this command wrote" in capsys.readouterr().err
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left


@pytest.mark.parametrize("path", POLICY_FILES, ids=[str(p.relative_to(ROOT)) for p in POLICY_FILES])
def test_grammar_and_lexer_show_every_bundled_policy_alike(path: Path) -> None:
    assert differences(committed(), path.read_text(encoding="utf-8")) == []


DOC_SNIPPETS = re.findall(r"^```policy\n(.*?)^```", (ROOT / "docs" / "language.md").read_text(encoding="utf-8"),
                          flags=re.S | re.M)


def test_grammar_and_lexer_show_the_language_references_snippets_alike() -> None:
    assert len(DOC_SNIPPETS) >= 10
    assert [(i, d) for i, s in enumerate(DOC_SNIPPETS) if (d := differences(committed(), s))] == []


# Pieces of lines, right and wrong: every rule of the table, the places where a rule ends (a
# keyword inside a name, an article with no space, an open text, an escape), and what is an error.
FRAGMENTS = ["clause", "cite", "unencoded", "policy", "extends", "type", "choice", "pick", "first", "payer",
             "city", ",", "concept", "option", "default", "value", "values", "and", "true", "USD", "max", "x",
             "a.b", "r:", '"s"', '"a\\"b"', '"open', "#c", "500万美元", "3000 万美元", "5‰", "30元/平方米",
             "3:7", "2023-09-28", "->", ">=", "[", "(", ")", "∞", "外", "；", "@", "1.5", "count", "人", "{",
             "}", ":", "\\", '"', "\ufeff", "\u3000", "#", " ", "\t"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10))
def test_grammar_and_lexer_show_any_line_alike(pieces: list[str]) -> None:
    """On one line the two agree everywhere, on text that parses or not (across lines, see below)."""
    line = "".join(pieces)  # side by side or apart: " " and "\t" are pieces too
    assert differences(committed(), line) == []


def test_across_lines_the_grammar_shows_less_as_documented() -> None:
    """docs/editors.md: TextMate reads one line at a time, so an id on the line after its keyword is
    a plain name, and a quotation on the line after its article a plain text."""
    text = 'clause\n  c { cite "第1条"\n  "原文" }'
    tm, py = scopes(committed(), text), lexed(text)
    c, quote = text.index("c {"), text.index('"原文"') + 1
    assert (tm[c], py[c]) == ("variable.other.policy", "entity.name.function.policy")
    assert (tm[quote], py[quote]) == ("string.quoted.double.policy", "string.quoted.other.quotation.policy")


def test_bundled_policies_are_there() -> None:
    names = {p.stem for p in POLICY_FILES}
    assert {"zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023"} <= names


def test_a_reordered_grammar_is_caught() -> None:
    """The comparison can fail: a grammar whose figure patterns are tried in another order than the
    lexer's rules reads a date as numbers and signs."""
    swapped = copy.deepcopy(committed())
    figures = swapped["repository"]["figures"]["patterns"]
    figures.reverse()  # the quantity first: `2023-09-28` is read as 2023, `-`, 09, `-`, 28
    assert differences(swapped, "policy p { issued 2023-09-28 }") != []


SNIPPET = 'clause c "标签" {  # why\n  cite "第12条" "按注册资本1000～3000万美元"\n  value tiers x { [1000万美元, ∞) -> 2分 }\n}\n外'


def test_hand_read_scopes_of_a_snippet() -> None:
    """Each piece of the snippet, by reading it: what a highlighter must call it."""
    got = scopes(committed(), SNIPPET)

    def at(piece: str, occurrence: int = 0) -> set[str | None]:
        start = [m.start() for m in re.finditer(re.escape(piece), SNIPPET)][occurrence]
        return set(got[start:start + len(piece)])

    suffix = ".policy"
    assert at("clause") == {"storage.type.declaration" + suffix}
    assert at(" c ") == {None, "entity.name.function" + suffix}
    assert at('"标签"') == {"string.quoted.double" + suffix}
    assert at("# why") == {"comment.line.number-sign" + suffix}
    assert at("cite") == {"keyword.other" + suffix}
    assert at('"第12条"') == {"string.quoted.double" + suffix}
    assert at('"按注册资本1000～3000万美元"') == {"string.quoted.other.quotation" + suffix}
    assert at("value") == at("tiers") == {"keyword.other" + suffix}
    assert at("1000万美元") == at("2分") == {"constant.numeric" + suffix}
    assert at("∞") == {"constant.language" + suffix}
    assert at("->") == {"keyword.operator" + suffix}
    assert at("外") == {"invalid.illegal" + suffix}


def test_every_token_of_the_table_has_a_scope() -> None:
    used = {m for m in re.findall(r'"name": "([^"]+)"', grammar_text())} - {"Policy"}  # the language's name
    assert used <= {s + ".policy" for s in SCOPES.values()}
    assert "Whitespace" not in SCOPES  # shown as it is, no scope


def test_expressions_are_read_alike_by_re_and_oniguruma() -> None:
    """No construct one engine reads and the other does not: Python's named groups and `\\Z`,
    Oniguruma's `\\G`, `\\h`, `\\x{…}`, possessive quantifiers, and escapes `\\u` (Oniguruma's syntax
    option) — so `re` checks what VS Code will run."""
    expressions: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("match", "begin", "end") and isinstance(value, str):
                    expressions.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(grammar())
    assert len(expressions) > 20
    for expression in expressions:
        re.compile(expression)
        for construct in (r"(?P", r"\Z", r"\G", r"\h", r"\x{", "++", "*+", "?+", r"\u"):
            assert construct not in expression, (construct, expression)


VSCODE = GRAMMAR_PATH.parent.parent


@pytest.mark.skipif(shutil.which("node") is None or not (VSCODE / "node_modules" / "vscode-textmate").is_dir(),
                    reason="needs Node.js and `npm install` in editors/vscode (vscode-textmate, vscode-oniguruma)")
def test_vscode_textmate_reads_the_grammar_as_the_subset_does(tmp_path: Path) -> None:
    """VS Code's own tokenizer (Oniguruma) gives every character the scope the Python subset gives:
    on the bundled policies, and on every pair of fragments side by side, one pair a line."""
    pairs = tmp_path / "pairs.policy"
    pairs.write_text("\n".join(a + b for a in FRAGMENTS for b in FRAGMENTS) + "\n", encoding="utf-8")
    files = [*POLICY_FILES, pairs]
    r = subprocess.run(["node", "test/scopes.js", str(GRAMMAR_PATH), *map(str, files)], cwd=VSCODE,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert all(ord(c) < 0x10000 for c in text)  # JavaScript counts UTF-16 units, Python characters
        assert got[str(path)] == scopes(committed(), text), path
