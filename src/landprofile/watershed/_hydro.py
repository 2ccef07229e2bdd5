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
    size (m); diagonals use their true length. Nodata is a sink: a cell beside nodata
    drains into it (``OUT``). A cell on the grid edge with no lower neighbour drains out
    (``OUT``). Interior flat cells are routed by a breadth-first search from the flat's
    draining cells, so every valid cell drains.
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
            into_nodata = False
            for k in range(8):
                rr = r + DR[k]
                cc = c + DC[k]
                if rr < 0 or cc < 0 or rr >= h or cc >= w:
                    edge = True
                    continue
                if not valid[rr, cc]:
                    into_nodata = True
                    break
                drop = z - filled[rr, cc]
                if drop > 0.0:
                    dist = dxr if DR[k] == 0 else (dy if DC[k] == 0 else diag)
                    s = drop / dist
                    if s > best:
                        best = s
                        bk = k
            if into_nodata:
                # nodata is a sink: a cell beside it drains into it (as if infinitely low)
                d[r, c] = OUT
            elif bk >= 0:
                d[r, c] = bk
            elif edge:
                d[r, c] = OUT
            else:
                d[r, c] = FLAT
                nflat += 1
    if nflat == 0:
        return d
    mask, labels = _flat_masks(filled, d)
    # Final pass over the cells that are flat or that tie between neighbours of a flat:
    # route by the flat mask (lower is closer to the flat's outlet, farther from higher
    # ground), as if the flat were inflated by an infinitesimal gradient.
    for r in range(h):
        dxr = dx_row[r]
        diag = np.sqrt(dxr * dxr + dy * dy)
        for c in range(w):
            k0 = d[r, c]
            if k0 == FLAT:
                lab = labels[r, c]
                m0 = mask[r, c]
                best = 0.0
                bk = -1
                for k in range(8):
                    rr = r + DR[k]
                    cc = c + DC[k]
                    if rr < 0 or cc < 0 or rr >= h or cc >= w or labels[rr, cc] != lab:
                        continue
                    if filled[rr, cc] != filled[r, c]:
                        continue
                    dist = dxr if DR[k] == 0 else (dy if DC[k] == 0 else diag)
                    sl = (m0 - mask[rr, cc]) / dist
                    if sl > best:
                        best = sl
                        bk = k
                d[r, c] = bk if bk >= 0 else OUT
            elif k0 >= 0:
                # a draining cell whose steepest drop ties between several cells of one
                # flat: take the one with the lowest mask
                z = filled[r, c]
                tz = filled[r + DR[k0], c + DC[k0]]
                if labels[r + DR[k0], c + DC[k0]] == 0:
                    continue
                s0 = (z - tz) / (dxr if DR[k0] == 0 else (dy if DC[k0] == 0 else diag))
                bm = mask[r + DR[k0], c + DC[k0]]
                for k in range(8):
                    rr = r + DR[k]
                    cc = c + DC[k]
                    if rr < 0 or cc < 0 or rr >= h or cc >= w or labels[rr, cc] == 0:
                        continue
                    dist = dxr if DR[k] == 0 else (dy if DC[k] == 0 else diag)
                    if (z - filled[rr, cc]) / dist == s0 and mask[rr, cc] < bm:
                        bm = mask[rr, cc]
                        d[r, c] = k
    return d


