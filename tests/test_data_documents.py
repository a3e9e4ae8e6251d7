"""Project records from YAML, JSON and .xlsx files: malformed and hostile inputs give errors with a
place and a hint, never a traceback; values and line numbers are exact."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from compare.data import document
from compare.data.document import check_size, json_records, yaml_records
from compare.data.records import InputError, Record
from compare.data.xlsx import column_letters, number_text, read_xlsx

openpyxl = pytest.importorskip("openpyxl")


def error(read: Callable[[], object]) -> tuple[str, int, int, str, str | None]:
    """(code, line, column, message, hint) of the one error `read` raises."""
    with pytest.raises(InputError) as e:
        read()
    [d] = e.value.diagnostics
    return d.code, d.span.line, d.span.column, d.message, d.hint


def rows(records: list[Record]) -> list[tuple[dict[str, object], int, dict[str, int]]]:
    return [(r.values, r.line, r.field_lines) for r in records]


@pytest.fixture(params=["libyaml", "pure"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every YAML test runs with libyaml's parser and with PyYAML's own."""
    if request.param == "pure":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    return str(request.param)


# ------------------------------------------------------------------ YAML: hostile input

@pytest.mark.parametrize(("text", "line", "col", "shown"), [
    ('- id: p1\n  x: !!python/object/apply:os.system ["touch {marker}"]\n', 2, 6, "!!python/object/apply:os.system"),
    ("- {id: p1, x: !custom 3}\n", 1, 15, "!custom"),
    ("- id: !!str p1\n", 1, 7, "!!str"),
    ("- id: ! p1\n", 1, 7, "!"),
    ("- !!map {id: p1}\n", 1, 3, "!!map"),
])
def test_yaml_tags_are_refused_where_they_stand(loader: str, tmp_path: Path, text: str, line: int, col: int,
                                               shown: str) -> None:
    marker = tmp_path / "ran"
    assert error(lambda: yaml_records(text.replace("{marker}", str(marker)), "p.yaml")) == (
        "E809", line, col, f"YAML tag `{shown}`: project files do not use tags",
        'remove the tag and write the plain value; quote text that looks like a number: "0123"')
    assert not marker.exists()


def test_an_alias_bomb_is_refused_at_its_first_anchor_in_milliseconds(loader: str) -> None:
    names = "abcdefghi"
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip(names, names[1:], strict=False))
    assert len(text.encode()) < 400  # 9^9 "lol"s when expanded
    start = time.perf_counter()
    code, line, col, message, hint = error(lambda: yaml_records(text, "bomb.yaml"))
    assert time.perf_counter() - start < 1.0
    assert (code, line, col) == ("E809", 1, 4)
    assert message == "YAML anchor `&a`: project files do not use anchors and aliases"
    assert hint == "write each project's fields out in full"


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    ("- *base\n", 1, 3, "YAML alias `*base`: project files do not use aliases"),
    ("- &p1 {id: p1}\n- *p1\n", 1, 3, "YAML anchor `&p1`: project files do not use anchors and aliases"),
    ("- {id: p2, <<: {foreign: true}}\n", 1, 12, "YAML merge key `<<`: project files do not use merge keys"),
])
def test_yaml_aliases_anchors_and_merge_keys_are_refused(loader: str, text: str, line: int, col: int,
                                                        message: str) -> None:
    assert error(lambda: yaml_records(text, "p.yaml"))[:4] == ("E809", line, col, message)


def test_a_yaml_key_given_twice_names_both_lines(loader: str) -> None:
    text = "- id: p1\n  registered_capital: 4000万美元\n  foreign: true\n  registered_capital: 10万美元\n"
    assert error(lambda: yaml_records(text, "p.yaml")) == (
        "E808", 4, 3, "`registered_capital` is given twice in one mapping, at lines 2 and 4",
        "keep one of them: otherwise one value would silently replace the other")


def test_a_key_twice_in_a_nested_yaml_mapping_on_one_line_names_both_columns(loader: str) -> None:
    text = "- id: p1\n  registered_capital: {amount: 1, amount: 2}\n"
    assert error(lambda: yaml_records(text, "p.yaml"))[:4] == (
        "E808", 2, 35, "`amount` is given twice in one mapping, at line 2, columns 24 and 35")


