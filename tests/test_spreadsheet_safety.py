"""No file a spreadsheet opens runs a formula from a user's text, in any cell, headers included:
`eval --out` (.xlsx, .csv, .tsv), `eval --format csv`, `report --out .xlsx`, `diff --format csv`
and simulate's CSV tables.  A formula corpus in a city label, a policy title, a project id, and an
extra column's header and value; each output read back.

.xlsx cells are typed as text and show the text as given (no `'`: read back with openpyxl AND in the
sheet's XML); CSV has no types, so a text starting with = + - @ gets a leading `'` and controls are
escaped (compare.data.sheet; docs/data.md)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import pyarrow as pa
import pytest
from conftest import POLICIES
from typer.testing import CliRunner

from compare.cli.app import app

# (the text, as a CSV shows it, as an .xlsx cell shows it), worked by hand: in CSV a leading `'` before
# = + - @, a tab or CR as its escape `\t` `\r` (printable); in .xlsx the text as given, but a CR, which
# XML would turn into a newline, as `\r`
CORPUS = [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'),
    ("+1", "'+1", "+1"),
    ("-1+1", "'-1+1", "-1+1"),
    ("@SUM(A1)", "'@SUM(A1)", "@SUM(A1)"),
    ("\t=1", "\\t=1", "\t=1"),
    ("\r=1", "\\r=1", "\\r=1"),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),
    ("-p4", "'-p4", "-p4"),
]
CSV_SHOWN = {text: shown for text, shown, _ in CORPUS}
XLSX_SHOWN = {text: shown for text, _, shown in CORPUS}
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PAYLOADS = [text for text, _, _ in CORPUS]
POLICY_PAYLOADS = [p for p in PAYLOADS if "\r" not in p]  # a policy's text cannot hold a CR (read as a line end)
LABEL_LINE = 'city wuxi "无锡"'
TITLE_LINE = 'title "关于加强新形势下招商引资工作的若干政策措施"'


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r") + '"'


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """无锡 once per payload: its city label and title a formula (each its own policy file), and a
    project file whose ids are formulas, with an extra column whose header and values are."""
    root = tmp_path_factory.mktemp("formulas")
    (root / "taxonomy").symlink_to(POLICIES / "taxonomy")
    shutil.copytree(POLICIES / "sources", root / "sources")
    text = (POLICIES / "wuxi_2023.policy").read_text(encoding="utf-8")
    assert LABEL_LINE in text and TITLE_LINE in text
    for k, payload in enumerate(POLICY_PAYLOADS):
        (root / f"w{k}.policy").write_text(
            text.replace("policy wuxi_2023", f"policy w{k}", 1).replace(LABEL_LINE, f"city wuxi {_lit(payload)}", 1)
            .replace(TITLE_LINE, f"title {_lit(payload)}", 1), encoding="utf-8")
    # ids and headers are read with their blanks stripped: `\t=1` is read as `=1`, so those two are values only
    projects = [{"id": payload if payload.strip() == payload else f"p{k}", "foreign": True,
                 "registered_capital": "1000万美元", "note": payload,
                 **({payload: payload} if payload.strip() == payload else {})}
                for k, (payload, _, _) in enumerate(CORPUS)]
    (root / "projects.json").write_text(json.dumps(projects, ensure_ascii=False), encoding="utf-8")
    return root


def _run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def xlsx_cells(data: bytes) -> list[tuple[str, str, dict[str, str], str | None, bool]]:
    """Every cell of every sheet from the XML: (sheet, ref, its attributes, its text, has a formula)."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            shared = ["".join(t.text or "" for t in si.iter(f"{{{MAIN}}}t"))
                      for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{{{MAIN}}}si")]
        for name in sorted(n for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)):
            for c in ET.fromstring(z.read(name)).iter(f"{{{MAIN}}}c"):
                kind = c.get("t")
                inline = c.find(f"{{{MAIN}}}is")
                v = c.find(f"{{{MAIN}}}v")
                if kind == "inlineStr" and inline is not None:
                    text: str | None = "".join(t.text or "" for t in inline.iter(f"{{{MAIN}}}t"))
                elif kind == "s" and v is not None and v.text is not None:
                    text = shared[int(v.text)]
                else:
                    text = v.text if v is not None else None
                out.append((name, c.get("r") or "", dict(c.attrib), text, c.find(f"{{{MAIN}}}f") is not None))
    return out


