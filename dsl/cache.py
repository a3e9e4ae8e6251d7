"""Checked policies kept between runs, keyed by content: a second `check` or `eval` skips parsing.

`check_paths_cached` is `dsl.check.check_paths` with a cache.  An entry is found by a key (this
code, the Python, the grammar, the arguments and the search path: `entry_key`) and is used only
while every answer the file system gave the check is still the same (dsl.paths.Reads): each file
it read (policies, every base of their `extends` chains, the source texts quoted, the taxonomy)
hashed again, each folder it listed listed again (a new base policy earlier in the search path is
noticed), each path it probed probed again.  Anything else — a changed file, an unreadable,
truncated or corrupt entry, another format — is a miss: the entry is checked afresh and rewritten.

The entries live in $POLICYLAB_CACHE_DIR, else $XDG_CACHE_HOME/policylab, else ~/.cache/policylab,
created private (0700); written atomically.  A folder that cannot be used means no caching, never an
error.  POLICYLAB_NO_CACHE=1 (or `cache=False`, `--no-cache`) bypasses it.

An entry is pickles, and unpickling runs whatever a pickle names: so an entry is signed (HMAC-SHA256
with a random key kept in the folder, 0600) and its signature checked before a byte of it is
unpickled, and even then only the model's own classes (dataclasses and enums of dsl.*) and a few
inert standard types may be named (`_ModelUnpickler`).  An entry that is not a regular file the cache
could have written (a FIFO, a device, a link, another user's file) is never opened: it is ignored,
left where it is, and nothing is cached under its name.

Loading an entry imports only what the checked model is made of (not Lark, not the checker).
"""

from __future__ import annotations

import dataclasses
import enum
import gc
import hashlib
import hmac
import importlib
import io
import os
import pickle
import stat
import sys
import tempfile
import time
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, BinaryIO

from dsl.cache_folder import cache_disabled
from dsl.cache_folder import usable_dir as _usable_dir
from dsl.files import CACHE_ENTRY, FileRefusedError, read_checked
from dsl.model import CheckResult
from dsl.paths import Reads, recording, search_dirs, unchanged

FORMAT = 2  # bump when an entry's layout or the pickled classes change shape
MAGIC = b"policylab-cache 2\n"  # then the HMAC-SHA256 of MAGIC + the pickles, then the pickles
SIGNATURE = len(MAGIC) + hashlib.sha256().digest_size  # where the pickles start
KEY_NAME, KEY_BYTES = "key", 32
MAX_ENTRIES = 64  # the least recently used beyond this are removed when an entry is written
_PREFIX, _SUFFIX = "check-", ".pickle"
_DSL = Path(__file__).resolve().parent
_GRAMMAR = _DSL.parent / "grammar" / "policy.lark"


@lru_cache(maxsize=1)
def _code_identity() -> tuple[str, ...]:
    """This checker: the Python, the grammar, and the size and time of every module of dsl/ (so an
    edited checker in a source checkout, or another release, never reads an older one's entries) and
    of the parser's and the YAML reader's packages (found, not imported).  Not the package's version:
    the stamps tell releases apart, and looking it up (importlib.metadata) cost a warm `check` an
    eighth of its time."""
    stamps = []
    for lib in ("lark", "yaml"):
        spec = find_spec(lib)
        if spec is not None and spec.origin:
            st = os.stat(spec.origin)
            stamps.append(f"{lib}:{spec.origin}:{st.st_size}:{st.st_mtime_ns}")
    for folder in (_DSL, _DSL / "check"):
        with os.scandir(folder) as entries:
            for e in entries:
                if e.name.endswith(".py"):
                    st = e.stat()
                    stamps.append(f"{folder.name}/{e.name}:{st.st_size}:{st.st_mtime_ns}")
    return (sys.version, hashlib.sha256(_GRAMMAR.read_bytes()).hexdigest(), *sorted(stamps))