def test_projects_given_twice_at_the_root_is_an_error(loader: str) -> None:
    text = "projects:\n  - {id: p1}\nprojects: []\n"
    assert error(lambda: yaml_records(text, "p.yaml"))[:4] == (
        "E808", 3, 1, "`projects` is given twice in one mapping, at lines 1 and 3")


# ------------------------------------------------------------------ YAML: values

def test_yaml_values_are_plain_python(loader: str) -> None:
    text = ("- id: p1\n"
            "  quality_score: .nan\n"
            "  registered_capital: .inf\n"
            "  total_investment: -.inf\n"
            "  fdi_arrived: {amount: lots}\n"
            "  year: 2024-03-01\n"
            "  industry: 2024-02-30\n"
            "  referral: 2024-03-01 12:00:00\n"
            "  categories: [a, [b, {c: [1, 2.5, true, null]}]]\n"
            "  grade: '123'\n"
            "  foreign: yes\n"
            "  licensed:\n"
            "  paid_in_ratio: 0x1F\n")
    [(values, line, lines)] = rows(yaml_records(text, "p.yaml"))
    assert values == {"id": "p1", "quality_score": None, "registered_capital": float("inf"),
                      "total_investment": float("-inf"), "fdi_arrived": {"amount": "lots"}, "year": "2024-03-01",
                      "industry": "2024-02-30", "referral": "2024-03-01 12:00:00",
                      "categories": ["a", ["b", {"c": [1, 2.5, True, None]}]], "grade": "123", "foreign": True,
                      "licensed": None, "paid_in_ratio": 31}
    assert line == 1
    assert lines == {k: n for n, k in enumerate(values, start=1)}


def test_yaml_nan_inside_a_list_is_none_too(loader: str) -> None:
    assert yaml_records("- {id: p1, categories: [.nan, .NaN, 1.5]}", "p.yaml")[0].values["categories"] == [None, None, 1.5]


@pytest.mark.parametrize("text", ["", "\n\n", "# projects to come\n# none yet\n", "---\n", "---\n...\n", "[]", "null\n"])
def test_an_empty_yaml_file_has_no_projects(loader: str, text: str) -> None:
    assert yaml_records(text, "p.yaml") == []


def test_yaml_record_and_field_lines(loader: str) -> None:
    text = ("# projects\n"
            "- id: a\n"
            "  # a comment\n"
            "  foreign: true\n"
            "\n"
            "- {id: b, started: true}\n"
            "- id: c\n"
            "  registered_capital:\n"
            "    amount: 40000000\n"
            "    currency: USD\n"
            "  year: 2020\n")
    assert rows(yaml_records(text, "p.yaml")) == [
        ({"id": "a", "foreign": True}, 2, {"id": 2, "foreign": 4}),
        ({"id": "b", "started": True}, 6, {"id": 6, "started": 6}),
        ({"id": "c", "registered_capital": {"amount": 40000000, "currency": "USD"}, "year": 2020}, 7,
         {"id": 7, "registered_capital": 8, "year": 11}),
    ]


def test_yaml_projects_key_at_the_root(loader: str) -> None:
    text = "version: 1\nnotes: {a: [1, 2]}\nprojects:\n  - id: p1\n    foreign: true\n  - {id: p2}\n"
    assert rows(yaml_records(text, "p.yaml")) == [({"id": "p1", "foreign": True}, 4, {"id": 4, "foreign": 5}),
                                                 ({"id": "p2"}, 6, {"id": 6})]


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    ("id: p1\nforeign: true\n", 1, 1, "a project file holds a list of projects"),
    ("just text\n", 1, 1, "a project file holds a list of projects"),
    ("projects: 3\n", 1, 11, "`projects` holds a list of projects"),
    ("- id: p1\n- p2\n", 2, 3, "each project is a mapping of fields"),
    ("- [p1, p2]\n", 1, 3, "each project is a mapping of fields"),
    ("-\n", 1, 2, "each project is a mapping of fields"),
    ("- {id: p1, [a, b]: 1}\n", 1, 12, "a key is a list or a mapping"),
    ("- id: p1\n---\n- id: p2\n", 2, 1, "the project file holds more than one YAML document"),
])
def test_yaml_that_is_not_a_list_of_projects(loader: str, text: str, line: int, col: int, message: str) -> None:
    got = error(lambda: yaml_records(text, "p.yaml"))
    assert got[:4] == ("E800", line, col, message)
    assert got[4]  # each with a hint


