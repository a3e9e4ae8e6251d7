"""Column headers of a project table: which field each column is, and the unit its bare numbers are in.

Spreadsheets keep money as numbers, so a column may declare its unit once, in the header
(`registered_capital[万美元]`, `fdi_arrived[USD]`, `total_investment[亿元]`, `paid_in_ratio[%]`) or on
the command line (`--unit registered_capital=万美元`).  A cell that carries its own unit
(`4000万美元`, `35%`) overrides the column's.  Columns that are not fields of the project record
(a company name, a note) are carried through to the output, not errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from compare.data.records import FieldError
from compare.engine.batch import CNY, USD
from dsl.diagnostics import did_you_mean
from dsl.schema import FIELDS
from dsl.units import SCALES, Dim

CURRENCY_WORDS: dict[str, int] = {"元": CNY, "CNY": CNY, "RMB": CNY, "人民币": CNY, "美元": USD, "USD": USD}
RATIO_UNITS: dict[str, Decimal] = {"%": Decimal(100), "‰": Decimal(1000), "ratio": Decimal(1)}

_HEADER = re.compile(r"^\s*([^\[\]]*?)\s*\[\s*([^\[\]]*?)\s*\]\s*$")
_MONEY_UNIT = re.compile(r"^(万亿|万|亿|千)?\s*(元|美元|人民币|USD|CNY|RMB)$")

MONEY_HINT = "write a unit of money: 元, 万元, 亿元, 美元, 万美元, 亿美元, USD or CNY"
RATIO_HINT = "a ratio column's unit is %, ‰ or ratio (0–1)"


@dataclass(frozen=True)
class Unit:
    """What a bare number in a column means: amount × scale in `currency`, or value ÷ divisor."""

    text: str
    scale: Decimal = Decimal(1)
    currency: int | None = None  # money columns
    divisor: Decimal | None = None  # ratio columns: 100 for %, 1000 for ‰, 1 for ratio


@dataclass(frozen=True)
class Column:
    """One column of the input: its header as written, the field it feeds (None: carried through),
    and the unit of its bare numbers (None: cells must carry their own unit)."""

    header: str
    field: str | None
    unit: Unit | None = None


def parse_unit(field: str, text: str) -> Unit:
    """The unit `text` declared for `field`; FieldError where it does not fit the field."""
    f = FIELDS[field]
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
    raise FieldError(f"field `{field}` takes no unit", "units are declared for money and ratio columns only", "E811")


def parse_unit_option(spec: str) -> tuple[str, str]:
    """`--unit FIELD=UNIT` -> (field, unit text); FieldError with a hint otherwise."""
    if "=" not in spec:
        raise FieldError(f"--unit takes FIELD=UNIT, got `{spec}`", "e.g. --unit registered_capital=万美元", "E811")
    name, unit = (s.strip() for s in spec.split("=", 1))
    if name not in FIELDS:
        raise FieldError(f"--unit names `{name}`, which is not a field of the project record",
                         did_you_mean(name, FIELDS) or "fields: " + ", ".join(FIELDS), "E811")
    parse_unit(name, unit)
    return name, unit


def columns(headers: list[str], units: dict[str, str] | None = None) -> tuple[list[Column], list[tuple[int, FieldError]]]:
    """Each header as a Column, with the problems found (index of the column, error): a unit that does
    not fit, two columns feeding one field.  `units` (from --unit) applies where the header declares none."""
    out: list[Column] = []
    problems: list[tuple[int, FieldError]] = []
    feeding: dict[str, int] = {}
    for i, raw in enumerate(headers):
        header = raw.strip().lstrip("\ufeff")
        m = _HEADER.match(header)
        name, unit_text = (m.group(1), m.group(2)) if m else (header, None)
        if name not in FIELDS:
            out.append(Column(header, None))
            continue
        if name in feeding:
            problems.append((i, FieldError(f"columns {feeding[name] + 1} and {i + 1} both give `{name}`",
                                           "keep one column per field", "E808")))
        feeding[name] = i
        if unit_text is None and units and name in units:
            unit_text = units[name]
        unit = None
        if unit_text is not None:
            try:
                unit = parse_unit(name, unit_text)
            except FieldError as e:
                problems.append((i, e))
        out.append(Column(header, name, unit))
    return out, problems


def lookalikes(cols: list[Column]) -> list[tuple[str, str]]:
    """Carried columns whose name is close to a field's (`regstered_capital`): (header, the field)."""
    found = []
    for c in cols:
        if c.field is None:
            name = _HEADER.sub(r"\1", c.header)
            guess = did_you_mean(name, FIELDS)
            if guess:
                field = guess.split("`")[1] if "`" in guess else guess
                found.append((c.header, field))
    return found
