"""Landscape-sized grids kept in files, not in the process's memory.

A tiled run keeps no landscape-sized grid: its regions, zones and ``locate`` read the
cells by window (see :mod:`landprofile.zoning.tiles` and
:class:`landprofile.zoning.cells.TiledCells`). Only a caller that asks a tiled result
for the whole grid's score or "passes the rules" mask (``ZoningContext.suitable``,
``TiledSuitability.score``: a notebook, a check) gets one, stitched from the tiles on
first use (5 bytes a cell, ``cells.TiledCells.grids``), and so does the checks'
:func:`landprofile.zoning.tiles_stitch.stitch`. Niger at 30 m is 1.4 G cells, 7 GB for those
two. They live in memory-mapped temporary files: the pages being worked on are in
memory, the rest is on disk, and the system writes back and drops pages as it needs
the memory (file pages are not anonymous memory: no swap is needed, and a memory
limit reclaims them).

The files are unlinked as soon as they are made: nothing is left behind when the
process ends or is killed, and no other process sees them.
"""

from __future__ import annotations

import mmap
import shutil
import tempfile
from typing import Any

import numpy as np

__all__ = ["disk_array", "free_disk_bytes", "on_disk"]


def disk_array(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A zero-filled array in an unlinked temporary file (a sparse file: zeros take no disk).

    ``tempfile.gettempdir()`` holds it (``TMPDIR``).
    """
    dt = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    if nbytes == 0:
        return np.zeros(shape, dtype=dt)
    with tempfile.TemporaryFile(prefix="landprofile-grid-") as fh:
        fh.truncate(nbytes)
        # the mapping keeps the (unlinked) file alive after the handle is closed
        mm = mmap.mmap(fh.fileno(), nbytes)
    return np.frombuffer(mm, dtype=dt).reshape(shape)


def on_disk(a: Any) -> bool:
    """Whether ``a`` is (a view of) an array :func:`disk_array` made."""
    while isinstance(a, np.ndarray):
        a = a.base
    if isinstance(a, memoryview):
        a = a.obj
    return isinstance(a, mmap.mmap)


def free_disk_bytes() -> int:
    """Free bytes where :func:`disk_array` writes."""
    try:
        return int(shutil.disk_usage(tempfile.gettempdir()).free)
    except OSError:
        return 0
