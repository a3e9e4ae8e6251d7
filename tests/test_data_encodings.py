"""Project files as they arrive from other tools: in UTF-16 (Excel's Unicode Text), UTF-32 or UTF-8 with
a byte-order mark they are read, positions still right; bytes that are no text are blamed at their own
line and column (E812), however the reader splits the file into blocks; a cell too large (E813) and a
workbook that would unpack too large (E810) are refused from their sizes, before memory is spent."""

from __future__ import annotations

import codecs
import json
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import ROOT

from compare.data import tables, xlsx
from compare.data.read import read_projects
from compare.data.records import InputError
from compare.engine.batch import USD

CSV = "id,registered_capital[万美元],company_name\np1,4000,甲公司\np2,12,乙公司\n"
MARKS = {"utf-8-sig": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
         "utf-32-le": codecs.BOM_UTF32_LE}


def encoded(text: str, codec: str) -> bytes:
    return MARKS[codec] + text.encode(codec.replace("-sig", ""))


def refusal(path: Path, **kw: object) -> InputError:
    with pytest.raises(InputError) as info:
        read_projects(path, **kw)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize("codec", list(MARKS))
@pytest.mark.parametrize("name, text", [
    ("p.csv", CSV),
    ("p.tsv", CSV.replace(",", "\t")),
    ("unicode_text.csv", CSV.replace(",", "\t")),  # Excel's Unicode Text, renamed .csv: tab-separated
    ("p.jsonl", '{"id": "p1", "registered_capital": "4000万美元"}\n{"id": "p2", "registered_capital": "12万美元"}\n'),
    ("p.yaml", "- {id: p1, registered_capital: 4000万美元}\n- {id: p2, registered_capital: 12万美元}\n"),
    ("p.json", '[{"id": "p1", "registered_capital": "4000万美元"}, {"id": "p2", "registered_capital": "12万美元"}]'),
])
def test_a_file_with_a_byte_order_mark_reads_as_its_utf8_twin(tmp_path: Path, codec: str, name: str,
                                                              text: str) -> None:
    path = tmp_path / name
    path.write_bytes(encoded(text, codec))
    batch = read_projects(path).batch
    assert batch.ids == ["p1", "p2"]
    # 4000万美元 = 40,000,000 USD; 12万美元 = 120,000 USD
    assert batch.columns["registered_capital"].tolist() == [40_000_000, 120_000]
    assert batch.columns["registered_capital#cur"].tolist() == [USD, USD]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-8-sig"])
def test_positions_in_a_utf16_file_are_its_lines_and_characters(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "p.tsv"
    path.write_bytes(encoded("id\tcompany_name\tregistered_capital\n甲\t公司\t4000万美元\n乙乙\t公司\tlots\n", codec))
    e = refusal(path)
    d = e.diagnostics[0]
    assert d.code == "E802"
    # line 3 is `乙乙<TAB>公司<TAB>lots`: the third cell starts at character 7
    assert (d.span.line, d.span.column) == (3, 7)
    assert e.lines[3] == "乙乙\t公司\tlots"


def _gbk_file(path: Path, rows: int, bad_row: int) -> tuple[int, int]:
    """A UTF-8 CSV of `rows` projects whose row `bad_row` has a company name in GBK; its (line, column)."""
    lines = ["id,registered_capital[万美元],company_name".encode()]
    for i in range(rows):
        name = "公司" if i != bad_row else None
        line = f"project-{i:05d},{1000 + i},".encode() + (name.encode("utf-8") if name else "公司".encode("gbk"))
        lines.append(line)
    path.write_bytes(b"\n".join(lines) + b"\n")
    line = bad_row + 2
    return line, len(f"project-{bad_row:05d},{1000 + bad_row},") + 1


@pytest.mark.parametrize("bad_row", [0, 1, 150, 398, 399])
def test_bytes_that_are_not_utf8_are_blamed_on_their_own_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               bad_row: int) -> None:
    monkeypatch.setattr(tables, "BLOCK", 1 << 12)  # 400 rows of ~30 bytes: three blocks, as a large file has
    path = tmp_path / "gbk.csv"
    line, col = _gbk_file(path, 400, bad_row)
    d = refusal(path).diagnostics[0]
    assert d.code == "E812"
    assert (d.span.line, d.span.column) == (line, col)
    assert d.message == f"line {line}, column {col}: the bytes 0xb9 0xab are not UTF-8 text (GBK or GB18030, " \
                        "perhaps: Excel's plain CSV on a Chinese system)"  # 公 in GBK is B9 AB


