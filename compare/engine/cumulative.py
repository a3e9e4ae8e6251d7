"""`cumulative(x)` in the compiler: x added up over the project's years so far.

compare.engine.year_inputs fills the column `cumulative(x)` for the year runner (a money field: the
amounts given in yuan and in dollars, `cumulative(x)#cny` and `cumulative(x)#usd`, each to the fen);
read here on the float path, and on the exact path (compare.engine.money) as two columns of whole fen
each times its exact rate.  A batch without the column is one year alone, where `cumulative(x)` is x.
"""

from __future__ import annotations

from compare.engine.exact import ONE, Lin, Term
from compare.engine.money import LinFn, MoneyCompiler
from compare.engine.values import Env, Fn, Val, exact
from dsl import ast as A
from dsl.units import Dim


class CumulativeCompiler(MoneyCompiler):
    """Mixed into compare.engine.compile.Compiler."""

    def cumulative(self, e: A.Call, want: Dim | None) -> Fn:
        """`cumulative(x)`: the column compare.engine.years fills with x summed over the project's years
        so far (a money field: its amounts given in yuan and in dollars, `#cny` and `#usd`, converted
        here at the run's rate); a batch without it is one year alone, where it is x."""
        arg = e.args[0]
        col = f"cumulative({arg.dotted})" if isinstance(arg, A.Name) else ""
        field_fn = self.c(arg, want)
        if isinstance(arg, A.Name) and self.is_field(arg) and self.p.record.fields[arg.dotted].dim == Dim.MONEY:
            to_usd = want == Dim.USD

            def money(env: Env) -> Val:
                cols = env.batch.columns
                if f"{col}#cny" not in cols:
                    return field_fn(env)
                key = (col, Dim.USD if to_usd else Dim.CNY)
                if key not in env.cache:
                    cny, usd = cols[f"{col}#cny"], cols[f"{col}#usd"]
                    env.cache[key] = usd + cny / env.fx if to_usd else cny + usd * env.fx
                return exact(env.cache[key])
            return money

        def plain(env: Env) -> Val:
            got = env.batch.columns.get(col)
            return field_fn(env) if got is None else exact(got)
        return plain

    def lin_cumulative(self, e: A.Call, view: Dim) -> LinFn | None:
        """`cumulative(x)` of a money field: the amounts given in yuan (`#cny`) and in dollars (`#usd`)
        over the project's years so far, two columns of whole fen, each times its exact rate; the field
        itself where the batch is one year alone (no such columns)."""
        arg = e.args[0] if e.args else None
        if not isinstance(arg, A.Name):
            return None
        own = self._lin_name(arg, view)
        if own is None:
            return None
        col = f"cumulative({arg.dotted})"

        def cumulative(env: Env) -> tuple[Lin, Lin]:
            b = env.batch
            if f"{col}#cny" not in b.columns:
                return own(env)
            k_cny, k_usd = (ONE, env.rate) if view == Dim.CNY else (ONE / env.rate, ONE)
            x = Lin((Term(b.fen(f"{col}#cny"), None, (k_cny, k_cny), None, b.fen_bound(f"{col}#cny")),
                     Term(b.fen(f"{col}#usd"), None, (k_usd, k_usd), None, b.fen_bound(f"{col}#usd"))))
            return x, x
        return cumulative
