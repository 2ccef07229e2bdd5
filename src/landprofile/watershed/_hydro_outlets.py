"""Outlets: the catchment of one outlet, and which outlet each cell drains to."""

from __future__ import annotations

import numpy as np
from numba import njit

from landprofile.watershed._hydro_grid import DC, DR, NODATA


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
