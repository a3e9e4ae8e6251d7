"""Project records from YAML and JSON documents: safely, with the line of every record and field.

YAML is read event by event (libyaml's parser where PyYAML has it) and built here: no constructor
that honours tags runs.  Tags (`!!python/object/apply:os.system`, `!x`, even `!!str`), anchors,
aliases and merge keys are refused where they stand (E809): an alias bomb stops at its first anchor.
JSON is read by the `json` module (C), each record by `raw_decode` at its offset, lines by bisecting
the newlines' offsets.  A key given twice in one mapping names both lines (E808); a file above
`MAX_DOCUMENT_BYTES` is refused before it is parsed (E810; `check_size` does it from a size).

Values are plain: str, int, float, bool, None, list, dict with str keys (a YAML key as written).
NaN (`.nan`, JSON `NaN`) is None, "not given"; infinities stay floats for the validator to refuse;
YAML timestamps (`2024-03-01`) stay text as written; otherwise YAML 1.1 as PyYAML reads it (`yes` is
true, `0x1F` 31).  Nesting deeper than `MAX_DEPTH` is refused.  An empty file (or, in YAML, one of
only comments) gives [].
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from compare.data.records import InputError, Record, text_fields
from dsl.ast import Span
from dsl.diagnostics import Diagnostic
from dsl.record import CORE
from dsl.record import Record as FieldRecord

# Largest project files read as documents, in UTF-8 bytes.  A document is parsed whole into Python
# objects (several times the file's size in memory) and checked record by record.  libyaml and our
# building read YAML at ~4 MB/s (20 MB: ~10^5 projects in ~5 s; PyYAML without libyaml is ~20×
# slower).  JSON is read in C at ~20 MB/s with lines (100 MB: ~4×10^5 projects in ~5–10 s, ~1 GB of
# objects).  Beyond that, the columnar formats are the right tool.
MAX_DOCUMENT_BYTES: dict[str, int] = {"yaml": 20 * 1024 * 1024, "json": 100 * 1024 * 1024}
MAX_DEPTH = 32  # a project's values are shallow (`{amount: …, currency: …}`, a list of categories)

TOO_LARGE_HINT = "for many projects use CSV, JSON Lines (.jsonl) or Parquet, which are read as columns"
JSON_HINT = "check brackets, quotes and commas (JSON has no comments and no comma after the last item)"
LIST_HINT = "- {id: p1, registered_capital: 4000万美元, foreign: true}"
JSON_LIST_HINT = '[{"id": "p1", "registered_capital": "4000万美元", "foreign": true}]'
DUPLICATE_HINT = "keep one of them: otherwise one value would silently replace the other"
IN_FULL_HINT = "write each project's fields out in full"

_YAML_CORE = "tag:yaml.org,2002:"
_WS = re.compile(r"[ \t\n\r]*")


def _error(code: str, message: str, path: str, line: int, col: int, hint: str | None, width: int = 1) -> InputError:
    return InputError([Diagnostic(code, message, Span(path, line, col, line, col + max(width, 1)), hint)])


def check_size(size: int | str, kind: str, path: str) -> None:
    """Refuse (E810) a `kind` ("yaml" or "json") document above its limit, given its size in bytes (a
    reader may call this before reading the file) or its text."""
    limit = MAX_DOCUMENT_BYTES[kind]
    if isinstance(size, str):  # at least a byte a character: a text too long is too large unencoded
        size = len(size) if size.isascii() or len(size) > limit else len(size.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise _error("E810", f"the project file is {size / 2**20:.1f} MB; {kind.upper()} project files are read "
                     f"up to {limit / 2**20:.1f} MB", path, 1, 1, TOO_LARGE_HINT)


def _twice(key: str, what: str, first: tuple[int, int], second: tuple[int, int]) -> str:
    where = (f"at line {first[0]}, columns {first[1]} and {second[1]}" if first[0] == second[0]
             else f"at lines {first[0]} and {second[0]}")
    return f"`{key}` is given twice in one {what}, {where}"


def _too_deep(path: str, line: int, col: int) -> InputError:
    return _error("E800", f"a value is nested more than {MAX_DEPTH} levels deep", path, line, col,
                  "a project's values are text, numbers, true/false, or short lists and mappings")


# ------------------------------------------------------------------ YAML

def yaml_records(text: str, path: str, record: FieldRecord = CORE) -> list[Record]:
    """The projects of a YAML document: a list of mappings, or `{projects: [...]}`; the text fields of
    `record` (the run's) as written."""
    check_size(text, "yaml", path)
    reader = _Yaml(text, path, text_fields(record))
    try:
        return reader.records()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise _error("E800", f"the project file is not valid YAML: {e.problem or e.context or e}",
                     path, line, col, "check brackets, quotes and indentation") from None
    except (yaml.YAMLError, UnicodeEncodeError) as e:  # a character YAML does not allow; a lone surrogate
        pos = e.start if isinstance(e, UnicodeEncodeError) else getattr(e, "position", 0)
        if reader.libyaml and not isinstance(e, UnicodeEncodeError):  # libyaml counts UTF-8 bytes
            pos = len(text.encode("utf-8", "surrogatepass")[:pos].decode("utf-8", "ignore"))
        raise _error("E800", f"the project file is not valid YAML: {getattr(e, 'reason', e)}", path,
                     text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos),
                     "remove control characters; save the file as UTF-8 text") from None
    finally:
        reader.close()


