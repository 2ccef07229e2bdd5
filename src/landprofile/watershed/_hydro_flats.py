"""Flats: routing the cells of a flat of the filled surface towards its draining rim."""

from __future__ import annotations

import numpy as np
from numba import njit

from landprofile.watershed._hydro_grid import DC, DR, FLAT, NODATA, OUT, _bit, _set_bit


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
