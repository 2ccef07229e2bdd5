"""The kernels of :mod:`landprofile._kernels` in numpy, for small windows in a fresh process.

Numba costs ~0.9 s to load in a fresh process; numpy does the same work ~18x slower per
cell (22 vs 1.2 ns) but loads nothing. For windows under ~10⁶ cells (a landscape on a
coarse population, MODIS or SRTM grid) numpy is done long before numba would be ready,
so :func:`landprofile._coverage.kernels_for` hands such windows here until a process has
done enough of them for numba's load to pay. The signatures and the order of the
floating-point operations follow the numba kernels, so that both give the same numbers to
the last bits (tested to 1e-12; numpy's sums are pairwise, numba's sequential).
"""

from __future__ import annotations

import numpy as np

from landprofile._coverage_consts import COVERAGE_EPS, SCALE_STEP


def _ramp_integral(s: np.ndarray) -> np.ndarray:
    # Integral of clamp(z, 0, 1) from -inf to s.
    return np.where(s <= 0.0, 0.0, np.where(s < 1.0, 0.5 * s * s, s - 0.5))


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of ``counts`` consecutive integers from ``starts``: (group, value)."""
    group = np.repeat(np.arange(counts.size), counts)
    first = np.cumsum(counts) - counts
    return group, starts[group] + (np.arange(group.size) - first[group])


def accumulate_edges(segs: np.ndarray, r0: int, r1: int, acc: np.ndarray) -> None:
    """See :func:`landprofile._kernels.accumulate_edges`."""
    x0, y0, x1, y1 = (segs[:, i].copy() for i in range(4))
    d = np.where(y0 > y1, -1.0, 1.0)
    flip = y0 > y1
    x0[flip], y0[flip], x1[flip], y1[flip] = x1[flip], y1[flip], x0[flip], y0[flip]
    keep = (y0 != y1) & ~((y1 <= r0) | (y0 >= r1))
    x0, y0, x1, y1, d = x0[keep], y0[keep], x1[keep], y1[keep], d[keep]
    dxdy = (x1 - x0) / (y1 - y0)
    rs = np.maximum(np.floor(y0).astype(np.int64), r0)
    re = np.minimum(np.ceil(y1).astype(np.int64), r1)
    # one item per (edge, row it crosses), in the numba loop's order
    s, r = _expand(rs, np.maximum(re - rs, 0))
    ya = np.maximum(r.astype(np.float64), y0[s])
    yb = np.minimum((r + 1).astype(np.float64), y1[s])
    dy = yb - ya
    ok = dy > 0.0
    s, r, ya, yb, dy = s[ok], r[ok], ya[ok], yb[ok], dy[ok]
    xa = x0[s] + (ya - y0[s]) * dxdy[s]
    xb = x0[s] + (yb - y0[s]) * dxdy[s]
    xa, xb = np.minimum(xa, xb), np.maximum(xa, xb)
    w = d[s] * dy
    cs = np.floor(xa).astype(np.int64)
    ce = np.floor(xb).astype(np.int64) + 1
    # one item per (edge, row, cell from cs to ce)
    p, c = _expand(cs, ce - cs + 1)
    width = (xb - xa)[p]
    cf = c.astype(np.float64)
    flat = np.minimum(np.maximum(cf + 1.0 - 0.5 * (xa[p] + xb[p]), 0.0), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ramp = (_ramp_integral(cf + 1.0 - xa[p]) - _ramp_integral(cf + 1.0 - xb[p])) / width
    f = np.where(width < 1e-12, flat, ramp)
    prev = np.zeros_like(f)
    prev[1:] = f[:-1]
    prev[np.cumsum(ce - cs + 1) - (ce - cs + 1)] = 0.0  # each row's first cell
    np.add.at(acc, (r[p] - r0, c), w[p] * (f - prev))


def _coverage(acc: np.ndarray, nc: int) -> np.ndarray:
    cov = np.abs(np.cumsum(acc[:, :nc], axis=1))
    np.minimum(cov, 1.0, out=cov)
    cov[cov <= COVERAGE_EPS] = 0.0
    return cov


def _scale(fac: np.ndarray, row_off: int, nr: int, nc: int) -> np.ndarray:
    """The areal scale at every cell centre, bilinear on the lattice (as ``_scale_at``)."""
    inv = 1.0 / SCALE_STEP
    ny, nx = fac.shape
    fy = (row_off + np.arange(nr) + 0.5) * inv
    fx = (np.arange(nc) + 0.5) * inv
    iy = np.minimum(fy.astype(np.int64), ny - 2) if ny > 1 else np.zeros(nr, np.int64)
    ix = np.minimum(fx.astype(np.int64), nx - 2) if nx > 1 else np.zeros(nc, np.int64)
    ty = (fy - iy if ny > 1 else np.zeros(nr))[:, None]
    tx = (fx - ix if nx > 1 else np.zeros(nc))[None, :]
    iy1 = iy + 1 if ny > 1 else iy
    ix1 = ix + 1 if nx > 1 else ix
    top = fac[iy][:, ix] * (1 - tx) + fac[iy][:, ix1] * tx
    bot = fac[iy1][:, ix] * (1 - tx) + fac[iy1][:, ix1] * tx
    return top * (1 - ty) + bot * ty


def histogram_strip(acc, vals, row_area, fac, use_fac, row_off, offset, hist):
    nr, nc = vals.shape
    w = _coverage(acc, nc) * row_area[:nr, None]
    if use_fac:
        w /= _scale(fac, row_off, nr, nc)
    idx = vals.astype(np.int64).ravel() + offset
    hist += np.bincount(idx, weights=w.ravel(), minlength=hist.size)


def coverage_strip(acc, out):
    out[:] = _coverage(acc, out.shape[1])


def _valid_cells(acc, vals, row_area, fac, use_fac, row_off, nodata, has_nodata):
    nr, nc = vals.shape
    cov = _coverage(acc, nc)
    a = np.broadcast_to(row_area[:nr, None], (nr, nc))
    if use_fac:
        a = a / _scale(fac, row_off, nr, nc)
    v = vals.astype(np.float64)
    bad = np.isnan(v)
    if has_nodata:
        bad |= v == nodata
    inside = cov > 0.0
    return cov, a, v, inside & ~bad, inside & bad


def sums_strip(acc, vals, row_area, fac, use_fac, row_off, nodata, has_nodata, out):
    cov, a, v, good, bad = _valid_cells(
        acc, vals, row_area, fac, use_fac, row_off, nodata, has_nodata
    )
    out[3] += np.sum(cov[bad] * a[bad])
    c, a, v = cov[good], a[good], v[good]
    out[0] += np.sum(c * v)
    out[1] += np.sum(c * a * v)
    out[2] += np.sum(c * a)
    out[6] += np.sum(c)
    if v.size:
        out[4] = min(out[4], float(v.min()))
        out[5] = max(out[5], float(v.max()))


def value_histogram_strip(
    acc, vals, row_area, fac, use_fac, row_off, nodata, has_nodata, vmin, width, hist
):
    cov, a, v, good, _ = _valid_cells(
        acc, vals, row_area, fac, use_fac, row_off, nodata, has_nodata
    )
    b = np.clip(((v[good] - vmin) / width).astype(np.int64), 0, hist.shape[0] - 1)
    hist += np.bincount(b, weights=cov[good] * a[good], minlength=hist.shape[0])
