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

Loading an entry imports only what the checked model is made of (not Lark, not the checker).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
import time
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, BinaryIO

from dsl.model import CheckResult
from dsl.paths import Reads, recording, search_dirs, unchanged

CACHE_DIR_VAR, NO_CACHE_VAR = "POLICYLAB_CACHE_DIR", "POLICYLAB_NO_CACHE"
FORMAT = 1  # bump when an entry's layout or the pickled classes change shape
MAX_ENTRIES = 64  # the least recently used beyond this are removed when an entry is written
_PREFIX, _SUFFIX = "check-", ".pickle"
_DSL = Path(__file__).resolve().parent
_GRAMMAR = _DSL.parent / "grammar" / "policy.lark"


def cache_disabled() -> bool:
    """POLICYLAB_NO_CACHE set to anything but "", "0", "false" or "no"."""
    return os.environ.get(NO_CACHE_VAR, "").strip().lower() not in ("", "0", "false", "no")


def cache_dir() -> Path:
    """$POLICYLAB_CACHE_DIR, else $XDG_CACHE_HOME/policylab, else ~/.cache/policylab."""
    explicit = os.environ.get(CACHE_DIR_VAR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "policylab"


def _usable_dir(create: bool) -> Path | None:
    """The cache folder if it is ours and private enough to load pickles from (no one else may
    write to it); made 0700 when `create`.  None: no caching."""
    try:
        folder = cache_dir()
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except (OSError, RuntimeError):  # RuntimeError: no home folder to expand
        return None
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        return None  # another user's, or writable by others: an entry could be planted code
    return folder


@lru_cache(maxsize=1)
def _code_identity() -> tuple[str, ...]:
    """This checker: the package version, the Python, the grammar, and the size and time of every
    module of dsl/ (so an edited checker in a source checkout never reads an older one's entries) and
    of the parser's and the YAML reader's packages (found, not imported)."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        try:
            ver = version("policylab")
        except PackageNotFoundError:
            ver = "unknown"
    except ImportError:
        ver = "unknown"
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
    return (ver, sys.version, hashlib.sha256(_GRAMMAR.read_bytes()).hexdigest(), *sorted(stamps))


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
            _store(folder / f"{_PREFIX}{key[:40]}{_SUFFIX}", key, reads, result)
    return result


def _check(paths: list[Path], search: list[Path] | None) -> tuple[CheckResult, Reads]:
    from dsl.check import check_paths  # the checker (and Lark) only on a miss

    with recording() as reads:
        result = check_paths(paths, search)
    return result, reads


def _load(entry: Path, key: str) -> CheckResult | None:
    """The entry's result if it is whole, of this format and key, and nothing it read has changed.
    A corrupt or foreign entry is removed (pickle can raise almost anything: all of it means corrupt)."""
    try:
        f = entry.open("rb")
    except OSError:
        return None  # none yet (or unreadable: then writing it fails too, and nothing is cached)
    with f:
        try:
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


def _unpickle(f: BinaryIO) -> Any:
    """One pickle from `f`, with the cyclic collector paused (thousands of objects that all live on)."""
    was = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(f)
    finally:
        if was:
            gc.enable()


def _store(entry: Path, key: str, reads: Reads, result: CheckResult) -> None:
    """Write the entry atomically: a temporary file beside it, then renamed over it.  The header (key
    and reads) comes first, so a stale entry is known without loading the policies."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=entry.parent)
        with os.fdopen(fd, "wb") as f:
            pickle.dump({"format": FORMAT, "key": key, "reads": reads}, f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
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
        found = [(p.stat().st_mtime, p) for p in folder.iterdir()
                 if p.name.startswith((_PREFIX, ".tmp-")) and p.name.endswith(_SUFFIX)]
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
        _remove(p)
        n += 1
    return n
