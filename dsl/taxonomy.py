"""The taxonomy: concept keys that align the cities, merged from policies/taxonomy/*.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsl.ast import Span
from dsl.diagnostics import Diagnostic
from dsl.files import TAXONOMY
from dsl.paths import FileRefusedError, glob_sorted, probe, read_regular

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


@dataclass
class Taxonomy:
    concepts: dict[str, Concept] = field(default_factory=dict)
    mechanisms: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (zh, en)
    beneficiaries: dict[str, tuple[str, str]] = field(default_factory=dict)
    payers: dict[str, tuple[str, str]] = field(default_factory=dict)  # who pays an outcome: id -> (zh, en)
    files: list[str] = field(default_factory=list)
    # record declarations of the taxonomy files (fields, categories, choice values), as the policy
    # syntax's AST nodes: (origin, declaration), in file order
    declarations: list[tuple[str, Any]] = field(default_factory=list)


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
        for key, entry in (data.get("payers") or {}).items():
            entry = entry if isinstance(entry, dict) else {}
            tax.payers[str(key)] = (str(entry.get("zh", "")), str(entry.get("en", "")))
        for section, allowed in (("concepts", CONCEPT_KEYS), ("mechanisms", NAME_KEYS), ("beneficiaries", NAME_KEYS),
                                 ("payers", NAME_KEYS)):
            for key, entry in (data.get(section) or {}).items():
                for extra in sorted(set(entry) - allowed if isinstance(entry, dict) else (), key=str):
                    line = _key_line(text, str(key))
                    diags.append(Diagnostic("E208", f"{section[:-1] if section != 'beneficiaries' else 'beneficiary'} "
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
    for c in tax.concepts.values():
        if c.beneficiary and c.beneficiary not in tax.beneficiaries:
            diags.append(Diagnostic("E205", f"concept `{c.key}` names an unknown beneficiary `{c.beneficiary}`",
                                    c.span, None))
    return tax, diags