@pytest.mark.parametrize("name, data, line, col", [
    ("p.jsonl", b'{"id": "a"}\n{"id": "b", "company_name": "\xb9\xab"}\n', 2, 30),
    ("p.yaml", b"- {id: a}\n- {id: b, company_name: \xb9\xab}\n", 2, 25),
    ("p.json", b'[{"id": "a"},\n {"id": "b", "company_name": "\xb9\xab"}]', 2, 31),
    ("p.csv", b"id,company_name\n" + b"\xb9\xab,x\n", 2, 1),  # in the id column, read as text
    ("header.csv", b"id,\xb9\xab\na,x\n", 1, 4),  # in a header
])
def test_every_text_format_blames_the_bad_byte_where_it_is(tmp_path: Path, name: str, data: bytes, line: int,
                                                           col: int) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    d = refusal(path).diagnostics[0]
    assert (d.code, d.span.line, d.span.column) == ("E812", line, col)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".yaml"])
def test_a_file_name_that_is_not_utf8_is_read(tmp_path: Path, suffix: str) -> None:
    """A name of bytes the file system allows but UTF-8 does not (pyarrow cannot encode such a path)."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    plain = tmp_path / f"plain{suffix}"
    if suffix == ".parquet":
        pq.write_table(pa.table({"id": ["p1"], "registered_capital": ["4000万美元"]}), plain)
    else:
        plain.write_text({".csv": "id,registered_capital\np1,4000万美元\n",
                          ".jsonl": '{"id": "p1", "registered_capital": "4000万美元"}\n',
                          ".yaml": "- {id: p1, registered_capital: 4000万美元}\n"}[suffix], encoding="utf-8")
    odd = tmp_path / os.fsdecode(b"\xfe" + suffix.encode())
    plain.rename(odd)
    assert read_projects(odd).batch.columns["registered_capital"].tolist() == [40_000_000]


def test_a_lone_bad_byte_is_named_alone(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"id\n\xff\n")
    d = refusal(path).diagnostics[0]
    assert d.message.startswith("line 2, column 1: the byte 0xff is not UTF-8 text")


def test_a_nul_byte_is_not_text(tmp_path: Path) -> None:
    """UTF-16 without its byte-order mark: every other byte is NUL."""
    path = tmp_path / "p.csv"
    path.write_bytes("id\np1\n".encode("utf-16-le"))
    d = refusal(path).diagnostics[0]
    assert (d.code, d.span.line, d.span.column) == ("E812", 1, 2)
    assert "NUL byte" in d.message


def test_excels_unicode_text_txt_is_told_to_be_named_tsv(tmp_path: Path) -> None:
    path = tmp_path / "projects.txt"
    path.write_bytes(encoded(CSV.replace(",", "\t"), "utf-16-le"))
    d = refusal(path).diagnostics[0]
    assert d.code == "E800" and d.hint is not None and "name it .tsv" in d.hint


# ------------------------------------------------------------------ cells and workbooks too large


def test_a_100mb_cell_is_refused_with_its_row_and_field_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("id,company_name,registered_capital[万美元]\np1,甲,100\np2,")
        for _ in range(100):
            f.write("x" * 2**20)
        f.write(",200\np3,乙,300\n")
    script = f"""
import resource
from pathlib import Path
import compare.data.read as read
from compare.data.records import InputError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read.read_projects(Path({str(path)!r}))
except InputError as e:
    d = e.diagnostics[0]
    print(d.code, d.span.line, d.span.column, d.message)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    found, grown = r.stdout.strip().split("\n")
    assert found == "E813 3 4 row at line 3: field `company_name`: the cell is larger than 1 MB, the most a cell holds"
    assert int(grown) < 64, f"reading grew the process by {grown} MB"  # a block of 16 MB, not the 100 MB cell


@pytest.mark.parametrize("name", ["p.csv", "p.jsonl", "p.yaml", "p.json"])
def test_a_cell_over_1mb_is_refused_in_every_format(tmp_path: Path, name: str) -> None:
    """(An .xlsx cell holds at most 32,767 characters, Excel's limit, which openpyxl keeps; its parts are
    capped below.)"""
    long = "长" * 400_000  # 1.2 MB in UTF-8
    path = tmp_path / name
    rows = [{"id": "p1", "company_name": "甲"}, {"id": "p2", "company_name": long}]
    if name == "p.csv":
        path.write_text("id,company_name\n" + "\n".join(f"{r['id']},{r['company_name']}" for r in rows) + "\n",
                        encoding="utf-8")
    elif name == "p.jsonl":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    elif name == "p.yaml":
        path.write_text("\n".join(f"- {{id: {r['id']}, company_name: {r['company_name']}}}" for r in rows) + "\n",
                        encoding="utf-8")
    else:
        path.write_text("[" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "]", encoding="utf-8")
    d = refusal(path).diagnostics[0]
    assert d.code == "E813"
    assert "field `company_name`: the cell is 1.1 MB, more than the 1 MB a cell holds" in d.message
    assert d.span.line == 2  # the second project's line


