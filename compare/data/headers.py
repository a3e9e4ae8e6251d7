"""Column headers of a project table: which field each column is, and the unit its bare numbers are in.

Spreadsheets keep money as numbers, so a column may declare its unit once, in the header
(`registered_capital[万美元]`, `fdi_arrived[USD]`, `total_investment[亿元]`, `paid_in_ratio[%]`) or on
the command line (`--unit registered_capital=万美元`).  A cell that carries its own unit
(`4000万美元`, `35%`) overrides the column's.  Columns that are not fields of the project record
(a company name, a note) are carried through to the output, not errors.

Which headers are fields is the run's record (dsl.record: the core and the fields its policies
declare): `rent_area[平方米]`, `new_jobs[人]` name a declared area or count field and its unit.  A
project's own USD→CNY rate is the column `fx_rate` (all its amounts) or `fx_rate.FIELD` (one money
field's): these columns are read too (compare.data.rates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from compare.data.records import FieldError
from compare.engine.batch import CNY, USD
from dsl.diagnostics import did_you_mean
from dsl.record import CORE, Record
from dsl.units import SCALES, UNITS, Dim

CURRENCY_WORDS: dict[str, int] = {"元": CNY, "CNY": CNY, "RMB": CNY, "人民币": CNY, "美元": USD, "USD": USD}
RATIO_UNITS: dict[str, Decimal] = {"%": Decimal(100), "‰": Decimal(1000), "ratio": Decimal(1)}

_HEADER = re.compile(r"^\s*([^\[\]]*?)\s*\[\s*([^\[\]]*?)\s*\]\s*$")
_MONEY_UNIT = re.compile(r"^(万亿|万|亿|千)?\s*(元|美元|人民币|USD|CNY|RMB)$")

MONEY_HINT = "write a unit of money: 元, 万元, 亿元, 美元, 万美元, 亿美元, USD or CNY"
RATIO_HINT = "a ratio column's unit is %, ‰ or ratio (0–1)"
AREA_HINT = "an area column's unit is 亩, 平方米 (㎡) or 公顷"
COUNT_HINT = "a count column's unit is a measure word: 人, 名, 个, 次, 项, 家 …"
FX_RATE = "fx_rate"  # a project's own USD→CNY rate; `fx_rate.FIELD`: one money field's


@dataclass(frozen=True)
class Unit:
    """What a bare number in a column means: amount × scale in `currency`, or value ÷ divisor."""

    text: str
    scale: Decimal = Decimal(1)
    currency: int | None = None  # money columns
    divisor: Decimal | None = None  # ratio columns: 100 for %, 1000 for ‰, 1 for ratio
    factor: Decimal | None = None  # area and count columns: one unit in the base unit (1平方米 = 0.0015亩)


@dataclass(frozen=True)
class Column:
    """One column of the input: its header as written, the field it feeds (None: carried through),
    and the unit of its bare numbers (None: cells must carry their own unit)."""

    header: str
    field: str | None
    unit: Unit | None = None


def parse_unit(field: str, text: str, record: Record = CORE) -> Unit:
    """The unit `text` declared for `field`; FieldError where it does not fit the field."""
    f = record.fields[field]
    t = text.strip()
    if f.dim == Dim.MONEY:
        m = _MONEY_UNIT.match(t.upper() if t.isascii() else t)
        if not m:
            raise FieldError(f"`{text}` is not a unit of money", MONEY_HINT, "E811")
        return Unit(t, SCALES[m.group(1) or ""], CURRENCY_WORDS[m.group(2)])
    if f.dim == Dim.RATIO:
        if t.lower() not in RATIO_UNITS:
            raise FieldError(f"`{text}` is not a unit of a ratio", RATIO_HINT, "E811")
        return Unit(t, divisor=RATIO_UNITS[t.lower()])
    if f.dim in (Dim.AREA, Dim.COUNT):
        u = UNITS.get(t)
        if u is None or u.dim != f.dim:
            raise FieldError(f"`{text}` is not a unit of {'an area' if f.dim == Dim.AREA else 'a count'}",
                             AREA_HINT if f.dim == Dim.AREA else COUNT_HINT, "E811")
        return Unit(t, factor=u.factor)
    raise FieldError(f"field `{field}` takes no unit",
                     "units are declared for money, ratio, area and count columns only", "E811")


def declared_unit(field: str, record: Record) -> Unit | None:
    """The unit a declaration gives a field's bare numbers (`type area 平方米`, `type money 美元`)."""
    d = record.declared.get(field)
    if d is None or d.unit is None:
        return None
    try:
        return parse_unit(field, d.unit, record)
    except FieldError:
        return None  # the checker reports a unit that does not fit its type (E210)