def test_malformed_yaml_is_e800_at_the_spot(loader: str) -> None:
    code, line, col, message, hint = error(lambda: yaml_records("- {id: p1, foreign: true\n- id: p2\n", "p.yaml"))
    assert (code, line) == ("E800", 2)
    assert message.startswith("the project file is not valid YAML: ")
    assert hint == "check brackets, quotes and indentation"


def test_a_control_character_is_placed_by_characters_not_bytes(loader: str) -> None:
    code, line, col, message, _ = error(lambda: yaml_records("- id: p1\n- id: 半导体\x07\n", "p.yaml"))
    assert (code, line, col) == ("E800", 2, 10)
    assert message.startswith("the project file is not valid YAML: ")


def test_yaml_nested_too_deep_and_numbers_too_long_are_errors(loader: str) -> None:
    assert error(lambda: yaml_records("- x: " + "[" * 40 + "]" * 40, "p.yaml"))[:4] == (
        "E800", 1, 36, "a value is nested more than 32 levels deep")
    code, line, col, message, _ = error(lambda: yaml_records("- year: 1" + "0" * 5000, "p.yaml"))
    assert (code, line, col) == ("E800", 1, 9) and "cannot be read as a number" in message


# ------------------------------------------------------------------ sizes

@pytest.mark.parametrize(("read", "kind"), [(yaml_records, "YAML"), (json_records, "JSON")])
def test_a_document_too_large_is_refused_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch,
                                                             read: Callable[[str, str], list[Record]], kind: str) -> None:
    monkeypatch.setitem(document.MAX_DOCUMENT_BYTES, kind.lower(), 100)
    broken = "[" * 101  # a syntax error, if it were parsed
    assert error(lambda: read(broken, "big")) == (
        "E810", 1, 1, f"the project file is 0.0 MB; {kind} project files are read up to 0.0 MB",
        "for many projects use CSV, JSON Lines (.jsonl) or Parquet, which are read as columns")
    # counted in UTF-8 bytes: 42 characters, 122 bytes
    assert error(lambda: read('"' + "项" * 40 + '"', "big"))[:4] == (
        "E810", 1, 1, f"the project file is 0.0 MB; {kind} project files are read up to 0.0 MB")
    assert read(" " * 99, "small") == []


def test_check_size_from_a_byte_count() -> None:
    check_size(20 * 1024 * 1024, "yaml", "p.yaml")
    assert error(lambda: check_size(20 * 1024 * 1024 + 1, "yaml", "p.yaml"))[:4] == (
        "E810", 1, 1, "the project file is 20.0 MB; YAML project files are read up to 20.0 MB")
    check_size(100 * 1024 * 1024, "json", "p.json")
    assert error(lambda: check_size(300 * 1024 * 1024, "json", "p.json"))[3] == (
        "the project file is 300.0 MB; JSON project files are read up to 100.0 MB")


# ------------------------------------------------------------------ JSON

def test_json_record_and_key_lines_of_pretty_json() -> None:
    projects = [{"id": "p1", "registered_capital": "4000万美元", "categories": ["landmark", "hq"]},
                {"id": "p2", "foreign": True, "registered_capital": {"amount": 40000000, "currency": "USD"}}]
    text = json.dumps(projects, ensure_ascii=False, indent=2)
    assert rows(json_records(text, "p.json")) == [
        (projects[0], 2, {"id": 3, "registered_capital": 4, "categories": 5}),
        (projects[1], 10, {"id": 11, "foreign": 12, "registered_capital": 13}),
    ]


def test_json_lines_of_compact_and_oddly_laid_out_records() -> None:
    text = ('[{"id": "p1", "foreign": true}, {"id": "p2"},\n'
            ' {"id": "p3",\n'
            '  "x": {"a": 1,\n'
            '        "b": 2}, "y": 3}\n'
            ']')
    assert rows(json_records(text, "p.json")) == [
        ({"id": "p1", "foreign": True}, 1, {"id": 1, "foreign": 1}),
        ({"id": "p2"}, 1, {"id": 1}),
        ({"id": "p3", "x": {"a": 1, "b": 2}, "y": 3}, 2, {"id": 2, "x": 3, "y": 4}),
    ]


