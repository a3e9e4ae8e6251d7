"""`policylab new`: a draft policy from a text that `check` accepts, `fmt` leaves as it is and
`coverage` measures; its quotes copied exactly, its candidate figures those the text states.

Expected values are read by hand off policies/sources/*.txt, the article named beside each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compare.encode.draft import candidates, conditions, draft_policy, header, names_only, unheld
from compare.encode.reading import SourceError, articles, decode
from compare.testing.source_coverage import source_coverage
from dsl.check.driver import check_paths
from dsl.format import format_text

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "policies" / "sources"
BUNDLED = ["wuxi_2023", "taicang_2020", "zhangjiagang_2017", "jiaxing_draft"]

# a text the drafter has never seen: a page of typical reward rules, made up for this test
UNSEEN = """苏州市某区关于促进先进制造业招商引资的若干措施
某区人民政府
2024年3月1日
一、总体要求
为加快先进制造业集聚发展，制定本措施。
二、奖励政策
（一）落户奖励。对新引进的先进制造业项目，按项目实缴注册资本的1%给予奖励，最高不超过500万元。
（二）人才奖励。对企业引进的高层次人才，给予最高30万元的安家补贴。
（三）载体支持。对入驻“1+3”产业园的企业，三年内按租金的50%给予补贴。
三、附则
本措施自2024年4月1日起施行，有效期三年。
"""


def _draft_in(folder: Path, name: str, text: str) -> Path:
    (folder / "sources").mkdir(exist_ok=True)
    (folder / "sources" / f"{name}.txt").write_text(text, encoding="utf-8")
    path = folder / f"{name}.policy"
    path.write_text(draft_policy(name, f"sources/{name}.txt", text), encoding="utf-8")
    return path


def _checked(path: Path):  # type: ignore[no-untyped-def]
    result = check_paths([path])
    errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert errors == []
    return result.policies[0]


@pytest.mark.parametrize("name", [*BUNDLED, "unseen"])
def test_a_draft_checks_is_formatted_and_cites_every_figure_bearing_sentence(tmp_path: Path, name: str) -> None:
    text = UNSEEN if name == "unseen" else (SOURCES / f"{name}.txt").read_text(encoding="utf-8")
    path = _draft_in(tmp_path, name, text)
    draft = path.read_text(encoding="utf-8")
    assert format_text(draft) == draft  # fmt leaves it as it is
    policy = _checked(path)
    (report,) = source_coverage(policy)
    assert report.with_figures and report.uncited == []


def test_the_header_is_what_the_text_states() -> None:
    # 无锡 covering notice: 无锡市人民政府 / 2023年9月28日; the closing paragraph: 自发布之日起实施
    text = (SOURCES / "wuxi_2023.txt").read_text(encoding="utf-8")
    h = header("wuxi", "wuxi_draft", "sources/wuxi.txt", text)
    assert 'title "关于加强新形势下招商引资工作的若干政策措施"' in h
    assert 'issuer "无锡市人民政府"' in h
    assert "issued 2023-09-28" in h
    assert 'effective "自发布之日起实施"' in h
    # the unseen text: 自2024年4月1日起施行, 有效期三年
    h = header("x", "x_draft", "sources/x.txt", UNSEEN)
    assert "effective 2024-04-01" in h and "valid 3年" in h and "issued 2024-03-01" in h
    assert 'title "苏州市某区关于促进先进制造业招商引资的若干措施"' in h and 'issuer "某区人民政府"' in h
    # 太仓 通知: 太政发〔2020〕43号; 张家港 第14条: 本意见自2017年1月1日起实施, a date
    h = header("taicang", "t", "s", (SOURCES / "taicang_2020.txt").read_text(encoding="utf-8"))
    assert 'docno "太政发〔2020〕43号"' in h
    h = header("zjg", "z", "s", (SOURCES / "zhangjiagang_2017.txt").read_text(encoding="utf-8"))
    assert "effective 2017-01-01" in h and "title" not in h  # the text carries no title


def test_a_ceiling_and_a_rate_with_a_cap_become_candidate_clauses() -> None:
    # 无锡 (1): 给予最高50万元的一次性奖励 → up to 50万元
    (c,) = candidates("1", "(1)", "对首次获评“专精特新”的企业给予最高50万元的一次性奖励。", 1)
    assert c.value == "up to 50万元"
    # 无锡 (6): 按项目实缴资金给予引荐中介机构5‰、最高200万元奖励 → 5‰ of the paid-in capital, at most 200万元
    (c,) = candidates("6", "(6)", "落地后按项目实缴资金给予引荐中介机构5‰、最高200万元奖励；", 1)
    assert c.value == "up to 5‰ of cny(paid_in_capital) cap 200万元"
    # 无锡 (16): 按实际到账外资比例给予最高2%、不超过5000万元奖励 → the hand-encoded figures 2% and 5000万元
    (c,) = candidates("16", "(16)", "分类别按实际到账外资比例给予最高2%、不超过5000万元奖励", 1)
    assert c.value == "up to 2% of cny(fdi_arrived) cap 5000万元"
    # two amounts with one 最高 (无锡 (5) has one; a made-up sentence with two): not a single ceiling
    assert candidates("5", "(5)", "对网点最高给予100万元奖励，另给予20万元补贴。", 1) == []


def test_figures_that_are_no_amounts_are_unencoded_not_cited(tmp_path: Path) -> None:
    # the unseen text's opening lines (no 。 ends them: one sentence) state only a date, 2024年3月1日: no
    # quantity; its 附则 states a term, 有效期三年, so that sentence is cited
    path = _draft_in(tmp_path, "unseen", UNSEEN)
    policy = _checked(path)
    assert [u.quote for u in policy.unencoded] == ["苏州市某区关于促进先进制造业招商引资的若干措施某区人民政府2024年3月1日"]
    cited = {c.quote for clause in policy.clauses.values() for c in clause.cites}
    assert "本措施自2024年4月1日起施行，有效期三年。" in cited


def test_a_text_in_gbk_or_with_a_bom_reads_as_the_same_text() -> None:
    text = "（一）对企业给予最高50万元奖励。"
    assert decode(text.encode("gbk"), "x.txt") == text
    assert decode(text.encode("gb18030"), "x.txt") == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8"), "x.txt") == text


@pytest.mark.parametrize("raw", [b"", b"  \n\r\n", "\ufeff".encode()])
def test_an_empty_text_is_refused_with_the_file_named(raw: bytes) -> None:
    with pytest.raises(SourceError, match=r"^x\.txt:1:1: the text is empty"):
        decode(raw, "x.txt")


def test_a_text_with_no_numbering_is_one_part_and_still_cited(tmp_path: Path) -> None:
    text = "对新落户企业给予最高100万元奖励。对其他企业不予奖励。\n按到账外资的1%给予奖励，最高500万元。\n"
    (part,) = articles(text)
    assert part.label == "开头" and part.sentences == ("对新落户企业给予最高100万元奖励。", "按到账外资的1%给予奖励，最高500万元。")
    _checked(_draft_in(tmp_path, "plain", text))


def test_stray_spaces_and_line_breaks_inside_figures_are_quoted_whole(tmp_path: Path) -> None:
    # a scanned text: "50 万\n元" and "2 %" broken as a PDF's lines break them
    text = "（一）对首次获评的企业给予最高50 万\n元的一次性奖励。\n（二）按实际到账外资的2 %给予奖励，最高不超过\n5000万元。\n"
    assert articles(text)[0].sentences == ("对首次获评的企业给予最高50万元的一次性奖励。",)
    draft = draft_policy("scan", "sources/scan.txt", text)
    assert "value up to 50万元" in draft and "value up to 2% of cny(fdi_arrived) cap 5000万元" in draft
    _checked(_draft_in(tmp_path, "scan", text))


def _new(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLICYLAB_CACHE_DIR": str(cwd / ".cache")}
    return subprocess.run([sys.executable, "-m", "compare.cli", "new", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


def test_new_copies_a_gbk_text_as_utf8_beside_the_draft_and_never_overwrites(tmp_path: Path) -> None:
    source = tmp_path / "in" / "suzhou.txt"
    source.parent.mkdir()
    source.write_bytes(UNSEEN.encode("gbk"))
    work = tmp_path / "work"
    work.mkdir()
    r = _new(work, "suzhou", "--source", str(source))
    assert r.returncode == 0, r.stderr
    assert (work / "sources" / "suzhou.txt").read_text(encoding="utf-8") == UNSEEN
    draft = (work / "suzhou.policy").read_text(encoding="utf-8")
    assert 'source "sources/suzhou.txt"' in draft
    _checked(work / "suzhou.policy")
    (work / "mine.policy").write_text("mine", encoding="utf-8")
    r = _new(work, "suzhou", "--source", str(source), "--out", "mine.policy")
    assert r.returncode == 2 and "mine.policy already exists" in r.stderr and "Traceback" not in r.stderr
    assert (work / "mine.policy").read_text(encoding="utf-8") == "mine"


def test_new_refuses_an_empty_or_missing_source_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    for source in ("empty.txt", "missing.txt"):
        r = _new(tmp_path, "x", "--source", source)
        assert r.returncode == 2 and source in r.stderr and "hint:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.policy").exists()


def test_a_tier_table_from_brackets_and_respective_amounts() -> None:
    # 张家港 第12条: 按注册资本1000～3000万美元、3000万～1亿美元、1亿美元以上的标准分别给予每个项目2、5、10的加分;
    # a range's unit written once (1000～3000万美元) is both ends'; "3000万～1亿美元" carries its own scale
    sentence = ("对新引进符合我市产业发展要求的重大外资项目、开工后并有30%以上外资到账的，按注册资本1000～3000万美元、"
                "3000万～1亿美元、1亿美元以上的标准分别给予每个项目2、5、10的加分；")
    (c,) = candidates("12", "12", sentence, 1)
    assert c.value == ("tiers registered_capital {\n    [1000万美元, 3000万美元) -> 2分\n"
                       "    [3000万美元, 1亿美元) -> 5分\n    [1亿美元, ∞) -> 10分\n  }")
    # as many amounts as brackets, or no table: 三档 against two amounts is left to the researcher
    assert candidates("12", "12", "按注册资本500～1000万美元、1000万美元以上的标准分别给予1、2、5的加分。", 1) == []


def test_new_refuses_a_city_id_that_is_no_identifier_and_a_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(UNSEEN, encoding="utf-8")
    r = _new(tmp_path, "苏州", "--source", "t.txt")
    assert r.returncode == 2 and "is not a city id" in r.stderr and "Traceback" not in r.stderr
    r = _new(tmp_path, "suzhou", "--source", "t.txt", "--out", "nowhere/suzhou.policy")
    assert r.returncode == 2 and "no such folder" in r.stderr and "Traceback" not in r.stderr
    assert not list(tmp_path.rglob("*.policy")) and not (tmp_path / "sources").exists()


def test_thresholds_become_the_candidates_conditions() -> None:
    # 张家港 第5条: 对每个注册资本超500万美元以上的项目（领取工商营业执照并有30%以上首期资金到账）
    sentence = ("对每个注册资本超500万美元以上的项目（领取工商营业执照并有30%以上首期资金到账），按注册资本500～1000万美元、"
                "1000～3000万美元、3000万～1亿美元、1亿美元以上的标准，分别给予引荐单位0.5、1、1.5、2的加分。")
    assert conditions(sentence) == ["registered_capital >= 500万美元", "paid_in_ratio >= 30%"]
    (c,) = candidates("5", "5", sentence, 1)
    assert c.when == "registered_capital >= 500万美元 and paid_in_ratio >= 30%"
    # a tier's last bracket (1亿美元以上) is no threshold, nor is a target (实际利用外资160亿美元以上, 嘉兴 一(二))
    assert conditions("按注册资本1000～3000万美元、1亿美元以上的标准分别给予2、10的加分") == []
    assert conditions("“十四五”期间，全市实现实际利用外资160亿美元以上；") == []


def test_ceilings_given_respectively_and_points_become_candidates() -> None:
    # 无锡 (16): 对新认定的省级跨国公司地区总部…和功能性机构，分别给予最高600万元和200万元资金补助: two ceilings,
    # 600万元 (the HQ) first, as the text names them
    sentence = "对新认定的省级跨国公司地区总部（含事业部总部）和功能性机构，分别给予最高600万元和200万元资金补助。"
    assert [c.value for c in candidates("16", "(16)", sentence, 2)] == ["up to 600万元", "up to 200万元"]
    assert [c.id for c in candidates("16", "(16)", sentence, 2)] == ["draft_16_2_1", "draft_16_2_2"]
    # 张家港 第11条: 对引进上市公司总部企业的，每个加10分
    (c,) = candidates("11", "11", "对引进上市公司总部企业的，每个加10分；", 1)
    assert c.value == "10分"
    # 张家港 第11条: 对引进世界500强企业的，每个加5分: 500强 is a name, not a second figure
    (c,) = candidates("11", "11", "对引进世界500强企业的，每个加5分；", 2)
    assert c.value == "5分"


def test_a_candidate_names_the_bundled_clause_most_like_it() -> None:
    from compare.encode.similar import bundled_index, nearest

    index = bundled_index()
    # 无锡 (1) 对首次获评“专精特新”的企业给予最高50万元的一次性奖励 is encoded as specialized_sme_reward
    like = nearest(index, "对首次获评“专精特新”的企业给予最高50万元的一次性奖励。", "up to 50万元")
    assert like is not None and (like.policy, like.clause, like.concept) == (
        "wuxi_2023", "specialized_sme_reward", "reward.specialized_sme")
    # 张家港 第12条 对引进上市公司总部企业的，每个加10分: an intermediate clause, no concept of its own
    like = nearest(index, "对引进上市公司总部企业的，每个加10分；", "10分")
    assert like is not None and (like.clause, like.concept) == ("listed_company_hq_points", "")
    # a sentence that shares few words with any bundled quote has no pointer
    assert nearest(index, "对企业引进的高层次人才，给予最高30万元的安家补贴。", "up to 30万元") is None


def test_new_writes_the_pointer_beside_each_candidate(tmp_path: Path) -> None:
    r = _new(tmp_path, "wuxi", "--source", str(SOURCES / "wuxi_2023.txt"))
    assert r.returncode == 0, r.stderr
    draft = (tmp_path / "wuxi.policy").read_text(encoding="utf-8")
    assert "like wuxi_2023 specialized_sme_reward (concept reward.specialized_sme;" in draft
    _checked(tmp_path / "wuxi.policy")


def test_who_a_sentence_rewards_is_noted_where_the_record_holds_no_field_for_it() -> None:
    # 无锡 (1): 对首次获评“专精特新”的企业 — the built-in record has no 专精特新 field
    assert unheld("对首次获评“专精特新”的企业给予最高50万元的一次性奖励。") == "首次获评“专精特新”的企业"
    # 张家港 第5条: 对每个注册资本超500万美元以上的项目 — a threshold on a built-in field, written as a `when`
    assert unheld("对每个注册资本超500万美元以上的项目（领取工商营业执照并有30%以上首期资金到账），按…") is None


def test_a_sentence_whose_figures_all_name_something_is_unencoded() -> None:
    # 无锡 序言: 省委十四届四次全会和市委十四届五次全会 and “465”现代产业集群 are names; the covering notice's
    # 2023年9月28日 a date
    assert names_only("无锡市人民政府2023年9月28日（此件公开发布）认真落实省委十四届四次全会和市委十四届五次全会工作部署，"
                      "系统推动“465”现代产业集群发展实现高水平跃升。")
    # 太仓 通知: 已经市政府第46次常务会议审议通过 — the meeting's number
    assert names_only("已经市政府第46次常务会议审议通过。")
    # 无锡 (1): “专精特新” is a name, 50万元 an amount
    assert not names_only("对首次获评“专精特新”的企业给予最高50万元的一次性奖励。")
    # 嘉兴 一(二): 2024年 is a date, 32亿美元 and 35亿美元 targets
    assert not names_only("其中：2024年实际利用外资确保32亿美元，力争35亿美元；")


def test_utf16_with_its_mark_reads_and_a_pdf_or_word_file_is_named() -> None:
    text = "（一）对企业给予最高50万元奖励。"
    assert decode(text.encode("utf-16"), "x.txt") == text  # Python writes the mark
    with pytest.raises(SourceError, match=r"^x\.pdf:1:1: this is a PDF, not text; hint: "):
        decode(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "x.pdf")
    with pytest.raises(SourceError, match=r"^x\.docx:1:1: this is a Word or other office file"):
        decode(b"PK\x03\x04\x14\x00\x06\x00", "x.docx")


_LINES = ["一、总体要求", "（一）落户奖励。", "（二）对企业给予最高50 万\n元奖励。", "第3条 按到账外资的2%给予奖励，最高500万元。",
          "1．对新引进项目每个加5分；", "对“1+3”产业园企业给予100万元补贴。", "\"引号\"和\\反斜杠 #井号 给予10万元。",
          "2024年3月1日", "按注册资本500～1000万美元、1000万美元以上的标准，分别给予1、2的加分。", "（三）", "三、附则",
          "对新认定的总部和功能性机构，分别给予最高600万元和200万元资金补助。", "本办法自2024年4月1日起施行，有效期3年。",
          "", "   ", "……给予最高5‰奖励……", "对注册资本1亿美元以上、30%以上外资到账的项目给予最高1000万元奖励。"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_LINES), min_size=1, max_size=12))
def test_any_text_of_typical_lines_drafts_a_policy_that_checks_and_is_formatted(tmp_path: Path, lines: list[str]) -> None:
    text = "\n".join(lines)
    assume(text.strip() != "")  # an empty text is refused before drafting (see above)
    path = _draft_in(tmp_path, "fuzz", text)
    draft = path.read_text(encoding="utf-8")
    assert format_text(draft) == draft
    _checked(path)
