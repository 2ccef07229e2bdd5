"""Numba kernel of the seeds' block sums (see :mod:`landprofile.zoning._locate_seeds`).

Apart from the module that uses it so that numba loads only when seeds are sought.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def block_sums(
    score: np.ndarray, ok: np.ndarray, f: int, out: np.ndarray, at_r: np.ndarray, at_c: np.ndarray
) -> None:
    """Per block of ``f`` x ``f`` cells of a window: the allowed cells' score summed, its best cell.

    ``out[i, j]`` is the sum (float64, the block's cells in raster order) of the
    allowed cells' score of the block at rows ``i * f``, columns ``j * f`` of the
    window; ``at_r``/``at_c`` the window's row and column of its first cell in raster
    order with the highest allowed score (-1 for a block with no allowed cell). The
    sum does not depend on how the landscape is cut into windows (each block lies in
    one window and is summed in one order), so one grid and any tiling agree.
    """
    nr, nc = score.shape
    for bi in range(out.shape[0]):
        for bj in range(out.shape[1]):
            s = 0.0
            best = -np.inf
            br = -1
            bc = -1
            for r in range(bi * f, min(bi * f + f, nr)):
                for c in range(bj * f, min(bj * f + f, nc)):
                    if ok[r, c]:
                        v = score[r, c]
                        s += np.float64(v)
                        if v > best:
                            best = v
                            br = r
                            bc = c
            out[bi, bj] = s
            at_r[bi, bj] = br
            at_c[bi, bj] = bc
