"""A city page's source text as its sentences run: the PDF's wrapping inside a sentence is not shown,
paragraph and numbered items still start a line, the passages quoted stay marked across a joined
break, and a word processor's bookmarks are not shown (compare.site.passages.reflow)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from compare.site.passages import Passage, SourceText, reflow

SOURCES = Path(__file__).resolve().parents[1] / "policies" / "sources"


def _shown(text: str, passages: tuple[Passage, ...] = ()) -> str:
    """The text a reader sees: the HTML's tags dropped and its references read."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(SourceText(text).html(passages))))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in _shown(text).split("\n") if line.strip()]


def test_a_sentence_wrapped_by_the_pdf_reads_as_one_line() -> None:
    """zhangjiagang_2017.txt sets a blank line after every wrapped line, so its opening sentence stands on
    three lines with blank lines between (lines 1, 3, 5 of the file); shown, it is one line."""
    text = (SOURCES / "zhangjiagang_2017.txt").read_text(encoding="utf-8")
    lines = _lines(text)
    assert lines[0] == ("为进一步推动全市经济稳增快转，加快经济转型升级，充分发挥招商引才工作在“聚焦转型、创新驱动”"
                        "路径中的重要作用，激发投资活力，抢抓开放机遇，再创发展优势，特制定本意见。")
    # headings and numbered items keep their own line (一、 … ; 1． …), and the paragraph under them is whole
    assert lines[1:3] == ["一、强化工作基础", "1．明确产业发展方向"]
    assert lines[3].startswith("各区镇招商引资工作应明确各自的产业定位，立足于持续创新、技术进步和人力资本深度开发，")
    assert lines[3].endswith("适时发布全市重点招商引才指导目录。")
    assert "2．加强载体平台建设" in lines
    # no line a reader sees ends inside a sentence and is followed by the sentence's rest, except headings
    for line in lines:
        if len(line) > 30:
            assert line[-1] in "。；：！？”）", line


def test_a_quote_across_a_joined_break_stays_marked() -> None:
    """第5条 "对每个注册资本超500万美元以上的项目" runs over a wrapped line in the file (lines 77-79):
    its mark covers the words on both sides of the break, and its anchor is kept."""
    text = (SOURCES / "zhangjiagang_2017.txt").read_text(encoding="utf-8")
    source = SourceText(text)
    ranges = source.locate("对每个注册资本超500万美元以上的项目")
    assert ranges is not None
    start, end = ranges[0][0], ranges[-1][1]
    assert "\n" in text[start:end]  # the quote crosses the file's wrap
    out = str(source.html([Passage("passage-clause-x-0", "item-clause-x", ranges)]))
    assert out.count('<span id="passage-clause-x-0"></span>') == 1
    marked = html.unescape("".join(re.findall(r'<mark class="passage"[^>]*><a [^>]*>(.*?)</a></mark>', out, re.S)))
    assert marked.replace(" ", "") == "对每个注册资本超500万美元以上的项目"


def test_paragraphs_that_end_their_sentences_keep_their_lines() -> None:
    """wuxi_2023.txt holds one paragraph per line: nothing is joined, every （一）…（十六） item keeps its line;
    only the blank lines before its first words (a tab and three line breaks) are not shown."""
    text = (SOURCES / "wuxi_2023.txt").read_text(encoding="utf-8")
    assert reflow(text) == [(0, 4, "")]
    assert _shown(text).startswith("市政府印发关于加强新形势下招商引资工作\n")
    lines = _lines(text)
    assert any(line.startswith("（十六）强化招商项目落地扶持。") for line in lines)
    assert any(line.startswith("（一）强化集群招引。") for line in lines)


def test_export_bookmarks_are_not_shown() -> None:
    """jiaxing_draft.txt carries `[bookmark: _Hlk114166781]` before its item 2. (a .docx export's marks)."""
    text = (SOURCES / "jiaxing_draft.txt").read_text(encoding="utf-8")
    assert "[bookmark: _Hlk114166781]" in text
    shown = _shown(text)
    assert "[bookmark:" not in shown
    assert "2.重构工作体系。" in shown


def test_the_rule_on_a_made_up_text() -> None:
    """Full lines join (no space between Chinese characters, one between two ASCII words); a short line, a
    line that ends a sentence or a lead-in, and a line before a numbered item keep their break; a
    blank line stays a paragraph break."""
    text = ("第一条 本办法所称奖励，按实际到账外资的比例给\n"  # a full line inside a sentence: joined
            "予，最高不超过五千万元，由市财政与区财政按1:1承担。\n"  # ends a sentence: kept
            "对符合条件的项目，经认定后按下列标准给予奖励：\n"  # a lead-in (：): kept
            "（一）注册资本一千万美元以上的项目给予一次性奖励\n"  # before a numbered item: kept
            "（二）注册资本三千万美元以上的项目给予 policy\n"
            "lab 奖励，具体办法由市商务局另行制定并公布施行。\n"
            "\n"
            "短行\n"  # a short line (a heading) keeps its break
            "第二条 本办法自发布之日起施行，由市商务局负责解释。\n")
    assert _lines(text) == [
        "第一条 本办法所称奖励，按实际到账外资的比例给予，最高不超过五千万元，由市财政与区财政按1:1承担。",
        "对符合条件的项目，经认定后按下列标准给予奖励：",
        "（一）注册资本一千万美元以上的项目给予一次性奖励",
        "（二）注册资本三千万美元以上的项目给予 policy lab 奖励，具体办法由市商务局另行制定并公布施行。",
        "短行",
        "第二条 本办法自发布之日起施行，由市商务局负责解释。",
    ]
    assert "\n\n短行" in _shown(text)  # the paragraph break is kept
