"""The one rule for every file the tool reads or publishes: a regular file, of bounded size, and —
where a folder confines it — inside that folder once every link is resolved.

A FIFO blocks a read for ever, /dev/zero fills memory, /proc/self/environ holds the environment
(its secrets) while claiming to be empty, and a link planted in a shared folder leads to /etc/shadow.
So a path is looked at before it is opened (os.stat: no FIFO or device is ever opened), opened
non-blocking, and its descriptor looked at again (still the same regular file); a whole file is read
at most its kind's cap + 1 bytes.  A refusal is a `FileRefusedError` naming the path, the reason (with a
diagnostic code) and a hint; its message never holds a byte of the file.

Each kind of file has its cap (`Kind`), stated in the refusal.  Standard library only: dsl/ and
compare/ both read through here.
"""

from __future__ import annotations

import functools
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MiB = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    """A kind of file: what a message calls it, the most bytes read of one, and what it should be."""

    noun: str
    cap: int
    hint: str


POLICY = Kind("policy file", 50 * MiB, "name a .policy text file")
SOURCE = Kind("source text", 50 * MiB, "name the policy's source document, a UTF-8 text file")
TAXONOMY = Kind("taxonomy file", 10 * MiB, "a taxonomy file is a YAML text of concept keys")
POLICY_CASES = Kind("policy test file", 10 * MiB, "a policy test file is a YAML text of cases")
SCENARIO = Kind("scenario file", 1 * MiB, "a scenario holds settings: keep projects in a project file "
                                          "(`portfolio.file`)")
OVERRIDES = Kind("overrides file", 1 * MiB, "a YAML file of `figure.path: value` lines")
# columnar project files are streamed (10^6 rows of CSV is ~0.5 GB); documents have their own limits
PROJECTS = Kind("project file", 4096 * MiB, "name a project file (.csv .tsv .jsonl .parquet .xlsx .yaml .json)")
SIM_TABLE = Kind("simulation table", 2048 * MiB, "a table `policylab simulate` wrote")
SIM_PLOT = Kind("plot", 50 * MiB, "a plot `policylab simulate` wrote")
SIM_META = Kind("simulation metadata", 10 * MiB, "the meta.json `policylab simulate` wrote")
CACHE_ENTRY = Kind("cache entry", 512 * MiB, "an entry the cache wrote")

# diagnostic codes of the reasons (dsl.diagnostics.CATALOGUE); readers of data and scenarios use their own
CANNOT_READ, NOT_REGULAR, TOO_LARGE, OUTSIDE, SYSTEM, CHANGED = "E001", "E004", "E005", "E006", "E007", "E008"
# file systems whose "regular" files are made up by the kernel: sizes lie (0 for /proc/self/environ)
_PSEUDO_ROOTS = ("/proc", "/sys", "/dev")


class FileRefusedError(Exception):
    """A file the rules do not let the tool read.  `path` as the caller named it, `reason` in words
    (never the file's bytes), `code` the diagnostic code of the reason, `hint` what to do."""

    def __init__(self, path: Path | str, reason: str, hint: str | None = None, code: str = CANNOT_READ):
        self.path, self.reason, self.hint, self.code = str(path), reason, hint, code
        self.message = f"`{self.path}` {reason}"
        super().__init__(self.message)


def _mib(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n < 10 * MiB else f"{n // MiB} MiB"


def within(path: Path, root: Path) -> bool:
    """Does `path`, with every link resolved, lie inside `root` (also resolved)?"""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except (ValueError, OSError, RuntimeError):
        return False
    return True


@functools.cache  # the mounts do not change during a run: three stats once, not per file read
def _pseudo_devices() -> frozenset[int]:
    devices = set()
    for root in _PSEUDO_ROOTS:
        try:
            devices.add(os.stat(root).st_dev)
        except OSError:
            pass
    return frozenset(devices)


def _is_pseudo(path: Path, st: os.stat_result) -> bool:
    real = os.path.realpath(path)
    return real.startswith(tuple(r + "/" for r in _PSEUDO_ROOTS)) or st.st_dev in _pseudo_devices()


def check_path(path: Path, kind: Kind, root: Path | None = None) -> os.stat_result:
    """Refuse `path` unless it is a regular file (links followed) of at most `kind.cap` bytes, not a
    kernel's pseudo file, and — given `root` — inside `root` once links are resolved.  Nothing is
    opened: a FIFO or a device is never touched.  The file's status, for `open_checked`."""
    if root is not None and not within(path, root):
        why = "is a link to a file outside" if os.path.islink(path) or _any_link(path, root) else "lies outside"
        raise FileRefusedError(path, f"{why} its folder {root}", f"copy the {kind.noun} into {root} instead of linking "
                          "to it", OUTSIDE)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileRefusedError(path, "does not exist", kind.hint) from None
    except (OSError, ValueError) as e:
        raise FileRefusedError(path, f"cannot be read: {getattr(e, 'strerror', None) or e}", kind.hint) from None
    if not stat.S_ISREG(st.st_mode):
        what = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file")
        raise FileRefusedError(path, f"is not a regular file: it is {what}", kind.hint, NOT_REGULAR)
    if _is_pseudo(path, st):
        raise FileRefusedError(path, "is a system file, not a " + kind.noun, kind.hint, SYSTEM)
    if st.st_size > kind.cap:
        raise FileRefusedError(path, f"is {_mib(st.st_size)}; a {kind.noun} is read up to {_mib(kind.cap)}",
                          kind.hint, TOO_LARGE)
    return st


def _any_link(path: Path, root: Path) -> bool:
    """Is some component of `path` below `root` a link (the way out of the folder)?"""
    p = Path(path)
    while p != p.parent and str(p) not in ("", "."):
        if p.is_symlink():
            return True
        if os.path.abspath(p) == os.path.abspath(root):
            break
        p = p.parent
    return False


def open_checked(path: Path, kind: Kind, root: Path | None = None) -> BinaryIO:
    """`path` opened for reading in binary, once `check_path` allows it and its descriptor shows the
    same regular file (a file swapped for a FIFO between the look and the open is refused, and the open
    never blocks).  The caller reads it (streams: the cap was checked on its size) and closes it."""
    before = check_path(path, kind, root)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise FileRefusedError(path, f"cannot be read: {e.strerror or e}", kind.hint) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
            raise FileRefusedError(path, "changed while it was opened", "run the command again", CHANGED)
        if st.st_size > kind.cap:
            raise FileRefusedError(path, f"is {_mib(st.st_size)}; a {kind.noun} is read up to {_mib(kind.cap)}",
                              kind.hint, TOO_LARGE)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: reads never block; buffered reads expect blocking
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_checked(path: Path, kind: Kind, root: Path | None = None) -> bytes:
    """The whole of a file `open_checked` allows, at most `kind.cap` bytes, and no more than the size
    the file system gave (a file that yields more is growing, or made up by the kernel: refused, and
    its bytes dropped)."""
    with open_checked(path, kind, root) as f:
        size = os.fstat(f.fileno()).st_size
        try:
            data = f.read(min(size, kind.cap) + 1)
        except OSError as e:
            raise FileRefusedError(path, f"cannot be read: {e.strerror or e}", kind.hint) from None
    if len(data) > size:
        del data
        raise FileRefusedError(path, "grew while it was read", "run the command again once the file is written", CHANGED)
    return data


def regular_inside(path: Path, root: Path) -> bool:
    """Is `path` (links followed) a regular file inside `root`?  For listing a folder to publish: what
    is not (a link out, a FIFO, a device) is skipped by the caller, with a warning naming it."""
    try:
        return within(path, root) and stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