def test_json_projects_key_at_the_root() -> None:
    text = '{\n  "version": 1,\n  "projects": [\n    {"id": "p1"},\n    {\n      "id": "p2"\n    }\n  ]\n}\n'
    assert rows(json_records(text, "p.json")) == [({"id": "p1"}, 4, {"id": 4}), ({"id": "p2"}, 5, {"id": 6})]


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    ('[\n  {\n    "id": "p1",\n    "registered_capital": "4000万美元",\n    "registered_capital": "10万美元"\n  }\n]',
     5, 5, "`registered_capital` is given twice in one object, at lines 4 and 5"),
    ('[{"id": "p1", "registered_capital": "4000万美元",\n  "registered_capital": "10万美元"}]',
     2, 3, "`registered_capital` is given twice in one object, at lines 1 and 2"),
    ('[{"id": "p1", "x": [{"amount": 1, "amount": 2}]}]',
     1, 35, "`amount` is given twice in one object, at line 1, columns 22 and 35"),
    ('{"projects": [], "projects": [{"id": "p1"}]}',
     1, 18, "`projects` is given twice in one object, at line 1, columns 2 and 18"),
])
def test_a_json_key_given_twice_names_both_lines(text: str, line: int, col: int, message: str) -> None:
    assert error(lambda: json_records(text, "p.json")) == (
        "E808", line, col, message, "keep one of them: otherwise one value would silently replace the other")


def test_json_values() -> None:
    text = '[{"id": "p1", "a": NaN, "b": Infinity, "c": -Infinity, "d": 1e999, "e": {"amount": "lots"}, "f": null}]'
    assert json_records(text, "p.json")[0].values == {
        "id": "p1", "a": None, "b": float("inf"), "c": float("-inf"), "d": float("inf"), "e": {"amount": "lots"},
        "f": None}


@pytest.mark.parametrize("text", ["", "  \n\t", "null", "[]", "\ufeff[]", '{"projects": []}'])
def test_an_empty_json_file_has_no_projects(text: str) -> None:
    assert json_records(text, "p.json") == []


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    ('{"id": "p1"}', 1, 1, "a project file holds a list of projects"),
    ('"p1"', 1, 1, "a project file holds a list of projects"),
    ('{"projects": {"id": "p1"}}', 1, 14, "`projects` holds a list of projects"),
    ('[{"id": "p1"},\n "p2"]', 2, 2, "each project is a mapping of fields"),
    ('[{"id": "p1"},]', 1, 15, "the project file is not valid JSON: Expecting value"),
    ('[{"id": "p1"} {"id": "p2"}]', 1, 15, "the project file is not valid JSON: Expecting ',' delimiter"),
    ('[{"id": "p1"}', 1, 14, "the project file is not valid JSON: Expecting ',' delimiter"),
    ('[{"id": "p1"}]\n[]', 2, 1, "the project file goes on after its list of projects"),
    ('# projects\n[]', 1, 1, "the project file is not valid JSON: Expecting value"),
    ('[\n  {\n    "id": "p1"\n    "x": 2\n  }\n]', 4, 5, "the project file is not valid JSON: Expecting ',' delimiter"),
    ('[{"x": ' + "[" * 40 + "]" * 40 + "}]", 1, 38, "a value is nested more than 32 levels deep"),
    ('[{"x": ' + "[" * 100000 + "]" * 100000 + "}]", 1, 2, "a value is nested more than 32 levels deep"),
])
def test_json_that_is_not_a_list_of_projects(text: str, line: int, col: int, message: str) -> None:
    got = error(lambda: json_records(text, "p.json"))
    assert got[:4] == ("E800", line, col, message)
    assert got[4]  # each with a hint


def test_a_large_json_file_is_read_quickly_with_its_lines() -> None:
    projects = [{"id": f"p{i}", "registered_capital": "4000万美元", "foreign": True, "categories": ["landmark"]}
                for i in range(10_000)]
    text = json.dumps(projects, ensure_ascii=False, indent=2)
    start = time.perf_counter()
    records = json_records(text, "p.json")
    assert time.perf_counter() - start < 2.0  # ~0.1 s; the YAML parser took ~10 s
    assert len(records) == 10_000
    first = 2 + 8 * 9_999  # each record takes 8 lines: {, four keys, the category, ], }
    assert (records[-1].line, records[-1].field_lines) == (
        first, {"id": first + 1, "registered_capital": first + 2, "foreign": first + 3, "categories": first + 4})


# ------------------------------------------------------------------ xlsx

def _save(wb: object, path: Path) -> Path:
    wb.save(path)  # type: ignore[attr-defined]
    return path


