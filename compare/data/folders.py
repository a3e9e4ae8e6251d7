"""Results folders (`--out DIR`) and temporary folders: nothing of the user's is replaced, nothing of ours is left.

A results folder is replaced as a whole, and only when policylab wrote it: every folder `atomic_folder`
writes holds a marker file, `.policylab-output`, at its top, naming the command that wrote it.  Before
any work, `prepare_out_folder` refuses (OutFolderError, a message naming the folder and why, and a hint):
a file, a symbolic link, the current folder or one of its ancestors, the home folder, the repository or
its policies (never, not even with --force); a non-empty folder without the marker, or one another
command wrote (unless --force); a folder holding one of the run's inputs.  An empty folder may be used.

The new folder is built beside the target as `.NAME.partial-PID`, the old one moved aside as
`.NAME.old-PID` for the instant of the swap; a run killed by SIGKILL leaves them, and the next run for
the same folder removes those whose process is gone (an `.old` whose swap did not finish is put back).
Temporary folders (`temp_folder`) are `policylab-KIND-PID-*` under the system's temporary folder, removed
on any exit (SIGTERM and SIGHUP become an exit while one is open) and swept at the next run when their
process is gone.  Nothing here follows a symbolic link when it deletes.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from compare.data.atomic import WriteError, process_alive

MARKER = ".policylab-output"
REPOSITORY = Path(__file__).resolve().parents[2]
OWN = ("policies", "docs", "examples", "compare", "dsl", "grammar", "tests", "benchmarks", ".git")  # the tool's own
_TEMP = re.compile(r"^policylab-(sim|site|reform)-(\d+)-[A-Za-z0-9_]+$")


class OutFolderError(WriteError):
    """An --out folder the tool will not replace: a command-line error (exit 2), raised before any work."""


def _marker_text(command: str) -> str:
    return (f"{command}\n"
            f"This folder was written by `{command}`, which replaces it as a whole when given it as --out.\n"
            f"Remove this file to keep the folder from being replaced.\n")


def written_by(folder: Path) -> str | None:
    """The command whose marker is at the top of `folder` (a regular file, not a link), else None."""
    try:
        fd = os.open(folder / MARKER, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head = os.read(fd, 200).decode("utf-8", "replace").split("\n", 1)[0].strip()
    finally:
        os.close(fd)
    return head if head.startswith("policylab ") else None


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _never(out: Path) -> str | None:
    """Why `out` (resolved) may never be replaced, not even with --force; None if it may."""
    cwd = Path.cwd().resolve()
    if out == cwd:
        return "it is the current folder"
    if _within(cwd, out):
        return "it holds the current folder"
    try:
        home: Path | None = Path.home().resolve()
    except (RuntimeError, KeyError):  # no home folder known
        home = None
    if home is not None and _within(home, out):
        return "it is the home folder" if out == home else "it holds the home folder"
    if _within(REPOSITORY, out) or any(_within(out, REPOSITORY / part) for part in OWN):
        return "it holds policylab itself or its policies"
    return None


def prepare_out_folder(out: Path, command: str, force: bool = False, inputs: Sequence[Path] = ()) -> None:
    """Sweep what killed runs left beside `out`, then refuse (OutFolderError) an `out` this run may not
    replace; `inputs` are files or folders the run reads, which must not lie inside `out`."""
    if str(out) in ("", "."):
        raise OutFolderError(f"--out {out or '.'}: refused: it is the current folder",
                            "give a new folder's name, e.g. --out results; --force does not replace this one")
    sweep_stale_folders(out)
    try:
        st = os.lstat(out)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise OutFolderError(f"--out {out}: refused: {e.strerror}", "give a folder you can write") from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise OutFolderError(f"--out {out}: refused: it is a symbolic link (to {os.readlink(out)})",
                            "give the folder itself, or a new folder's name; --force does not follow a link to "
                            "replace what it points to")
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise OutFolderError(f"--out {out}: refused: it is a file, not a folder",
                            "give a new folder's name; a file is never replaced by a folder (--force does not "
                            "change that)")
    resolved = out.resolve()
    why = _never(resolved)
    if why is not None:
        raise OutFolderError(f"--out {out}: refused: {why}",
                            "give a new folder's name, e.g. --out results; --force does not replace this one")
    for given in inputs:
        if _within(given.resolve(), resolved):
            what = "is" if given.resolve() == resolved else "holds"
            raise OutFolderError(f"--out {out}: refused: it {what} {given}, which this run reads",
                                "give another folder for the results (--force does not change that)")
    if st is None:
        return
    try:
        entries = sorted(os.listdir(out))
    except OSError as e:
        raise OutFolderError(f"--out {out}: refused: cannot list it ({e.strerror})", "give a folder you can read") \
            from None
    if not entries or force:
        return
    wrote = written_by(out)
    if wrote is None:
        shown = ", ".join(entries[:4]) + (f" and {len(entries) - 4} more" if len(entries) > 4 else "")
        raise OutFolderError(f"--out {out}: refused: it is a folder policylab did not write ({shown}; no {MARKER})",
                            "give a new folder's name, or add --force to replace the folder and everything in it")
    if wrote != command:
        raise OutFolderError(f"--out {out}: refused: it holds the results of `{wrote}`, not of `{command}`",
                            "give another folder's name, or add --force to replace it")


def sweep_stale_folders(out: Path) -> None:
    """Remove `.NAME.partial-PID` and `.NAME.old-PID` beside `out` whose process is gone; an `.old` whose
    swap a kill cut short (no `out`) is put back, as the run that moved it would have left it."""
    parent = out.parent if str(out.parent) else Path(".")
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(partial|old)-(\d+)$")
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return
    for name in names:
        m = pattern.match(name)
        if m is None or process_alive(int(m.group(2))):
            continue
        path = parent / name
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                continue
            if m.group(1) == "old" and not os.path.lexists(out):
                os.rename(path, out)
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def atomic_folder(out: Path, command: str = "policylab", force: bool = False) -> Iterator[Path]:
    """A new folder to fill for `out` (built beside it, so the last step is a rename on one file
    system), holding the marker of `command`: on a normal exit its files are synced and it takes `out`'s
    place as a whole, if `out` may still be replaced (OutFolderError otherwise); on any exception `out` is
    left as it was and the partial folder is gone."""
    out = Path(out)
    prepare_out_folder(out, command, force)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WriteError(f"cannot make {out.parent}: {e.strerror}", "check the path and its permissions") from None
    staged = out.parent / f".{out.name}.partial-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    with exit_on_terminate():
        _remove(staged)
        try:
            staged.mkdir()
        except OSError as e:
            raise WriteError(f"cannot write {out}: {e.strerror}", "check the folder's permissions") from None
        try:
            (staged / MARKER).write_text(_marker_text(command), encoding="utf-8")
            yield staged
            for path in sorted(staged.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    fd = os.open(path, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            prepare_out_folder(out, command, force)  # what was there may have changed while the run worked
            if os.path.lexists(out):
                os.rename(out, old)
            os.rename(staged, out)
        except BaseException as e:
            _remove(staged)
            if os.path.lexists(old) and not os.path.lexists(out):  # stopped between the two renames
                os.rename(old, out)
            if isinstance(e, OSError):  # a full disk, a permission: a message, not a traceback
                raise WriteError(f"cannot write {out}: {e.strerror or e}", "the folder was not changed") from None
            raise
        _remove(old)


def _remove(path: Path) -> None:
    """Remove a folder of ours, never following a symbolic link (shutil.rmtree does not, and refuses one)."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def exit_on_terminate() -> Iterator[None]:
    """While open, SIGTERM and SIGHUP end the process as an exit (SystemExit), so `finally` blocks run and
    clean up, as Ctrl-C (KeyboardInterrupt) already does; only where Python's default handling was set."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:
            saved[sig] = signal.signal(sig, _exit_by_signal)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _exit_by_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def temp_folder(kind: str) -> Iterator[Path]:
    """A new folder `policylab-KIND-PID-*` under the system's temporary folder, removed on any exit; those
    of earlier runs killed by SIGKILL (their process gone) are removed first."""
    assert _TEMP.match(f"policylab-{kind}-1-x"), kind
    sweep_stale_temp()
    with exit_on_terminate():
        path = Path(tempfile.mkdtemp(prefix=f"policylab-{kind}-{os.getpid()}-"))
        try:
            yield path
        finally:
            _remove(path)


def sweep_stale_temp() -> None:
    """Remove this user's `policylab-KIND-PID-*` temporary folders whose process is gone."""
    root = Path(tempfile.gettempdir())
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        m = _TEMP.match(name)
        if m is None or process_alive(int(m.group(2))):
            continue
        try:
            st = os.lstat(root / name)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid():
            shutil.rmtree(root / name, ignore_errors=True)
