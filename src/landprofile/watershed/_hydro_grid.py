"""Direction codes and bit sets shared by the DEM path's numba kernels (``_hydro*``).

Direction codes (int8): 0 E, 1 SE, 2 S, 3 SW, 4 W, 5 NW, 6 N, 7 NE (the neighbour the cell
drains to, rows growing southwards); ``OUT`` (-1) drains out of the grid or into nodata;
``NODATA`` (-2) is not part of the terrain; ``FLAT`` (-3) is only used while resolving.

numba's cache of a kernel is keyed by the kernel's own file only: a change here does not
recompile the kernels that inline these helpers. Clear their ``__pycache__`` after one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DR = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)
DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
OUT = -1
NODATA = -2
FLAT = -3


@njit(cache=True, nogil=True, inline="always")
def _bit(bits, i):
    return (bits[i >> 6] >> np.uint64(i & 63)) & np.uint64(1)


@njit(cache=True, nogil=True, inline="always")
def _set_bit(bits, i):
    bits[i >> 6] |= np.uint64(1) << np.uint64(i & 63)
