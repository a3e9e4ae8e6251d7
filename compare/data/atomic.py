"""Atomic writes: the user's file is either the old one or the new one, never half of either.

The new content goes into an unnamed file in the same folder (Linux O_TMPFILE), which is
linked in beside the target and renamed over it only once complete: a process killed while
writing, even by SIGKILL, leaves no temporary file behind, but for the instant between naming the
complete file and renaming it over the target; `sweep_stale` removes such a name once its writer is
gone.  Where O_TMPFILE is missing, a
named `.NAME.*.tmp` file is used and removed on any exception, and `sweep_stale` removes the
ones a killed run left.  Problems are WriteError (message and hint), never a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


class WriteError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


def _refusal(path: Path, e: OSError) -> WriteError:
    if e.errno == errno.ENOSPC:
        return WriteError(f"cannot write {path}: the disk is full", "free some space; the file was not changed")
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WriteError(f"cannot write {path}: {e.strerror}", "check the folder's permissions; the file was not changed")
    return WriteError(f"cannot write {path}: {e.strerror or e}", "the file was not changed")


def check_writable(path: Path) -> None:
    """Refuse a file its owner marked read-only (0444): even root should not rewrite it silently."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteError(f"{path} is read-only; it was not rewritten", f"make it writable first: chmod u+w {path}")


def write_atomically(path: Path, data: str | bytes) -> None:
    """Replace `path` with `data` (text is written as UTF-8), keeping the file's permissions."""
    check_writable(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if hasattr(os, "O_TMPFILE"):
            try:
                _write_unnamed(path, folder, raw, mode)
                return
            except OSError as e:
                if e.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.EXDEV, errno.ENOENT):
                    raise
        _write_named(path, folder, raw, mode)
    except OSError as e:
        raise _refusal(path, e) from None


def _write_all(fd: int, raw: bytes) -> None:
    view = memoryview(raw)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def _write_unnamed(path: Path, folder: Path, raw: bytes, mode: int) -> None:
    fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, mode)
    try:
        _write_all(fd, raw)
        os.fchmod(fd, mode)
        # a name for a moment, only once the content is complete, then renamed over the target
        tmp = folder / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        dir_fd = os.open(folder, os.O_RDONLY)
        try:  # with a dir_fd, os.link is linkat(AT_SYMLINK_FOLLOW): it follows /proc/self/fd to the file
            os.link(f"/proc/self/fd/{fd}", tmp.name, dst_dir_fd=dir_fd, follow_symlinks=True)
        finally:
            os.close(dir_fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_named(path: Path, folder: Path, raw: bytes, mode: int) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        try:
            _write_all(fd, raw)
        finally:
            os.close(fd)
        os.chmod(name, mode)  # mkstemp makes the file owner-only; keep the user's permissions
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary file for `path`'s new content, for writers that stream (Parquet, CSV by chunks): on a
    normal exit the content is synced and replaces `path` (its permissions kept); on any exception
    `path` is left as it was and the temporary file is gone (unnamed where Linux has O_TMPFILE, so even
    SIGKILL leaves nothing).  An OSError (disk full, permissions) becomes a WriteError."""
    check_writable(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = _open_temporary(path, folder, mode)
    except OSError as e:
        raise _refusal(path, e) from None
    placed = False
    try:
        with os.fdopen(fd, "wb", closefd=False) as f:
            yield f
        os.fsync(fd)
        os.fchmod(fd, mode)
        if name is None:  # unnamed: a name for a moment, only once complete
            name = str(folder / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.link(f"/proc/self/fd/{fd}", Path(name).name, dst_dir_fd=dir_fd, follow_symlinks=True)
            finally:
                os.close(dir_fd)
        os.replace(name, path)
        placed = True
    except OSError as e:
        raise _refusal(path, e) from None
    finally:
        os.close(fd)
        if name is not None and not placed:
            Path(name).unlink(missing_ok=True)


def _open_temporary(path: Path, folder: Path, mode: int) -> tuple[int, str | None]:
    """An unnamed file in `folder` (O_TMPFILE), else a named `.NAME.*.tmp` one: (fd, its name or None)."""
    if hasattr(os, "O_TMPFILE"):
        try:
            return os.open(folder, os.O_TMPFILE | os.O_WRONLY, mode), None
        except OSError as e:
            if e.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.EXDEV, errno.ENOENT):
                raise
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    return fd, name


def sweep_stale(path: Path) -> None:
    """Remove `.NAME.*.tmp` files beside `path` that a killed earlier run left: the named fallback's, and
    the unnamed file's name of a moment (linked, not yet renamed over the target: Linux cannot link a
    file over an existing one, so a SIGKILL in that instant leaves it).  A file whose writer (the pid in
    its name) is gone is removed at once; one without a pid after ten minutes."""
    import time

    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        pid = leftover.name[len(path.name) + 2:].split(".")[0]
        try:
            if pid.isdigit() and not process_alive(int(pid)) or time.time() - leftover.stat().st_mtime > 600:
                leftover.unlink()
        except OSError:
            pass


def process_alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie, killed but not yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc (not Linux): kill's answer stands
        return True