def _rewrite_sheet(path: Path, change: Callable[[str], str], member: str = "xl/worksheets/sheet1.xml") -> None:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[member] = change(parts[member].decode()).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _projects_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "see the other sheet"
    ws = wb.create_sheet("Projects")
    for ref, value in {"B3": " id ", "C3": "registered_capital", "D3": "paid_in_ratio", "E3": "foreign", "F3": "seen",
                       "G3": "year", "B5": "p1", "C5": 4000, "D5": 0.35, "E5": True, "F5": dt.datetime(2024, 3, 1),
                       "G5": 2020, "B8": "p2", "C8": "1.5亿元", "D8": 1e-7, "E8": False,
                       "F8": dt.datetime(2024, 3, 1, 8, 30), "G8": 2021, "B9": "   ", "B10": "p3", "C10": 2.5e20,
                       "D10": 1.0}.items():
        ws[ref] = value
    return _save(wb, path)


def test_xlsx_named_sheet_as_columns(tmp_path: Path) -> None:
    table, numbers = read_xlsx(_projects_workbook(tmp_path / "p.xlsx"), "Projects")
    assert table.to_pydict() == {
        "id": ["p1", "p2", "p3"],
        "registered_capital": ["4000", "1.5亿元", "250000000000000000000"],  # mixed: text, as Excel shows numbers
        "paid_in_ratio": [0.35, 1e-7, 1.0],
        "foreign": [True, False, None],
        "seen": ["2024-03-01", "2024-03-01T08:30:00", None],
        "year": [2020, 2021, None],
    }
    assert [str(t) for t in table.schema.types] == ["string", "string", "double", "bool", "string", "int64"]
    assert numbers == [5, 8, 10]  # rows 4, 6, 7 and 9 (only spaces) are empty
    assert column_letters(table) == {"id": "B", "registered_capital": "C", "paid_in_ratio": "D", "foreign": "E",
                                     "seen": "F", "year": "G"}
    assert table.schema.field("year").metadata == {b"column": b"G"}


def test_xlsx_first_sheet_by_default(tmp_path: Path) -> None:
    table, numbers = read_xlsx(_projects_workbook(tmp_path / "p.xlsx"), None)
    assert (table.to_pydict(), numbers, column_letters(table)) == ({"see the other sheet": []}, [], {
        "see the other sheet": "A"})


def test_xlsx_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = _projects_workbook(tmp_path / "p.xlsx")
    assert error(lambda: read_xlsx(path, "projects")) == (
        "E800", 1, 1, "no sheet `projects` in the workbook; its sheets: `Notes`, `Projects`", "did you mean `Projects`?")
    assert error(lambda: read_xlsx(path, "2024"))[4] == "give --sheet one of these names"


@pytest.mark.parametrize(("value", "text"), [(4000, "4000"), (4000.0, "4000"), (0.35, "0.35"), (1e-7, "0.0000001"),
                                             (1.5e20, "150000000000000000000"), (-2.5, "-2.5"), (True, "true")])
def test_number_text_is_never_scientific(value: float, text: str) -> None:
    assert number_text(value) == text


