"""Numba kernels of the exact-coverage zonal statistics (see :mod:`landprofile._coverage`).

They live apart so that numba (its import and the loading of the cached machine code cost
~0.9 s in a fresh process) loads only when a raster is actually summarised, and can load
while the raster's first strips are being decompressed (:class:`~landprofile._coverage.
StripReader`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from landprofile._coverage_consts import COVERAGE_EPS, SCALE_STEP


@njit(cache=True, inline="always")
def _ramp_integral(s: float) -> float:
    # Integral of clamp(z, 0, 1) from -inf to s.
    if s <= 0.0:
        return 0.0
    if s < 1.0:
        return 0.5 * s * s
    return s - 0.5


@njit(cache=True, nogil=True)
def accumulate_edges(segs: np.ndarray, r0: int, r1: int, acc: np.ndarray) -> None:
    """Add the signed-area differences of ``segs`` for rows ``r0 <= r < r1`` into ``acc``.

    ``segs`` is ``(n, 4)`` of ``x0, y0, x1, y1`` in window pixel coordinates (x right,
    y down, cell (r, c) spans [c, c+1] x [r, r+1]); ``acc`` is ``(r1 - r0, width + 2)``.
    """
    for i in range(segs.shape[0]):
        x0 = segs[i, 0]
        y0 = segs[i, 1]
        x1 = segs[i, 2]
        y1 = segs[i, 3]
        if y0 == y1:
            continue
        d = 1.0
        if y0 > y1:
            x0, y0, x1, y1 = x1, y1, x0, y0
            d = -1.0
        if y1 <= r0 or y0 >= r1:
            continue
        dxdy = (x1 - x0) / (y1 - y0)
        rs = max(int(math.floor(y0)), r0)
        re = min(int(math.ceil(y1)), r1)
        for r in range(rs, re):
            ya = max(float(r), y0)
            yb = min(float(r + 1), y1)
            dy = yb - ya
            if dy <= 0.0:
                continue
            xa = x0 + (ya - y0) * dxdy
            xb = x0 + (yb - y0) * dxdy
            if xa > xb:
                xa, xb = xb, xa
            w = d * dy
            row = r - r0
            cs = int(math.floor(xa))
            ce = int(math.floor(xb)) + 1
            width = xb - xa
            prev = 0.0
            for c in range(cs, ce + 1):
                if width < 1e-12:
                    f = min(max(c + 1.0 - 0.5 * (xa + xb), 0.0), 1.0)
                else:
                    f = (_ramp_integral(c + 1.0 - xa) - _ramp_integral(c + 1.0 - xb)) / width
                acc[row, c] += w * (f - prev)
                prev = f


@njit(cache=True, inline="always")
def _scale_at(fac: np.ndarray, fy: float, fx: float) -> float:
    ny, nx = fac.shape
    iy = min(int(fy), ny - 2) if ny > 1 else 0
    ix = min(int(fx), nx - 2) if nx > 1 else 0
    ty = fy - iy if ny > 1 else 0.0
    tx = fx - ix if nx > 1 else 0.0
    iy1 = iy + 1 if ny > 1 else iy
    ix1 = ix + 1 if nx > 1 else ix
    top = fac[iy, ix] * (1 - tx) + fac[iy, ix1] * tx
    bot = fac[iy1, ix] * (1 - tx) + fac[iy1, ix1] * tx
    return top * (1 - ty) + bot * ty


@njit(cache=True, nogil=True)
def histogram_strip(acc, vals, row_area, fac, use_fac, row_off, offset, hist):
    """Add coverage x true area of each cell to ``hist[value + offset]`` (integer rasters)."""
    nr, nc = vals.shape
    inv = 1.0 / SCALE_STEP
    for r in range(nr):
        run = 0.0
        ra = row_area[r]
        for c in range(nc):
            run += acc[r, c]
            cov = abs(run)
            if cov <= COVERAGE_EPS:
                continue
            if cov > 1.0:
                cov = 1.0
            w = cov * ra
            if use_fac:
                w /= _scale_at(fac, (row_off + r + 0.5) * inv, (c + 0.5) * inv)
            hist[np.int64(vals[r, c]) + offset] += w


@njit(cache=True, nogil=True)
def coverage_strip(acc, out):
    """Materialise the coverage of a strip (for the generic, non-integer path)."""
    nr, nc = out.shape
    for r in range(nr):
        run = 0.0
        for c in range(nc):
            run += acc[r, c]
            cov = abs(run)
            out[r, c] = 0.0 if cov <= COVERAGE_EPS else min(cov, 1.0)


@njit(cache=True, nogil=True)
def sums_strip(acc, vals, row_area, fac, use_fac, row_off, nodata, has_nodata, out):
    """Weighted sums for continuous rasters.

    ``out`` accumulates ``[sum cov*v, sum cov*a*v, sum cov*a (valid), sum cov*a (nodata),
    min v, max v, sum cov (valid)]``, ``a`` being the true cell area (m²).
    """
    nr, nc = vals.shape
    inv = 1.0 / SCALE_STEP
    for r in range(nr):
        run = 0.0
        ra = row_area[r]
        for c in range(nc):
            run += acc[r, c]
            cov = abs(run)
            if cov <= COVERAGE_EPS:
                continue
            if cov > 1.0:
                cov = 1.0
            a = ra
            if use_fac:
                a /= _scale_at(fac, (row_off + r + 0.5) * inv, (c + 0.5) * inv)
            v = np.float64(vals[r, c])
            if (has_nodata and v == nodata) or math.isnan(v):
                out[3] += cov * a
                continue
            out[0] += cov * v
            out[1] += cov * a * v
            out[2] += cov * a
            out[6] += cov
            if v < out[4]:
                out[4] = v
            if v > out[5]:
                out[5] = v


@njit(cache=True, nogil=True)
def value_histogram_strip(
    acc, vals, row_area, fac, use_fac, row_off, nodata, has_nodata, vmin, width, hist
):
    """Add coverage x true area of each valid cell to a fixed-width value histogram."""
    nr, nc = vals.shape
    nb = hist.shape[0]
    inv = 1.0 / SCALE_STEP
    for r in range(nr):
        run = 0.0
        ra = row_area[r]
        for c in range(nc):
            run += acc[r, c]
            cov = abs(run)
            if cov <= COVERAGE_EPS:
                continue
            if cov > 1.0:
                cov = 1.0
            v = np.float64(vals[r, c])
            if (has_nodata and v == nodata) or math.isnan(v):
                continue
            a = ra
            if use_fac:
                a /= _scale_at(fac, (row_off + r + 0.5) * inv, (c + 0.5) * inv)
            b = int((v - vmin) / width)
            if b >= nb:
                b = nb - 1
            if b < 0:
                b = 0
            hist[b] += cov * a


# ----------------------------------------------------------------------------- runs
# The warm land cover path: coverage from the edges alone, no dense edge buffer.
# ``accumulate_edges`` + ``histogram_strip`` write and then read 8 bytes a cell (a 47 MB
# buffer zeroed per 512-row strip of the 10⁸-cell benchmark), and add one float per cell
# to the histogram, a chain of dependent additions; only the cells an edge crosses change
# a row's running sum, so the rest is counted run by run in integers.

#: Runs of at least this many cells are counted as integers, then count x weight (as
#: :data:`landprofile._kernels_np.LONG_RUN`: the two paths give the same bits).
LONG_RUN = 4096


@njit(cache=True)
def _grow(a: np.ndarray, n: int) -> np.ndarray:
    if n < a.shape[0]:
        return a
    b = np.empty(2 * a.shape[0] + 16, a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True, nogil=True)
def edge_items(segs: np.ndarray, r0: int, r1: int, nc: int):
    """What ``accumulate_edges`` adds to columns ``< nc``: ``(row - r0, col, amount)``.

    In its order: edge by edge, then row by row, then cell by cell.
    """
    rows = np.empty(64, np.int64)
    cols = np.empty(64, np.int64)
    amts = np.empty(64, np.float64)
    n = 0
    for i in range(segs.shape[0]):
        x0 = segs[i, 0]
        y0 = segs[i, 1]
        x1 = segs[i, 2]
        y1 = segs[i, 3]
        if y0 == y1:
            continue
        d = 1.0
        if y0 > y1:
            x0, y0, x1, y1 = x1, y1, x0, y0
            d = -1.0
        if y1 <= r0 or y0 >= r1:
            continue
        dxdy = (x1 - x0) / (y1 - y0)
        rs = max(int(math.floor(y0)), r0)
        re = min(int(math.ceil(y1)), r1)
        for r in range(rs, re):
            ya = max(float(r), y0)
            yb = min(float(r + 1), y1)
            dy = yb - ya
            if dy <= 0.0:
                continue
            xa = x0 + (ya - y0) * dxdy
            xb = x0 + (yb - y0) * dxdy
            if xa > xb:
                xa, xb = xb, xa
            w = d * dy
            cs = int(math.floor(xa))
            ce = int(math.floor(xb)) + 1
            width = xb - xa
            prev = 0.0
            for c in range(cs, ce + 1):
                if width < 1e-12:
                    f = min(max(c + 1.0 - 0.5 * (xa + xb), 0.0), 1.0)
                else:
                    f = (_ramp_integral(c + 1.0 - xa) - _ramp_integral(c + 1.0 - xb)) / width
                if c < nc:
                    rows = _grow(rows, n)
                    cols = _grow(cols, n)
                    amts = _grow(amts, n)
                    rows[n] = r - r0
                    cols[n] = c
                    amts[n] = w * (f - prev)
                    n += 1
                prev = f
    return rows[:n], cols[:n], amts[:n]


@njit(cache=True, nogil=True)
def histogram_runs(segs, r0, r1, vals, row_area, fac, use_fac, row_off, offset, hist):
    """``accumulate_edges`` + ``histogram_strip`` for rows ``r0..r1``, without the buffer.

    ``vals`` holds the strip's rows ``r0..r1``. Each cell gets the coverage bits
    ``histogram_strip`` gives it (the same additions in the same order); the sums follow
    :func:`landprofile._kernels_np.histogram_runs` to the bit: runs shorter than
    :data:`LONG_RUN` cell by cell, then each longer run as count x weight (or its own
    weighted sum with the areal-scale lattice).
    """
    nc = vals.shape[1]
    rows, cols, amts = edge_items(segs, r0, r1, nc)
    order = np.argsort(rows * (nc + 1) + cols, kind="mergesort")  # stable: edge order
    inv = 1.0 / SCALE_STEP
    size = hist.shape[0]
    short = np.zeros(size)
    part = np.zeros(size)
    counts = np.zeros((4, size), np.int64)
    # long runs, counted after every short one (as the numpy kernel adds them)
    lr = np.empty(64, np.int64)
    la = np.empty(64, np.int64)
    lb = np.empty(64, np.int64)
    lw = np.empty(64, np.float64)
    nl = 0
    m = order.shape[0]
    k = 0
    while k < m:
        r = rows[order[k]]
        ra = row_area[r]
        run = 0.0
        while k < m and rows[order[k]] == r:
            c = cols[order[k]]
            cell = 0.0
            while k < m and rows[order[k]] == r and cols[order[k]] == c:
                cell += amts[order[k]]
                k += 1
            run += cell
            end = cols[order[k]] if k < m and rows[order[k]] == r else nc
            cover = abs(run)
            if cover <= COVERAGE_EPS:
                continue
            if cover > 1.0:
                cover = 1.0
            w = cover * ra
            if end - c >= LONG_RUN:
                lr = _grow(lr, nl)
                la = _grow(la, nl)
                lb = _grow(lb, nl)
                lw = _grow(lw, nl)
                lr[nl] = r
                la[nl] = c
                lb[nl] = end
                lw[nl] = w
                nl += 1
                continue
            for cc in range(c, end):
                wc = w
                if use_fac:
                    wc = w / _scale_at(fac, (row_off + r + 0.5) * inv, (cc + 0.5) * inv)
                short[np.int64(vals[r, cc]) + offset] += wc
    for v in range(size):
        hist[v] += short[v]
    for j in range(nl):
        r = lr[j]
        a = la[j]
        b = lb[j]
        w = lw[j]
        lo = size
        hi = -1
        if use_fac:
            for cc in range(a, b):
                v = np.int64(vals[r, cc]) + offset
                part[v] += w / _scale_at(fac, (row_off + r + 0.5) * inv, (cc + 0.5) * inv)
                lo = min(lo, v)
                hi = max(hi, v)
            for v in range(lo, hi + 1):
                hist[v] += part[v]
                part[v] = 0.0
            continue
        # four counters in turn: consecutive equal values do not wait on one another
        cc = a
        while cc + 4 <= b:
            v0 = np.int64(vals[r, cc]) + offset
            v1 = np.int64(vals[r, cc + 1]) + offset
            v2 = np.int64(vals[r, cc + 2]) + offset
            v3 = np.int64(vals[r, cc + 3]) + offset
            counts[0, v0] += 1
            counts[1, v1] += 1
            counts[2, v2] += 1
            counts[3, v3] += 1
            lo = min(lo, min(min(v0, v1), min(v2, v3)))
            hi = max(hi, max(max(v0, v1), max(v2, v3)))
            cc += 4
        while cc < b:
            v0 = np.int64(vals[r, cc]) + offset
            counts[0, v0] += 1
            lo = min(lo, v0)
            hi = max(hi, v0)
            cc += 1
        for v in range(lo, hi + 1):
            n = counts[0, v] + counts[1, v] + counts[2, v] + counts[3, v]
            hist[v] += np.float64(n) * w
            counts[0, v] = 0
            counts[1, v] = 0
            counts[2, v] = 0
            counts[3, v] = 0