def entry_key(paths: list[Path], search: list[Path] | None) -> str:
    """What decides which files a check reads: the arguments and the search path (both as given —
    diagnostics name files so — and resolved), $POLICYLAB_PATH and the bundled folder included."""
    parts = [f"format {FORMAT}", *_code_identity()]
    parts += [f"path {p}\0{os.path.realpath(p)}" for p in paths]
    parts += [f"search {d}\0{os.path.realpath(d)}" for d in search_dirs(search)]
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _key(paths: list[Path], search: list[Path] | None) -> str | None:
    try:
        return entry_key(paths, search)
    except (OSError, ValueError, ImportError):  # the grammar or dsl/ unreadable: no caching
        return None


def check_paths_cached(paths: list[Path], search: list[Path] | None = None, cache: bool = True) -> CheckResult:
    """`dsl.check.check_paths`, from the cache when nothing it read has changed since."""
    key = _key(paths, search) if cache and not cache_disabled() else None
    if key is None:
        from dsl.check import check_paths

        return check_paths(paths, search)
    folder = _usable_dir(create=False)
    entry = folder / f"{_PREFIX}{key[:40]}{_SUFFIX}" if folder is not None else None
    if entry is not None:
        hit = _load(entry, key)
        if hit is not None:
            return hit
    result, reads = _check(paths, search)
    if not reads.unstable:
        folder = _usable_dir(create=True)
        if folder is not None:
            entry = folder / f"{_PREFIX}{key[:40]}{_SUFFIX}"
            secret = _secret(folder, create=True)
            if secret is not None and _ours_or_absent(entry):
                _store(entry, key, reads, result, secret)
    return result


def _check(paths: list[Path], search: list[Path] | None) -> tuple[CheckResult, Reads]:
    from dsl.check import check_paths  # the checker (and Lark) only on a miss

    with recording() as reads:
        result = check_paths(paths, search)
    return result, reads


def _ours_or_absent(entry: Path) -> bool:
    """Is `entry` (not following a link) absent, or a regular file of this user: one the cache may have
    written, so may read, replace and remove?  Anything else under its name is left alone."""
    try:
        st = os.lstat(entry)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and (not hasattr(os, "getuid") or st.st_uid == os.getuid())


def _secret(folder: Path, create: bool) -> bytes | None:
    """The folder's signing key: a 0600 regular file of this user, made (atomically: written aside, then
    linked under its name) when `create` and there is none.  None: no key, so no caching."""
    path = folder / KEY_NAME
    for _ in range(2):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create or not _make_secret(path):
                return None
            continue
        except OSError:
            return None
        if not (stat.S_ISREG(st.st_mode) and st.st_size == KEY_BYTES and st.st_mode & 0o077 == 0
                and (not hasattr(os, "getuid") or st.st_uid == os.getuid())):
            return None  # a link, a FIFO, another user's or a readable key: not to be trusted
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            secret = f.read(KEY_BYTES + 1)
        return secret if len(secret) == KEY_BYTES else None
    return None


def _make_secret(path: Path) -> bool:
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-key-", dir=path.parent)  # 0600
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(KEY_BYTES))
        os.link(tmp, path)  # fails if another run made one first: then theirs is read
    except FileExistsError:
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            _remove(Path(tmp))
    return True


def _sign(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, MAGIC + body, hashlib.sha256).digest()


def _load(entry: Path, key: str) -> CheckResult | None:
    """The entry's result if it is signed with this folder's key, whole, of this format and key, and
    nothing it read has changed.  A regular file that fails is removed (rebuilt by the caller); what
    the cache cannot have written (a FIFO, a device, a link) is never opened and left alone."""
    if not _ours_or_absent(entry):
        return None
    secret = _secret(entry.parent, create=False)
    if secret is None:
        return None
    try:
        data = read_checked(entry, CACHE_ENTRY, entry.parent)
    except FileRefusedError:
        return None  # none yet (or unreadable: then writing it fails too, and nothing is cached)
    try:
        if data[: len(MAGIC)] != MAGIC or not hmac.compare_digest(data[len(MAGIC):SIGNATURE],
                                                                 _sign(secret, data[SIGNATURE:])):
            raise ValueError("not signed with this cache's key")
        f = io.BytesIO(data)
        f.seek(SIGNATURE)
        header = _unpickle(f)
        if not (isinstance(header, dict) and header.get("format") == FORMAT and header.get("key") == key
                and isinstance(header.get("reads"), Reads)):
            raise ValueError("not an entry of this format and key")
        if not unchanged(header["reads"]):
            return None  # stale: rebuilt and rewritten by the caller
        result = _unpickle(f)
        if not isinstance(result, CheckResult):
            raise ValueError("not a checked result")
    except Exception:  # whatever it is, never trusted and never an error: removed and rebuilt
        _remove(entry)
        return None
    try:
        os.utime(entry)  # recently used: kept when older entries are pruned
    except OSError:
        pass
    return result


