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


def edge_cells(segs: np.ndarray, r0: int, r1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`accumulate_edges` adds, as ``(row - r0, col, amount)`` in the numba order."""
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
    return r[p] - r0, c, w[p] * (f - prev)


def accumulate_edges(segs: np.ndarray, r0: int, r1: int, acc: np.ndarray) -> None:
    """See :func:`landprofile._kernels.accumulate_edges`."""
    rows, cols, amount = edge_cells(segs, r0, r1)
    np.add.at(acc, (rows, cols), amount)


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


#: Runs of at least this many cells of equal coverage are counted with one ``bincount``
#: each; shorter ones are counted together, cell by cell. A call and its loop cost ~3 us,
#: what ~300 cells cost gathered (``_cells``): any length from ~500 cells up is about as
#: fast, and this one keeps the sums of the first numpy version to the bit.
LONG_RUN = 4096


def _scale_points(fac: np.ndarray, r: np.ndarray, c: np.ndarray, row_off: int) -> np.ndarray:
    """The areal scale at cells (r, c) of a strip, as ``_kernels._scale_at`` computes it."""
    inv = 1.0 / SCALE_STEP
    ny, nx = fac.shape
    fy = (row_off + r + 0.5) * inv
    fx = (c + 0.5) * inv
    iy = np.minimum(fy.astype(np.int64), ny - 2) if ny > 1 else np.zeros(r.shape, np.int64)
    ix = np.minimum(fx.astype(np.int64), nx - 2) if nx > 1 else np.zeros(c.shape, np.int64)
    ty = fy - iy if ny > 1 else np.zeros(r.shape)
    tx = fx - ix if nx > 1 else np.zeros(c.shape)
    iy1 = iy + 1 if ny > 1 else iy
    ix1 = ix + 1 if nx > 1 else ix
    top = fac[iy, ix] * (1 - tx) + fac[iy, ix1] * tx
    bot = fac[iy1, ix] * (1 - tx) + fac[iy1, ix1] * tx
    return top * (1 - ty) + bot * ty


def coverage_runs(
    segs: np.ndarray, r0: int, r1: int, nc: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal coverage in rows ``r0 <= r < r1``: ``(row - r0, first col, end col, cov)``.

    Only the cells an edge crosses change the running sum along a row, so the coverage
    is constant from each of them to the next. The sums are made in the numba kernel's
    order (each cell's edge amounts in edge order, then the cells left to right), so
    every coverage has the bits ``histogram_strip`` gives that cell. Runs of zero
    coverage are left out.
    """
    rows, cols, amount = edge_cells(segs, r0, r1)
    keep = cols < nc  # the kernels read columns 0..nc-1 only
    key = rows[keep] * nc + cols[keep]
    cells, inv = np.unique(key, return_inverse=True)
    acc = np.zeros(cells.size)
    np.add.at(acc, inv, amount[keep])
    r, c = cells // nc, cells % nc
    first = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if r.size else r
    count = np.diff(np.r_[first, r.size])
    line = np.repeat(np.arange(first.size), count)
    pos = np.arange(r.size) - first[line]
    # Running sums row by row; the zeros that pad short rows add nothing, exactly.
    grid = np.zeros((first.size, int(count.max(initial=0))))
    grid[line, pos] = acc
    run = np.cumsum(grid, axis=1)[line, pos]
    cover = np.abs(run)
    np.minimum(cover, 1.0, out=cover)
    last = np.r_[r[1:] != r[:-1], True] if r.size else np.zeros(0, bool)
    end = np.where(last, nc, np.r_[c[1:], nc])
    on = cover > COVERAGE_EPS
    return r[on], c[on], end[on], cover[on]


def _cells(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The integers of groups of ``counts`` consecutive ones from ``starts``, in order."""
    shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return shift + np.arange(shift.size)


def histogram_runs(segs, r0, r1, vals, row_area, fac, use_fac, row_off, offset, hist):
    """``accumulate_edges`` + ``histogram_strip`` without the dense edge buffer.

    The same weights, cell by cell, as the two numba kernels (:func:`coverage_runs`);
    a run of equal weight is added as count x weight instead of weight by weight, which
    changes the last bits of the sums only (tested to 1e-12).
    """
    r, c0, c1, cover = coverage_runs(segs, r0, r1, vals.shape[1])
    w = cover * row_area[r]
    n = c1 - c0
    long_run = n >= LONG_RUN
    short = np.flatnonzero(~long_run)
    if short.size:
        nc = vals.shape[1]
        ns = n[short]
        flat = _cells(r[short] * nc + c0[short], ns)
        ws = np.repeat(w[short], ns)
        if use_fac:
            ws = ws / _scale_points(fac, flat // nc, flat % nc, row_off)
        idx = vals.ravel()[flat]
        if offset or idx.dtype.kind == "i":
            idx = idx.astype(np.int64) + offset
        hist += np.bincount(idx, weights=ws, minlength=hist.size)
    small = vals.dtype.itemsize == 1 and vals.dtype.kind == "u"
    k = np.flatnonzero(long_run)
    runs = zip(r[k].tolist(), c0[k].tolist(), c1[k].tolist(), w[k].tolist(), strict=True)
    for rk, a, b, wk in runs:
        seg = vals[rk, a:b]
        lo = 0 if small else int(seg.min())
        idx = seg.astype(np.intp) - lo if lo else seg
        if use_fac:
            cc = np.arange(a, b)
            wc = wk / _scale_points(fac, np.full(cc.size, rk), cc, row_off)
            part = np.bincount(idx, weights=wc)
        else:
            part = np.bincount(idx) * wk
        hist[lo + offset : lo + offset + part.size] += part
