"""Numba kernels of the DEM path: D8 flow directions and flow accumulation.

The DEM path's other kernels are its siblings: conditioning in ``_hydro_fill``
(priority-flood), flats in ``_hydro_flats``, outlets and catchments in
``_hydro_outlets``; direction codes in ``_hydro_grid``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from landprofile.watershed._hydro_flats import _resolve_flats
from landprofile.watershed._hydro_grid import DC, DR, FLAT, NODATA, OUT


@njit(cache=True, nogil=True)
def d8_directions(filled, valid, dx_row, dy):
    """Steepest-descent D8 on a filled surface; flats resolved towards their outlets.

    ``dx_row[r]`` is the true east-west cell size (m) of row ``r``, ``dy`` the north-south
    size (m); diagonals use their true length. Nodata is a sink: a cell beside nodata
    drains into it (``OUT``). A cell on the grid edge with no lower neighbour drains out
    (``OUT``). Interior flat cells are routed by a breadth-first search from the flat's
    draining cells, so every valid cell drains.
    """
    d, flats = _d8_raw(filled, valid, dx_row, dy)
    if flats.shape[0]:
        _resolve_flats(filled, d, flats, dx_row, dy)
    return d


@njit(cache=True, nogil=True, parallel=True)
def _d8_raw(filled, valid, dx_row, dy):
    """Steepest descent only, rows in parallel: flat cells are marked ``FLAT`` and listed."""
    h, w = filled.shape
    d = np.full((h, w), NODATA, dtype=np.int8)
    wp = w + 2
    # padded copy: the border is +inf (never lower), nodata -inf (a sink, always steepest)
    fp = np.full((h + 2) * wp, np.inf, dtype=np.float32)
    for r in prange(h):
        for c in range(w):
            fp[(r + 1) * wp + c + 1] = filled[r, c] if valid[r, c] else -np.inf
    offs = DR * wp + DC
    for r in prange(h):
        dxr = dx_row[r]
        diag = np.sqrt(dxr * dxr + dy * dy)
        inv = np.empty(8, dtype=np.float64)
        for k in range(8):
            inv[k] = 1.0 / (dxr if DR[k] == 0 else (dy if DC[k] == 0 else diag))
        border = r == 0 or r == h - 1
        for c in range(w):
            if not valid[r, c]:
                continue
            i = (r + 1) * wp + c + 1
            z = fp[i]
            best = 0.0
            bk = -1
            for k in range(8):
                drop = z - fp[i + offs[k]]
                if drop > 0.0:
                    sl = drop * inv[k]
                    if sl > best:
                        best = sl
                        bk = k
            if best == np.inf:
                # nodata is a sink: a cell beside it drains into it (as if infinitely low)
                d[r, c] = OUT
            elif bk >= 0:
                d[r, c] = bk
            elif border or c == 0 or c == w - 1:
                d[r, c] = OUT
            else:
                d[r, c] = FLAT
    # list the flat cells (in raster order, so the result does not depend on threads)
    dd = d.ravel()
    nflat = 0
    for i in range(h * w):
        if dd[i] == FLAT:
            nflat += 1
    flats = np.empty(nflat, dtype=np.int64)
    q = 0
    for i in range(h * w):
        if dd[i] == FLAT:
            flats[q] = i
            q += 1
    return d, flats


@njit(cache=True, nogil=True)
def accumulate(d, row_area_m2, with_area):
    """Flow accumulation in cells (int64) and, if asked, km² of true cell area (float64).

    Each cell counts itself. Topological order by in-degree (Kahn), linear time, on flat
    indices (a cell with a direction >= 0 always has its target inside the grid). The
    third result is that order (every cell before the cell it drains to).
    """
    h, w = d.shape
    dd = d.ravel()
    n = h * w
    offs = DR * w + DC
    indeg = np.zeros(n, dtype=np.uint8)
    cells = np.zeros(n, dtype=np.int64)
    area = np.zeros(n if with_area else 1, dtype=np.float64)
    nvalid = 0
    for i in range(n):
        k = dd[i]
        if k == NODATA:
            continue
        nvalid += 1
        cells[i] = 1
        if with_area:
            area[i] = row_area_m2[i // w] / 1e6
        if k >= 0:
            indeg[i + offs[k]] += 1
    queue = np.empty(nvalid, dtype=np.int64)
    qh = 0
    qt = 0
    for i in range(n):
        if dd[i] != NODATA and indeg[i] == 0:
            queue[qt] = i
            qt += 1
    while qh < qt:
        i = queue[qh]
        qh += 1
        k = dd[i]
        if k < 0:
            continue
        t = i + offs[k]
        cells[t] += cells[i]
        if with_area:
            area[t] += area[i]
        indeg[t] -= 1
        if indeg[t] == 0:
            queue[qt] = t
            qt += 1
    if with_area:
        return cells.reshape(h, w), area.reshape(h, w), queue
    return cells.reshape(h, w), area.reshape(1, 1), queue
