"""Where a policy's files are found, and which files it may read at all.

Policies are shared between researchers and published on sites, so a policy file must not
be able to read arbitrary files: a `source` resolves inside the policy's own folder tree, and
every file is read by the rule of dsl.files (regular files only, each kind to its cap).  Base policies (`extends`)
and the taxonomy are found through a search path: the policy's folder, then `--policies
DIR` folders, then $POLICYLAB_PATH, then the bundled policies.

Every answer the file system gives a check (a file's bytes, a folder's listing, whether a path is
a file) goes through this module, so `recording` can note them all: dsl.cache keeps a checked
result only while every one of those answers is still the same (`unchanged`).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from dsl.files import OUTSIDE, POLICY, FileRefusedError, Kind, read_checked, within

MAX_BYTES = POLICY.cap
ENV_VAR = "POLICYLAB_PATH"
# The policies shipped with the project (a source checkout or an editable install).
BUNDLED = Path(__file__).resolve().parent.parent / "policies"




def search_dirs(extra: list[Path] | None = None) -> list[Path]:
    """The folders searched after the policy's own: --policies, then $POLICYLAB_PATH, then bundled."""
    dirs = list(extra or [])
    dirs += [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    if BUNDLED.is_dir():
        dirs.append(BUNDLED)
    out: list[Path] = []
    for d in dirs:  # each folder once, in order
        if d.resolve() not in {o.resolve() for o in out}:
            out.append(d)
    return out


def confined(root: Path, written: str) -> Path:
    """The file a policy names (`source "sources/x.txt"`), which must lie inside `root`, the policy's folder."""
    rel = Path(written)
    if rel.is_absolute() or written.startswith("~"):
        raise FileRefusedError(written, "is an absolute path",
                          "a source is named relative to the policy's folder, e.g. sources/wuxi_2023.txt", OUTSIDE)
    target = root / rel
    probe(target)  # whether it is a link out of the folder decides as much as its bytes
    if ".." in rel.parts and not within(target, root):
        raise FileRefusedError(written, "leads out of the policy's folder",
                          "keep the source text in the policy's folder or below it, e.g. sources/", OUTSIDE)
    if not within(target, root):
        raise FileRefusedError(written, "is a link to a file outside the policy's folder",
                          "copy the text into the policy's folder instead of linking to it", OUTSIDE)
    return target


def read_regular(path: Path, kind: Kind = POLICY, root: Path | None = None) -> bytes:
    """A regular file's bytes by the rule of dsl.files (never a device, FIFO or /proc stream; at most
    the kind's cap; inside `root` when given); noted when `recording`."""
    reads = _RECORDING.get()
    if reads is None:
        return read_checked(path, kind, root)
    try:
        data = read_checked(path, kind, root)
    except FileRefusedError as e:
        reads.note(reads.files, str(path), "refused " + e.message)
        raise
    note_read(path, data)
    return data


# ---------------------------------------------------------------- what a check read (for dsl.cache)


@dataclass
class Reads:
    """Every answer the file system gave while `recording`, each keyed by the path as it was asked
    (relative paths are relative to the same working folder: dsl.cache keys on the resolved arguments).
    `unstable`: one path gave two answers (a file edited during the check): the result is not kept."""

    files: dict[str, str] = field(default_factory=dict)  # path -> "sha256 HEX" or "refused MESSAGE"
    probes: dict[str, str] = field(default_factory=dict)  # path -> "KIND REALPATH"
    listings: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "FOLDER\0PATTERN\0R" -> entries
    unstable: bool = False

    def note(self, table: dict[str, str], key: str, answer: str) -> None:
        if table.setdefault(key, answer) != answer:
            self.unstable = True


_RECORDING: ContextVar[Reads | None] = ContextVar("policylab_reads", default=None)


@contextmanager
def recording() -> Iterator[Reads]:
    """Note every file read, folder listed and path probed through this module inside the block."""
    reads = Reads()
    token = _RECORDING.set(reads)
    try:
        yield reads
    finally:
        _RECORDING.reset(token)


def _digest(data: bytes) -> str:
    return "sha256 " + hashlib.sha256(data).hexdigest()


def note_read(path: Path, data: bytes) -> None:
    """A file read some other way than `read_regular` (the taxonomy): note its bytes."""
    reads = _RECORDING.get()
    if reads is not None:
        reads.note(reads.files, str(path), _digest(data))


def _state(path: Path) -> str:
    """What a path is now ("file", "dir", "other", "missing", links followed) and where it leads."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        kind = "missing"
    else:
        kind = "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else "other"
    return f"{kind} {os.path.realpath(path)}"


def probe(path: Path) -> str:
    """"file", "dir", "other" or "missing" (links followed), as `Path.is_file`/`is_dir`/`exists` see it; noted."""
    state = _state(path)
    reads = _RECORDING.get()
    if reads is not None:
        reads.note(reads.probes, str(path), state)
    return state.partition(" ")[0]


def _listing(folder: Path, matches: list[Path]) -> tuple[str, ...]:
    return tuple(f"{m.relative_to(folder)}\0{_state(m)}" for m in matches)


def glob_sorted(folder: Path, pattern: str, recursive: bool = False) -> list[Path]:
    """`folder.glob(pattern)` (`rglob` if recursive), sorted; the listing is noted, so a file that
    appears or goes changes the answer."""
    matches = sorted(folder.rglob(pattern) if recursive else folder.glob(pattern))
    reads = _RECORDING.get()
    if reads is not None:
        key = f"{folder}\0{pattern}\0{'r' if recursive else ''}"
        listing = _listing(folder, matches)
        if reads.listings.setdefault(key, listing) != listing:
            reads.unstable = True
    return matches


def unchanged(reads: Reads) -> bool:
    """Does the file system still give every answer it gave when `reads` was recorded?  Each file is
    read and hashed again (far cheaper than parsing it), each folder listed, each path probed."""
    for key, listing in reads.listings.items():
        folder, pattern, recursive = key.split("\0")
        root = Path(folder)
        if _listing(root, sorted(root.rglob(pattern) if recursive else root.glob(pattern))) != listing:
            return False
    for path, state in reads.probes.items():
        if _state(Path(path)) != state:
            return False
    for path, answer in reads.files.items():
        try:
            now = _digest(read_checked(Path(path), POLICY))
        except FileRefusedError as e:
            now = "refused " + e.message
        if now != answer:
            return False
    return True