def _where(ev: yaml.Event) -> tuple[int, int]:
    m = ev.start_mark
    return (m.line + 1, m.column + 1) if m is not None else (1, 1)


@dataclass(slots=True)
class _Open:
    """A list or mapping being built: its value, where its keys are, the key awaiting a value."""

    value: list[Any] | dict[str, Any]
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    key: str | None = None


class _Yaml:
    def __init__(self, text: str, path: str, texts: frozenset[str] = text_fields()):
        self.texts = texts
        loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader  # only its parser is used
        self.libyaml = loader is not yaml.SafeLoader
        self.events, self.path = yaml.parse(text, Loader=loader), path
        self.resolver, self.constructor = yaml.resolver.Resolver(), yaml.constructor.SafeConstructor()

    def close(self) -> None:
        getattr(self.events, "close", lambda: None)()  # a generator

    def at(self, ev: yaml.Event, code: str, message: str, hint: str | None) -> InputError:
        m, end = ev.start_mark, ev.end_mark
        width = end.column - m.column if m is not None and end is not None and end.line == m.line else 1
        return _error(code, message, self.path, *_where(ev), hint, width)

    def next(self) -> yaml.Event:
        """The next event; an alias, anchor or tag is refused where it stands."""
        ev = next(self.events)
        if isinstance(ev, yaml.AliasEvent):
            raise self.at(ev, "E809", f"YAML alias `*{ev.anchor}`: project files do not use aliases", IN_FULL_HINT)
        if isinstance(ev, yaml.NodeEvent) and ev.anchor is not None:
            raise self.at(ev, "E809", f"YAML anchor `&{ev.anchor}`: project files do not use anchors and aliases",
                          IN_FULL_HINT)
        tag = getattr(ev, "tag", None)
        if tag is not None:
            shown = "!!" + tag[len(_YAML_CORE):] if tag.startswith(_YAML_CORE) else tag
            raise self.at(ev, "E809", f"YAML tag `{shown}`: project files do not use tags",
                          "remove the tag and write the plain value; quote text that looks like a number: \"0123\"")
        return ev

    def records(self) -> list[Record]:
        self.next()  # stream start
        if isinstance(self.next(), yaml.StreamEndEvent):  # empty, or only comments
            return []
        root = self.next()
        if isinstance(root, yaml.SequenceStartEvent):
            records = self.project_list()
        elif isinstance(root, yaml.MappingStartEvent):  # {projects: [...]}: other keys are read, not used
            found: list[Record] | None = None
            seen: dict[str, tuple[int, int]] = {}
            while not isinstance(ev := self.next(), yaml.MappingEndEvent):
                key, value = self.key(ev, seen), self.next()
                if key == "projects" and isinstance(value, yaml.SequenceStartEvent):
                    found = self.project_list()
                elif key == "projects":
                    raise self.at(value, "E800", "`projects` holds a list of projects", "projects:\n" + LIST_HINT)
                elif not isinstance(value, yaml.ScalarEvent):
                    self.build(value, 1)  # read, so checked
            if found is None:
                raise self.at(root, "E800", "a project file holds a list of projects", LIST_HINT)
            records = found
        elif isinstance(root, yaml.ScalarEvent) and self.scalar(root) is None:
            records = []  # `---` alone, or `null`
        else:
            raise self.at(root, "E800", "a project file holds a list of projects", LIST_HINT)
        self.next()  # document end
        if not isinstance(ev := self.next(), yaml.StreamEndEvent):
            raise self.at(ev, "E800", "the project file holds more than one YAML document",
                          "keep all the projects in one list: remove the second `---`")
        return records

    def project_list(self) -> list[Record]:
        records: list[Record] = []
        while not isinstance(ev := self.next(), yaml.SequenceEndEvent):
            if not isinstance(ev, yaml.MappingStartEvent):
                raise self.at(ev, "E800", "each project is a mapping of fields", "- {id: p1, foreign: true}")
            built = self.build(ev, 1)
            assert isinstance(built.value, dict)
            records.append(Record(built.value, _where(ev)[0], {k: at[0] for k, at in built.seen.items()}))
        return records

    def key(self, ev: yaml.Event, seen: dict[str, tuple[int, int]]) -> str:
        """A mapping's key as written; E808 where the mapping has it already (`seen`: key -> (line, column))."""
        if not isinstance(ev, yaml.ScalarEvent):
            raise self.at(ev, "E800", "a key is a list or a mapping", "keys are names: registered_capital: 4000万美元")
        if ev.value == "<<" and ev.implicit[0]:
            raise self.at(ev, "E809", "YAML merge key `<<`: project files do not use merge keys", IN_FULL_HINT)
        here = _where(ev)
        if ev.value in seen:
            raise self.at(ev, "E808", _twice(ev.value, "mapping", seen[ev.value], here), DUPLICATE_HINT)
        seen[ev.value] = here
        return str(ev.value)

    def build(self, first: yaml.Event, depth: int) -> _Open:
        """The list or mapping starting with event `first`, `depth` levels below the root (no recursion)."""
        stack = [root := _Open({} if isinstance(first, yaml.MappingStartEvent) else [])]
        while stack:
            top, ev = stack[-1], self.next()
            if isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                stack.pop()
            elif isinstance(top.value, dict) and top.key is None:
                top.key = self.key(ev, top.seen)
            else:
                v: Any
                if isinstance(ev, yaml.ScalarEvent) and len(stack) == 1 and top.key in self.texts and \
                        not (ev.implicit[0] and ev.value in ("", "~", "null", "Null", "NULL")):
                    v = ev.value  # as written: `id: 0123` is 0123 (not octal 83), `referral: no` is `no`
                elif isinstance(ev, yaml.ScalarEvent):
                    v = self.scalar(ev)
                elif depth + len(stack) >= MAX_DEPTH:
                    raise _too_deep(self.path, *_where(ev))
                else:
                    stack.append(_Open({} if isinstance(ev, yaml.MappingStartEvent) else []))
                    v = stack[-1].value
                if isinstance(top.value, dict):
                    top.value[str(top.key)], top.key = v, None
                else:
                    top.value.append(v)
        return root

    def scalar(self, ev: yaml.ScalarEvent) -> Any:
        text = ev.value
        if not ev.implicit[0]:  # quoted: text
            return text
        tag = self.resolver.resolve(yaml.ScalarNode, text, ev.implicit)[len(_YAML_CORE):]
        if tag in ("null", "bool"):
            return None if tag == "null" else self.constructor.bool_values[text.lower()]
        try:
            if tag == "int":
                return self.constructor.construct_yaml_int(yaml.ScalarNode(tag, text))
            if tag == "float":
                x = self.constructor.construct_yaml_float(yaml.ScalarNode(tag, text))
                return None if math.isnan(x) else x
        except (ValueError, OverflowError) as e:  # an integer of more than 4300 digits
            raise self.at(ev, "E800", f"`{text[:40]}` cannot be read as a number: {e}", "write a shorter number") from None
        return text  # str, timestamps (as written), and the rest


