"""Numba kernels of the DEM path: priority-flood fill, D8, flats, accumulation, catchment.

Direction codes (int8): 0 E, 1 SE, 2 S, 3 SW, 4 W, 5 NW, 6 N, 7 NE (the neighbour the cell
drains to, rows growing southwards); ``OUT`` (-1) drains out of the grid or into nodata;
``NODATA`` (-2) is not part of the terrain; ``FLAT`` (-3) is only used while resolving.
"""

from __future__ import annotations

import numpy as np
from numba import njit

DR = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)
DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
OUT = -1
NODATA = -2
FLAT = -3


@njit(cache=True, nogil=True)
def _heap_push(keys, idx, n, key, value):
    i = n
    keys[i] = key
    idx[i] = value
    while i > 0:
        p = (i - 1) >> 1
        # ties by insertion index keep the order deterministic
        if keys[p] > keys[i] or (keys[p] == keys[i] and idx[p] > idx[i]):
            keys[p], keys[i] = keys[i], keys[p]
            idx[p], idx[i] = idx[i], idx[p]
            i = p
        else:
            break


@njit(cache=True, nogil=True)
def _heap_pop(keys, idx, n):
    value = idx[0]
    n -= 1
    keys[0] = keys[n]
    idx[0] = idx[n]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        best = left
        right = left + 1
        if right < n and (
            keys[right] < keys[left] or (keys[right] == keys[left] and idx[right] < idx[left])
        ):
            best = right
        if keys[best] < keys[i] or (keys[best] == keys[i] and idx[best] < idx[i]):
            keys[best], keys[i] = keys[i], keys[best]
            idx[best], idx[i] = idx[i], idx[best]
            i = best
        else:
            break
    return value


@njit(cache=True, nogil=True)
def priority_flood(dem, valid):
    """Fill depressions (Barnes et al. 2014 Priority-Flood with a pit queue).

    Returns the filled surface (float32): every valid cell has a non-ascending path to
    the grid edge or to a nodata cell.
    """
    h, w = dem.shape
    filled = dem.astype(np.float32)
    closed = np.zeros((h, w), dtype=np.uint8)
    cap = 2 * (h + w) + 16
    keys = np.empty(cap, dtype=np.float32)
    idx = np.empty(cap, dtype=np.int64)
    n = 0
    pit = np.empty(1024, dtype=np.int64)
    ph = 0  # head
    pt = 0  # tail (pit is a FIFO that is emptied before the heap is touched again)
    for r in range(h):
        for c in range(w):
            if not valid[r, c]:
                closed[r, c] = 1
                continue
            edge = r == 0 or c == 0 or r == h - 1 or c == w - 1
            if not edge:
                for k in range(8):
                    if not valid[r + DR[k], c + DC[k]]:
                        edge = True
                        break
            if edge:
                if n == keys.shape[0]:
                    keys = np.concatenate((keys, np.empty(n, dtype=np.float32)))
                    idx = np.concatenate((idx, np.empty(n, dtype=np.int64)))
                _heap_push(keys, idx, n, filled[r, c], r * w + c)
                n += 1
                closed[r, c] = 1
    while n > 0 or pt > ph:
        if pt > ph:
            cell = pit[ph]
            ph += 1
            if ph == pt:
                ph = 0
                pt = 0
        else:
            cell = _heap_pop(keys, idx, n)
            n -= 1
        r = cell // w
        c = cell % w
        z = filled[r, c]
        for k in range(8):
            rr = r + DR[k]
            cc = c + DC[k]
            if rr < 0 or cc < 0 or rr >= h or cc >= w or closed[rr, cc]:
                continue
            closed[rr, cc] = 1
            if filled[rr, cc] <= z:
                filled[rr, cc] = z
                if pt == pit.shape[0]:
                    if ph > 0:
                        pit[: pt - ph] = pit[ph:pt]
                        pt -= ph
                        ph = 0
                    else:
                        pit = np.concatenate((pit, np.empty(pit.shape[0], dtype=np.int64)))
                pit[pt] = rr * w + cc
                pt += 1
            else:
                if n == keys.shape[0]:
                    keys = np.concatenate((keys, np.empty(n, dtype=np.float32)))
                    idx = np.concatenate((idx, np.empty(n, dtype=np.int64)))
                _heap_push(keys, idx, n, filled[rr, cc], rr * w + cc)
                n += 1
    return filled


