"""Numba kernels of the DEM path: priority-flood fill, D8, flats, accumulation, catchment.

Direction codes (int8): 0 E, 1 SE, 2 S, 3 SW, 4 W, 5 NW, 6 N, 7 NE (the neighbour the cell
drains to, rows growing southwards); ``OUT`` (-1) drains out of the grid or into nodata;
``NODATA`` (-2) is not part of the terrain; ``FLAT`` (-3) is only used while resolving.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

DR = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)
DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
OUT = -1
NODATA = -2
FLAT = -3


@njit(cache=True, nogil=True, inline="always")
def _heap_push(heap, n, key):
    # Binary min-heap of packed uint64 keys (elevation bits << 32 | cell index): one
    # array, one comparison per level. Deterministic for a given input.
    i = n
    while i > 0:
        p = (i - 1) >> 1
        if heap[p] <= key:
            break
        heap[i] = heap[p]
        i = p
    heap[i] = key


@njit(cache=True, nogil=True, inline="always")
def _heap_pop(heap, n):
    top = heap[0]
    n -= 1
    key = heap[n]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        best = left
        if left + 1 < n and heap[left + 1] < heap[left]:
            best = left + 1
        if heap[best] >= key:
            break
        heap[i] = heap[best]
        i = best
    heap[i] = key
    return top


@njit(cache=True, nogil=True, inline="always")
def _pack(bits32, cell):
    # float32 bits -> uint32 whose unsigned order is the float order, then the cell index
    b = np.uint64(bits32)
    b = ~b & np.uint64(0xFFFFFFFF) if b & np.uint64(0x80000000) else b | np.uint64(0x80000000)
    return (b << np.uint64(32)) | np.uint64(cell)


@njit(cache=True, nogil=True, inline="always")
def _bit(bits, i):
    return (bits[i >> 6] >> np.uint64(i & 63)) & np.uint64(1)


@njit(cache=True, nogil=True, inline="always")
def _set_bit(bits, i):
    bits[i >> 6] |= np.uint64(1) << np.uint64(i & 63)


@njit(cache=True, nogil=True)
def priority_flood(dem, valid):
    """Fill depressions: Priority-Flood (Barnes et al. 2014) with a pit queue.

    Returns the filled surface (float32): every valid cell has a non-ascending path to
    the grid edge or to a nodata cell. Works on a copy padded with a closed border, so
    the inner loops need neither bounds checks nor divisions; "closed" is a bit set (3 MB
    for 25 M cells) that stays in cache while the flood wanders over the grid.
    """
    h, w = dem.shape
    hp, wp = h + 2, w + 2
    ncell = hp * wp
    filled = np.zeros((hp, wp), dtype=np.float32)
    closed = np.zeros(ncell // 64 + 1, dtype=np.uint64)
    edge = np.zeros(ncell // 64 + 1, dtype=np.uint64)  # the border and nodata
    for r in range(hp):
        for c in range(wp):
            i = r * wp + c
            if r == 0 or c == 0 or r == hp - 1 or c == wp - 1 or not valid[r - 1, c - 1]:
                _set_bit(closed, i)
                _set_bit(edge, i)
            else:
                filled[r, c] = dem[r - 1, c - 1]
    fz = filled.ravel()
    fb = fz.view(np.uint32)  # the float bits, to build heap keys without allocating
    offs = DR * wp + DC
    heap = np.empty(2 * (h + w) + 16, dtype=np.uint64)
    n = 0
    mask32 = np.uint64(0xFFFFFFFF)
    # seeds: valid cells touching the border or nodata
    for r in range(1, h + 1):
        for c in range(1, w + 1):
            i = r * wp + c
            if _bit(closed, i):
                continue
            for k in range(8):
                if _bit(edge, i + offs[k]):
                    if n == heap.shape[0]:
                        heap = np.concatenate((heap, np.empty(n, dtype=np.uint64)))
                    _heap_push(heap, n, _pack(fb[i], i))
                    n += 1
                    break
    for j in range(n):
        _set_bit(closed, np.int64(heap[j] & mask32))
    pit = np.empty(1024, dtype=np.int64)
    ph = 0
    pt = 0
    while n > 0 or pt > ph:
        if pt > ph:
            cell = pit[ph]
            ph += 1
            if ph == pt:
                ph = 0
                pt = 0
        else:
            cell = np.int64(_heap_pop(heap, n) & mask32)
            n -= 1
        z = fz[cell]
        for k in range(8):
            nb = cell + offs[k]
            if _bit(closed, nb):
                continue
            _set_bit(closed, nb)
            if fz[nb] <= z:
                fz[nb] = z
                if pt == pit.shape[0]:
                    if ph > 0:
                        pit[: pt - ph] = pit[ph:pt]
                        pt -= ph
                        ph = 0
                    else:
                        pit = np.concatenate((pit, np.empty(pit.shape[0], dtype=np.int64)))
                pit[pt] = nb
                pt += 1
            else:
                if n == heap.shape[0]:
                    heap = np.concatenate((heap, np.empty(n, dtype=np.uint64)))
                _heap_push(heap, n, _pack(fb[nb], nb))
                n += 1
    return filled[1 : h + 1, 1 : w + 1].copy()


@njit(cache=True, nogil=True)
def priority_flood_levels(dem, valid, scale, zmin, nlev):
    """Priority-Flood with a bucket queue, for DEMs whose values sit on a grid of levels.

    SRTM's whole metres, or a DEM rounded to decimetres, have a few thousand distinct
    levels. Priority-Flood only ever pushes above the level being drained, so the heap can
    be replaced by one contiguous bucket per level (sized by a counting pass) read in
    order: O(1) push and pop, sequential queue memory. Elevations are snapped to their
    level's float (at most 2 units in the last place away). Returns ``(filled, ok)``;
    ``ok`` is False — and nothing is filled — when the DEM is not on that grid, in which
    case the heap version must be used. When ``ok``, the result is exactly that of
    :func:`priority_flood` on the snapped DEM.
    """
    h, w = dem.shape
    hp, wp = h + 2, w + 2
    ncell = hp * wp
    filled = np.zeros((hp, wp), dtype=np.float32)
    closed = np.zeros(ncell // 64 + 1, dtype=np.uint64)
    edge = np.zeros(ncell // 64 + 1, dtype=np.uint64)
    level = np.zeros(ncell, dtype=np.int32)
    count = np.zeros(nlev + 1, dtype=np.int64)
    seen_value = np.full(nlev, np.nan, dtype=np.float32)
    for r in range(hp):
        for c in range(wp):
            i = r * wp + c
            if r == 0 or c == 0 or r == hp - 1 or c == wp - 1 or not valid[r - 1, c - 1]:
                _set_bit(closed, i)
                _set_bit(edge, i)
                continue
            v = dem[r - 1, c - 1]
            lv = np.int64(round((np.float64(v) - zmin) * scale))
            if lv < 0 or lv >= nlev:
                return filled[1 : h + 1, 1 : w + 1].copy(), False
            # Decimal DEMs stored as float32 may hold the same decimal as two neighbouring
            # floats; snap to the level's own float when within 2 units in the last place
            # (a change far below any DEM's precision), else give up on the grid.
            snapped = np.float32(zmin + lv / scale)
            if abs(np.float64(snapped) - np.float64(v)) > 2.4e-7 * max(abs(np.float64(v)), 1.0):
                return filled[1 : h + 1, 1 : w + 1].copy(), False
            v = snapped
            if np.isnan(seen_value[lv]):
                seen_value[lv] = v
            elif seen_value[lv] != v:  # two elevations on one level: not on the grid
                return filled[1 : h + 1, 1 : w + 1].copy(), False
            filled[r, c] = v
            level[i] = lv
            count[lv + 1] += 1
    start = np.cumsum(count)  # bucket lv holds slots start[lv] .. start[lv + 1]
    head = start[:-1].copy()
    tail = start[:-1].copy()
    slots = np.empty(start[-1], dtype=np.int64)
    fz = filled.ravel()
    offs = DR * wp + DC
    for r in range(1, h + 1):
        for c in range(1, w + 1):
            i = r * wp + c
            if _bit(closed, i):
                continue
            for k in range(8):
                if _bit(edge, i + offs[k]):
                    lv = level[i]
                    slots[tail[lv]] = i
                    tail[lv] += 1
                    break
    for lv in range(nlev):
        for t in range(head[lv], tail[lv]):
            _set_bit(closed, slots[t])
    pit = np.empty(1024, dtype=np.int64)
    ph = 0
    pt = 0
    cur = 0
    while True:
        if pt > ph:
            cell = pit[ph]
            ph += 1
            if ph == pt:
                ph = 0
                pt = 0
        else:
            while cur < nlev and head[cur] == tail[cur]:
                cur += 1
            if cur >= nlev:
                break
            cell = slots[head[cur]]
            head[cur] += 1
        z = fz[cell]
        for k in range(8):
            nb = cell + offs[k]
            if _bit(closed, nb):
                continue
            _set_bit(closed, nb)
            if fz[nb] <= z:
                fz[nb] = z
                if pt == pit.shape[0]:
                    if ph > 0:
                        pit[: pt - ph] = pit[ph:pt]
                        pt -= ph
                        ph = 0
                    else:
                        pit = np.concatenate((pit, np.empty(pit.shape[0], dtype=np.int64)))
                pit[pt] = nb
                pt += 1
            else:
                lv = level[nb]
                slots[tail[lv]] = nb
                tail[lv] += 1
    return filled[1 : h + 1, 1 : w + 1].copy(), True


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
def _resolve_flats(filled, d, flats, dx_row, dy):
    """Give every flat cell a direction down the flat gradients (in place)."""
    h, w = filled.shape
    nflat = flats.shape[0]
    mask, labels, _ = _flat_masks(filled, d, flats)
    # Route flat cells down the flat mask (lower is closer to the flat's outlet, farther
    # from higher ground), as if the flat were inflated by an infinitesimal gradient.
    newdir = np.empty(nflat, dtype=np.int8)
    for q in range(nflat):
        cell = flats[q]
        r = cell // w
        c = cell % w
        dxr = dx_row[r]
        diag = np.sqrt(dxr * dxr + dy * dy)
        lab = labels[r, c]
        m0 = mask[r, c]
        z = filled[r, c]
        best = 0.0
        bk = -1
        for k in range(8):
            rr = r + DR[k]
            cc = c + DC[k]
            if rr < 0 or cc < 0 or rr >= h or cc >= w or labels[rr, cc] != lab:
                continue
            if filled[rr, cc] != z:
                continue
            dist = dxr if DR[k] == 0 else (dy if DC[k] == 0 else diag)
            sl = (m0 - mask[rr, cc]) / dist
            if sl > best:
                best = sl
                bk = k
        newdir[q] = bk if bk >= 0 else OUT
    # A draining cell next to a flat whose steepest drop ties between cells of the flat
    # takes the one with the lowest mask (such a cell neighbours a flat cell); each is
    # examined once.
    seen = np.zeros((h * w) // 64 + 1, dtype=np.uint64)
    for q in range(nflat):
        cell = flats[q]
        fr = cell // w
        fc = cell % w
        for k2 in range(8):
            r = fr + DR[k2]
            c = fc + DC[k2]
            if r < 0 or c < 0 or r >= h or c >= w:
                continue
            k0 = d[r, c]
            if k0 < 0:
                continue
            if _bit(seen, r * w + c):
                continue
            _set_bit(seen, r * w + c)
            tr_ = r + DR[k0]
            tc = c + DC[k0]
            if labels[tr_, tc] == 0:
                continue
            dxr = dx_row[r]
            diag = np.sqrt(dxr * dxr + dy * dy)
            z = filled[r, c]
            s0 = (z - filled[tr_, tc]) / (dxr if DR[k0] == 0 else (dy if DC[k0] == 0 else diag))
            bm = mask[tr_, tc]
            for k in range(8):
                rr = r + DR[k]
                cc = c + DC[k]
                if rr < 0 or cc < 0 or rr >= h or cc >= w or labels[rr, cc] == 0:
                    continue
                dist = dxr if DR[k] == 0 else (dy if DC[k] == 0 else diag)
                if (z - filled[rr, cc]) / dist == s0 and mask[rr, cc] < bm:
                    bm = mask[rr, cc]
                    d[r, c] = k
    for q in range(nflat):
        cell = flats[q]
        d[cell // w, cell % w] = newdir[q]


@njit(cache=True, nogil=True)
def _flat_masks(filled, d, flats):
    """Barnes, Lehman & Mulla (2014) flat gradients: towards lower terrain, away from higher.

    ``flats`` lists the flat cells (flat index). Returns ``(mask, labels, low)``:
    ``labels`` numbers each flat (0 outside; the flat's draining rim cells carry its
    label), ``mask`` is ``2 * towards + away`` inside flats, whose descent leads every
    flat cell to the rim; ``low`` lists the rim cells.
    """
    h, w = filled.shape
    nflat = flats.shape[0]
    is_low = np.zeros((h, w), dtype=np.uint8)
    low = np.empty(1024, dtype=np.int64)
    nlow = 0
    high = np.empty(1024, dtype=np.int64)
    nhigh = 0
    for q in range(nflat):
        cell = flats[q]
        r = cell // w
        c = cell % w
        z = filled[r, c]
        is_high = False
        for k in range(8):
            rr = r + DR[k]
            cc = c + DC[k]
            if rr < 0 or cc < 0 or rr >= h or cc >= w or d[rr, cc] == NODATA:
                continue
            zn = filled[rr, cc]
            if zn > z:
                is_high = True
            elif zn == z and d[rr, cc] != FLAT and is_low[rr, cc] == 0:
                is_low[rr, cc] = 1
                if nlow == low.shape[0]:
                    low = np.concatenate((low, np.empty(nlow, dtype=np.int64)))
                low[nlow] = rr * w + cc
                nlow += 1
        if is_high:
            if nhigh == high.shape[0]:
                high = np.concatenate((high, np.empty(nhigh, dtype=np.int64)))
            high[nhigh] = cell
            nhigh += 1
    labels = np.zeros((h, w), dtype=np.int32)
    mask = np.zeros((h, w), dtype=np.int32)
    queue = np.empty(nflat + nlow + 1, dtype=np.int64)
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
                if d[rr, cc] != FLAT and is_low[rr, cc] == 0:
                    continue
                labels[rr, cc] = nlab
                queue[qt] = rr * w + cc
                qt += 1
    flat_height = np.zeros(nlab + 1, dtype=np.int32)
    # away from higher terrain: breadth-first from the high edges (is_low reused as seen)
    seen = is_low
    seen[:, :] = 0
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
    # towards lower terrain: breadth-first from the rim; combine 2 * towards with the
    # away gradient flipped so that it grows away from higher ground
    for i in range(nhigh):
        cell = high[i]
        seen[cell // w, cell % w] = 0
    for q in range(nflat):
        cell = flats[q]
        seen[cell // w, cell % w] = 0
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
    return mask, labels, low[:nlow]


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


@njit(cache=True, nogil=True)
def outlet_labels_ordered(d, order, rows, cols):
    """Like :func:`outlet_labels`, from a topological order (``accumulate``'s third result).

    Walking the order backwards visits every cell after the cell it drains to, so each
    cell takes its target's label in one sequential pass.
    """
    h, w = d.shape
    dd = d.ravel()
    offs = DR * w + DC
    lab = np.zeros(h * w, dtype=np.int32)
    is_outlet = np.zeros(h * w, dtype=np.int32)
    for q in range(rows.shape[0]):
        is_outlet[rows[q] * w + cols[q]] = q + 1
    for t in range(order.shape[0] - 1, -1, -1):
        i = order[t]
        if is_outlet[i]:
            lab[i] = is_outlet[i]
        else:
            k = dd[i]
            if k >= 0:
                lab[i] = lab[i + offs[k]]
    return lab.reshape(h, w)


@njit(cache=True, nogil=True)
def catchment_mask_sweep(d, r0, c0):
    """Cells draining through ``(r0, c0)``, by one sweep with memoised downstream walks.

    Every cell is resolved once (in or out) by following its path until a resolved cell,
    the outlet or the edge; memory access follows the flow, so this beats a breadth-first
    search when the catchment is a large share of the grid.
    """
    h, w = d.shape
    dd = d.ravel()
    n = h * w
    offs = DR * w + DC
    state = np.zeros(n, dtype=np.uint8)  # 0 unknown, 1 in, 2 out
    target = r0 * w + c0
    state[target] = 1
    path = np.empty(1024, dtype=np.int64)
    for i in range(n):
        if state[i]:
            continue
        np_ = 0
        j = i
        while state[j] == 0:
            k = dd[j]
            if k < 0:
                state[j] = 2
                break
            if np_ == path.shape[0]:
                path = np.concatenate((path, np.empty(np_, dtype=np.int64)))
            path[np_] = j
            np_ += 1
            j = j + offs[k]
        v = state[j]
        for q in range(np_):
            state[path[q]] = v
    out = np.zeros(n, dtype=np.uint8)
    for i in range(n):
        if state[i] == 1:
            out[i] = 1
    return out.reshape(h, w)


@njit(cache=True, nogil=True)
def outlet_labels(d, rows, cols):
    """For every cell, the 1-based index of the first outlet its flow reaches (0: none).

    One sweep with memoised downstream walks, whatever the number of outlets; nested
    outlets (one downstream of another) are resolved by the caller from the labels of
    the outlets' own downstream cells.
    """
    h, w = d.shape
    dd = d.ravel()
    n = h * w
    offs = DR * w + DC
    none = np.int32(-1)
    lab = np.zeros(n, dtype=np.int32)  # 0 unknown, -1 reaches no outlet, k > 0 outlet k
    for q in range(rows.shape[0]):
        lab[rows[q] * w + cols[q]] = q + 1
    path = np.empty(1024, dtype=np.int64)
    for i in range(n):
        if lab[i] != 0:
            continue
        np_ = 0
        j = i
        while lab[j] == 0:
            k = dd[j]
            if k < 0:
                lab[j] = none
                break
            if np_ == path.shape[0]:
                path = np.concatenate((path, np.empty(np_, dtype=np.int64)))
            path[np_] = j
            np_ += 1
            j = j + offs[k]
        v = lab[j]
        for q in range(np_):
            lab[path[q]] = v
    for i in range(n):
        if lab[i] < 0:
            lab[i] = 0
    return lab.reshape(h, w)


@njit(cache=True, nogil=True)
def catchment_mask(d, r0, c0):
    """Cells draining through ``(r0, c0)`` (the outlet included), as uint8.

    Breadth-first upstream on a copy of the directions padded with nodata, so that
    neighbours need no bounds checks: a neighbour belongs when its direction points back.
    """
    h, w = d.shape
    wp = w + 2
    dp = np.full((h + 2) * wp, NODATA, dtype=np.int8)
    for r in range(h):
        for c in range(w):
            dp[(r + 1) * wp + c + 1] = d[r, c]
    offs = DR * wp + DC
    mask = np.zeros((h + 2) * wp, dtype=np.uint8)
    queue = np.empty(1024, dtype=np.int64)
    start = (r0 + 1) * wp + c0 + 1
    queue[0] = start
    mask[start] = 1
    qh = 0
    qt = 1
    while qh < qt:
        i = queue[qh]
        qh += 1
        for k in range(8):
            nb = i + offs[k]
            # the neighbour at offset k drains to i when its direction is k's opposite
            if dp[nb] == (k + 4) % 8 and mask[nb] == 0:
                mask[nb] = 1
                if qt == queue.shape[0]:
                    queue = np.concatenate((queue, np.empty(qt, dtype=np.int64)))
                queue[qt] = nb
                qt += 1
    return mask.reshape(h + 2, wp)[1 : h + 1, 1 : w + 1].copy()
