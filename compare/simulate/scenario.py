"""Scenario files: `load_scenario(path)` reads one, checks it against
`scenario.schema.json` (package data) and the rules the schema cannot say, and gives a `Scenario`.

The YAML is read safely by `scenario_yaml` with the span of every key and value (E900 unreadable,
E902 tags/anchors/aliases/merge keys, E903 a key given twice).  Every schema error (E901) and
semantic error (E904) becomes a diagnostic at the line and column of its key or value, with a
message naming the key path (`portfolio.sample.size`) in words and a hint (the key's description,
the allowed values, a did-you-mean); all of them are reported at once, in the order of the file.
Amounts and ratios (`8000万元`, `3%`, `1.5:1`) are strings or numbers here, parsed by the stages.
`Scenario.where`/`Scenario.error` let later stages place their own errors (unknown figure paths).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple, TypeGuard

from jsonschema import Draft202012Validator, ValidationError, validators

from compare.simulate.scenario_bounds import bounded_problems
from compare.simulate.scenario_yaml import Key, KeyPath, Spans, YamlError, dotted, read_yaml
from dsl.ast import Span
from dsl.diagnostics import Diagnostic, PolicyError, did_you_mean, render
from dsl.files import SCENARIO, TOO_LARGE, FileRefusedError, read_checked

__all__ = ["MAX_SCENARIO_BYTES", "Key", "KeyPath", "Scenario", "ScenarioError", "load_scenario", "parse_scenario"]

MAX_SCENARIO_BYTES = SCENARIO.cap  # a scenario is a page of settings; its projects live in other files
MAX_REPORTED = 100  # diagnostics of one file (a list of 10^5 wrong entries is one mistake, not a report)
FREQUENCIES = ("currency", "referral", "grade")  # maps of portfolio.sample whose values sum to 1

_TYPES = {"integer": "a whole number", "number": "a number", "string": "text", "boolean": "true or false",
          "object": "a mapping (`key: value`)", "array": "a list", "null": "empty"}
_PATTERNS = {  # a schema pattern -> what a researcher reads
    "^[a-z0-9_-]+$": "a name of lowercase letters, digits, `_` and `-`",
    "^[a-z0-9_]+$": "a name of lowercase letters, digits and `_`",
    "^[A-Za-z_][A-Za-z0-9_]*$": "a name of letters, digits and `_`",
    "^([A-Za-z_][A-Za-z0-9_]*|.+\\.policy)$": "a policy id (letters, digits and `_`) or a path ending in `.policy`",
    "^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$": "a concept key in dotted lowercase (`reward.fdi`)",
    "^[0-9]{4}$": "a calendar year (2024)",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date, YYYY-MM-DD (2017-06-01)",
    "\\.ya?ml$": "a path ending in `.yaml` or `.yml`", "\\.policy$": "a path ending in `.policy`",
    "^[A-Za-z_][A-Za-z0-9_]*(\\[[0-9]+\\])?(\\.[A-Za-z_][A-Za-z0-9_]*(\\[[0-9]+\\])?)*(#[0-9]+)?$":
        "a figure path (`fdi_arrival_reward.cap`, `team_reward.tiers[2].low`)",
    "\\.(csv|tsv|jsonl|parquet|xlsx|yaml|yml|json)$": "a path ending in .csv, .tsv, .jsonl, .parquet, .xlsx, .yaml, .yml or .json",
}


class ScenarioError(PolicyError):
    """A scenario file that cannot be used: its diagnostics in file order (the first `MAX_REPORTED`;
    `more` counts the rest, -1: too many to count), and the text they point into."""

    def __init__(self, diagnostics: list[Diagnostic], text: str, more: int = 0, texts: dict[str, str] | None = None):
        super().__init__(diagnostics)
        self.text, self.more = text, more
        self.texts = dict(texts or {})  # other files the diagnostics point into (a reform's overrides)

    def __str__(self) -> str:
        more = [f"… and {self.more} more problems"] if self.more > 0 else ["… and many more problems"] if self.more < 0 else []
        return "\n".join([render(d, self.texts.get(d.span.file, self.text).split("\n")) for d in self.diagnostics] + more)


@dataclass(frozen=True)
class Scenario:
    path: Path
    folder: Path
    data: dict[str, Any]
    text: str
    sha256: str  # of the file's bytes (of the UTF-8 text for `parse_scenario`)
    spans: Spans = field(repr=False, compare=False)

    def __hash__(self) -> int:
        return hash((self.path, self.sha256))

    def where(self, *keys: Key, value: bool = False) -> Span:
        """The span of the key at `keys` (`where("reforms", 1, "set")`); with `value=True`, of its value.
        A list item's key is the item.  A path not in the file gives its nearest ancestor's span."""
        return self.spans.at(tuple(keys), value)

    def error(self, keys: Sequence[Key], message: str, hint: str | None = None, *, value: bool = False) -> Diagnostic:
        """An E904 (semantic scenario error) at the key path `keys`."""
        return Diagnostic("E904", message, self.where(*keys, value=value), hint)


def load_scenario(path: Path) -> Scenario:
    """Read, check and return the scenario file at `path`; ScenarioError with every problem."""
    path = Path(path)
    try:  # a regular file, at most MAX_SCENARIO_BYTES read: never a FIFO, a device or /proc (dsl.files)
        raw = read_checked(path, SCENARIO)
    except FileRefusedError as e:
        if e.code == TOO_LARGE:
            raise ScenarioError([_too_big(str(path), path.stat().st_size)], "") from None
        raise ScenarioError([Diagnostic("E900", f"cannot read the scenario file: {e.message}", Span(str(path), 1, 1, 1, 2),
                                        e.hint if e.reason != "does not exist" else "check the path and its permissions")],
                            "") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        start = raw.rfind(b"\n", 0, e.start) + 1
        line, col = raw.count(b"\n", 0, e.start) + 1, len(raw[start:e.start].decode("utf-8", "replace")) + 1
        raise ScenarioError([Diagnostic("E900", f"the scenario file is not UTF-8 text: byte 0x{raw[e.start]:02x} "
                                        f"at line {line}", Span(str(path), line, col, line, col + 1),
                                        "save it as UTF-8 (an editor's “Save with encoding”)")], "") from None
    return _parse(text, str(path), hashlib.sha256(raw).hexdigest())


def parse_scenario(text: str, path: str) -> Scenario:
    """Check the scenario `text` read from `path` (named in diagnostics; its folder resolves paths)."""
    return _parse(text, path, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())


def _too_big(path: str, size: int) -> Diagnostic:
    return Diagnostic("E900", f"the scenario file is {size / 2**20:.1f} MB; scenario files are read up to "
                      f"{MAX_SCENARIO_BYTES / 2**20:.0f} MB", Span(path, 1, 1, 1, 2),
                      "a scenario holds settings: keep projects in a project file (`portfolio.file`)")


def _parse(text: str, path: str, sha: str) -> Scenario:
    if len(text) > MAX_SCENARIO_BYTES // 4 and (n := len(text.encode("utf-8", "surrogatepass"))) > MAX_SCENARIO_BYTES:
        raise ScenarioError([_too_big(path, n)], text)
    try:
        data, spans, twice = read_yaml(text, path)
    except YamlError as e:
        raise ScenarioError([e.diagnostic], text) from None
    errors = list(islice(_validator().iter_errors(data), 10 * MAX_REPORTED))  # a bound on the work
    problems = [p for e in errors for p in _explain(e)]
    flagged = {p.path for p in problems}
    problems += [p for p in _rule_problems(data) if p.path not in flagged]
    problems += [_Problem(*p) for p in bounded_problems(data) if p[0] not in flagged]  # E920–E924
    diags = twice + [Diagnostic(p.code, p.message, spans.at(p.path, not p.on_key), p.hint) for p in problems]
    if diags:
        unique = {(d.span.line, d.span.column, d.code, d.message): d for d in diags}  # in the order found
        ordered = sorted(unique.values(), key=lambda d: (d.span.line, d.span.column))
        more = max(len(ordered) - MAX_REPORTED, 0) if len(errors) < 10 * MAX_REPORTED else -1
        raise ScenarioError(ordered[:MAX_REPORTED], text, more)
    return Scenario(Path(path), Path(path).parent, data, text, sha, spans)


class _Problem(NamedTuple):
    path: KeyPath
    message: str
    hint: str | None
    code: str = "E901"
    on_key: bool = False  # point at the key (a mapping, a missing or unknown key) rather than the value


# ------------------------------------------------------------------ the schema (E901)

@cache
def _schema() -> dict[str, Any]:
    text = resources.files("compare.simulate").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    """Draft 2020-12, except that a whole number is an int: `size: 1000.0` is not one."""
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, x: isinstance(x, int) and not isinstance(x, bool))
    cls = validators.extend(Draft202012Validator, type_checker=checker)
    return cls(_schema())


def _resolve(schema: Any) -> dict[str, Any]:
    while isinstance(schema, dict) and isinstance(ref := schema.get("$ref"), str) and ref.startswith("#/$defs/"):
        schema = {**_schema()["$defs"][ref[len("#/$defs/"):]], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema if isinstance(schema, dict) else {}


def _at(path: KeyPath) -> dict[str, Any] | None:
    """The schema (resolved) that the value at `path` meets, following properties, items and branches."""
    s: dict[str, Any] | None = _resolve(_schema())
    for k in path:
        if s is None:
            return None
        options = [s] + [_resolve(b) for b in s.get("oneOf", []) + s.get("anyOf", [])]
        found = [o.get("items") if isinstance(k, int) else o.get("properties", {}).get(k) for o in options]
        found += [o.get("additionalProperties") for o in options if isinstance(k, str)]
        s = next((_resolve(f) for f in found if isinstance(f, dict)), None)
    return s


def _describe(path: KeyPath) -> str | None:
    s = _at(path)
    return s.get("description") if s else None


def _name(path: KeyPath) -> str:
    return f"`{dotted(path)}`" if path else "the scenario"


def _or(words: Sequence[str], joint: str = "or") -> str:
    return "" if not words else words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {joint} {words[-1]}"


def _show(value: Any) -> str:
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None:
        return "empty"
    shown = ("true" if value else "false") if isinstance(value, bool) else str(value) if value != "" else '""'
    return f"`{shown[:40]}…`" if len(shown) > 40 else f"`{shown}`"


def _kind(s: dict[str, Any]) -> str:
    """What a schema accepts, in words: `a whole number from 1 to 1000000000`."""
    if "enum" in s:
        return ("" if len(s["enum"]) == 2 else "one of ") + _or([f"`{v}`" for v in s["enum"]])
    types, desc = s.get("type", []), s.get("description", "")
    if desc.startswith(("a ", "an ")) and (isinstance(types, list) or types == "string" and "pattern" not in s):
        return desc  # `ratio`, `amount`, `value`: their own words say it best
    out = []
    for t in [types] if isinstance(types, str) else types:
        word = _PATTERNS.get(s.get("pattern", ""), _TYPES[t]) if t == "string" and "pattern" in s else _TYPES[t]
        if t in ("integer", "number"):
            lo, hi = s.get("minimum"), s.get("maximum")
            xlo, xhi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
            word += f" from {lo} to {hi}" if lo is not None and hi is not None else \
                f" above {xlo} and below {xhi}" if xlo is not None and xhi is not None else \
                f" of {lo} or more" if lo is not None else f" above {xlo}" if xlo is not None else ""
        if t == "string" and s.get("minLength") and "pattern" not in s:
            word = "non-empty text"
        out.append(word)
    return _or(out) if out else "something else"


def _explain(e: ValidationError) -> list[_Problem]:
    """The readable problems of one jsonschema error (several for a `oneOf` or unknown keys)."""
    path, v, inst, s = tuple(e.absolute_path), e.validator, e.instance, _resolve(e.schema)
    hint = _describe(path)
    if "propertyNames" in e.relative_schema_path:  # a key of the mapping at `path`
        allowed = s.get("enum", [])
        near = _near(str(inst), allowed) or (f"the keys are {_or([f'`{a}`' for a in allowed], 'and')}"
                                                    if allowed else s.get("description"))
        what = f"unknown key `{inst}`" if allowed else f"the key `{inst}` is not {_kind(s)}"
        return [_Problem(path + (str(inst),), f"{what} in {_name(path)}", near, on_key=True)]
    if v == "required" and isinstance(inst, dict):
        missing = [k for k in e.validator_value if k not in inst]
        return [_Problem(path, f"{_name(path)} needs `{k}`", _describe(path + (k,)), on_key=True) for k in missing]
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list(s.get("properties", {}))
        return [_Problem(path + (k,), f"unknown key `{k}` in {_name(path)}", did_you_mean(k, allowed)
                         or f"the keys of {_name(path)} are {_or([f'`{a}`' for a in allowed], 'and')}", on_key=True)
                for k in inst if k not in allowed]
    if v in ("oneOf", "anyOf"):
        return _branches(e, path, hint)
    if v == "dependentRequired" and isinstance(inst, dict):
        return [_Problem(path, f"{_name(path)} has `{k}` but no `{n}`: give both", _describe(path + (n,)), on_key=True)
                for k, needs in e.validator_value.items() if k in inst for n in needs if n not in inst]
    if v == "minProperties":
        return [_Problem(path, f"{_name(path)} is empty", hint, on_key=True)]
    if v in ("minItems", "maxItems") and isinstance(inst, list):
        lo, hi = s.get("minItems"), s.get("maxItems")
        count = f"from {lo} to {hi}" if lo is not None and hi is not None else f"at least {lo}" if lo else f"at most {hi}"
        return [_Problem(path, f"{_name(path)} has {len(inst)} entries; it takes {count}", hint, on_key=True)]
    if v == "uniqueItems" and isinstance(inst, list):
        seen = [json.dumps(x, sort_keys=True) for x in inst]
        counts = Counter(seen)
        twice = next((x for x, n in zip(inst, seen, strict=True) if counts[n] > 1), None)
        return [_Problem(path, f"{_name(path)} lists {_show(twice)} twice", hint, on_key=True)]
    if not path:
        return [_Problem(path, "the scenario file is empty" if inst is None else
                         f"a scenario file holds a mapping of keys (`name: …`, `policies: …`), not {_show(inst)}",
                         "start with `name: my-scenario`, then `policies:`, `portfolio:` and `analyses:`")]
    kind = _kind(s)
    near = _near(inst, [str(x) for x in s["enum"]]) if v == "enum" and isinstance(inst, str) else None
    return [_Problem(path, f"{_name(path)} must be {kind}, not {_show(inst)}", near or (hint if hint != kind else None))]


def _near(name: str, choices: Sequence[str]) -> str | None:
    """A did-you-mean for a key or choice: the same in another case (`usd`, `a`), else a close one."""
    same = [c for c in choices if c.lower() == name.lower()]
    return f"did you mean `{same[0]}`?" if same else did_you_mean(name, choices)


def _branches(e: ValidationError, path: KeyPath, hint: str | None) -> list[_Problem]:
    """A value that fits none (or several) of `oneOf`/`anyOf`: the branch of its type, then of its
    key (`lognormal`, `table`, `share_of`), explains it; else say which forms there are."""
    inst, branches = e.instance, [_resolve(b) for b in e.validator_value]
    checker = _validator().TYPE_CHECKER
    typed = [i for i, b in enumerate(branches) if "type" not in b or any(
        checker.is_type(inst, t) for t in ([b["type"]] if isinstance(b["type"], str) else b["type"]))]
    if not typed:
        kinds = list(dict.fromkeys(_kind(b) for b in branches))
        return [_Problem(path, f"{_name(path)} must be {_or(kinds)}, not {_show(inst)}", hint)]
    if isinstance(inst, dict) and len(typed) > 1:
        tags = {i: branches[i].get("required", [""])[0] for i in typed}
        present = [i for i in typed if tags[i] in inst]
        if len(present) != 1:
            forms = _or([f"`{tags[i]}`" for i in typed])
            if present:
                both = _or([f"`{tags[i]}`" for i in present], "and")
                return [_Problem(path, f"{_name(path)} takes one of {forms}, not {both} together", hint, on_key=True)]
            extra = [k for k in inst if k not in _resolve(e.schema).get("properties", {})]
            needs = "needs one of" if e.validator == "oneOf" else "needs at least one of"
            unknown = f", not {_or([f'`{k}`' for k in extra], 'and')}" if extra else ""
            return [_Problem(path, f"{_name(path)} {needs} {forms}{unknown}",
                             (did_you_mean(extra[0], tags.values()) if extra else None) or hint, on_key=True)]
        typed = present
    return [p for sub in e.context or [] if sub.relative_schema_path[0] == typed[0] for p in _explain(sub)]


# ------------------------------------------------------------------ rules the schema cannot say (E904)

def _rule_problems(data: Any) -> list[_Problem]:
    if not isinstance(data, dict):
        return []
    out: list[_Problem] = []

    def problem(path: KeyPath, message: str, hint: str | None = None, on_key: bool = False) -> None:
        out.append(_Problem(path, message, hint, "E904", on_key))

    def dict_at(*path: Key) -> dict[str, Any]:
        x: Any = data
        for k in path:
            x = x.get(k) if isinstance(x, dict) and isinstance(k, str) else None
        return x if isinstance(x, dict) else {}

    def list_at(x: Any) -> list[Any]:  # the schema limits lists to 20 or 50 entries: a long one is already an error
        return x[:100] if isinstance(x, list) else []

    policies: dict[str, int] = {}  # a policy's names (its id; a path, and its file name without .policy)
    for i, p in enumerate(list_at(data.get("policies"))):
        if not isinstance(p, str):
            continue
        names = [p, PurePosixPath(p).stem] if p.endswith(".policy") else [p]
        if p in policies:
            problem(("policies", i), f"`{p}` is listed twice in `policies` (also `policies[{policies[p]}]`)",
                    "list each policy once")
        for n in names:
            policies.setdefault(n, i)
    listed = _or([f"`{p}`" for p in policies if "/" not in p and not p.endswith(".policy")], "and") or "none"
    # a policy given as a path is named by the id its file declares, most often its file name: with
    # one, a name not found here may still be its id (the stage that reads the policies says)
    unsure = any(p.endswith(".policy") for p in policies)
    reforms = [r if isinstance(r, dict) else {} for r in list_at(data.get("reforms"))]
    all_reforms = {r["name"] for r in reforms if isinstance(r.get("name"), str)}
    earlier: dict[str, int] = {}
    for i, r in enumerate(reforms):
        name, base, at = r.get("name"), r.get("base"), ("reforms", i)
        if isinstance(name, str) and name in policies:
            problem(at + ("name",), f"reform `{name}` has the name of a policy in `policies`",
                    "give the reform a name of its own, e.g. `" + name + "_reform`")
        elif isinstance(name, str) and name in earlier:
            problem(at + ("name",), f"two reforms are named `{name}`: `reforms[{earlier[name]}]` and `reforms[{i}]`",
                    "give each reform a name of its own")
        later = isinstance(base, str) and base in all_reforms and base != name and base not in earlier
        if isinstance(base, str) and base not in policies and base not in earlier and (later or not unsure):
            problem(at + ("base",), f"`reforms[{i}].base` names `{base}`, " + (
                "a later reform: a reform builds on a policy or an earlier reform" if later else
                "which is neither a policy in `policies` nor an earlier reform"),
                "move that reform before this one" if later else
                did_you_mean(base, [*policies, *earlier]) or f"the policies are {listed}")
        source = r.get("transplant")
        frm = source.get("from") if isinstance(source, dict) else None
        if isinstance(frm, str) and frm not in policies and not unsure:
            problem(at + ("transplant", "from"), f"`reforms[{i}].transplant.from` names `{frm}`, not a policy in `policies`",
                    did_you_mean(frm, policies) or f"the policies are {listed}")
        if isinstance(name, str):
            earlier.setdefault(name, i)

    known = [*policies, *all_reforms]

    def named(path: KeyPath, x: Any, on_key: bool = False) -> None:
        if isinstance(x, str) and x not in policies and x not in all_reforms and not unsure:
            where = f"`{dotted(path[:-1])}` has" if on_key else f"{_name(path)} names"
            problem(path, f"{where} `{x}`, neither a policy in `policies` nor a reform",
                    did_you_mean(x, known) or f"the policies are {listed}", on_key)

    for key in islice(dict_at("readings"), 100):
        named(("readings", key), key, on_key=True)
    analyses = dict_at("analyses")
    named(("analyses", "sweep", "policy"), dict_at("analyses", "sweep").get("policy"))
    for what in ("readings", "competition_map"):
        for i, x in enumerate(list_at(dict_at("analyses", what).get("policies"))):
            named(("analyses", what, "policies", i), x)

    sample = dict_at("portfolio", "sample")
    if "seed" not in data:
        if "sample" in dict_at("portfolio"):
            problem(("portfolio", "sample"), "a sampled portfolio needs `seed`, so that each run draws the same projects",
                    "add `seed: 20261124` (any whole number >= 0) at the top level", True)
        if "monte_carlo" in analyses:
            problem(("analyses", "monte_carlo"), "`analyses.monte_carlo` needs `seed`, so that each run draws the same",
                    "add `seed: 20261124` (any whole number >= 0) at the top level", True)
    if "monte_carlo" in analyses and "file" in dict_at("portfolio") and "sample" not in dict_at("portfolio"):
        problem(("analyses", "monte_carlo"), "`analyses.monte_carlo` draws portfolios, but the portfolio is a file",
                "declare `portfolio.sample` (a file portfolio is one fixed draw)", True)
    for key in FREQUENCIES:
        freq = sample.get(key)
        if isinstance(freq, dict) and freq and all(_number(x) for x in freq.values()):
            total = math.fsum(freq.values())
            if abs(total - 1) > 1e-9:
                problem(("portfolio", "sample", key), f"the frequencies of `portfolio.sample.{key}` sum to {total:g}, not 1",
                        "make them add up to 1: each is the share of the projects", True)
    ranges: list[tuple[KeyPath, Any]] = [(("fx",), data.get("fx"))]
    ranges += [(("portfolio", "sample", "ratios", k, "uniform"), d.get("uniform") if isinstance(d, dict) else None)
               for k, d in dict_at("portfolio", "sample", "ratios").items()]
    ranges += [(("portfolio", "sample", "quality_score", "uniform"), dict_at("portfolio", "sample", "quality_score").get("uniform"))]
    ranges += [(("portfolio", "sample", "money", k), d) for k, d in dict_at("portfolio", "sample", "money").items()]
    for path, rng in ranges:
        lo, hi = (rng.get("low"), rng.get("high")) if isinstance(rng, dict) else (None, None)
        if _number(lo) and _number(hi) and lo > hi:
            problem(path + ("low",), f"{_name(path)} runs backwards: `low` {lo} is above `high` {hi}", "write the lower end as `low`")
    money = dict_at("portfolio", "sample", "money")
    for i, c in enumerate(list_at(sample.get("correlations"))):
        fields = c.get("fields") if isinstance(c, dict) else None
        if isinstance(fields, list) and len(fields) == 2 and fields[0] == fields[1]:
            problem(("portfolio", "sample", "correlations", i, "fields"), f"`portfolio.sample.correlations[{i}].fields` "
                    f"names `{fields[0]}` twice", "a correlation pairs two different fields")
        for j, f in enumerate(fields if isinstance(fields, list) else []):
            if isinstance(f, str) and f not in money:
                problem(("portfolio", "sample", "correlations", i, "fields", j), f"`{f}` is correlated but not drawn",
                        f"say how it is drawn in `portfolio.sample.money`: `{f}: {{lognormal: {{median: 3000万美元, sigma: 1.0}}}}`")
    return out


def _number(x: Any) -> TypeGuard[int | float]:
    return isinstance(x, int | float) and not isinstance(x, bool)
