"""A concept may be fed by any number of clauses, and a clause may have any number of conditional
beneficiaries: `check` sets no limit, so evaluation, explanation and the semantic diff have none either
(the engine's indices of the deciding clause and rule were int8, and overflowed at 128).

The policies are built here: clause k (k = 1 … N) gives 1分 to points.host_district where the registered
capital is exactly k万元, so a project of N万元 is decided by clause N alone; clause N's beneficiary is
`referring_department`, every other clause's `host_district`.  By the rules of docs/evaluation.md
("Beneficiaries"), that project gets 1分 and the beneficiary referring_department; a project of 1万元
gets 1分 for host_district.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import POLICIES

from compare.data.records import Record
from compare.data.validate import clean_records, columns
from compare.diff.semantic import MORE, semantic_diff
from compare.engine.beneficiary import PLAIN, BeneficiaryRules, choose_beneficiaries
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain import explain
from compare.engine.values import Env, exact
from dsl.check import check_text
from dsl.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]
HEADER = 'policy many {\n  city many "多"\n  source "s.txt"\n}\n'


def clauses(n: int, last_value: str = "1分") -> str:
    out = [HEADER]
    for k in range(1, n + 1):
        who = "referring_department" if k == n else "host_district"
        out.append(f'clause c{k} {{\n  concept points.host_district\n  beneficiary {who}\n  cite "第1条" "加分"\n'
                   f"  when registered_capital == {k}万元\n  value {last_value if k == n else '1分'}\n}}\n")
    return "".join(out)


def conditional_rules(n: int) -> str:
    """One clause, firing from 1万元, with n conditional beneficiaries: rule k holds where the capital is
    k万元; where none holds, the taxonomy's beneficiary of points.host_district (host_district)."""
    rules = "".join(f"  beneficiary {'referring_department' if k == n else 'host_district'} "
                    f"if registered_capital == {k}万元\n" for k in range(1, n + 1))
    return (HEADER + 'clause c {\n  concept points.host_district\n' + rules + '  cite "第1条" "加分"\n'
            "  when registered_capital >= 1万元\n  value 1分\n}\n")


def compiled(text: str) -> CompiledPolicy:
    policy, diags = check_text(text, "many.policy", TAXONOMY, "加分")
    errors = [(d.code, d.message) for d in diags if d.is_error and d.code != "E503"]  # no figure is quoted
    assert policy is not None and not errors, errors
    return CompiledPolicy(policy)


def batch(capitals_wan: list[int]) -> Any:
    return columns(clean_records([Record({"id": f"p{w}", "registered_capital": f"{w}万元"}, i + 1)
                                  for i, w in enumerate(capitals_wan)]))


@pytest.mark.parametrize("n", [129, 300])
@pytest.mark.parametrize("build", [clauses, conditional_rules], ids=["clauses", "conditional_rules"])
def test_past_128_contributors_evaluate_explain_and_diff(n: int, build: Any) -> None:
    cp = compiled(build(n))
    b = batch([1, n, n + 1])
    out = cp.evaluate(b, 7.0)
    # N+1万元: no clause of `clauses` fires; the one clause of `conditional_rules` does (>= 1万元)
    assert [out.value("points.host_district", i) for i in range(3)] == [1.0, 1.0, 0.0 if build is clauses else 1.0]
    assert out.beneficiary("points.host_district", 0) == "host_district"
    assert out.beneficiary("points.host_district", 1) == "referring_department"
    assert "referring_department" in explain(cp, b, f"p{n}", 7.0).render()
    if build is clauses:  # clause N pays 2分 in the revision: more generous, for the N万元 project alone
        d = semantic_diff(cp, compiled(clauses(n, "2分")), fx=7.0)
        (cd,) = d.concepts
        assert cd.verdict == MORE and d.unreproduced == []


def test_the_deciding_contributor_is_found_among_40000() -> None:
    """choose_beneficiaries over 40,000 contributors (past int16's 32,767): the first that fired decides;
    where none fired, the first."""
    n, rows = 40_000, 3
    rules = [BeneficiaryRules(f"clause:c{k}", [], "host_district" if k < n - 1 else "referring_department", None)
             for k in range(n)]
    fired = {r.source: np.zeros(rows, dtype=bool) for r in rules}
    fired[f"clause:c{n - 1}"] = np.array([True, False, False])
    fired["clause:c40"] = np.array([False, True, False])
    env = Env(batch([1, 2, 3]), 7.0, {})
    choice = choose_beneficiaries(rules, fired, env)
    assert [choice.name(i) for i in range(rows)] == ["referring_department", "host_district", "host_district"]
    assert [choice.at(i)[0].source for i in range(rows)] == [f"clause:c{n - 1}", "clause:c40", "clause:c0"]
    assert choice.at(0)[1] == PLAIN


def test_the_deciding_rule_is_found_among_40000() -> None:
    n = 40_000
    holds = [np.array([False, False]) for _ in range(n)]
    holds[n - 1] = np.array([True, False])
    conditional: list[Any] = [(None, (lambda env, h=h: exact(h))) for h in holds]
    rules = BeneficiaryRules("clause:c", conditional, None, "host_district")
    assert rules.choose(Env(batch([1, 2]), 7.0, {})).tolist() == [n - 1, -2]  # rule 39999; else the taxonomy's