@njit(cache=True, nogil=True)
def _flat_masks(filled, d):
    """Barnes, Lehman & Mulla (2014) flat gradients: towards lower terrain, away from higher.

    Returns ``(mask, labels)``: ``labels`` numbers each flat (0 outside flats; the flat's
    draining rim cells are labelled with it), ``mask`` is ``2 * towards + away`` inside
    flats, whose descent leads every flat cell to the rim.
    """
    h, w = filled.shape
    n = h * w
    low = np.empty(1024, dtype=np.int64)
    nlow = 0
    high = np.empty(1024, dtype=np.int64)
    nhigh = 0
    for r in range(h):
        for c in range(w):
            k0 = d[r, c]
            if k0 == NODATA:
                continue
            z = filled[r, c]
            is_low = False
            is_high = False
            for k in range(8):
                rr = r + DR[k]
                cc = c + DC[k]
                if rr < 0 or cc < 0 or rr >= h or cc >= w or d[rr, cc] == NODATA:
                    continue
                if k0 != FLAT and d[rr, cc] == FLAT and filled[rr, cc] == z:
                    is_low = True
                elif k0 == FLAT and filled[rr, cc] > z:
                    is_high = True
            if is_low:
                if nlow == low.shape[0]:
                    low = np.concatenate((low, np.empty(nlow, dtype=np.int64)))
                low[nlow] = r * w + c
                nlow += 1
            if is_high:
                if nhigh == high.shape[0]:
                    high = np.concatenate((high, np.empty(nhigh, dtype=np.int64)))
                high[nhigh] = r * w + c
                nhigh += 1
    labels = np.zeros((h, w), dtype=np.int32)
    mask = np.zeros((h, w), dtype=np.int32)
    queue = np.empty(max(n, 1), dtype=np.int64)
    nlab = 0
    # label each flat by flooding same-elevation cells from its draining rim
    for i in range(nlow):
        cell = low[i]
        r0 = cell // w
        c0 = cell % w
        if labels[r0, c0] != 0:
            continue
        nlab += 1
        z = filled[r0, c0]
        labels[r0, c0] = nlab
        qh = 0
        qt = 1
        queue[0] = cell
        while qh < qt:
            cc0 = queue[qh]
            qh += 1
            r = cc0 // w
            c = cc0 % w
            for k in range(8):
                rr = r + DR[k]
                cc = c + DC[k]
                if rr < 0 or cc < 0 or rr >= h or cc >= w or labels[rr, cc] != 0:
                    continue
                if d[rr, cc] == NODATA or filled[rr, cc] != z:
                    continue
                labels[rr, cc] = nlab
                queue[qt] = rr * w + cc
                qt += 1
    flat_height = np.zeros(nlab + 1, dtype=np.int32)
    # away from higher terrain: breadth-first from the high edges
    seen = np.zeros((h, w), dtype=np.uint8)
    qt = 0
    for i in range(nhigh):
        cell = high[i]
        r = cell // w
        c = cell % w
        if labels[r, c] != 0 and seen[r, c] == 0:
            seen[r, c] = 1
            queue[qt] = cell
            qt += 1
    qh = 0
    loops = 1
    level_end = qt
    while qh < qt:
        cell = queue[qh]
        qh += 1
        r = cell // w
        c = cell % w
        mask[r, c] = loops
        lab = labels[r, c]
        if loops > flat_height[lab]:
            flat_height[lab] = loops
        for k in range(8):
            rr = r + DR[k]
            cc = c + DC[k]
            if rr < 0 or cc < 0 or rr >= h or cc >= w or seen[rr, cc]:
                continue
            if labels[rr, cc] == lab and d[rr, cc] == FLAT:
                seen[rr, cc] = 1
                queue[qt] = rr * w + cc
                qt += 1
        if qh == level_end:
            loops += 1
            level_end = qt
    # towards lower terrain: breadth-first from the low edges; combine (2 * towards +
    # the away gradient flipped so that it grows away from higher ground)
    seen[:, :] = 0
    qt = 0
    for i in range(nlow):
        cell = low[i]
        r = cell // w
        c = cell % w
        if seen[r, c] == 0:
            seen[r, c] = 1
            queue[qt] = cell
            qt += 1
    qh = 0
    loops = 0
    level_end = qt
    while qh < qt:
        cell = queue[qh]
        qh += 1
        r = cell // w
        c = cell % w
        lab = labels[r, c]
        if d[r, c] == FLAT:
            away = flat_height[lab] - mask[r, c] if mask[r, c] > 0 else 0
            mask[r, c] = 2 * loops + away
        else:
            mask[r, c] = 0  # the draining rim
        for k in range(8):
            rr = r + DR[k]
            cc = c + DC[k]
            if rr < 0 or cc < 0 or rr >= h or cc >= w or seen[rr, cc]:
                continue
            if labels[rr, cc] == lab and d[rr, cc] == FLAT:
                seen[rr, cc] = 1
                queue[qt] = rr * w + cc
                qt += 1
        if qh == level_end:
            loops += 1
            level_end = qt
    return mask, labels


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
