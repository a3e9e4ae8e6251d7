"""Where policylab keeps what it caches between runs, and whether it may: one private folder.

$POLICYLAB_CACHE_DIR, else $XDG_CACHE_HOME/policylab, else ~/.cache/policylab, created 0700.  A
folder that is another user's or writable by others is never used: what is cached there is pickles,
and unpickling runs whatever a pickle names.  POLICYLAB_NO_CACHE=1 turns caching off.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_VAR, NO_CACHE_VAR = "POLICYLAB_CACHE_DIR", "POLICYLAB_NO_CACHE"


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


def usable_dir(create: bool) -> Path | None:
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
