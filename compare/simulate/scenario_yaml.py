"""A scenario's YAML, read safely, with the span of every key and value (`scenario` checks it).

Built here from parser events (libyaml's where PyYAML has it), as `compare.data.document` does for
project files, so no constructor that honours tags runs: tags, anchors, aliases and merge keys are
refused where they stand (E902); a syntax error is E900 at its line.  A key given twice in one
mapping is E903 naming both lines; all of them are collected (the first value is kept) so that
they are reported with the schema's errors.  Values are plain (str, int, float, bool, None, list,
dict with the keys as written); YAML 1.1 as PyYAML reads it, except that a plain scalar with a colon
(`3:7`, a number in base 60 for YAML 1.1), `.nan`/`.inf` and timestamps stay text as written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from dsl.ast import Span
from dsl.diagnostics import Diagnostic

Key = str | int
KeyPath = tuple[Key, ...]
MAX_DEPTH = 32

_CORE = "tag:yaml.org,2002:"
_IN_FULL = "write the values out in full: scenario files are plain data"


class YamlError(Exception):
    """The document cannot be read (E900, E902): the diagnostic where it stops."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass(frozen=True)
class Spans:
    """Where each key path is: the span of its key (a list item's: the item) and of its value."""

    file: str
    keys: dict[KeyPath, Span] = field(default_factory=dict)
    values: dict[KeyPath, Span] = field(default_factory=dict)

    def at(self, path: KeyPath, value: bool = False) -> Span:
        """The span of `path`'s key (or value); a path not in the file gives its nearest ancestor's."""
        spans = self.values if value else self.keys
        while path not in spans and path:
            path = path[:-1]
        return spans.get(path, Span(self.file, 1, 1, 1, 2))


def read_yaml(text: str, path: str) -> tuple[Any, Spans, list[Diagnostic]]:
    """The document's value (None when empty), where its keys are, and the keys given twice (E903)."""
    reader = _Reader(text, path)
    try:
        return reader.read(), reader.spans, reader.duplicates
    except yaml.MarkedYAMLError as e:
        m = e.problem_mark or e.context_mark
        line, col = (m.line + 1, m.column + 1) if m is not None else (1, 1)
        raise _error("E900", f"the scenario file is not valid YAML: {e.problem or e.context or e} (line {line})",
                     Span(path, line, col, line, col + 1),
                     "check indentation (spaces, not tabs), brackets, quotes and `key: value`") from None
    except (yaml.YAMLError, UnicodeEncodeError) as e:  # a character YAML does not allow; a lone surrogate
        pos = e.start if isinstance(e, UnicodeEncodeError) else getattr(e, "position", 0)
        if reader.libyaml and not isinstance(e, UnicodeEncodeError):  # libyaml counts UTF-8 bytes
            pos = len(text.encode("utf-8", "surrogatepass")[:pos].decode("utf-8", "ignore"))
        line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        raise _error("E900", f"the scenario file is not valid YAML: {getattr(e, 'reason', e)} (line {line})",
                     Span(path, line, col, line, col + 1), "remove control characters; save the file as UTF-8") from None
    finally:
        getattr(reader.events, "close", lambda: None)()


def _error(code: str, message: str, span: Span, hint: str | None) -> YamlError:
    return YamlError(Diagnostic(code, message, span, hint))


def dotted(path: KeyPath) -> str:
    """`reforms[1].set`, `portfolio.sample.size`; a key that is not a plain name in brackets."""
    out = ""
    for k in path:
        plain = isinstance(k, str) and k.replace("_", "a").replace("-", "a").replace("+", "a").isalnum()
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else k) if plain else f'["{k}"]'
    return out


@dataclass(slots=True)
class _Open:
    """A list or mapping being built: its value, its path, where its keys are, the key awaiting a value."""

    value: dict[str, Any] | list[Any]
    path: KeyPath
    seen: dict[str, Span] = field(default_factory=dict)
    key: str | None = None


