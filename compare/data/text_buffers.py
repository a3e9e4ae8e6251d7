"""A text column's own bytes, read by numpy without a copy: what the fast paths of data in and out look at
before any cell is taken apart (a unit's code, a plain decimal, a byte that would need escaping)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def text_buffers(s: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The bytes of a (large) string or binary array and its n + 1 offsets into them (int64).  Without
    character data the bytes are one zero byte, so that an index clipped to the last byte stays valid."""
    _, offsets, data = s.buffers()
    width = np.int64 if pa.types.is_large_string(s.type) or pa.types.is_large_binary(s.type) else np.int32
    if offsets is None:  # an empty array may have no offsets
        starts = np.zeros(len(s) + 1, dtype=np.int64)
    else:
        starts = np.frombuffer(offsets, dtype=width)[s.offset:s.offset + len(s) + 1].astype(np.int64)
    return (np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(1, np.uint8)), starts


def byte_set(*ranges: tuple[int, int]) -> np.ndarray:
    """A table of the 256 bytes: True for those in the inclusive ranges."""
    table = np.zeros(256, dtype=bool)
    for lo, hi in ranges:
        table[lo:hi + 1] = True
    return table