# Standard types an entry may hold besides the model's own: values, none of them callable to effect.
_INERT = frozenset({
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"), ("builtins", "slice"),
    ("builtins", "bytearray"), ("decimal", "Decimal"), ("fractions", "Fraction"),
    ("pathlib", "PosixPath"), ("pathlib", "PurePosixPath"), ("pathlib", "WindowsPath"),
    ("pathlib", "PureWindowsPath"), ("pathlib", "Path"), ("collections", "OrderedDict"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"),
})


class _ModelUnpickler(pickle.Unpickler):
    """Unpickles only what a checked result is made of: a dataclass or an enum defined in a module of
    dsl/ (built field by field, no code of theirs but `__init__`/`__post_init__`), and `_INERT`.  Any
    other name — os.system, builtins.eval, subprocess, functools.partial, a dsl function — is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _INERT:
            return super().find_class(module, name)
        if module in _MODEL_MODULES and "." not in name:
            found = getattr(importlib.import_module(module), name, None)
            if isinstance(found, type) and found.__module__ == module and (
                    dataclasses.is_dataclass(found) or issubclass(found, enum.Enum)):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a checked policy")


# The modules a checked result's classes come from (none of them imports the parser or the checker).
_MODEL_MODULES = frozenset({"dsl.ast", "dsl.ast_file", "dsl.ast_record", "dsl.model", "dsl.paths", "dsl.record", "dsl.schema",
                            "dsl.taxonomy", "dsl.units", "dsl.diagnostics"})


def _unpickle(f: BinaryIO) -> Any:
    """One pickle from `f` (only the model's classes: `_ModelUnpickler`), with the cyclic collector
    paused (thousands of objects that all live on)."""
    was = gc.isenabled()
    gc.disable()
    try:
        return _ModelUnpickler(f).load()
    finally:
        if was:
            gc.enable()


def _store(entry: Path, key: str, reads: Reads, result: CheckResult, secret: bytes) -> None:
    """Write the entry atomically: a temporary file beside it, then renamed over it.  The header (key
    and reads) comes first, so a stale entry is known without loading the policies; the signature
    before both."""
    tmp: str | None = None
    try:
        body = pickle.dumps({"format": FORMAT, "key": key, "reads": reads}, protocol=pickle.HIGHEST_PROTOCOL) \
            + pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=entry.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + _sign(secret, body) + body)
        os.replace(tmp, entry)
        tmp = None
    except Exception:  # a full disk, a read-only folder, something unpicklable: simply not cached
        return
    finally:
        if tmp is not None:
            _remove(Path(tmp))
    _prune(entry.parent)


def _prune(folder: Path) -> None:
    """Keep the MAX_ENTRIES most recently used entries; remove temporary files an interrupted run left."""
    try:
        found = [(p.lstat().st_mtime, p) for p in folder.iterdir()
                 if p.name.startswith((_PREFIX, ".tmp-")) and p.name.endswith(_SUFFIX) and _ours_or_absent(p)]
    except OSError:
        return
    hour_ago = time.time() - 3600
    entries = sorted((t, p) for t, p in found if p.name.startswith(_PREFIX))
    old = [p for _, p in entries[: max(0, len(entries) - MAX_ENTRIES)]]
    old += [p for t, p in found if p.name.startswith(".tmp-") and t < hour_ago]
    for p in old:
        _remove(p)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def clear_cache() -> int:
    """Remove every entry (for tests and tools); how many were removed."""
    folder = _usable_dir(create=False)
    if folder is None:
        return 0
    n = 0
    for p in folder.glob(f"{_PREFIX}*{_SUFFIX}"):
        if _ours_or_absent(p):
            _remove(p)
            n += 1
    return n