def test_xlsx_mixed_column_of_numbers_and_text(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in [["id", "registered_capital", "flag"], ["p1", 4000, True], ["p2", 0.35, "yes"], ["p3", "4000万美元", 1],
                ["p4", 12, None]]:
        wb.active.append(row)
    table, numbers = read_xlsx(_save(wb, tmp_path / "m.xlsx"), None)
    assert table.to_pydict() == {"id": ["p1", "p2", "p3", "p4"], "registered_capital": ["4000", "0.35", "4000万美元", "12"],
                                 "flag": ["true", "yes", "1", None]}
    assert numbers == [2, 3, 4, 5]


def test_xlsx_rows_past_a_wrong_stated_size_are_read(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in [["id", "year"], ["p1", 2020], ["p2", 2021], ["p3", 2022]]:
        wb.active.append(row)
    path = _save(wb, tmp_path / "d.xlsx")
    _rewrite_sheet(path, lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:A2"/>', xml))
    table, numbers = read_xlsx(path, None)
    assert (table.to_pydict(), numbers) == ({"id": ["p1", "p2", "p3"], "year": [2020, 2021, 2022]}, [2, 3, 4])


def test_xlsx_formula_without_a_saved_value(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in [["id", "x", "y"], ["p1", 3, None], ["p2", 4, None], [], ["p3", 5, None]]:
        wb.active.append(row)
    wb.active["C5"] = "=B5*2"
    wb.active["C6"] = "=B6*2"
    assert error(lambda: read_xlsx(_save(wb, tmp_path / "f.xlsx"), None)) == (
        "E800", 5, 3, "row 5, column C: the formula `=B5*2` has no saved value (and 1 more such cells)",
        "the file was saved without computed values: open it in Excel (or LibreOffice) and save it, "
        "or paste the column as values")


def test_xlsx_formulas_with_saved_values_are_read(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in [["id", "x", "y", "note"], ["p1", 3, "=B2*2", '=IF(B2>0,"","?")']]:
        wb.active.append(row)
    path = _save(wb, tmp_path / "f.xlsx")
    # as Excel saves them: each formula with its result; an empty text result is t="str" with an empty value
    # (openpyxl writes the unsaved value as <v/> or, with lxml installed, <v></v>)
    _rewrite_sheet(path, lambda xml: re.sub(r'(<c r="C2"[^>]*>.*?</f>)<v\s*(/>|></v>)', r"\1<v>6</v>",
                                            re.sub(r'<c r="D2"([^>]*)>(.*?</f>)<v\s*(/>|></v>)',
                                                   r'<c r="D2" t="str"\1>\2<v></v>', xml)))
    table, numbers = read_xlsx(path, None)
    assert (table.to_pydict(), numbers) == ({"id": ["p1"], "x": [3], "y": [6], "note": [None]}, [2])


def test_xlsx_header_given_twice_names_both_columns(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in [[None], ["id", "registered_capital", "foreign", " id"], ["p1", "4000万美元", True, "p2"]]:
        wb.active.append(row)
    assert error(lambda: read_xlsx(_save(wb, tmp_path / "h.xlsx"), None)) == (
        "E808", 2, 4, "the header `id` is given twice: columns A and D", "keep one column per header")


def test_xlsx_values_without_a_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in [["id", None, "year"], ["p1", None, 2020], ["p2", "x", 2021]]:
        wb.active.append(row)
    assert error(lambda: read_xlsx(_save(wb, tmp_path / "n.xlsx"), None)) == (
        "E800", 1, 2, "column B has values (row 3) but no header",
        "give the column a name in the header row (row 1), or delete it")


def test_xlsx_a_column_without_header_or_values_is_dropped(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in [["id", None, "year"], ["p1", None, 2020]]:
        wb.active.append(row)
    table, numbers = read_xlsx(_save(wb, tmp_path / "e.xlsx"), None)
    assert (table.to_pydict(), numbers, column_letters(table)) == ({"id": ["p1"], "year": [2020]}, [2],
                                                                  {"id": "A", "year": "C"})


def test_xlsx_empty_sheet_and_header_only(tmp_path: Path) -> None:
    table, numbers = read_xlsx(_save(openpyxl.Workbook(), tmp_path / "empty.xlsx"), None)
    assert (table.num_columns, table.num_rows, numbers) == (0, 0, [])
    wb = openpyxl.Workbook()
    wb.active.append(["id", "year"])
    table, numbers = read_xlsx(_save(wb, tmp_path / "header.xlsx"), None)
    assert (table.column_names, table.num_rows, numbers) == (["id", "year"], 0, [])


@pytest.mark.parametrize(("content", "message"), [
    (b"id,year\np1,2020\n", "not an Excel workbook (.xlsx): BadZipFile: File is not a zip file"),
    (b"", "not an Excel workbook (.xlsx): BadZipFile: File is not a zip file"),
    (None, "not an Excel workbook (.xlsx): KeyError: \"There is no item named '[Content_Types].xml' in the archive\""),
])
def test_not_an_xlsx_file(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "p.xlsx"
    if content is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "not a workbook")
    else:
        path.write_bytes(content)
    assert error(lambda: read_xlsx(path, None)) == (
        "E800", 1, 1, message, "save the file as an Excel workbook (.xlsx); an .xls or .xlsb file, or a CSV renamed, "
        "is not one")


def test_xlsx_missing_file_and_missing_openpyxl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert error(lambda: read_xlsx(tmp_path / "nowhere.xlsx", None))[:4] == (
        "E800", 1, 1, "cannot read the project file: no such file")
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # `import openpyxl` raises ImportError
    assert error(lambda: read_xlsx(tmp_path / "p.xlsx", None))[3:] == (
        "reading .xlsx files needs openpyxl, which is not installed", "pip install 'policylab[data]'")
