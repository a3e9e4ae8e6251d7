"""Project files in: YAML, JSON and CSV records, with the line each record and field came from.

Every problem is a Diagnostic naming the file and the row's line (YAML/JSON records by the
line where they start, CSV rows by their line), with a hint.  `load_projects` and
`from_dicts` go on through compare.data.validate to a ProjectBatch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from compare.data.records import InputError, Record
from compare.data.validate import validate
from compare.engine.batch import ProjectBatch
from dsl.ast import Span
from dsl.diagnostics import Diagnostic


def _yaml_records(text: str, path: str) -> list[Record]:
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError([Diagnostic("E800", f"the project file is not valid YAML/JSON: {getattr(e, 'problem', e)}",
                                     Span(path, line, col, line, col + 1), "check brackets, quotes and indentation")]) from None
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):  # {projects: [...]} is accepted too
        for k, v in root.value:
            if k.value == "projects":
                root = v
                break
    if not isinstance(root, yaml.SequenceNode):
        raise InputError([Diagnostic("E800", "a project file holds a list of projects",
                                     Span(path, root.start_mark.line + 1, 1, root.start_mark.line + 1, 2),
                                     "- {id: p1, registered_capital: 4000万美元, foreign: true}")])
    records = []
    for node in root.value:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            raise InputError([Diagnostic("E800", "each project is a mapping of fields",
                                         Span(path, line, node.start_mark.column + 1, line, node.start_mark.column + 2),
                                         "- {id: p1, foreign: true}")])
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for k, v in node.value:
            values[str(k.value)] = yaml.SafeLoader(io.StringIO("")).construct_object(v, deep=True)
            lines[str(k.value)] = k.start_mark.line + 1
        records.append(Record(values, line, lines))
    return records


def _csv_records(text: str, path: str) -> list[Record]:
    rows_with_lines = []
    reader = csv.reader(io.StringIO(text), strict=True)
    row_start = 1  # a quoted cell may span lines: a row is named by the line it starts on
    try:
        for row in reader:
            rows_with_lines.append((row_start, row))
            row_start = reader.line_num + 1
    except csv.Error as e:
        raise InputError([Diagnostic("E807", f"malformed CSV: {e}", Span(path, row_start, 1, row_start, 2),
                                     "quote fields that contain commas or line breaks; close every quote")]) from None
    rows_with_lines = [(n, r) for n, r in rows_with_lines if any(c.strip() for c in r)]
    if not rows_with_lines:
        return []
    header_line, header = rows_with_lines[0]
    header = [h.strip().lstrip("\ufeff") for h in header]
    records = []
    for line, row in rows_with_lines[1:]:
        if len(row) != len(header):
            raise InputError([Diagnostic("E807", f"row has {len(row)} cells but the header has {len(header)}",
                                         Span(path, line, 1, line, 2), "every row has one cell per column")])
        values = {h: c for h, c in zip(header, row, strict=True) if c.strip() != "" or h == "id"}
        records.append(Record(values, line, {h: line for h in header}))
    return records


def read_records(path: Path) -> list[Record]:
    p = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError([Diagnostic("E800", f"cannot read the project file: {e.strerror or e}",
                                     Span(p, 1, 1, 1, 1), None)]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError([Diagnostic("E800", f"invalid UTF-8 byte 0x{data[e.start]:02x}",
                                     Span(p, line, 1, line, 2), "save the file as UTF-8")]) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_records(text, p)
    if suffix in (".yaml", ".yml", ".json"):
        return _yaml_records(text, p)
    raise InputError([Diagnostic("E800", f"unknown project file type `{path.suffix}`", Span(p, 1, 1, 1, 1),
                                 "project files are .yaml, .yml, .json or .csv")])



def load_projects(path: Path) -> ProjectBatch:
    return validate(read_records(path), str(path))


def from_dicts(rows: Iterable[Mapping[str, Any]]) -> ProjectBatch:
    """The Python API: a list of dicts (or a pandas DataFrame's records)."""
    records = [Record(dict(r), i + 1) for i, r in enumerate(rows)]
    return validate(records, "<records>")