# ------------------------------------------------------------------ JSON

def json_records(text: str, path: str) -> list[Record]:
    """The projects of a JSON document: an array of objects, or `{"projects": [...]}`."""
    check_size(text, "json", path)
    return _Json(text, path).records()


class _DuplicateKeyError(Exception):
    """Raised by the decoder's hook on an object with a key given twice."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(d := dict(pairs)) != len(pairs):
        raise _DuplicateKeyError
    return d


class _Json:
    def __init__(self, text: str, path: str):
        self.text, self.path = text, path
        self.decoder = json.JSONDecoder(object_pairs_hook=_pairs,  # NaN is None; ±Infinity stay floats
                                        parse_constant=lambda name: None if name == "NaN" else float(name))
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]  # matches the empty string

    def where(self, offset: int) -> tuple[int, int]:  # (line, column), 1-based
        n = bisect.bisect_left(self.newlines, offset)
        return n + 1, offset - (self.newlines[n - 1] + 1 if n else 0) + 1

    def at(self, offset: int, code: str, message: str, hint: str | None) -> InputError:
        return _error(code, message, self.path, *self.where(offset), hint)

    def decode(self, i: int) -> tuple[Any, int]:
        """The JSON value at offset i and the offset after it."""
        try:
            return self.decoder.raw_decode(self.text, i)
        except json.JSONDecodeError as e:
            raise self.at(e.pos, "E800", f"the project file is not valid JSON: {e.msg}", JSON_HINT) from None
        except _DuplicateKeyError:
            try:
                self.scan(i, 0)  # finds the key given twice and raises E808 naming both lines
            except (_DuplicateKeyError, ValueError, IndexError, RecursionError):
                pass
            raise self.at(i, "E808", "a key is given twice in one object", DUPLICATE_HINT) from None
        except RecursionError:
            raise _too_deep(self.path, *self.where(i)) from None
        except ValueError as e:  # an integer of more than 4300 digits
            raise self.at(i, "E800", f"a value cannot be read: {e}", "write a shorter number") from None

    def items(self, i: int, close: str, item: Callable[[int], int]) -> int:
        """Read the items of the list or object at i with `item` (offset -> end); the end of it all."""
        t = self.text
        j = self.ws(i + 1)
        if t[j:j + 1] == close:
            return j + 1
        while True:
            j = self.ws(item(j))
            if t[j:j + 1] == close:
                return j + 1
            if t[j:j + 1] != ",":
                self.decode(i)  # json's own message for the broken value
                raise self.at(j, "E800", f"the project file is not valid JSON: expected `,` or `{close}`", JSON_HINT)
            j = self.ws(j + 1)

    def member(self, i: int, seen: dict[str, int], value: Callable[[str, int], int]) -> int:
        """Read one `"key": value` of an object (`seen`: key -> offset), the value with `value`."""
        key, j = self.decode(i) if self.text[i:i + 1] == '"' else (None, i)
        j = self.ws(j)
        if not isinstance(key, str) or self.text[j:j + 1] != ":":
            raise self.at(i, "E800", "the project file is not valid JSON: expected a key in double quotes, then `:`",
                          JSON_HINT)
        if key in seen:
            raise self.at(i, "E808", _twice(key, "object", self.where(seen[key]), self.where(i)), DUPLICATE_HINT)
        seen[key] = i
        return value(key, self.ws(j + 1))

    def scan(self, i: int, depth: int) -> int:
        """Walk the (valid) value at i, `depth` levels down, in document order: E808 at the first key
        given twice, E800 at the first list or mapping MAX_DEPTH levels down."""
        if self.text[i] in "{[" and depth >= MAX_DEPTH:
            raise _too_deep(self.path, *self.where(i))
        if self.text[i] == "{":
            seen: dict[str, int] = {}
            return self.items(i, "}", lambda j: self.member(j, seen, lambda _, v: self.scan(v, depth + 1)))
        if self.text[i] == "[":
            return self.items(i, "]", lambda j: self.scan(j, depth + 1))
        return self.decoder.raw_decode(self.text, i)[1]

    def records(self) -> list[Record]:
        t = self.text
        i = self.ws(1 if t.startswith("\ufeff") else 0)
        found: list[list[Record]] = []
        seen: dict[str, int] = {}
        if i == len(t):
            return []
        if t[i] == "{":  # {"projects": [...]}: other keys are read, not used
            end = self.items(i, "}", lambda j: self.member(j, seen, lambda key, v: self.root_value(key, v, found)))
            if not found:
                raise self.at(i, "E800", "a project file holds a list of projects", JSON_LIST_HINT)
        elif t[i] == "[":
            end = self.project_list(i, found)
        else:
            value, end = self.decode(i)
            if value is not None:
                raise self.at(i, "E800", "a project file holds a list of projects", JSON_LIST_HINT)
        if (j := self.ws(end)) != len(t):
            self.decode(j)  # the error for what follows, if it is not JSON itself
            raise self.at(j, "E800", "the project file goes on after its list of projects",
                          "a JSON project file is one list: [{…}, {…}]; for one project per line use JSON Lines (.jsonl)")
        return found[0] if found else []

    def root_value(self, key: str, i: int, found: list[list[Record]]) -> int:
        if key != "projects":
            return self.decode(i)[1]
        if self.text[i:i + 1] != "[":
            self.decode(i)
            raise self.at(i, "E800", "`projects` holds a list of projects", '{"projects": [{"id": "p1"}]}')
        return self.project_list(i, found)

    def project_list(self, i: int, found: list[list[Record]]) -> int:
        records: list[Record] = []
        found.append(records)
        return self.items(i, "]", lambda j: self.project(j, records))

    def project(self, i: int, records: list[Record]) -> int:
        t, line = self.text, self.where(i)[0]
        value, end = self.decode(i)
        if not isinstance(value, dict):
            raise self.at(i, "E800", "each project is a mapping of fields", '{"id": "p1", "foreign": true}')
        if t.count("[", i, end) + t.count("{", i, end) >= MAX_DEPTH - 1:  # could nest too deep: walk it
            self.scan(i, 1)
        one_line = not value or t.find("\n", i, end) < 0
        lines = dict.fromkeys(value, line) if one_line else self.line_keys(i, end, list(value)) or self.member_lines(i)
        records.append(Record(value, line, lines))
        return end

    def line_keys(self, i: int, end: int, keys: list[str]) -> dict[str, int] | None:
        """Lines of the object's keys if each starts a line (pretty JSON; a JSON string holds no raw line
        break, so a line starting `"key":` starts with a key; the object's are indented like its first)."""
        rows = self.text[i:end].split("\n")
        prefix = rows[1][: len(rows[1]) - len(rows[1].lstrip(" \t"))] + '"'
        at = [n for n, row in enumerate(rows) if row.startswith(prefix)]
        if len(at) != len(keys):
            return None
        for n, k in zip(at, keys, strict=True):
            rest = rows[n][len(prefix):]
            if not rest.startswith(k + '"') or not rest[len(k) + 1:].lstrip(" \t").startswith(":"):
                return None
        line = self.where(i)[0]
        return {k: line + n for n, k in zip(at, keys, strict=True)}

    def member_lines(self, i: int) -> dict[str, int]:
        """The line of each key of the (valid) object at i, read key by key."""
        seen: dict[str, int] = {}
        self.items(i, "}", lambda j: self.member(j, seen, lambda _, v: self.decode(v)[1]))
        return {k: self.where(o)[0] for k, o in seen.items()}
