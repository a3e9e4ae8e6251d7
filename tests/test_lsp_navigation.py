"""`policylab lsp`: hover and go-to-definition on the bundled policies, through a client session.

Positions are 0-based (line, character) counted by hand on the lines quoted; the labels are those of
the declarations (policies/wuxi_2023.policy, policies/taxonomy/core.yaml) and the context that of the
source text (policies/sources/wuxi_2023.txt, article （一）, cited "(1)")."""

from __future__ import annotations

from conftest import ROOT
from lsp_session import Session, run_session
from lsprotocol import types as T

from dsl import ast as A

WUXI = ROOT / "policies" / "wuxi_2023.policy"
BASE = ROOT / "policies" / "zhangjiagang_base.policy"
REVISION = ROOT / "policies" / "zhangjiagang_2017.policy"


async def hover(s: Session, uri: str, line: int, character: int) -> str | None:
    got = await s.request(s.client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=line, character=character))))
    return None if got is None else got.contents.value


async def definition(s: Session, uri: str, line: int, character: int) -> T.Location | None:
    got = await s.request(s.client.text_document_definition_async(T.DefinitionParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=line, character=character))))
    if isinstance(got, list | tuple):
        assert len(got) == 1
        return got[0]  # type: ignore[no-any-return]
    return got  # type: ignore[no-any-return]


def test_hover_on_a_cite_a_figure_a_reading_and_a_concept_of_wuxi() -> None:
    async def body(s: Session) -> None:
        uri = s.open(WUXI)
        await s.diagnostics(uri)
        # line 52: '  cite "(1)" "对首次获评“专精特新”的企业给予最高50万元的一次性奖励"' (the quote from 14)
        cite = await hover(s, uri, 52, 20)
        assert cite is not None
        # article （一） of the text: "…增强发展新动能。对首次获评“专精特新”的企业给予最高50万元的一次性奖励。"
        assert cite.startswith("**(1)**")
        assert "增强发展新动能。**对首次获评“专精特新”的企业给予最高50万元的一次性奖励**。" in cite
        # line 56: '    full:  50万元' (the figure from 11 to 16): 50 × 10000 元
        assert await hover(s, uri, 56, 12) == "**50万元** = 500,000元 (CNY)"
        # line 54: '  value by reading ceilings {' (the reading's name from 19)
        reading = await hover(s, uri, 54, 21)
        assert reading is not None
        assert reading.startswith("**reading** `ceilings` — “最高”“不超过”金额：上限还是实付")
        assert "options range, full; default range" in reading
        # line 51: '  concept reward.specialized_sme' (from 10); core.yaml: zh 首次获评专精特新奖励
        concept = await hover(s, uri, 51, 14)
        assert concept is not None
        assert concept.startswith("**concept** `reward.specialized_sme` — 首次获评专精特新奖励")
        assert "declared at core.yaml:44" in concept
        # line 53: '  when specialized_sme_first in categories': a category of the core record
        category = await hover(s, uri, 53, 9)
        assert category is not None and category.startswith("**category** `specialized_sme_first`")
        assert await hover(s, uri, 1, 0) is None  # a comment: nothing to say

    run_session(body)


def test_definition_of_a_reading_and_of_a_concept_in_the_taxonomy() -> None:
    async def body(s: Session) -> None:
        uri = s.open(WUXI)
        await s.diagnostics(uri)
        # `by reading ceilings` → line 16 of the file (0-based 15): 'reading ceilings "…" {'
        loc = await definition(s, uri, 54, 21)
        assert loc is not None and loc.uri == uri
        assert (loc.range.start.line, loc.range.start.character) == (15, 0)
        # `concept reward.specialized_sme` → policies/taxonomy/core.yaml line 44 (0-based 43), the key at 2
        loc = await definition(s, uri, 51, 14)
        assert loc is not None and loc.uri.endswith("/policies/taxonomy/core.yaml")
        assert loc.range.start.line == 43
        # a field of the core record is declared nowhere in a file: no location
        assert await definition(s, uri, 53, 9) is None

    run_session(body)


def test_definition_across_extends_reads_the_base_as_the_editor_holds_it() -> None:
    # the base gets a named condition in the editor (not saved); the revision uses it
    base_text = BASE.read_text(encoding="utf-8")
    added = '\ncondition big "大项目" {\n  when registered_capital >= 1亿元\n}\n'
    base_lines = len(base_text.split("\n"))  # `condition big` starts on this 0-based line
    revision = REVISION.read_text(encoding="utf-8")
    old = "  when by reading referral_points_scope {\n"
    assert old in revision
    at = revision[: revision.index(old)].count("\n")  # the 0-based line of `when`
    edited = revision.replace(old, "  when big and by reading referral_points_scope {\n", 1)

    async def body(s: Session) -> None:
        base_uri = s.open(BASE, base_text + added)
        await s.diagnostics(base_uri)
        uri = s.open(REVISION, edited)
        await s.diagnostics(uri)
        loc = await definition(s, uri, at, 8)  # '  when big': `big` from 7 to 10
        assert loc is not None and loc.uri == base_uri
        assert (loc.range.start.line, loc.range.start.character) == (base_lines, 0)
        shown = await hover(s, uri, at, 8)
        assert shown is not None and shown.startswith("**condition** `big` — 大项目")

    run_session(body)


def test_definition_and_hover_of_a_field_the_city_declares() -> None:
    # wuxi_2023.policy line 245 (0-based 244): 'field in_465_cluster "符合我市“465”现代产业集群导向的重点产业" {'
    lines = WUXI.read_text(encoding="utf-8").split("\n")
    assert lines[244].startswith('field in_465_cluster "符合我市“465”现代产业集群导向的重点产业"')
    use = next(i for i, line in enumerate(lines) if i != 244 and "in_465_cluster" in line and "when" in line)
    column = lines[use].index("in_465_cluster") + 2

    async def body(s: Session) -> None:
        uri = s.open(WUXI)
        await s.diagnostics(uri)
        loc = await definition(s, uri, use, column)
        assert loc is not None and loc.uri == uri and loc.range.start.line == 244
        shown = await hover(s, uri, use, column)
        assert shown is not None and shown.startswith("**field** `in_465_cluster` — 符合我市“465”现代产业集群导向的重点产业")
        assert shown.endswith(r"declared at wuxi\_2023.policy:245")  # Markdown: the `_` escaped

    run_session(body)


def test_every_name_in_the_bundled_policies_has_a_declaration_to_show() -> None:
    """The class: a name the checker accepts is one the server can say something of (a field, a choice
    value compared bare, a category, a clause, a concept …): no hover says `not declared`."""
    from dsl.parse import parse_text
    from dsl.walk import walk

    files = sorted((ROOT / "policies").glob("*.policy"))

    async def body(s: Session) -> None:
        checked = 0
        for path in files:
            uri = s.open(path)
            assert await s.diagnostics(uri) == []
            ast, _ = parse_text(path.read_text(encoding="utf-8"), str(path))
            assert ast is not None
            for node in walk(ast):
                if isinstance(node, A.Name):
                    # spans are 1-based characters; these lines' text before a name is ASCII or BMP
                    shown = await hover(s, uri, node.span.line - 1, node.span.column - 1)
                    assert shown is not None and "not declared" not in shown, (path.name, node.dotted)
                    checked += 1
        assert checked > 200  # 241 names in the five files

    run_session(body)
