"""`policylab lsp`: diagnostics as the editor types, through a real client session over a pipe.

The policies are opened with the text changed in the editor only: nothing is written to disk.
Expected ranges are counted by hand on the lines of policies/wuxi_2023.policy quoted in each test
(0-based lines and characters, as LSP counts them)."""

from __future__ import annotations

from conftest import ROOT
from lsp_session import Session, run_session
from lsprotocol import types as T

WUXI = ROOT / "policies" / "wuxi_2023.policy"
TEXT = WUXI.read_text(encoding="utf-8")
# clause specialized_sme_reward (article (1)), line 55 of the file: "  value by reading ceilings {"
READING_LINE = "  value by reading ceilings {\n    range: up to 50万元"


def test_a_misspelled_reading_is_reported_at_its_name_and_the_fix_clears_it() -> None:
    bad = TEXT.replace(READING_LINE, READING_LINE.replace("ceilings", "ceilingz"), 1)
    assert bad != TEXT

    async def body(s: Session) -> None:
        uri = s.open(WUXI, bad)
        diags = await s.diagnostics(uri)
        assert [d.code for d in diags] == ["E206"]
        d = diags[0]
        # line 55 (0-based 54): "  value by reading " is 19 characters; `ceilingz` is 8 more
        assert (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character) == (54, 19, 54, 27)
        assert d.severity == T.DiagnosticSeverity.Error and d.source == "policylab"
        assert "did you mean `ceilings`?" in d.message  # the checker's hint travels with the message
        s.edit(uri, 54, 26, 27, "s")  # typing over the z: an incremental change
        assert await s.diagnostics(uri) == []

    run_session(body)


def test_an_unknown_unit_is_reported_at_the_unit_after_chinese_text() -> None:
    # line 57 (0-based 56): "    full:  50万元" -> "    full:  50万块": 4 + "full:" 5 + 2 spaces, then 50万 → 块 at 14
    bad = TEXT.replace("    full:  50万元\n", "    full:  50万块\n", 1)
    assert bad != TEXT

    async def body(s: Session) -> None:
        uri = s.open(WUXI, bad)
        diags = await s.diagnostics(uri)
        unit = [d for d in diags if d.code == "E106"]
        assert len(unit) == 1
        r = unit[0].range
        assert (r.start.line, r.start.character, r.end.line, r.end.character) == (56, 14, 56, 15)
        s.replace(uri, TEXT)
        assert await s.diagnostics(uri) == []

    run_session(body)


def test_a_bundled_policy_opens_with_no_diagnostics_and_a_warning_is_a_warning() -> None:
    # a reading no value depends on is W703: add one at the end of the file
    unused = TEXT + '\nreading spare "未用的解读" {\n  cite "结语" "同类政策按照“就高不重复”原则执行"\n' \
        '  option a "甲"\n  option b "乙"\n  default a\n  because "测试"\n}\n'
    last = len(TEXT.split("\n"))  # the added reading starts on this 0-based line (after the blank one)

    async def body(s: Session) -> None:
        uri = s.open(WUXI)
        assert await s.diagnostics(uri) == []
        s.replace(uri, unused)
        diags = await s.diagnostics(uri)
        assert [(d.code, d.severity, d.range.start.line) for d in diags] == \
            [("W703", T.DiagnosticSeverity.Warning, last)]

    run_session(body)


def test_formatting_a_bundled_policy_changes_nothing_and_restores_a_mangled_layout() -> None:
    # the bundled policies are kept in the canonical layout (`policylab fmt --check policies/` in CI)
    mangled = TEXT.replace("\n  value by reading ceilings {", "\n        value   by reading ceilings {", 1)
    assert mangled != TEXT

    async def body(s: Session) -> None:
        uri = s.open(WUXI)
        await s.diagnostics(uri)
        options = T.FormattingOptions(tab_size=2, insert_spaces=True)
        ident = T.TextDocumentIdentifier(uri=uri)
        assert await s.request(s.client.text_document_formatting_async(
            T.DocumentFormattingParams(text_document=ident, options=options))) in ([], ())
        s.replace(uri, mangled)
        await s.diagnostics(uri)
        edits = await s.request(s.client.text_document_formatting_async(
            T.DocumentFormattingParams(text_document=ident, options=options)))
        assert len(edits) == 1 and edits[0].new_text == TEXT
        lines = mangled.split("\n")
        assert (edits[0].range.start.line, edits[0].range.start.character) == (0, 0)
        assert (edits[0].range.end.line, edits[0].range.end.character) == (len(lines) - 1, len(lines[-1]))
        s.replace(uri, "policy broken {\n")  # does not parse: no edit, never a guess
        await s.diagnostics(uri)
        assert await s.request(s.client.text_document_formatting_async(
            T.DocumentFormattingParams(text_document=ident, options=options))) is None

    run_session(body)


