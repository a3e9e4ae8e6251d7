"""Where a policy's files are found, and which files it may read at all.

Policies are shared between researchers and published on sites, so a policy file must not
be able to read arbitrary files: a `source` resolves inside the policy's own folder tree,
only regular files are read, and never more than MAX_BYTES.  Base policies (`extends`)
and the taxonomy are found through a search path: the policy's folder, then `--policies
DIR` folders, then $POLICYLAB_PATH, then the bundled policies.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024
ENV_VAR = "POLICYLAB_PATH"
# The policies shipped with the project (a source checkout or an editable install).
BUNDLED = Path(__file__).resolve().parent.parent / "policies"


class FileRefusedError(Exception):
    """A file the rules do not let a policy read; the message says which rule, the hint what to do."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


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


def within(path: Path, root: Path) -> bool:
    """Does `path`, with every symlink resolved, lie inside `root` (also resolved)?"""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def confined(root: Path, written: str) -> Path:
    """The file a policy names (`source "sources/x.txt"`), which must lie inside `root`, the policy's folder."""
    rel = Path(written)
    if rel.is_absolute() or written.startswith("~"):
        raise FileRefusedError(f"`{written}` is an absolute path",
                          "a source is named relative to the policy's folder, e.g. sources/wuxi_2023.txt")
    target = root / rel
    if ".." in rel.parts and not within(target, root):
        raise FileRefusedError(f"`{written}` leads out of the policy's folder",
                          "keep the source text in the policy's folder or below it, e.g. sources/")
    if not within(target, root):
        raise FileRefusedError(f"`{written}` is a link to a file outside the policy's folder",
                          "copy the text into the policy's folder instead of linking to it")
    return target


def read_regular(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, at most `max_bytes`: never a device, FIFO or /proc stream."""
    try:
        st = path.stat()
    except OSError as e:
        raise FileRefusedError(f"cannot read `{path}`: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileRefusedError(f"`{path}` is not a regular file", "name a text file")
    # /proc files report size 0 and streams forever: refuse what the file system does not size
    if str(path.resolve()).startswith(("/proc/", "/sys/", "/dev/")):
        raise FileRefusedError(f"`{path}` is a system file, not a text", "name a text file")
    if st.st_size > max_bytes:
        raise FileRefusedError(f"`{path}` is {st.st_size // (1024 * 1024)} MiB; at most {max_bytes // (1024 * 1024)} MiB",
                          "is this really a policy or source text?")
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise FileRefusedError(f"cannot read `{path}`: {e.strerror or e}") from None
    if len(data) > max_bytes:
        raise FileRefusedError(f"`{path}` is over {max_bytes // (1024 * 1024)} MiB", "is this really a text?")
    return data