def parse_unit_option(spec: str, record: Record = CORE) -> tuple[str, str]:
    """`--unit FIELD=UNIT` -> (field, unit text); FieldError with a hint otherwise."""
    if "=" not in spec:
        raise FieldError(f"--unit takes FIELD=UNIT, got `{spec}`", "e.g. --unit registered_capital=万美元", "E811")
    name, unit = (s.strip() for s in spec.split("=", 1))
    if name not in record.fields:
        raise FieldError(f"--unit names `{name}`, which is not a field of the project record",
                         did_you_mean(name, record.fields) or "fields: " + ", ".join(record.fields), "E811")
    parse_unit(name, unit, record)
    return name, unit


def rate_column(name: str, record: Record) -> bool:
    """`fx_rate`, or `fx_rate.FIELD` of a money field of the record."""
    if name == FX_RATE:
        return True
    head, dot, rest = name.partition(".")
    return head == FX_RATE and bool(dot) and rest in record.fields and record.fields[rest].dim == Dim.MONEY


def columns(headers: list[str], units: dict[str, str] | None = None,
            record: Record = CORE) -> tuple[list[Column], list[tuple[int, FieldError]]]:
    """Each header as a Column, with the problems found (index of the column, error): a unit that does
    not fit, two columns feeding one field.  `units` (from --unit) applies where the header declares none."""
    out: list[Column] = []
    problems: list[tuple[int, FieldError]] = []
    feeding: dict[str, int] = {}
    for i, raw in enumerate(headers):
        header = raw.strip().lstrip("\ufeff")
        m = _HEADER.match(header)
        name, unit_text = (m.group(1), m.group(2)) if m else (header, None)
        if name not in record.fields and not rate_column(name, record):
            if name.startswith(FX_RATE + "."):
                field = name.partition(".")[2]
                problems.append((i, FieldError(
                    f"column `{header}`: `{field}` is not a money field of the project record",
                    did_you_mean(field, [n for n, f in record.fields.items() if f.dim == Dim.MONEY])
                    or "fx_rate.FIELD gives one money field's rate: fx_rate.fdi_arrived", "E815")))
            out.append(Column(header, None))
            continue
        if name in feeding:
            problems.append((i, FieldError(f"columns {feeding[name] + 1} and {i + 1} both give `{name}`",
                                           "keep one column per field", "E808")))
        feeding[name] = i
        if unit_text is None and units and name in units:
            unit_text = units[name]
        unit = None
        if unit_text is not None and name in record.fields:
            try:
                unit = parse_unit(name, unit_text, record)
            except FieldError as e:
                problems.append((i, e))
        elif unit_text is not None:
            problems.append((i, FieldError(f"column `{header}`: a rate takes no unit",
                                           "write the USD→CNY rate as a number: fx_rate 7.1", "E811")))
        out.append(Column(header, name, unit or (declared_unit(name, record) if name in record.fields else None)))
    return out, problems


def unit_text(header: str) -> str | None:
    """The unit a header declares (`rent_area[平方米]` -> 平方米), or None."""
    m = _HEADER.match(header)
    return m.group(2) if m else None


def lookalikes(cols: list[Column], record: Record = CORE) -> list[tuple[str, str]]:
    """Carried columns whose name is close to a field's (`regstered_capital`): (header, the field)."""
    found = []
    for c in cols:
        if c.field is None:
            name = _HEADER.sub(r"\1", c.header)
            guess = did_you_mean(name, [*record.fields, FX_RATE])
            if guess:
                field = guess.split("`")[1] if "`" in guess else guess
                found.append((c.header, field))
    return found
