"""Sampled portfolios: `portfolio.sample` of a scenario drawn as ProjectBatch columns, chunk by chunk.

A chunk k of a stream seeded `seed` is drawn from `SeedSequence([seed, k])`, so it is the same on any
machine and any worker, whether drawn alone or in a stream.  Under that root each part of the record
(the currency, each money field, each flag, each category …) draws from its own child sequence, keyed
by the part's name: changing the grade mix leaves the registered capitals as they were (common random
numbers between scenarios).  A sampled batch has exactly the columns, dtypes and `#given` columns of a
batch read from a file: fields the spec does not mention take the schema's default, not given, as
where a file lacks the column; `paid_in_capital` is derived (registered capital × paid-in ratio) as
the reader derives it unless the spec samples it; a field the spec does not sample takes what the
sampled ones imply (compare.engine.implied: a sampled `started` implies `licensed` where the spec does
not sample `licensed`), as the reader gives it.  Flags the spec samples are drawn independently, as
given: a spec that samples both `started` and `licensed` may draw a started project without a licence.

Money: each project's currency is drawn once from the currency mix and all its sampled money fields
are in it; a median (or a table's amount) in the other currency is converted at the sampling rate
`fx` (USD→CNY).  Amounts are rounded to the fen and kept within 10万亿, as the reader requires.  How
each money field is drawn (a lognormal, bounded or not; uniform between two amounts; a table; a
share of another field) is compare.simulate.money_spec's.

Over years (compare.simulate.portfolio_years), `sample(…, year=Y, yearly=…)` draws the parts named
in `yearly` from that year's own stream (`money.fdi_arrived@2026`) and every other part as in any year.

The record is the run's (dsl.check.record.run_record of its policies): the categories and referral
values the policies declare are drawn like the built-in ones, and the fields they declare are drawn
from `fields` (compare.simulate.sample_fields) or take their default.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data import cells
from compare.data.vector import _default_paid_in
from compare.engine.batch import CNY, USD, ProjectBatch
from compare.engine.implied import imply
from compare.simulate import money_spec as ms
from compare.simulate import sample_fields
from compare.simulate.amounts import spec_frequencies, spec_keys, spec_number, spec_ratio, table_amounts
from dsl.record import CORE, Record
from dsl.schema import FIELDS, GRADES
from dsl.units import Dim

MONEY = tuple(n for n, f in FIELDS.items() if f.dim == Dim.MONEY)
FLAGS = tuple(n for n, f in FIELDS.items() if f.dim == Dim.BOOL)
KEYS = ("size", "currency", "money", "ratios", "flags", "categories", "referral", "grade", "quality_score",
        "correlations", "fields")
_CURRENCIES = {"CNY": CNY, "USD": USD}


def _where(context: str, message: str) -> ValueError:
    return ValueError(f"{context}: {message}")


def _cumulative(p: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(p)
    cdf[-1] = np.inf  # a uniform draw below 1 always lands in a choice (no rounding gap at the end)
    return cdf


class Portfolio:
    """A validated `portfolio.sample` spec, its tables read once: draw chunks with `sample`/`stream`.

    `folder`: where the spec's table paths are relative to (the scenario's folder; default the working
    directory).  `fx`: the sampling rate USD→CNY, needed where an amount is converted to the other
    currency (ValueError when it is needed and missing).  `record`: the run's project record."""

    def __init__(self, spec: Mapping[str, Any], folder: Path | None = None, fx: float | None = None,
                 record: Record = CORE):
        self.folder = folder if folder is not None else Path.cwd()
        self.record = record
        if fx is not None and not (isinstance(fx, (int, float)) and 0 < fx < float("inf")):
            raise ValueError(f"fx: the sampling rate USD→CNY is a number > 0, got `{fx!r}`")
        self.fx = None if fx is None else float(fx)
        try:
            self._read(spec_keys("", spec, KEYS))
        except ValueError as e:  # every message names its place in the spec
            raise ValueError("portfolio.sample" + ("" if str(e).startswith(":") else ".") + str(e)) from None

    def _read(self, spec: Mapping[str, Any]) -> None:
        self.money: dict[str, ms.Money] = {}
        for name, entry in spec_keys("money", spec.get("money", {}), MONEY).items():
            self.money[name] = self._money(name, entry)
        self.order = self._order()
        self.lognormal = tuple(n for n in MONEY if isinstance(self.money.get(n), ms.Lognormal))
        self.cholesky = self._correlations(spec.get("correlations", []))
        self.p_usd = self._currency(spec.get("currency"))
        self.fields = sample_fields.read_fields(spec.get("fields", {}), self.record, complete=True)
        self._check_fx()
        ratios = spec_keys("ratios", spec.get("ratios", {}), ("paid_in_ratio",))
        self.paid_in_ratio = self._distribution("ratios.paid_in_ratio", ratios["paid_in_ratio"], ("uniform", "beta"),
                                                ratio=True) if "paid_in_ratio" in ratios else None
        flags = spec_keys("flags", spec.get("flags", {}), FLAGS)
        self.flags = {n: spec_ratio(f"flags.{n}", flags[n]) for n in FLAGS if n in flags}
        self.has_categories = "categories" in spec
        categories, referrals = self.record.categories, self.record.choices("referral")
        cats = spec_keys("categories", spec.get("categories", {}), categories)
        self.categories = {c: spec_ratio(f"categories.{c}", cats[c]) for c in categories if c in cats}
        self.referral = spec_frequencies("referral", spec["referral"], referrals) if "referral" in spec else None
        self.grade = spec_frequencies("grade", spec["grade"], GRADES, upper=True) if "grade" in spec else None
        self.quality = (self._distribution("quality_score", spec["quality_score"], ("uniform",), ratio=False)
                        if "quality_score" in spec else None)

    # ------------------------------------------------------------ the spec, checked

    def _money(self, name: str, entry: Any) -> ms.Money:
        return ms.read_money(f"money.{name}", entry, MONEY, lambda path, column: self._table(name, Path(path), column))

    def _table(self, name: str, path: Path, column: str) -> ms.Table:
        try:
            amounts, currency = table_amounts(path if path.is_absolute() else self.folder / path, column, name)
        except ValueError as e:
            raise _where(f"money.{name}.table", str(e)) from None
        return ms.Table(amounts, currency)

    def _order(self) -> tuple[str, ...]:
        """The sampled money fields, each after the field it is a share of."""
        done: list[str] = []

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in done:
                return
            if name in path:
                raise _where(f"money.{name}.share_of", "shares go round in a circle: " + " → ".join((*path, name)))
            entry = self.money[name]
            if isinstance(entry, ms.Share):
                if entry.of not in self.money and entry.of != "paid_in_capital":
                    raise _where(f"money.{name}.share_of", f"`{entry.of}` is not sampled: give it under `money`")
                if entry.of in self.money:
                    visit(entry.of, (*path, name))
                elif "registered_capital" in self.money:  # the derived paid-in capital reads it
                    visit("registered_capital", (*path, name))
            done.append(name)

        for n in MONEY:
            if n in self.money:
                visit(n, ())
        return tuple(done)

    def _correlations(self, spec: Any) -> np.ndarray | None:
        if not isinstance(spec, Sequence) or isinstance(spec, str):
            raise _where("correlations", "a list of {fields: [A, B], rho: R}")
        k = len(self.lognormal)
        corr = np.eye(k)
        pairs: dict[tuple[int, int], str] = {}
        for j, entry in enumerate(spec):
            context = f"correlations[{j + 1}]"
            entry = spec_keys(context, entry, ("fields", "rho"))
            fields = entry.get("fields")
            if not isinstance(fields, Sequence) or isinstance(fields, str) or len(fields) != 2 or "rho" not in entry:
                raise _where(context, "give {fields: [A, B], rho: R} for two lognormal money fields")
            a, b = (str(f) for f in fields)
            for f in (a, b):
                if f not in self.lognormal:
                    raise _where(context, f"`{f}` is not a lognormal money field of the portfolio"
                                 + (f" (lognormal: {', '.join(self.lognormal)})" if self.lognormal else ""))
            if a == b:
                raise _where(context, f"`{a}` is correlated with itself")
            ia, ib = sorted((self.lognormal.index(a), self.lognormal.index(b)))
            if (ia, ib) in pairs:
                raise _where(context, f"the pair {a}, {b} is given twice")
            rho = spec_number(f"{context}.rho", entry["rho"], -1.0, 1.0)
            corr[ia, ib] = corr[ib, ia] = rho
            pairs[(ia, ib)] = f"{self.lognormal[ia]}–{self.lognormal[ib]} (rho {rho:g})"
        if not pairs:
            return None
        try:
            return np.linalg.cholesky(corr)
        except np.linalg.LinAlgError:
            pass
        for size in range(2, k + 1):  # the smallest set of fields whose correlations contradict each other
            for group in combinations(range(k), size):
                sub = corr[np.ix_(group, group)]
                if np.linalg.eigvalsh(sub).min() <= 1e-12:
                    named = [pairs[p] for p in combinations(group, 2) if p in pairs]
                    raise _where("correlations", "the correlations " + ", ".join(named) + " are not positive "
                                 "definite (contradict each other" + (", or rho is ±1" if size == 2 else "")
                                 + "): weaken them")
        raise _where("correlations", "the correlation matrix is not positive definite")  # pragma: no cover

    def _currency(self, spec: Any) -> float:
        if spec is None:  # one currency: the first lognormal median's, or the first table's if it has one
            for n in MONEY:
                entry = self.money.get(n)
                if isinstance(entry, (ms.Lognormal, ms.Uniform)):
                    return float(entry.currency == USD)
                if isinstance(entry, ms.Table) and (entry.currency == entry.currency[0]).all():
                    return float(entry.currency[0] == USD)
            return 0.0
        p = spec_frequencies("currency", spec, tuple(_CURRENCIES), upper=True)
        return float(p[list(_CURRENCIES).index("USD")])

    def _check_fx(self) -> None:
        if self.fx is not None:
            return
        project = {c for c, p in ((USD, self.p_usd), (CNY, 1.0 - self.p_usd)) if p > 0}
        for name, entry in self.money.items():
            own = ms.own_currencies(entry)
            if own and len(own | project) > 1:
                raise _where(f"money.{name}", "amounts are converted between USD and CNY here: pass fx")
        for d in self.fields.values():
            if d.type == "money" and d.high > 0 and project != {d.currency}:
                raise _where(f"fields.{d.name}", "amounts are converted between USD and CNY here: pass fx")

    def _distribution(self, context: str, spec: Any, kinds: Sequence[str], ratio: bool) -> tuple[str, float, float]:
        def value(c: str, v: Any) -> float:
            return spec_ratio(c, v) if ratio else spec_number(c, v, 0.0, 100.0)

        if not isinstance(spec, Mapping):
            x = value(context, spec)
            return ("fixed", x, x)
        spec = spec_keys(context, spec, kinds)
        if len(spec) != 1:
            raise _where(context, "give one of " + ", ".join(kinds) + " or a number")
        kind, params = next(iter(spec.items()))
        if kind == "uniform":
            p = spec_keys(f"{context}.uniform", params, ("low", "high"))
            low, high = value(f"{context}.uniform.low", p.get("low", 0)), value(f"{context}.uniform.high",
                                                                             p.get("high", 1 if ratio else 100))
            if low > high:
                raise _where(f"{context}.uniform", "low is above high")
            return ("uniform", low, high)
        p = spec_keys(f"{context}.beta", params, ("a", "b"))
        a, b = (spec_number(f"{context}.beta.{k}", p.get(k), 0.0) for k in ("a", "b"))
        if a <= 0 or b <= 0:
            raise _where(f"{context}.beta", "a and b are above 0")
        return ("beta", a, b)

    # ------------------------------------------------------------ drawing

    def sample(self, size: int, seed: int, chunk: int = 0, year: int | None = None,
               yearly: frozenset[str] = frozenset()) -> ProjectBatch:
        """Chunk `chunk` of the stream seeded `seed`: `size` projects, ids `s{chunk}-{i}`.  With `year`,
        the parts named in `yearly` (`money.fdi_arrived`, `flags.started`, `fields.NAME`) draw that
        year's own numbers; the others draw what they draw in any year (compare.simulate.portfolio_years)."""
        for what, v in (("size", size), ("seed", seed), ("chunk", chunk)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"{what} is an integer >= 0, got `{v!r}`")
        n = int(size)
        root = np.random.SeedSequence([int(seed), int(chunk)])

        def rng(part: str) -> np.random.Generator:
            key = f"{part}@{year}" if year is not None and part in yearly else part
            return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(zlib.crc32(key.encode()),)))

        def const(value: bool) -> np.ndarray:  # zeros are calloc'd: no memory until written
            return np.ones(n, dtype=bool) if value else np.zeros(n, dtype=bool)

        ids = _ids(int(chunk), n)  # first: 10⁶ small objects below the arrays' churn
        out: dict[str, np.ndarray] = {}
        usd = rng("currency").random(n) < self.p_usd if 0 < self.p_usd < 1 else const(self.p_usd == 1)
        ratio = self._draw(rng("paid_in_ratio"), self.paid_in_ratio, n) if self.paid_in_ratio else np.zeros(n)
        sampled = self._amounts(rng, usd, ratio, n)
        for name, f in self.record.fields.items():
            if name == "id":
                continue
            if name in self.fields:
                out.update(sample_fields.draw(self.fields[name], self.record, rng(f"fields.{name}"), n, usd,
                                              self._to_fen))
            elif self.record.is_declared(name):
                out.update(sample_fields.defaults(name, self.record, n))
            elif f.dim == Dim.MONEY:
                given = name in sampled
                out[name] = sampled.pop(name) if given else np.zeros(n)
                out[f"{name}#cur"] = usd.astype(np.int8) if given else np.zeros(n, dtype=np.int8)
                out[f"{name}#given"] = const(given)
            elif name == "paid_in_ratio":
                out[name], out[f"{name}#given"] = ratio, const(self.paid_in_ratio is not None)
            elif f.dim == Dim.BOOL:
                given = name in self.flags
                out[name] = rng(f"flags.{name}").random(n) < self.flags[name] if given else const(bool(f.default))
                out[f"{name}#given"] = const(given)
            elif f.dim == Dim.SET:
                for c in self.record.categories:
                    p = self.categories.get(c)
                    out[f"categories.{c}"] = rng(f"categories.{c}").random(n) < p if p else const(False)
                out["categories#given"] = const(self.has_categories)
            elif name in ("referral", "grade"):
                freq = self.referral if name == "referral" else self.grade
                if freq is None:
                    default = self.record.choices("referral").index("none") if name == "referral" else -1
                    out[name], out[f"{name}#given"] = np.full(n, default, dtype=np.int8), const(False)
                else:
                    codes = np.searchsorted(_cumulative(freq), rng(name).random(n), side="right")
                    out[name], out[f"{name}#given"] = codes.astype(np.int8), const(True)
            elif name == "quality_score" and self.quality is not None:
                out[name], out[f"{name}#given"] = self._draw(rng(name), self.quality, n), const(True)
            elif f.dim == Dim.SCALAR:  # quality_score unknown, year: not given; year_of_life: its default, 1
                scalar = float(f.default) if isinstance(f.default, (int, float)) else np.nan
                out[name], out[f"{name}#given"] = np.full(n, scalar), const(False)
            else:  # text: industry
                out[name], out[f"{name}#given"] = np.full(n, f.default or "", dtype=object), const(False)
        if "paid_in_capital" not in self.money:  # derived, as the reader derives it
            out["paid_in_capital"] = _paid_in(out["registered_capital"], ratio)
            out["paid_in_capital#cur"] = out["registered_capital#cur"].copy()
        return sample_fields.batch(ids, imply(out, n), self.record)  # what the sampled fields imply, as the reader does

    def stream(self, size: int, seed: int, chunk_size: int = 1_000_000) -> Iterator[ProjectBatch]:
        """`size` projects in chunks of at most `chunk_size`: chunk k is `sample(·, seed, k)`."""
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise ValueError(f"chunk_size is an integer >= 1, got `{chunk_size!r}`")
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
            raise ValueError(f"size is an integer >= 0, got `{size!r}`")
        for k, start in enumerate(range(0, int(size), int(chunk_size))):
            yield self.sample(min(int(chunk_size), int(size) - start), seed, k)

    @staticmethod
    def _draw(rng: np.random.Generator, dist: tuple[str, float, float], n: int) -> np.ndarray:
        kind, a, b = dist
        if kind == "fixed":
            return np.full(n, a)
        if kind == "uniform":
            return rng.uniform(a, b, n)
        return rng.beta(a, b, n)

    def _to_fen(self, amount: np.ndarray, have_usd: np.ndarray | bool, usd: np.ndarray) -> np.ndarray:
        """`amount` (in USD where `have_usd`, else CNY) in each project's currency, to the fen: in place."""
        if self.fx is not None:
            have = np.asarray(have_usd, dtype=bool)
            np.multiply(amount, 1.0 / self.fx, out=amount, where=usd & ~have)
            np.multiply(amount, self.fx, out=amount, where=~usd & have)
        amount *= 100.0
        np.rint(amount, out=amount)
        np.clip(amount, 0.0, cells.MAX_AMOUNT * 100.0, out=amount)  # within 10万亿, as the reader requires
        amount /= 100.0
        return amount

    def _amounts(self, rng: Any, usd: np.ndarray, ratio: np.ndarray, n: int) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        z = [rng(f"money.{name}").standard_normal(n) for name in self.lognormal]
        if self.cholesky is not None:  # z ← L z, in place: row i reads rows j <= i, so from the last row up
            scratch = np.empty(n)
            for i in range(len(z) - 1, -1, -1):
                z[i] *= self.cholesky[i, i]
                for j in range(i):
                    z[i] += np.multiply(z[j], self.cholesky[i, j], out=scratch)
        for name, x in zip(self.lognormal, z, strict=True):
            ln = self.money[name]
            assert isinstance(ln, ms.Lognormal)
            out[name] = self._to_fen(ms.lognormal_amounts(ln, x), ln.currency == USD, usd)
        del z
        for name in self.order:
            entry = self.money[name]
            if isinstance(entry, ms.Uniform):
                x = rng(f"money.{name}").uniform(entry.low, entry.high, n)
                out[name] = self._to_fen(x, entry.currency == USD, usd)
            elif isinstance(entry, ms.Table):
                pick = rng(f"money.{name}").integers(0, len(entry.amounts), n)
                out[name] = self._to_fen(entry.amounts[pick], entry.currency[pick] == USD, usd)
            elif isinstance(entry, ms.Share):
                base = out[entry.of] if entry.of in out else _paid_in(out.get("registered_capital", np.zeros(n)), ratio)
                share = rng(f"money.{name}").uniform(entry.low, entry.high, n)
                share *= base
                out[name] = self._to_fen(share, usd, usd)  # already in each project's currency
        return out


