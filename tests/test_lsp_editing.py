"""`policylab lsp`: completion and the outline on the bundled policies, through a client session.

The candidates are worked out by hand: the taxonomy's keys starting `reward.sp` (policies/taxonomy/
core.yaml line 44 only), wuxi_2023's readings (its lines 16, 26, 34) and the options of `ceilings`
(range, full), the core record's fields (dsl/schema.py) and wuxi_2023's clauses."""

from __future__ import annotations

from conftest import ROOT
from lsp_session import Session, run_session
from lsprotocol import types as T

WUXI = ROOT / "policies" / "wuxi_2023.policy"
TEXT = WUXI.read_text(encoding="utf-8")
LINES = TEXT.split("\n")


async def complete(s: Session, uri: str, line: int, character: int) -> list[str]:
    got = await s.request(s.client.text_document_completion_async(T.CompletionParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=line, character=character))))
    items = got.items if isinstance(got, T.CompletionList) else got
    return [i.label for i in items]


def test_completion_of_concepts_readings_options_fields_and_keywords() -> None:
    assert LINES[51] == "  concept reward.specialized_sme" and LINES[54] == "  value by reading ceilings {"
    assert LINES[21] == "  default range" and LINES[53] == "  when specialized_sme_first in categories"

    async def body(s: Session) -> None:
        uri = s.open(WUXI)
        await s.diagnostics(uri)
        assert await complete(s, uri, 51, len("  concept reward.sp")) == ["reward.specialized_sme"]
        assert await complete(s, uri, 54, len("  value by reading ")) == ["ceilings", "stacking", "new_project_scope"]
        assert await complete(s, uri, 21, len("  default ")) == ["range", "full"]
        # a new line at the start of the `by reading ceilings { … }` block (line 56, 0-based 55): its options
        s.edit(uri, 55, 0, 0, "    \n")
        await s.diagnostics(uri)
        assert await complete(s, uri, 55, 4) == ["range:", "full:"]
        # typing a condition: `reg` → the core record's field registered_capital, then wuxi's clause
        # regional_hq_subsidy (article (16)); `cit` → the keywords cite, city
        s.edit(uri, 55, 0, 4, "  when reg")
        await s.diagnostics(uri)
        assert await complete(s, uri, 55, len("  when reg")) == ["registered_capital", "regional_hq_subsidy"]
        # in the clause's body before `when` (line 54, 0-based 53), outside any `by reading` block
        s.replace(uri, "\n".join([*LINES[:53], "  cit", *LINES[53:]]))
        await s.diagnostics(uri)
        assert sorted(await complete(s, uri, 53, len("  cit"))) == ["cite", "city"]

    run_session(body)


def test_outline_groups_the_items_by_the_article_they_cite_first() -> None:
    async def body(s: Session) -> None:
        uri = s.open(WUXI)
        await s.diagnostics(uri)
        symbols = await s.request(s.client.text_document_document_symbol_async(
            T.DocumentSymbolParams(text_document=T.TextDocumentIdentifier(uri=uri))))
        assert symbols[0].name == "policy wuxi_2023"
        by_article = {sym.name: [c.name for c in sym.children or []] for sym in symbols[1:]}
        # article (1): reading ceilings (its first cite, line 17), mechanism cluster_attraction, clause
        # specialized_sme_reward, and the first `unencoded` passage of (1) near the end of the file
        assert by_article["(1)"][:3] == ["ceilings", "cluster_attraction", "specialized_sme_reward"]
        first = symbols[1]
        assert first.name == "(1)" and first.children[2].range.start.line == 50  # `clause specialized_sme_reward`
        assert first.children[2].detail == "首次获评专精特新一次性奖励"
        # every child lies inside its article's range (an editor drops a symbol outside it)
        for sym in symbols[1:]:
            for child in sym.children or []:
                assert (sym.range.start.line, sym.range.start.character) <= \
                    (child.range.start.line, child.range.start.character)
                assert (child.range.end.line, child.range.end.character) <= \
                    (sym.range.end.line, sym.range.end.character)

    run_session(body)


def test_completion_keeps_the_names_while_the_header_is_half_typed() -> None:
    # `extends zhangjiagang_ba`: no such base yet, so the policy does not load; its names stay offered
    revision = ROOT / "policies" / "zhangjiagang_2017.policy"
    text = revision.read_text(encoding="utf-8")
    half = text.replace("policy zhangjiagang_2017 extends zhangjiagang_base {", "policy zhangjiagang_2017 extends zhangjiagang_ba {")
    lines = half.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("  when by reading referral_points_scope {"))

    async def body(s: Session) -> None:
        uri = s.open(revision)
        await s.diagnostics(uri)
        s.replace(uri, half)
        assert [d.code for d in await s.diagnostics(uri)] == ["E602"]
        # zhangjiagang_2017's readings starting `referral`: referral_points_scope only (its `reading` lines)
        assert await complete(s, uri, at, len("  when by reading referral")) == ["referral_points_scope"]

    run_session(body)


def test_code_lens_names_the_example_projects_each_clause_fires_for() -> None:
    # wuxi_2023 line 130 (0-based 129): clause intermediary_referral_reward, when referral == intermediary
    # and licensed. examples/projects.yaml: domestic-60yi is licensed with referral intermediary; the
    # others are referred by another district (foreign-4000wan) or by no one (fortune500-hq, sme-first)
    assert LINES[129].startswith("clause intermediary_referral_reward ")

    async def body(s: Session) -> None:
        uri = s.open(WUXI)
        await s.diagnostics(uri)
        got = await s.request(s.client.text_document_code_lens_async(
            T.CodeLensParams(text_document=T.TextDocumentIdentifier(uri=uri))))
        by_line = {lens.range.start.line: lens.command.title for lens in got}
        assert by_line[129] == "fires for 1 of 4 example projects: domestic-60yi"
        assert len(by_line) == TEXT.count("\nclause ")  # one lens per clause of the file
        # an edit that breaks the policy: no lens (only what checks is evaluated)
        s.replace(uri, TEXT.replace("  when referral == intermediary and licensed", "  when referral == intermediarx", 1))
        assert await s.diagnostics(uri) != []
        assert await s.request(s.client.text_document_code_lens_async(
            T.CodeLensParams(text_document=T.TextDocumentIdentifier(uri=uri)))) in ([], ())

    run_session(body)
