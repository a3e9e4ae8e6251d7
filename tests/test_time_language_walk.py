"""What a clause's time statements read is read by the clause: the checker (no false W706), the impact
graph, the readings a clause depends on and the fields a concept's value may depend on."""

from __future__ import annotations

from compare.engine.assumed import fields_read
from compare.engine.evaluate import CompiledPolicy
from compare.engine.graph import build_graph
from compare.engine.reading_deps import ReadingDeps
from dsl.check import check_text
from dsl.model import Policy
from dsl.walk import clause_exprs

QUOTE = "按到账外资的2%奖励，单个企业累计最高300万元；10年内迁离的，收回奖励；每年评选不超过20个项目"

TEXT = f'''policy t {{
  city t "测试"
  source "x.txt"
}}
field relocated "迁离本市" {{ type bool }}
field score "评审得分" {{ type count 个 }}
reading ranking "排序依据" {{
  cite "第五条" "每年评选不超过20个项目"
  option by_score "按评审得分"
  option by_quality "按项目质量评分"
  default by_score
  because "文件未明确"
}}
clause fdi_reward "外资到账奖励" {{
  concept reward.fdi
  cite "第五条" "{QUOTE}"
  value 2% of cny(fdi_arrived)
  clawback when relocated within 10年
  winners 20 by by reading ranking {{ by_score: score  by_quality: quality_score }}
}}
'''


def policy() -> Policy:
    p, diags = check_text(TEXT, "t.policy", None, source_text=QUOTE)
    assert p is not None
    assert not [d for d in diags if d.is_error and d.code != "E209"], [(d.code, d.message) for d in diags]
    assert not [d for d in diags if d.code == "W706"], "relocated and score are read by the time statements"
    return p


def test_clause_exprs_has_the_time_statements_expressions() -> None:
    c = policy().clauses["fdi_reward"]
    assert c.timing is not None
    assert clause_exprs(c) == [c.value, c.timing.clawback.when, c.timing.winners.count,  # type: ignore[union-attr]
                               c.timing.winners.by]  # type: ignore[union-attr]


def test_the_impact_graph_has_what_a_clawback_reads() -> None:
    g = build_graph(policy())
    assert g.has_edge("field:relocated", "clause:fdi_reward")
    assert g.has_edge("field:score", "clause:fdi_reward")


def test_a_reading_in_a_ranking_is_one_the_clause_depends_on() -> None:
    deps = ReadingDeps(policy())
    deps.add_clause("fdi_reward")
    assert deps.clauses["fdi_reward"] == frozenset({"ranking"})


def test_the_fields_a_concept_may_depend_on_include_the_clawback_field() -> None:
    got = fields_read(CompiledPolicy(policy()))["reward.fdi"]
    assert {"relocated", "fdi_arrived", "score"} <= got


def test_explain_lists_the_fields_a_clawback_and_a_ranking_read() -> None:
    from compare.data.read import from_dicts
    from compare.engine.explain import explain

    cp = CompiledPolicy(policy())
    batch = from_dicts([{"id": "p1", "fdi_arrived": "100万元", "relocated": False, "score": 3}], record=cp.policy.record)
    (step,) = [s for s in explain(cp, batch, "p1", 7.0).steps if s.id == "fdi_reward"]
    read = {x.split(" = ")[0] for x in step.inputs}  # `relocated = false`
    assert {"relocated", "score", "fdi_arrived"} <= read
