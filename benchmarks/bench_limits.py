"""No recursion or quadratic limits: figures for the inputs that used to hit them.

Each figure is a wall time (best of --repeat) and its ratio to the baseline measured in the same run
(the machines are noisy): checking a valid 1 MB policy.

- 1 MB with thousands of syntax errors: each error is recovered from by parsing on from the next
  item over a window of the text, so an error costs the text up to the next one (it used to
  re-parse and blank the whole prefix: 170 s for 5,721 errors);
- tier tables of 10,000 and 30,000 rows: parse, check, and the tier sweep alone (sorted once, a
  Fenwick tree for W701; it used to compare each row with every earlier one: 44 s for 30,000);
- deep nesting: an `and` chain of 10,000 conditions (walked as a list by every stage), items nested
  MAX_DEPTH levels deep (checked, formatted, compiled and evaluated), and 10,000-deep ones (refused
  with E111 at the first node past the limit).

    python benchmarks/bench_limits.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from timing import best_of  # noqa: E402

from compare.data.records import Record  # noqa: E402
from compare.data.validate import clean_records, columns  # noqa: E402
from compare.engine.evaluate import CompiledPolicy  # noqa: E402
from dsl import ast as A  # noqa: E402
from dsl.check import check_text  # noqa: E402
from dsl.check.driver import Checker  # noqa: E402
from dsl.format import format_text  # noqa: E402
from dsl.lark_parser import MAX_DEPTH  # noqa: E402
from dsl.parse import parse_text, parser  # noqa: E402

HEADER = 'policy bench {\n  city bench "测试"\n  source "bench.txt"\n}\n'
MB = 1 << 20
# Syntax errors of several kinds, each a clause's whole body.
BROKEN = ["  value (\n", "  when referral = intermediary\n  value 1分\n", "  value 500万港元\n", '  cite "第1条\n',
          "  value 1分 +\n", "  value tiers registered_capital { [1分 2分) -> 3分 }\n"]


def clause(i: int) -> str:
    return (f'clause c{i} "第{i}项" {{\n  cite "第{i}条" "注册资本0美元至1000万美元加1分、1000万美元以上加2分，到资30%以上"\n'
            f"  when foreign and started and paid_in_ratio >= 30%\n  value tiers registered_capital {{\n"
            f"    [0美元, 1000万美元) -> 1分\n    [1000万美元, ∞) -> 2分\n  }}\n}}\n")


def valid_file(size: int = MB) -> str:
    out, n, i = [HEADER], len(HEADER), 0
    while n < size:
        out.append(clause(i))
        n += len(out[-1].encode())
        i += 1
    return "".join(out)


def broken_file(size: int = MB) -> str:
    """Small clauses, every other one broken: about 5,700 syntax errors in 1 MB."""
    out, n, i = [HEADER], len(HEADER), 0
    while n < size:
        body = BROKEN[i // 2 % len(BROKEN)] if i % 2 else f'  cite "第{i}条" "加1分"\n  value 1分\n'
        out.append(f"clause c{i} {{\n{body}}}\n")
        n += len(out[-1].encode())
        i += 1
    return "".join(out)


def tier_file(rows: int) -> str:
    """One clause with a table of `rows` tiers.  No cite (one E502): the figures are not looked for in a quote."""
    body = "".join(f"    [{i}万美元, {i + 1}万美元) -> {i % 7}分\n" for i in range(rows))
    return HEADER + f"clause c {{\n  value tiers registered_capital {{\n{body}  }}\n}}\n"


def one_clause(value: str, when: str | None = None) -> str:
    cond = f"  when {when}\n" if when else ""
    return HEADER + f'clause c {{\n  cite "第1条" "加1分"\n{cond}  value {value}\n}}\n'


def codes(text: str) -> set[str]:
    return {d.code for d in check_text(text, "bench.policy")[1] if d.is_error}


def run_all_stages(text: str) -> None:
    """Check, format, compile and evaluate one project: what a deep but valid policy goes through."""
    policy, diags = check_text(text, "bench.policy")
    assert policy is not None and not [d for d in diags if d.is_error and d.code != "E503"], diags[:3]
    format_text(text, "bench.policy")
    batch = columns(clean_records([Record({"id": "p", "foreign": True, "started": True,
                                           "registered_capital": "2000万美元", "paid_in_ratio": 0.5}, 1)]))
    CompiledPolicy(policy).evaluate(batch, 7.0)


def checker_seconds(text: str, repeat: int) -> tuple[float, float]:
    """The checker on the parsed policy (every check), and the tier table's own sweep (gaps, overlaps,
    order, shadowing) on its rows."""
    from dsl.load import merge
    from dsl.model import PolicyFileInfo

    ast, diags = parse_text(text, "bench.policy")
    assert ast is not None

    def check() -> None:
        Checker(merge([PolicyFileInfo(Path("bench.policy"), text, ast)], list(diags)), None).run()

    policy = merge([PolicyFileInfo(Path("bench.policy"), text, ast)], list(diags))
    checker = Checker(policy, None)
    clause_ = policy.clauses["c"]
    assert isinstance(clause_.value, A.Tiers)
    rows = [(r.low.base_value, r.low_closed, r.high.base_value, r.high_closed, r)  # type: ignore[union-attr]
            for r in clause_.value.rows]
    return best_of(check, repeat), best_of(lambda: checker._tier_table(rows), repeat)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    r = args.repeat
    parser()  # built (or loaded from Lark's cache) once, like the CLI

    valid = valid_file()
    assert not codes(valid)
    base = best_of(lambda: check_text(valid, "bench.policy"), r)
    rows: list[tuple[str, float, str]] = [("valid 1 MB policy: check (baseline)", base, f"{len(valid.encode())} bytes")]

    broken = broken_file()
    n_errors = sum(1 for d in check_text(broken, "bench.policy")[1] if d.code.startswith("E1"))
    rows.append(("1 MB with syntax errors: check", best_of(lambda: check_text(broken, "bench.policy"), r),
                 f"{n_errors} syntax errors"))

    for n in (10_000, 30_000):
        text = tier_file(n)
        rows.append((f"{n} tier rows: parse", best_of(lambda t=text: parse_text(t, "bench.policy"), r),  # type: ignore[misc]
                     f"{len(text.encode())} bytes"))
        check, sweep = checker_seconds(text, r)
        rows.append((f"{n} tier rows: the checker (every check)", check, ""))
        rows.append((f"{n} tier rows: the tier sweep alone", sweep, "E400-E403, W701"))

    chain = one_clause("1分", " and ".join(["foreign"] * 10_000))
    rows.append(("`and` chain of 10,000: check+fmt+eval", best_of(lambda: run_all_stages(chain), r), "flat: any length"))
    deep = MAX_DEPTH  # each construct is a level; figures, names and the statement are not
    for name, value, when in [
        ("unary -", "- " * deep + "1分", None),
        ("not", "1分", "not " * deep + "foreign"),
        ("max(", "max(" * deep + "1分" + ")" * deep, None),
        ("if", "if foreign then " * deep + "1分" + " else 2分" * deep, None),
        ("tiers", "tiers registered_capital { [0美元, ∞) -> " * deep + "1分" + " }" * deep, None),
    ]:
        text = one_clause(value, when)
        assert "E111" not in codes(text), name
        rows.append((f"{name} nested {deep} deep: check+fmt+eval", best_of(lambda t=text: run_all_stages(t), r),  # type: ignore[misc]
                     "within MAX_DEPTH"))
    for name, value in [("max(", "max(" * 10_000 + "1分" + ")" * 10_000),
                        ("if", "if foreign then " * 10_000 + "1分" + " else 2分" * 10_000)]:
        text = one_clause(value)
        assert "E111" in codes(text), name
        rows.append((f"{name} nested 10,000 deep: check", best_of(lambda t=text: check_text(t, "bench.policy"), r),
                     "refused: E111"))

    width = max(len(name) for name, _, _ in rows)
    print(f"MAX_DEPTH = {MAX_DEPTH}; best of {r}; ratio = time / valid 1 MB check")
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:8.3f} s  {seconds / base:7.3f}x  {note}")


if __name__ == "__main__":
    main()
