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
