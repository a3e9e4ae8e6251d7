"""Writing `timeline --out` and `panel --out` files: by extension, atomically, and never over a file the
tool did not write.

Each file carries a mark of the command that wrote it: the CSV's header row (the exact columns), a
Parquet schema's metadata (`policylab: panel`), the SVG's and PNG's title metadata, the Markdown's first
line (an HTML comment).  An existing file without that mark is refused (OutFileError, a command-line
error) unless `force`; a link, a folder or any other non-regular file is refused even with `force`.
Text cells of a CSV go through compare.data.sheet.csv_text (no spreadsheet formula, controls escaped);
numbers are written in plain notation with every digit they need, never an exponent.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from compare.data.atomic import WriteError, atomic_output, sweep_stale, write_atomically
from compare.data.sheet import csv_text

MARK = "policylab"  # the metadata key (Parquet) and the first word of every mark
HEAD_BYTES = 1 << 16  # where a mark must be: the first 64 KiB


class OutFileError(WriteError):
    """An --out file the command will not write: a wrong extension, or a file it did not write."""


def extension(path: Path, allowed: Sequence[str], command: str) -> str:
    """The output format by extension (".csv" …); OutFileError naming the ones `command` writes."""
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise OutFileError(f"cannot write {path}: unknown output format `{path.suffix or '(no extension)'}`",
                           f"`policylab {command} --out` writes " + ", ".join(allowed))
    return suffix


def marks(command: str, header: Sequence[str]) -> dict[str, bytes]:
    """The mark of each format, as the file's first bytes (CSV, Markdown) or a byte string inside them."""
    return {".csv": (",".join(header) + "\n").encode("utf-8"), ".md": f"<!-- {MARK} {command} -->\n".encode(),
            ".svg": f"{MARK} {command}".encode(), ".png": f"{MARK} {command}".encode(),
            ".parquet": f"{MARK}\x00{command}".encode()}


def _head(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        return os.read(fd, HEAD_BYTES)
    finally:
        os.close(fd)


def _parquet_command(path: Path) -> str | None:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except Exception:  # noqa: BLE001 - any file pyarrow cannot read is not ours
        return None
    value = meta.get(MARK.encode())
    return value.decode("utf-8", "replace") if value is not None else None


def ours(path: Path, command: str, mark: bytes) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _parquet_command(path) == command
    head = _head(path)
    return head.startswith(mark) if suffix in (".csv", ".md") else mark in head


def may_write(path: Path, command: str, mark: bytes, force: bool) -> None:
    """Refuse (OutFileError) to write over what is not a regular file, or a file `command` did not write
    unless `force`.  Called before any work, and again just before writing."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise OutFileError(f"--out {path}: refused: it is a symbolic link", "name the file itself, or another file")
    if not stat.S_ISREG(st.st_mode):
        raise OutFileError(f"--out {path}: refused: it is not a regular file", "name a file to write")
    if not force and not ours(path, command, mark):
        raise OutFileError(f"--out {path}: refused: the file exists and `policylab {command}` did not write it",
                           "name another file, or add --force to replace it")


def write(path: Path, data: bytes | Iterable[bytes], command: str, mark: bytes, force: bool) -> None:
    """`data` (bytes, or chunks of them written as they come) to `path`, atomically, if `may_write`."""
    may_write(path, command, mark, force)
    sweep_stale(path)
    if isinstance(data, bytes):
        write_atomically(path, data)
        return
    with atomic_output(path) as f:
        for chunk in data:
            f.write(chunk)


def number(x: float | None) -> str:
    """A number as plain text with every digit it needs: 0.002, 5000000, 1.5 (empty for None or NaN)."""
    if x is None or x != x:
        return ""
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return format(Decimal(repr(x)), "f")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str | float | None]]) -> bytes:
    """A CSV: the header, then the rows; texts through csv_text, numbers through `number`.  A panel
    repeats few distinct cells many times (a document's rows on every date): each is made safe once."""
    cells: dict[object, str] = {None: ""}

    def cell(c: str | float | None) -> str:
        key = (type(c), c)  # 1.0 and "1.0" are different cells
        if key not in cells:
            cells[key] = number(c) if isinstance(c, float) else csv_text(c) if isinstance(c, str) else ""
        return cells[key]

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([cell(c) for c in row] for row in rows)
    return buf.getvalue().encode("utf-8")


__all__ = ["MARK", "OutFileError", "csv_bytes", "extension", "marks", "may_write", "number", "ours", "write"]