def test_a_jsonl_line_longer_than_a_block_is_refused_naming_its_field(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a"}\n{"id": "b", "company_name": "' + "x" * (17 << 20) + '"}\n', encoding="utf-8")
    d = refusal(path).diagnostics[0]  # pyarrow reads the line or gives up; either way the cell is refused
    assert (d.code, d.span.line) == ("E813", 2) and "field `company_name`" in d.message
    # where pyarrow gives up, lines are read one at a time, each up to a block
    monkeypatch.setattr(tables, "BLOCK", 1 << 16)
    with pytest.raises(InputError) as info:
        tables._jsonl_records(path)
    d = info.value.diagnostics[0]
    assert (d.code, d.span.line) == ("E813", 2)
    assert d.message == "line 2, field `company_name`: more than 0.0625 MB on one line"  # 64 kB


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _write_zip(path: Path, parts: dict[str, tuple[bytes, int, int]]) -> None:
    """A zip of raw deflate streams: {name: (stream, crc, unpacked size)}, written field by field."""
    central = []
    with path.open("wb") as f:
        for name, (stream, crc, size) in parts.items():
            offset, raw = f.tell(), name.encode()
            f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(stream), size, len(raw), 0))
            f.write(raw + stream)
            central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(stream), size,
                                       len(raw), 0, 0, 0, 0, 0, offset) + raw)
        start = f.tell()
        f.write(b"".join(central))
        f.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                            sum(map(len, central)), start, 0))


def _bomb(path: Path, sheet_bytes: int) -> None:
    """The example workbook with its sheet replaced by `sheet_bytes` of zeros (a multiple of 16 MB),
    deflated: 16 MB of zeros compress to 16 kB, and the stream of one block, flushed, repeats."""
    example = zipfile.ZipFile(ROOT / "examples" / "projects.xlsx")
    parts = {i.filename: (_deflated(example.read(i)), i.CRC, i.file_size) for i in example.infolist()}
    zeros, c = bytes(1 << 24), zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    stream = block * (sheet_bytes >> 24) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    # the CRC is not the zeros': the sizes refuse the file before a byte is inflated (and computing it
    # would read 3 GB)
    parts["xl/worksheets/sheet1.xml"] = (stream, 0, sheet_bytes)
    _write_zip(path, parts)


def test_a_workbook_that_inflates_to_3gb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _bomb(path, 3 * 2**30)
    assert path.stat().st_size < 4 * 2**20
    tracemalloc.start()
    try:
        e = refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    d = e.diagnostics[0]
    assert d.code == "E810"
    assert d.message == "the workbook's part `xl/worksheets/sheet1.xml` unpacks to 3,072 MB; a part is read up to 512 MB"
    assert peak < 16 * 2**20


def test_a_part_that_inflates_as_no_spreadsheet_does_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _bomb(path, 64 * 2**20)  # under the size caps, but 1,000 times smaller packed
    d = refusal(path).diagnostics[0]
    assert d.code == "E810" and "`xl/worksheets/sheet1.xml` inflates" in d.message


def test_the_whole_workbook_unpacked_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    example = ROOT / "examples" / "projects.xlsx"
    total = sum(i.file_size for i in zipfile.ZipFile(example).infolist())
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", total - 1)
    d = refusal(example).diagnostics[0]
    assert d.code == "E810" and d.message.startswith("the workbook unpacks to")
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", total)
    assert read_projects(example).batch.n > 0  # at the cap: read


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16"])
def test_the_cell_scan_follows_quotes_delimiters_and_line_breaks(tmp_path: Path, codec: str) -> None:
    """oversized_cell, with a cap of 10 bytes: quoted commas and line breaks belong to their cell; a
    doubled quote is a quote; the size is of UTF-8 bytes (公司 is 6)."""
    from compare.data.locate import oversized_cell

    text = ('id,name,note\n'
            'a,"x,y",short\n'            # a quoted comma: 5 bytes with its quotes
            'b,"two\nlines",ok\n'       # 11 bytes with the quotes, but a line break inside: over the cap
            'c,公司,"say ""hi"""\n')
    path = tmp_path / "p.csv"
    path.write_bytes(text.encode(codec))
    # row b's name starts at line 3, column 3; its cell is field 1
    assert oversized_cell(str(path), codec, ",", 10) == (3, 3, 1)
    assert oversized_cell(str(path), codec, ",", 11) == (5, 6, 2)  # "say ""hi""" is 12 bytes
    assert oversized_cell(str(path), codec, ",", 12) is None
