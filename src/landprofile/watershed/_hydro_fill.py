"""Conditioning: priority-flood depression filling, with a heap or a bucket per level."""

from __future__ import annotations

import numpy as np
from numba import njit

from landprofile.watershed._hydro_grid import DC, DR, _bit, _set_bit


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