@njit(cache=True, nogil=True)
def d8_directions(filled, valid, dx_row, dy):
    """Steepest-descent D8 on a filled surface; flats resolved towards their outlets.

    ``dx_row[r]`` is the true east-west cell size (m) of row ``r``, ``dy`` the north-south
    size (m); diagonals use their true length. Cells with no lower neighbour on the edge
    of the grid or next to nodata drain out (``OUT``); interior flat cells are routed by
    a breadth-first search from the flat's draining cells, so every valid cell drains.
    """
    h, w = filled.shape
    d = np.full((h, w), NODATA, dtype=np.int8)
    nflat = 0
    for r in range(h):
        dxr = dx_row[r]
        diag = np.sqrt(dxr * dxr + dy * dy)
        for c in range(w):
            if not valid[r, c]:
                continue
            z = filled[r, c]
            best = 0.0
            bk = -1
            edge = False
            for k in range(8):
                rr = r + DR[k]
                cc = c + DC[k]
                if rr < 0 or cc < 0 or rr >= h or cc >= w or not valid[rr, cc]:
                    edge = True
                    continue
                drop = z - filled[rr, cc]
                if drop > 0.0:
                    dist = dxr if DR[k] == 0 else (dy if DC[k] == 0 else diag)
                    s = drop / dist
                    if s > best:
                        best = s
                        bk = k
            if bk >= 0:
                d[r, c] = bk
            elif edge:
                d[r, c] = OUT
            else:
                d[r, c] = FLAT
                nflat += 1
    if nflat == 0:
        return d
    queue = np.empty(nflat, dtype=np.int64)
    qh = 0
    qt = 0
    for r in range(h):
        for c in range(w):
            if d[r, c] < OUT:  # NODATA or FLAT
                continue
            z = filled[r, c]
            for k in range(8):
                rr = r + DR[k]
                cc = c + DC[k]
                if 0 <= rr < h and 0 <= cc < w and d[rr, cc] == FLAT and filled[rr, cc] == z:
                    d[rr, cc] = (k + 4) % 8  # from the flat cell back to this one
                    queue[qt] = rr * w + cc
                    qt += 1
    while qh < qt:
        cell = queue[qh]
        qh += 1
        r = cell // w
        c = cell % w
        z = filled[r, c]
        for k in range(8):
            rr = r + DR[k]
            cc = c + DC[k]
            if 0 <= rr < h and 0 <= cc < w and d[rr, cc] == FLAT and filled[rr, cc] == z:
                d[rr, cc] = (k + 4) % 8
                queue[qt] = rr * w + cc
                qt += 1
    return d


@njit(cache=True, nogil=True)
def accumulate(d, row_area_m2):
    """Flow accumulation in cells (int64) and in km² of true cell area (float64).

    Each cell counts itself. Topological order by in-degree (Kahn), linear time.
    """
    h, w = d.shape
    indeg = np.zeros((h, w), dtype=np.uint8)
    cells = np.zeros((h, w), dtype=np.int64)
    area = np.zeros((h, w), dtype=np.float64)
    nvalid = 0
    for r in range(h):
        a = row_area_m2[r] / 1e6
        for c in range(w):
            k = d[r, c]
            if k == NODATA:
                continue
            nvalid += 1
            cells[r, c] = 1
            area[r, c] = a
            if k >= 0:
                indeg[r + DR[k], c + DC[k]] += 1
    queue = np.empty(nvalid, dtype=np.int64)
    qh = 0
    qt = 0
    for r in range(h):
        for c in range(w):
            if d[r, c] != NODATA and indeg[r, c] == 0:
                queue[qt] = r * w + c
                qt += 1
    while qh < qt:
        cell = queue[qh]
        qh += 1
        r = cell // w
        c = cell % w
        k = d[r, c]
        if k < 0:
            continue
        rr = r + DR[k]
        cc = c + DC[k]
        cells[rr, cc] += cells[r, c]
        area[rr, cc] += area[r, c]
        indeg[rr, cc] -= 1
        if indeg[rr, cc] == 0:
            queue[qt] = rr * w + cc
            qt += 1
    return cells, area


@njit(cache=True, nogil=True)
def catchment_mask(d, r0, c0):
    """Cells draining through ``(r0, c0)`` (the outlet included), as uint8."""
    h, w = d.shape
    mask = np.zeros((h, w), dtype=np.uint8)
    queue = np.empty(1024, dtype=np.int64)
    queue[0] = r0 * w + c0
    mask[r0, c0] = 1
    qh = 0
    qt = 1
    while qh < qt:
        cell = queue[qh]
        qh += 1
        r = cell // w
        c = cell % w
        for k in range(8):
            rr = r + DR[k]
            cc = c + DC[k]
            if rr < 0 or cc < 0 or rr >= h or cc >= w or mask[rr, cc]:
                continue
            kk = d[rr, cc]
            if kk >= 0 and rr + DR[kk] == r and cc + DC[kk] == c:
                mask[rr, cc] = 1
                if qt == queue.shape[0]:
                    queue = np.concatenate((queue, np.empty(qt, dtype=np.int64)))
                queue[qt] = rr * w + cc
                qt += 1
    return mask