def test_without_pygls_the_command_says_what_to_install_not_a_traceback() -> None:
    import subprocess
    import sys

    script = "import sys; sys.modules['pygls'] = None; sys.argv = ['policylab', 'lsp']\n" \
             "from compare.cli.app import run; run()"
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "needs pygls" in r.stderr and "pip install 'policylab[lsp]'" in r.stderr
    assert "Traceback" not in r.stderr


def test_an_edit_of_an_open_base_checks_its_open_revision_again() -> None:
    # zhangjiagang_2017 extends zhangjiagang_base; removing the base's only param (which the revision
    # overrides) makes the revision's `override param` name nothing the base has: E603 in the revision
    base = ROOT / "policies" / "zhangjiagang_base.policy"
    revision = ROOT / "policies" / "zhangjiagang_2017.policy"
    base_text = base.read_text(encoding="utf-8")
    without = base_text[: base_text.index("param assessment.fdi_weight_ratio")]
    rev_lines = revision.read_text(encoding="utf-8").split("\n")
    override = next(i for i, line in enumerate(rev_lines) if line.startswith("override param assessment.fdi_weight_ratio"))

    async def body(s: Session) -> None:
        base_uri = s.open(base)
        assert await s.diagnostics(base_uri) == []
        uri = s.open(revision)
        assert await s.diagnostics(uri) == []
        s.replace(base_uri, without)
        await s.diagnostics(base_uri)
        diags = await s.diagnostics(uri)  # published for the revision though only the base changed
        assert [(d.code, d.range.start.line) for d in diags if d.code == "E603"] == [("E603", override)]
        s.replace(base_uri, base_text)
        await s.diagnostics(base_uri)
        assert await s.diagnostics(uri) == []

    run_session(body)


def test_an_error_in_a_base_is_shown_at_the_revisions_extends() -> None:
    # an unknown unit in the base's param (line 12 of zhangjiagang_base.policy): `= 1:1` → `= 1块`
    base = ROOT / "policies" / "zhangjiagang_base.policy"
    revision = ROOT / "policies" / "zhangjiagang_2017.policy"
    base_text = base.read_text(encoding="utf-8")
    broken = base_text.replace("调整前\" = 1:1 {", "调整前\" = 1块 {", 1)
    assert broken != base_text
    rev_lines = revision.read_text(encoding="utf-8").split("\n")
    header = next(i for i, line in enumerate(rev_lines) if line.startswith("policy zhangjiagang_2017 extends "))
    start = len("policy zhangjiagang_2017 extends ")  # `zhangjiagang_base` from here, 17 characters

    async def body(s: Session) -> None:
        base_uri = s.open(base, broken)
        assert "E106" in [d.code for d in await s.diagnostics(base_uri)]
        uri = s.open(revision)
        diags = await s.diagnostics(uri)
        moved = [d for d in diags if d.code == "E106"]
        assert len(moved) == 1 and moved[0].message.startswith("in zhangjiagang_base.policy:12:")
        r = moved[0].range
        assert (r.start.line, r.start.character, r.end.line, r.end.character) == (header, start, header, start + 17)

    run_session(body)


def test_a_range_after_a_character_outside_the_bmp_counts_it_as_two_utf16_units() -> None:
    # line 54 (0-based 53) as edited: '  when industry == "𠀀制造" and specialized_sme_firsx in categories'
    # characters before the name: "  when " 7 + "industry" 8 + " == " 4 + '"𠀀制造"' 5 + " and " 5 = 29;
    # 𠀀 (U+20000) is two UTF-16 units, so the name starts at 30 and its 21 characters end at 51
    old = "  when specialized_sme_first in categories"
    bad = TEXT.replace(old, '  when industry == "𠀀制造" and specialized_sme_firsx in categories', 1)
    assert bad != TEXT

    async def body(s: Session) -> None:
        uri = s.open(WUXI, bad)
        diags = await s.diagnostics(uri)
        assert [d.code for d in diags] == ["E203"]
        r = diags[0].range
        assert (r.start.line, r.start.character, r.end.line, r.end.character) == (53, 30, 53, 51)

    run_session(body)


def test_a_message_that_is_not_json_is_logged_in_one_line_not_a_traceback() -> None:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "compare.cli", "lsp"], input=b"Content-Length: 5\r\n\r\nhello",
                       cwd=ROOT, capture_output=True, timeout=120)
    assert r.returncode == 0
    err = r.stderr.decode("utf-8")
    assert "Traceback" not in err and err.startswith("policylab lsp: ERROR:")
    assert b'"window/showMessage"' in r.stdout  # the editor is told, too
