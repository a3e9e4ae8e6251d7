"""The C allocator told to keep freed memory for the next arrays, for a run over 10^6 projects at a time.

numpy takes an array's memory from glibc's malloc, which maps a block above its mmap threshold
(dynamic, from 128 KiB) straight from the system and unmaps it when freed, and gives the top of its
heap back once the free space there passes its trim threshold.  A simulation makes and frees arrays
of 8 MB (10^6 projects) by the hundred: each new one then touches fresh pages, a page fault per
4 KiB (about 200,000 faults, a third of the run's time, for four cities on 10^6 projects).  Blocks up
to the largest threshold glibc takes (32 MiB) are kept in the heap, and the heap is not trimmed
during the run, so the freed arrays' memory serves the next ones; the peak is the same, as what is
kept is what the next chunk takes again.  glibc (Linux) only; elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # glibc's malloc.h
MMAP_THRESHOLD_MAX = 32 << 20  # glibc's upper limit on 64-bit systems
TRIM_THRESHOLD = 1 << 30
TOP_PAD = 64 << 20


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed memory for reuse (process-wide); whether it took the settings."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the process already runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return all([mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX), mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD),
                mallopt(M_TOP_PAD, TOP_PAD)])
