"""The taxonomy: concept keys that align the cities, merged from policies/taxonomy/*.yaml."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from dsl import ast as A
from dsl.ast import Span
from dsl.diagnostics import Diagnostic
from dsl.files import TAXONOMY
from dsl.paths import FileRefusedError, glob_sorted, probe, read_regular
from dsl.units import UNITS as UNIT_SYMBOLS

UNITS = {"points", "CNY", "USD", "money", "ratio", "count", "area", "months", "days", "duration", "bool",
         "text", "any"}
KINDS = {"outcome", "parameter"}


@dataclass(frozen=True)
class Concept:
    key: str
    kind: str
    unit: str
    beneficiary: str | None
    zh: str
    en: str
    span: Span


CONCEPT_KEYS = frozenset({"kind", "unit", "beneficiary", "zh", "en"})
NAME_KEYS = frozenset({"zh", "en"})
DECL_KEYS = frozenset({"zh", "en", "note"})
SINGULAR = {"concepts": "concept", "mechanisms": "mechanism", "beneficiaries": "beneficiary", "payers": "payer",
            "categories": "category"}
FIELD_KEYS = frozenset({"type", "unit", "values", "default", "zh", "en", "note"})


@dataclass
class Taxonomy:
    concepts: dict[str, Concept] = field(default_factory=dict)
    mechanisms: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (zh, en)
    beneficiaries: dict[str, tuple[str, str]] = field(default_factory=dict)
    payers: dict[str, tuple[str, str]] = field(default_factory=dict)  # who pays an outcome: id -> (zh, en)
    files: list[str] = field(default_factory=list)
    # record declarations of the taxonomy files (fields, categories, choice values), as the policy
    # syntax's AST nodes: (origin, declaration), in file order
    declarations: list[tuple[str, Declaration]] = field(default_factory=list)


def find_taxonomy_dir(policy_path: Path, search: list[Path] | None = None) -> Path | None:
    """The nearest `taxonomy/` folder at or above the policy's folder, else the first one in a
    search-path folder (--policies, $POLICYLAB_PATH, the bundled policies: dsl.paths)."""
    for d in [policy_path.parent, *policy_path.parent.parents, *(search or [])]:
        if probe(d / "taxonomy") == "dir":
            return d / "taxonomy"
    return None


def _key_line(text: str, key: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith(f"{key}:") or s.startswith(f"'{key}':") or s.startswith(f'"{key}":'):
            return i
    return 1


def load_taxonomy(directory: Path, texts: dict[str, str] | None = None) -> tuple[Taxonomy, list[Diagnostic]]:
    """The taxonomy files of `directory`, merged; `texts` (if given) gets each file's text, for
    rendering diagnostics (a file is never read a second time to show a line)."""
    import yaml  # here, not above: a checked policy loaded from dsl.cache needs the classes, not the reader

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when PyYAML was built with it
    tax = Taxonomy()
    diags: list[Diagnostic] = []
    for path in glob_sorted(directory, "*.yaml"):
        p = str(path)
        tax.files.append(p)
        try:
            raw = read_regular(path, TAXONOMY, directory)
            text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text reads it
            if texts is not None:
                texts[p] = text
            data = yaml.load(text, Loader=loader) or {}
        except FileRefusedError as e:
            diags.append(Diagnostic(e.code, f"taxonomy file refused: {e.message}", Span(p, 1, 1, 1, 1), e.hint))
            continue
        except UnicodeDecodeError:
            diags.append(Diagnostic("E002", "taxonomy file is not UTF-8", Span(p, 1, 1, 1, 1), None))
            continue
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            diags.append(Diagnostic("E101", f"taxonomy YAML is malformed: {getattr(e, 'problem', e)}",
                                    Span(p, line, col, line, col + 1), "check the indentation and the colons"))
            continue
        if not isinstance(data, dict):
            diags.append(Diagnostic("E101", "a taxonomy file is a mapping with `concepts:`, `mechanisms:`, "
                                    "`beneficiaries:`", Span(p, 1, 1, 1, 1), None))
            continue
        for key, entry in (data.get("beneficiaries") or {}).items():
            entry = entry or {}
            tax.beneficiaries[str(key)] = (str(entry.get("zh", "")), str(entry.get("en", "")))
        payers = data.get("payers")
        for key, entry in (payers.items() if isinstance(payers, dict) else ()):
            entry = entry if isinstance(entry, dict) else {}
            tax.payers[str(key)] = (str(entry.get("zh", "")), str(entry.get("en", "")))
        for section, allowed in (("concepts", CONCEPT_KEYS), ("mechanisms", NAME_KEYS), ("beneficiaries", NAME_KEYS),
                                 ("payers", NAME_KEYS), ("categories", DECL_KEYS)):
            entries = data.get(section)
            for key, entry in (entries.items() if isinstance(entries, dict) else ()):
                for extra in sorted(set(entry) - allowed if isinstance(entry, dict) else (), key=str):
                    line = _key_line(text, str(key))
                    diags.append(Diagnostic("E208", f"{SINGULAR[section]} "
                                            f"`{key}` has an unknown key `{extra}`", Span(p, line, 1, line, 1 + len(str(key))),
                                            "a value holding a comma inside `{…}` must be quoted: en: \"a, b\""))
        for key, entry in (data.get("mechanisms") or {}).items():
            entry = entry or {}
            if key in tax.mechanisms:
                line = _key_line(text, key)
                diags.append(Diagnostic("E201", f"mechanism `{key}` is declared twice in the taxonomy",
                                        Span(p, line, 1, line, 1 + len(key)), None))
            tax.mechanisms[str(key)] = (str(entry.get("zh", "")), str(entry.get("en", "")))
        for key, entry in (data.get("concepts") or {}).items():
            key = str(key)
            line = _key_line(text, key)
            span = Span(p, line, 1, line, 1 + len(key))
            if not isinstance(entry, dict):
                diags.append(Diagnostic("E101", f"concept `{key}` needs kind, unit, zh, en", span, None))
                continue
            if key in tax.concepts:
                other = tax.concepts[key].span
                diags.append(Diagnostic("E201", f"concept `{key}` is declared twice in the taxonomy", span,
                                        f"first declared at {other.file}:{other.line}"))
                continue
            kind, unit = str(entry.get("kind", "")), str(entry.get("unit", ""))
            if kind not in KINDS:
                diags.append(Diagnostic("E208", f"concept `{key}` has kind `{kind}`", span,
                                        "kind is `outcome` or `parameter`"))
            if unit not in UNITS:
                diags.append(Diagnostic("E208", f"concept `{key}` has unit `{unit}`", span,
                                        "unit is one of " + ", ".join(sorted(UNITS))))
            ben = entry.get("beneficiary")
            tax.concepts[key] = Concept(key, kind, unit, str(ben) if ben else None, str(entry.get("zh", "")),
                                        str(entry.get("en", "")), span)
        for section in ("fields", "categories", "choices", "payers"):
            if data.get(section) is not None and not isinstance(data[section], dict):
                line = _section_line(text, section)
                diags.append(Diagnostic("E101", f"`{section}:` in a taxonomy file is a mapping of names",
                                        Span(p, line, 1, line, 1 + len(section)),
                                        "write each entry under it as NAME: {zh: …, en: …}, indented"))
        tax.declarations.extend(_declarations(data, text, p, diags))
    for c in tax.concepts.values():
        if c.beneficiary and c.beneficiary not in tax.beneficiaries:
            diags.append(Diagnostic("E205", f"concept `{c.key}` names an unknown beneficiary `{c.beneficiary}`",
                                    c.span, None))
    return tax, diags


# ---------------------------------------------------------------- record declarations
# A taxonomy file may declare the fields, categories and choice values its cities share, with the same
# information as the policy syntax (`field rent_area "租赁面积" { type area 平方米  default 0平方米 }`):
#
#   fields:
#     rent_area: {zh: 租赁面积, en: rented area, type: area, unit: 平方米, default: 0平方米}
#     zone: {zh: 所在区域, type: choice, values: {key_area: 重点区域, ordinary: 一般区域}, default: ordinary}
#   categories:
#     little_giant: {zh: 专精特新“小巨人”企业, en: little giant}
#   choices:
#     referral: {social_org: {zh: 社会组织, en: social organisation}}
#
# They become the policy syntax's declarations (dsl.ast_record), checked by dsl.check.record like a
# policy's own, with spans at their lines here.

_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(万亿|亿|万|千)?\s*(\S*)\s*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
Declaration = A.FieldDecl | A.CategoryDecl | A.ChoiceDecl


def _section_line(text: str, section: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{section}:"):
            return i
    return 1


def _key_span(path: str, text: str, key: str, after: int) -> Span:
    """Where `key:` is, at or after line `after` (its section's header): where a diagnostic points."""
    for i, line in enumerate(text.splitlines()[after - 1:], after):
        s = line.strip()
        if s.startswith((f"{key}:", f"'{key}':", f'"{key}":')):
            col = len(line) - len(line.lstrip()) + 1
            return Span(path, i, col, i, col + len(s.split(":")[0]))
    return Span(path, after, 1, after, 1)


def _label(entry: object) -> tuple[str | None, str | None]:
    if isinstance(entry, dict):
        zh, en = entry.get("zh"), entry.get("en")
        return (str(zh) if zh is not None else None), (str(en) if en is not None else None)
    return (str(entry) if entry is not None else None), None


def _default(value: object, type_word: str | None, span: Span) -> A.Expr | None:
    """A default as the policy syntax writes it: 0平方米, ordinary, true, 2024-01-01, [gazelle], "制造"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return A.BoolLit(value, span=span)
    if isinstance(value, dt.date):
        return A.DateLit(value.isoformat(), span=span)
    if isinstance(value, (int, float)):
        return A.Quantity(Decimal(str(value)), "", "", span=span)
    if isinstance(value, list):
        return A.SetLit(tuple(A.Name((str(x),), span=span) for x in value), span=span)
    text = str(value)
    if type_word == "text":
        return A.Text(text, span=span)
    m = _QUANTITY.match(text)
    if m and m.group(3) in UNIT_SYMBOLS:
        return A.Quantity(Decimal(m.group(1)), m.group(2) or "", m.group(3), span=span)
    if type_word == "date":
        return A.DateLit(text, span=span)
    return A.Name((text,), span=span) if _IDENT.match(text) else A.Text(text, span=span)


def _declarations(data: dict[object, object], text: str, path: str,
                  diags: list[Diagnostic]) -> list[tuple[str, Declaration]]:
    """The `fields:`, `categories:` and `choices:` sections of one taxonomy file, as declarations."""
    out: list[tuple[str, Declaration]] = []
    fields, start = data.get("fields") or {}, _section_line(text, "fields")
    if not isinstance(fields, dict):
        fields = {}
    for key, entry in fields.items():
        span = _key_span(path, text, str(key), start)
        if not isinstance(entry, dict):
            diags.append(Diagnostic("E210", f"field `{key}` needs a mapping: type, zh, en …", span,
                                    "write: rent_area: {zh: 租赁面积, type: area, unit: 平方米, default: 0平方米}"))
            continue
        for extra in sorted(set(map(str, entry)) - FIELD_KEYS):
            diags.append(Diagnostic("E210", f"field `{key}` has an unknown key `{extra}`", span,
                                    "a field takes " + ", ".join(sorted(FIELD_KEYS))))
        zh, en = _label(entry)
        type_word = str(entry["type"]) if entry.get("type") is not None else None
        values = entry.get("values") or {}
        items = values.items() if isinstance(values, dict) else ((v, None) for v in values) \
            if isinstance(values, list) else ()
        decl_values = tuple(A.DeclaredValue(str(v), _label(lab)[0], span=span) for v, lab in items)
        unit = entry.get("unit")
        note = entry.get("note")
        out.append((path, A.FieldDecl(str(key), zh, type_word, str(unit) if unit is not None else None, decl_values,
                                      _default(entry.get("default"), type_word, span), en, (),
                                      (str(note),) if note else (), span=span, type_span=span)))
    cats, start = data.get("categories") or {}, _section_line(text, "categories")
    for key, entry in (cats.items() if isinstance(cats, dict) else ()):
        zh, en = _label(entry)
        out.append((path, A.CategoryDecl(str(key), zh, en, (), (), span=_key_span(path, text, str(key), start))))
    choices, start = data.get("choices") or {}, _section_line(text, "choices")
    for field_name, entries in (choices.items() if isinstance(choices, dict) else ()):
        fline = _key_span(path, text, str(field_name), start).line
        for value, entry in (entries.items() if isinstance(entries, dict) else ()):
            zh, en = _label(entry)
            out.append((path, A.ChoiceDecl(str(field_name), str(value), zh, en, (), (),
                                           span=_key_span(path, text, str(value), fline))))
    return out