def _ids(chunk: int, n: int) -> list[str]:
    """`s{chunk}-{i}` for i < n, formatted as Arrow text and then made Python strings (twice as fast
    as formatting each in Python; Arrow's integer text is the same decimal)."""
    if n == 0:
        return []
    numbers = pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(np.arange(n, dtype=np.int64))])
    return pc.binary_join_element_wise(f"s{chunk}-", pc.cast(numbers, pa.string()), "").to_pylist()


def _paid_in(registered: np.ndarray, ratio: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """The reader's derived paid-in capital (compare.data.vector), block by block to spare memory."""
    paid = np.empty(len(registered))
    for s in range(0, len(registered), block):
        part = {"registered_capital": registered[s:s + block], "paid_in_ratio": ratio[s:s + block]}
        paid[s:s + block] = _default_paid_in(part)
    return paid


def sample_batch(spec: Mapping[str, Any], size: int, seed: int, chunk: int = 0, folder: Path | None = None, *,
                 fx: float | None = None, record: Record = CORE) -> ProjectBatch:
    """`size` projects drawn from a `portfolio.sample` spec: chunk `chunk` of the stream seeded `seed`
    (reproducible anywhere).  `folder`: where table paths are relative to; `fx`: the sampling rate
    USD→CNY for amounts converted to the other currency; `record`: the run's project record.  ValueError
    on a spec that does not hold."""
    return Portfolio(spec, folder, fx, record).sample(size, seed, chunk)


def stream(spec: Mapping[str, Any], size: int, seed: int, chunk_size: int = 1_000_000, *, fx: float | None = None,
           folder: Path | None = None, record: Record = CORE) -> Iterator[ProjectBatch]:
    """`size` projects as chunks of at most `chunk_size` (chunk k = `sample_batch(spec, ·, seed, k)`),
    the spec checked and its tables read once, before the first chunk."""
    return Portfolio(spec, folder, fx, record).stream(size, seed, chunk_size)