def check_xlsx(data: bytes, path: Path, payloads: list[str]) -> None:
    """No formula in any cell (the XML); each payload in a string cell whose text is the text as given,
    in the XML and read back with openpyxl, and styled quotePrefix where it starts like a formula."""
    cells = xlsx_cells(data)
    assert cells and not [c for c in cells if c[4]], [c for c in cells if c[4]][:3]
    texts = {c[3] for c in cells}
    for payload in payloads:
        assert XLSX_SHOWN[payload] in texts, payload
        for _, ref, attrs, text, _ in cells:
            if text == XLSX_SHOWN[payload]:
                assert attrs.get("t") in ("inlineStr", "s"), (ref, attrs)
    wb = openpyxl.load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    assert not cell.value.startswith("'") or cell.value == "'"  # no visible prefix
                    if cell.value.lstrip().startswith(("=", "+", "-", "@")):
                        assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert {XLSX_SHOWN[p] for p in payloads} <= seen


def check_csv(text: str, delimiter: str, payloads: list[str]) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    cells = [c for r in rows for c in r]
    live = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-\d+(\.\d+)?", c)]
    assert live == []  # a negative number is a number
    for payload in payloads:
        assert CSV_SHOWN[payload] in cells, payload
    return rows




@pytest.mark.parametrize("layout", ["long", "wide"])
def test_eval_xlsx_types_every_text_cell(tree: Path, tmp_path: Path, layout: str) -> None:
    out = tmp_path / "o.xlsx"
    _run("eval", str(tree / "w0.policy"), "--projects", str(tree / "projects.json"), "--out", str(out),
         "--layout", layout, "--quiet")
    check_xlsx(out.read_bytes(), out, PAYLOADS)  # the ids, the extra column's header and values
    ws = openpyxl.load_workbook(out)["outcomes"]
    header = [c.value for c in ws[1]]
    assert all(p in header for p in ("=HYPERLINK(\"http://x\",\"y\")", "-p4", "@SUM(A1)"))


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_eval_csv_and_tsv(tree: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"o{suffix}"
    _run("eval", str(tree / "w0.policy"), "--projects", str(tree / "projects.json"), "--out", str(out), "--quiet")
    rows = check_csv(out.read_text(encoding="utf-8"), "\t" if suffix == ".tsv" else ",", PAYLOADS)
    assert "'-p4" in rows[0] and "'=HYPERLINK(\"http://x\",\"y\")" in rows[0]  # the header too
    streamed = _run("eval", str(tree / "w0.policy"), "--projects", str(tree / "projects.json"), "--format", "csv")
    check_csv(streamed.stdout, ",", PAYLOADS)


def test_report_xlsx_types_headers_too(tree: Path, tmp_path: Path) -> None:
    """The city labels head the mechanisms sheet's columns; labels and titles fill the documents sheet."""
    out = tmp_path / "r.xlsx"
    _run("report", *[str(tree / f"w{k}.policy") for k in range(len(POLICY_PAYLOADS))], "--out", str(out))
    check_xlsx(out.read_bytes(), out, POLICY_PAYLOADS)
    ws = openpyxl.load_workbook(out)["mechanisms"]
    assert [c.value for c in ws[1]][3:] == POLICY_PAYLOADS  # the header: each city's label, as given
    documents = openpyxl.load_workbook(out)["documents"]
    rows = list(documents.iter_rows(min_row=2, max_row=len(POLICY_PAYLOADS) + 1, values_only=True))
    assert [r[0] for r in rows] == [r[2] for r in rows] == POLICY_PAYLOADS  # city label and title


def test_diff_csv(tree: Path) -> None:
    result = _run("diff", str(tree / "w0.policy"), str(tree / "w1.policy"), "--projects", str(tree / "projects.json"),
                  "--format", "csv")
    check_csv(result.stdout, ",", [p for p in PAYLOADS if p.strip() == p])  # the project ids


def test_simulate_csv_tables(tmp_path: Path) -> None:
    """Every table simulate writes as CSV goes through one writer: a header and text cells (plain and
    dictionary-encoded) holding formulas come out neutralised; numbers stay numbers."""
    from compare.simulate.results import Results

    table = pa.table({
        "label": PAYLOADS,
        "project": pa.array(PAYLOADS).dictionary_encode(),
        "value": [-1.5] * len(PAYLOADS),
        PAYLOADS[0]: PAYLOADS,
    })
    Results("t", "t", tables={"totals": table}).write(tmp_path / "out", formats=("csv",))
    text = (tmp_path / "out" / "totals.csv").read_text(encoding="utf-8")
    rows = check_csv(text, ",", PAYLOADS)
    assert rows[0] == ["label", "project", "value", CSV_SHOWN[PAYLOADS[0]]]
    assert [r[2] for r in rows[1:]] == ["-1.5"] * len(PAYLOADS)  # a number, not text: no `'`
    assert [r[0] for r in rows[1:]] == [r[1] for r in rows[1:]] == [CSV_SHOWN[p] for p in PAYLOADS]
