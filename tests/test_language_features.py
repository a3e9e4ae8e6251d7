"""Every language feature, each parsed from a real clause of the seed documents.

The assertions are on the AST's values (numbers, scales, units, edges, ids), which are
read off the Chinese text by hand; the article is named in each test.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from conftest import parse_items, parse_ok, source

from dsl import ast as A
from dsl.check import check_text, find_quote, fold
from dsl.load import Loader
from dsl.units import Dim


def test_document_metadata_taicang_header() -> None:
    # 太政发〔2020〕43号, issued 2020-07-06 by 太仓市人民政府 (the notice's signature).
    ast = parse_ok('''
policy taicang_2020 {
  city taicang "太仓"
  title "关于进一步完善招商引资工作机制的实施办法"
  docno "太政发〔2020〕43号"
  issuer "太仓市人民政府"
  issued 2020-07-06
  effective "自印发之日起"
  status in_force
  source "sources/taicang_2020.txt"
}''')
    h = ast.header
    assert h.id == "taicang_2020" and h.extends is None
    assert (h.get("city").value, h.get("city").label) == ("taicang", "太仓")  # type: ignore[union-attr]
    assert h.get("docno").value == "太政发〔2020〕43号"  # type: ignore[union-attr]
    issued = h.get("issued")
    assert issued is not None and issued.value == "2020-07-06" and issued.is_date
    assert h.get("effective").value == "自印发之日起" and not h.get("effective").is_date  # type: ignore[union-attr]
    assert h.get("status").value == "in_force"  # type: ignore[union-attr]
    assert h.get("source").value == "sources/taicang_2020.txt"  # type: ignore[union-attr]
    assert h.get("issuer").value == "太仓市人民政府"  # type: ignore[union-attr]


def test_clause_id_concept_beneficiary_article_quote_zhangjiagang_art5() -> None:
    (clause,) = parse_items('''
clause dept_referral_points "市级机关引荐项目加分" {
  concept points.referring_department
  beneficiary referring_department
  cite "第5条" "分别给予引荐单位 0.5、1、1.5、2 的加分"
  value 1分
}''')
    assert isinstance(clause, A.Clause)
    assert clause.id == "dept_referral_points" and clause.label == "市级机关引荐项目加分"
    assert clause.concept is not None and clause.concept.path == ("points", "referring_department")
    assert clause.beneficiary is not None and clause.beneficiary.dotted == "referring_department"
    assert clause.cites == (A.Cite("第5条", "分别给予引荐单位 0.5、1、1.5、2 的加分"),)
    # The quote is in the hard-wrapped source once whitespace is folded.
    assert find_quote(clause.cites[0].quote, fold(source("zhangjiagang_2017.txt")))[0]


def _value(body: str) -> A.Expr:
    (item,) = parse_items("clause c {\n  value " + body + "\n}")
    assert isinstance(item, A.Clause) and item.value is not None
    return item.value


def test_quantities_in_the_texts_notation() -> None:
    cases = {
        # text as written : (number, scale, unit, dimension, base value)
        "500万美元": (D(500), "万", "美元", Dim.USD, D(5_000_000)),        # 张家港 第5条 超500万美元
        "1.5亿元": (D("1.5"), "亿", "元", Dim.CNY, D(150_000_000)),
        "5‰": (D(5), "", "‰", Dim.RATIO, D("0.005")),                    # 无锡 (六) 5‰
        "30%": (D(30), "", "%", Dim.RATIO, D("0.30")),                   # 张家港 第5条 30%以上
        "100亩": (D(100), "", "亩", Dim.AREA, D(100)),                    # 嘉兴 二.7 连片100亩以上
        "1个月": (D(1), "", "个月", Dim.MONTHS, D(1)),                    # 嘉兴 二.3 1个月的排他性首谈资格
        "1周": (D(1), "", "周", Dim.DAYS, D(7)),                          # 嘉兴 二.3 提前一周
        "2年": (D(2), "", "年", Dim.MONTHS, D(24)),                       # 太仓 三(三) 连续两年
        "15人": (D(15), "", "人", Dim.COUNT, D(15)),                      # 太仓 一(二) 不少于15人
        "10分": (D(10), "", "分", Dim.POINTS, D(10)),                     # 张家港 第12条 每个加10分
        "3000 万美元": (D(3000), "万", "美元", Dim.USD, D(30_000_000)),  # spaced, as the PDF text is
    }
    for text, (number, scale, unit, dim, base) in cases.items():
        q = _value(text)
        assert isinstance(q, A.Quantity), text
        assert (q.number, q.scale, q.unit, q.dim, q.base_value) == (number, scale, unit, dim, base), text


def test_currency_code_form_equals_the_chinese_form() -> None:
    q = _value("USD 40000000")
    assert isinstance(q, A.Quantity) and q.dim == Dim.USD and q.base_value == D(40_000_000)
    assert q.base_value == _value("4000万美元").base_value  # type: ignore[union-attr]
    c = _value("CNY 2000000")
    assert isinstance(c, A.Quantity) and c.dim == Dim.CNY and c.base_value == D(2_000_000)


def test_tiers_with_explicit_edges_zhangjiagang_art12() -> None:
    # 第12条: 按注册资本1000～3000万美元、3000万～1亿美元、1亿美元以上 ... 2、5、10 的加分
    t = _value('''tiers registered_capital {
    [1000万美元, 3000万美元) -> 2分
    [3000万美元, 1亿美元)    -> 5分
    [1亿美元, ∞)             -> 10分
  }''')
    assert isinstance(t, A.Tiers) and t.subject.dotted == "registered_capital" and t.scale is None
    edges = [(r.low.base_value if isinstance(r.low, A.Quantity) else None,
              r.high.base_value if isinstance(r.high, A.Quantity) else "inf",
              r.low_closed, r.high_closed, r.value.base_value) for r in t.rows]  # type: ignore[union-attr]
    assert edges == [
        (D(10_000_000), D(30_000_000), True, False, D(2)),
        (D(30_000_000), D(100_000_000), True, False, D(5)),
        (D(100_000_000), "inf", True, False, D(10)),
    ]
    assert isinstance(t.rows[2].high, A.Infinity)


def test_inclusive_high_edge_and_exclusive_low_edge() -> None:
    # The alternative reading of "500～1000、1000～3000": each tier includes its upper edge.
    t = _value("tiers registered_capital {\n (500万美元, 1000万美元] -> 0.5分\n (1000万美元, 3000万美元] -> 1分\n }")
    assert isinstance(t, A.Tiers)
    assert [(r.low_closed, r.high_closed) for r in t.rows] == [(False, True), (False, True)]


def test_thresholds_scaled_by_a_condition_zhangjiagang_art12() -> None:
    # 第12条: 该项加分项目的投资规模条件对除“两区一园”外的乡镇减半实施
    t = _value("tiers registered_capital scaled 50% unless in_core_zone {\n [1000万美元, 3000万美元) -> 2分\n }")
    assert isinstance(t, A.Tiers) and t.scale is not None
    assert isinstance(t.scale.factor, A.Quantity) and t.scale.factor.base_value == D("0.5")
    assert t.scale.unless and t.scale.cond == A.Name(("in_core_zone",))


def test_rate_of_a_base_with_a_cap_wuxi_6() -> None:
    # 无锡 (六): 按项目实缴资金给予引荐中介机构5‰、最高200万元奖励
    v = _value("5‰ of paid_in_capital cap 200万元")
    assert isinstance(v, A.Binary) and v.op == "cap"
    rate = v.left
    assert isinstance(rate, A.Binary) and rate.op == "of"
    assert rate.left == A.Quantity(D(5), "", "‰") and rate.right == A.Name(("paid_in_capital",))
    assert isinstance(v.right, A.Quantity) and v.right.base_value == D(2_000_000) and v.right.dim == Dim.CNY


def test_up_to_ceiling_and_at_most_wuxi_16() -> None:
    # 无锡 (十六): 按实际到账外资比例给予最高2%、不超过5000万元奖励
    v = _value("up to 2% of fdi_arrived cap 5000万元")
    assert isinstance(v, A.Binary) and v.op == "cap"
    up = v.left
    assert isinstance(up, A.Unary) and up.op == "up_to"
    assert isinstance(up.operand, A.Binary) and up.operand.op == "of"
    assert up.operand.left == A.Quantity(D(2), "", "%")
    assert v.right == A.Quantity(D(5000), "万", "元")
    # 无锡 (十五): 不超过总基数25%
    most = _value("at most 25%")
    assert isinstance(most, A.Unary) and most.op == "at_most" and most.operand == A.Quantity(D(25), "", "%")


def test_floor_at_least_taicang_staffing() -> None:
    # 太仓 一(二): 港区、高新区各配备专职招商人员不少于15人
    (p,) = parse_items('param staffing.full_time_per_zone = at least 15人 {\n'
                       '  cite "一(二)" "港区、高新区各配备专职招商人员不少于15人"\n}')
    assert isinstance(p, A.Param) and p.id == "staffing.full_time_per_zone"
    assert p.value == A.Unary("at_least", A.Quantity(D(15), "", "人"))
    f = _value("x floor 1分")
    assert isinstance(f, A.Binary) and f.op == "floor"


def test_range_of_discretion_zhangjiagang_art13() -> None:
    # 第13条: 给予当年度项目到帐外资2～5‰的奖励
    v = _value("2‰~5‰ of fdi_arrived")
    assert isinstance(v, A.Binary) and v.op == "of"
    assert v.left == A.Range(A.Quantity(D(2), "", "‰"), A.Quantity(D(5), "", "‰"))
    assert _value("2‰～5‰") == A.Range(A.Quantity(D(2), "", "‰"), A.Quantity(D(5), "", "‰"))  # full-width tilde


def test_weight_ratio_param_zhangjiagang_art12() -> None:
    # 第12条: 考核权重比由1:1调整为1.5:1
    (p,) = parse_items('param assessment.fdi_weight_ratio = 1.5:1')
    assert isinstance(p, A.Param) and p.value == A.RatioLit((D("1.5"), D(1)))


def test_split_ratio_form_zhangjiagang_art13() -> None:
    # 第13条: 奖金由引荐单位与受荐单位按3:7的比例进行分配
    (s,) = parse_items('''split team_reward_split {
  cite "第13条" "奖金由引荐单位与受荐单位按3:7的比例进行分配"
  splits team_reward
  when referral in {municipal_dept, other_district}
  shares referrer, host = 3:7
}''')
    assert isinstance(s, A.Split) and s.ratio_form and s.splits == A.Name(("team_reward",))
    assert [(sh.name, sh.weight.base_value) for sh in s.shares] == [("referrer", D(3)), ("host", D(7))]  # type: ignore[union-attr]
    assert isinstance(s.when, A.InSet) and [n.dotted for n in s.when.container.items] == [  # type: ignore[union-attr]
        "municipal_dept", "other_district"]


def test_split_percent_form_and_a_70_percent_scale() -> None:
    (s,) = parse_items("split s {\n shares referrer = 30%, host = 70%\n}")
    assert isinstance(s, A.Split) and not s.ratio_form
    assert [sh.weight for sh in s.shares] == [A.Quantity(D(30), "", "%"), A.Quantity(D(70), "", "%")]
    # 第12条: 项目如由市级机关或其他区镇引荐的，受荐单位享受70%的加分
    v = _value("if referral in {municipal_dept, other_district} then 70% of host_items else host_items")
    assert isinstance(v, A.IfExpr) and v.then == A.Binary("of", A.Quantity(D(70), "", "%"), A.Name(("host_items",)))


def test_conditions_over_fields_and_categories_zhangjiagang_art12() -> None:
    # 第12条: 对引进世界500强企业的 ... 开工后并有30%以上外资到账的
    (c,) = parse_items('clause c {\n  when foreign and started and paid_in_ratio >= 30% and '
                       'fortune_global_500 in categories and not expansion and referral != intermediary\n  value 5分\n}')
    assert isinstance(c, A.Clause)
    atoms = []
    e = c.when
    while isinstance(e, A.Binary) and e.op == "and":
        atoms.append(e.right)
        e = e.left
    atoms.append(e)
    atoms.reverse()
    assert atoms[0] == A.Name(("foreign",)) and atoms[1] == A.Name(("started",))
    assert atoms[2] == A.Binary(">=", A.Name(("paid_in_ratio",)), A.Quantity(D(30), "", "%"))
    assert atoms[3] == A.InSet(A.Name(("fortune_global_500",)), A.Name(("categories",)), False)
    assert atoms[4] == A.Unary("not", A.Name(("expansion",)))
    assert atoms[5] == A.Binary("!=", A.Name(("referral",)), A.Name(("intermediary",)))


def test_combinators_max_sum_first_zhangjiagang_art12() -> None:
    # 第12条: 如项目出现以上加分项分值兼得的情况，取其中最高分值给予加分
    m = _value("max(listed_hq, fortune500, china500, major_project)")
    assert isinstance(m, A.Call) and m.func == "max"
    assert [a.dotted for a in m.args] == ["listed_hq", "fortune500", "china500", "major_project"]  # type: ignore[union-attr]
    assert _value("sum(a, b)") == A.Call("sum", (A.Name(("a",)), A.Name(("b",))))
    assert _value("first(a, b)") == A.Call("first", (A.Name(("a",)), A.Name(("b",))))


def test_target_with_committed_and_stretch_values_jiaxing() -> None:
    # 嘉兴 一(二): 2024年实际利用外资确保32亿美元，力争35亿美元
    (p,) = parse_items('param target.fdi_2024 "2024年实际利用外资" = committed 32亿美元 stretch 35亿美元')
    assert isinstance(p, A.Param) and isinstance(p.value, A.Target)
    assert p.value.committed == A.Quantity(D(32), "亿", "美元") and p.value.stretch == A.Quantity(D(35), "亿", "美元")
    assert p.label == "2024年实际利用外资"


def test_params_duration_land_quota() -> None:
    items = parse_items('''
param right.exclusive = 1个月
param land.contiguous_min = at least 100亩
param awards.quota.gold = at most 5个
param dismissal.failing_years = 2年
param staffing.total = about 100人
''')
    values = {i.id: i.value for i in items}  # type: ignore[union-attr]
    assert values["right.exclusive"] == A.Quantity(D(1), "", "个月")
    assert values["land.contiguous_min"] == A.Unary("at_least", A.Quantity(D(100), "", "亩"))
    assert values["awards.quota.gold"] == A.Unary("at_most", A.Quantity(D(5), "", "个"))
    assert values["dismissal.failing_years"].base_value == D(24)  # type: ignore[union-attr]
    assert values["staffing.total"] == A.Unary("about", A.Quantity(D(100), "", "人"))


def test_mechanism_with_attributes_taicang() -> None:
    # 太仓 一(一): 领导小组下设办公室，办公室设在市招商局
    (m,) = parse_items('''mechanism leading_group "招商引资工作领导小组" {
  cite "一(一)" "领导小组下设办公室，办公室设在市招商局"
  office = "市招商局"
  chaired_by_top_leaders = true
  members = [districts, departments]
  staff_bonus = up to 50%
}''')
    assert isinstance(m, A.Mechanism) and m.id == "leading_group"
    attrs = {a.name: a.value for a in m.attrs}
    assert attrs["office"] == A.Text("市招商局") and attrs["chaired_by_top_leaders"] == A.BoolLit(True)
    assert attrs["members"] == A.ListValue((A.Name(("districts",)), A.Name(("departments",))))
    assert attrs["staff_bonus"] == A.Unary("up_to", A.Quantity(D(50), "", "%"))


def test_reading_with_options_default_and_a_value_that_depends_on_it() -> None:
    items = parse_items('''
reading tier_edges "档位边界" {
  cite "第5条" "按注册资本500～1000万美元、1000～3000万美元"
  option lower_closed "含下限"
  option upper_closed "含上限"
  default lower_closed
  because "“以上”含本数"
}
clause c {
  value by reading tier_edges {
    lower_closed: 1分
    upper_closed: 0.5分
  }
}''')
    reading, clause = items
    assert isinstance(reading, A.Reading) and [o.id for o in reading.options] == ["lower_closed", "upper_closed"]
    assert reading.default == "lower_closed" and reading.because == "“以上”含本数"
    assert [o.label for o in reading.options] == ["含下限", "含上限"]
    assert isinstance(clause, A.Clause) and isinstance(clause.value, A.ByReading)
    assert [(c.option, c.value) for c in clause.value.cases] == [
        ("lower_closed", A.Quantity(D(1), "", "分")), ("upper_closed", A.Quantity(D("0.5"), "", "分"))]


def test_promise_without_a_figure_wuxi_2() -> None:
    # 无锡 (二): 对新引进的总部企业和功能性机构按有关规定予以奖励
    assert _value('promised "按有关规定"') == A.Promised("按有关规定")
    # 嘉兴 三(二): 按累计投资额的一定比例给予奖励
    v = _value('promised "一定比例" of total_investment')
    assert isinstance(v, A.Binary) and v.left == A.Promised("一定比例")


def test_unencoded_passage_with_reason() -> None:
    (u,) = parse_items('unencoded "结语" "本措施自发布之日起实施" because "a date of entry into force"')
    assert u == A.Unencoded("结语", "本措施自发布之日起实施", "a date of entry into force")


def test_comments_ascii_identifiers_unicode_labels() -> None:
    (c,) = parse_items('# 注释 in Chinese\nclause 引荐 { value 1分 }'.replace("引荐", "referral_points") +
                       '  # trailing comment')
    assert isinstance(c, A.Clause) and c.id == "referral_points"
    (c2,) = parse_items('clause c "标签可以是任何 Unicode：（）、“”" { value 1分 }')
    assert isinstance(c2, A.Clause) and c2.label == "标签可以是任何 Unicode：（）、“”"
    (c3,) = parse_items(r'clause c "says \"A+\"~\"F\"" { value 1分 }')
    assert isinstance(c3, A.Clause) and c3.label == 'says "A+"~"F"'


def test_extends_add_override_remove(tmp_path: Path) -> None:
    # 张家港 第12条: 考核权重比由1:1调整为1.5:1 — a base at 1:1 and a revision at 1.5:1.
    (tmp_path / "zjg_base.policy").write_text('''policy zjg_base {
  city zhangjiagang "张家港"
  status superseded
}
param assessment.fdi_weight_ratio = 1:1
clause old_rule { value 1分 }
clause kept { value 2分 }
''', encoding="utf-8")
    (tmp_path / "zjg_2017.policy").write_text('''policy zjg_2017 extends zjg_base {
  status in_force
}
override param assessment.fdi_weight_ratio = 1.5:1
remove clause old_rule
clause added { value 3分 }
''', encoding="utf-8")
    policy, diags = Loader().load(tmp_path / "zjg_2017.policy")
    assert policy is not None and not [d for d in diags if d.is_error], diags
    assert policy.params["assessment.fdi_weight_ratio"].value == A.RatioLit((D("1.5"), D(1)))
    assert set(policy.clauses) == {"kept", "added"}
    assert policy.meta["status"].value == "in_force" and policy.city == "zhangjiagang"
    assert policy.origin["clause:kept"].path.name == "zjg_base.policy"
    assert policy.origin["clause:added"].path.name == "zjg_2017.policy"


def test_checked_types_of_clause_values(taxonomy) -> None:  # type: ignore[no-untyped-def]
    text = '''policy t { city t "t" }
clause fdi_reward {
  concept reward.fdi
  cite "(16)" "按实际到账外资比例给予最高2%、不超过5000万元奖励"
  value up to 2% of fdi_arrived cap 5000万元
}
'''
    policy, diags = check_text(text, "t.policy", taxonomy)
    assert policy is not None
    assert [d.code for d in diags if d.is_error] == ["E110"]  # only the missing `source` in the header
    ty = policy.types["fdi_reward"]
    assert ty.dim == Dim.CNY and ty.interval  # the money field takes the cap's currency; "最高" is a range