class _Reader:
    def __init__(self, text: str, path: str):
        loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader  # only its parser is used
        self.libyaml, self.path = loader is not yaml.SafeLoader, path
        self.events = yaml.parse(text, Loader=loader)
        self.resolver, self.constructor = yaml.resolver.Resolver(), yaml.constructor.SafeConstructor()
        self.spans = Spans(path)
        self.duplicates: list[Diagnostic] = []
        self.sentinels: set[str] = set()  # the keys under which the second value of a key given twice is read

    def span(self, ev: yaml.Event) -> Span:
        m, e = ev.start_mark, ev.end_mark
        if m is None:
            return Span(self.path, 1, 1, 1, 2)
        end = e.column + 1 if e is not None and e.line == m.line and e.column > m.column else m.column + 2
        return Span(self.path, m.line + 1, m.column + 1, m.line + 1, end)

    def next(self) -> yaml.Event:
        """The next event; an alias, anchor or tag is refused where it stands (E902)."""
        ev = next(self.events)
        if isinstance(ev, yaml.AliasEvent):
            raise _error("E902", f"YAML alias `*{ev.anchor}`: scenario files do not use aliases", self.span(ev), _IN_FULL)
        if isinstance(ev, yaml.NodeEvent) and ev.anchor is not None:
            raise _error("E902", f"YAML anchor `&{ev.anchor}`: scenario files do not use anchors and aliases",
                         self.span(ev), _IN_FULL)
        if (tag := getattr(ev, "tag", None)) is not None:
            shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
            raise _error("E902", f"YAML tag `{shown}`: scenario files do not use tags", self.span(ev),
                         "remove the tag and write the plain value; quote text that looks like a number: \"0123\"")
        return ev

    def read(self) -> Any:
        self.next()  # stream start
        if isinstance(self.next(), yaml.StreamEndEvent):  # empty, or only comments
            return None
        value = self.node(self.next())
        self.next()  # document end
        if not isinstance(ev := self.next(), yaml.StreamEndEvent):
            raise _error("E900", "the scenario file holds more than one YAML document", self.span(ev),
                         "one scenario a file: remove the second `---`")
        return value

    def node(self, first: yaml.Event) -> Any:
        """The document's value, starting with event `first` (no recursion: a stack of open containers)."""
        keys, values = self.spans.keys, self.spans.values
        keys[()] = values[()] = self.span(first)
        if isinstance(first, yaml.ScalarEvent):
            return self.scalar(first)
        root = _Open({} if isinstance(first, yaml.MappingStartEvent) else [], ())
        stack, dropped = [root], []
        while stack:
            top, ev = stack[-1], self.next()
            if isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                stack.pop()
                continue
            if isinstance(top.value, dict) and top.key is None:
                top.key = self.key(ev, top)
                continue
            sub = top.path + ((top.key or "",) if isinstance(top.value, dict) else (len(top.value),))
            values[sub] = self.span(ev)
            if isinstance(top.value, list):
                keys[sub] = values[sub]
            v: Any
            if isinstance(ev, yaml.ScalarEvent):
                v = self.scalar(ev)
            elif len(stack) >= MAX_DEPTH:
                raise _error("E900", f"a value is nested more than {MAX_DEPTH} levels deep", self.span(ev),
                             "a scenario's values are shallow: see the format in the documentation")
            else:
                stack.append(_Open({} if isinstance(ev, yaml.MappingStartEvent) else [], sub))
                v = stack[-1].value
            if isinstance(top.value, dict):
                key, top.key = top.key or "", None
                top.value[key] = v
                if key in self.sentinels:
                    dropped.append((top.value, key))
            else:
                top.value.append(v)
        for mapping, key in dropped:  # the second value of a key given twice: read and checked, not kept
            mapping.pop(key, None)
        return root.value

    def key(self, ev: yaml.Event, top: _Open) -> str:
        span = self.span(ev)
        if not isinstance(ev, yaml.ScalarEvent):
            raise _error("E900", "a key is a list or a mapping", span, "keys are names: `name: wuxi-fdi-cap`")
        if ev.value == "<<" and ev.implicit[0]:
            raise _error("E902", "YAML merge key `<<`: scenario files do not use merge keys", span, _IN_FULL)
        first = top.seen.get(ev.value)
        if first is not None:
            where = f"at lines {first.line} and {span.line}" if first.line != span.line else \
                f"at line {span.line}, columns {first.column} and {span.column}"
            self.duplicates.append(Diagnostic(
                "E903", f"`{ev.value}` is given twice in {f'`{dotted(top.path)}`' if top.path else 'the scenario'}, "
                f"{where}", span, "keep one of them: otherwise one would silently replace the other"))
            self.sentinels.add(sentinel := f"\0{len(self.duplicates)}\0twice")
            return sentinel
        top.seen[ev.value] = self.spans.keys[top.path + (ev.value,)] = span
        return str(ev.value)

    def scalar(self, ev: yaml.ScalarEvent) -> Any:
        text = ev.value
        if not ev.implicit[0]:  # quoted: text
            return text
        tag = self.resolver.resolve(yaml.ScalarNode, text, ev.implicit)[len(_CORE):]
        if tag == "null":
            return None
        if tag == "bool":
            return self.constructor.bool_values[text.lower()]
        if tag in ("int", "float") and ":" not in text:  # `3:7` is a ratio, not 187 (YAML 1.1 base 60)
            try:
                node = yaml.ScalarNode(_CORE + tag, text)
                x = self.constructor.construct_yaml_int(node) if tag == "int" else \
                    self.constructor.construct_yaml_float(node)
            except (ValueError, OverflowError) as e:  # an integer of more than 4300 digits
                raise _error("E900", f"`{text[:40]}` cannot be read as a number: {e}", self.span(ev),
                             "write a shorter number") from None
            return x if not isinstance(x, float) or math.isfinite(x) else text
        return text  # text, timestamps as written, `3:7`
