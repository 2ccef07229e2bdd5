"""Aligning two dates' rasters and counting the area of each (before, after) class pair.

The raster with the finer cells is the reference grid; each of its cells takes the other
raster's class at the cell's centre and counts with its exact coverage inside the
landscape times its true area (see :mod:`landprofile.monitoring.landcover`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rasterio.windows import Window

from landprofile import _coverage as cov
from landprofile.crs import transformer
from landprofile.raster import Raster


def _res_m(r: Raster) -> float:
    """Approximate cell size (m) at the raster's centre, to pick the finer grid."""
    a, e = abs(r.transform.a), abs(r.transform.e)
    if r.crs.is_geographic:
        lat = r.transform.f + r.transform.e * r.height / 2
        return math.sqrt(a * 111_320 * math.cos(math.radians(lat)) * e * 110_574)
    unit = r.crs.axis_info[0].unit_conversion_factor if r.crs.axis_info else 1.0
    return math.sqrt(a * e) * unit


def _separable(ref: Raster, other: Raster) -> bool:
    """Same CRS, north-up grids: a cell's column maps to a column, its row to a row."""
    t, o = ref.transform, other.transform
    return other.crs == ref.crs and t.b == t.d == 0 and o.b == o.d == 0


def _other_values(
    reader: cov.StripReader, ref: Raster, other: Raster, win: Window, a: int, b: int, fill: int
) -> np.ndarray:
    """The other raster's class at the centre of each reference cell of rows a..b."""
    w = int(win.width)
    cols = np.arange(w) + win.col_off + 0.5
    rows = np.arange(a, b) + win.row_off + 0.5
    t, inv = ref.transform, ~other.transform
    if _separable(ref, other):
        oc = np.floor(inv.c + inv.a * (t.c + t.a * cols)).astype(np.int64)
        orow = np.floor(inv.f + inv.e * (t.f + t.e * rows)).astype(np.int64)
        okc = (oc >= 0) & (oc < other.width)
        okr = (orow >= 0) & (orow < other.height)
        out = np.full((b - a, w), fill, dtype=np.int64)
        if not okc.any() or not okr.any():
            return out
        c0, c1 = int(oc[okc].min()), int(oc[okc].max()) + 1
        r0, r1 = int(orow[okr].min()), int(orow[okr].max()) + 1
        block = reader.read(Window(c0, r0, c1 - c0, r1 - r0))
        if okc.all() and okr.all() and c1 - c0 == w and r1 - r0 == b - a:
            return block  # the same grid: the window itself
        sub = block[np.ix_(orow[okr] - r0, oc[okc] - c0)]
        out[np.ix_(okr, okc)] = sub
        return out
    cc, rr = np.meshgrid(cols, rows)
    x = t.c + t.a * cc + t.b * rr
    y = t.f + t.d * cc + t.e * rr
    x, y = transformer(ref.crs, other.crs).transform(x, y)
    oc = np.floor(inv.c + inv.a * x + inv.b * y).astype(np.int64)
    orow = np.floor(inv.f + inv.d * x + inv.e * y).astype(np.int64)
    ok = (oc >= 0) & (oc < other.width) & (orow >= 0) & (orow < other.height)
    out = np.full(oc.shape, fill, dtype=np.int64)
    if not ok.any():
        return out
    c0, c1 = int(oc[ok].min()), int(oc[ok].max()) + 1
    r0, r1 = int(orow[ok].min()), int(orow[ok].max()) + 1
    block = reader.read(Window(c0, r0, c1 - c0, r1 - r0))
    out[ok] = block[orow[ok] - r0, oc[ok] - c0]
    return out


def _pairs(ref: Raster, other: Raster, zone: Any, threads: int | None) -> dict[tuple, float]:
    """Area (m²) per (reference value, other value) inside the zone."""
    geom = cov.geometry_in_raster_crs(zone.geometry, zone.crs, ref)
    total: dict[tuple, float] = {}
    for fp in cov.footprints(geom, ref):  # two windows across the antimeridian
        if fp.empty:
            continue
        for k, v in _pairs_fp(ref, other, fp, threads).items():
            total[k] = total.get(k, 0.0) + v
    return total


def _pairs_fp(
    ref: Raster, other: Raster, fp: cov.Footprint, threads: int | None
) -> dict[tuple, float]:
    from concurrent.futures import ThreadPoolExecutor

    from landprofile.profile._engine import default_threads
    from landprofile.profile.stats import cell_weights

    areas = cov.cell_areas(ref, fp.window)
    fill = -1
    shift = 1 << 20  # other values in [-1, 2**20) fit beside the reference value

    # one GDAL environment (the reference reader's); the other reader only adds handles
    ro = cov.StripReader(other)
    with cov.StripReader(ref) as rr:
        small = all(np.dtype(r.dtype) == np.uint8 for r in (ref, other))

        def strip_small(ab: tuple[int, int]) -> dict[tuple, float]:
            # byte classes: the pair is one int32 code, counted by the coverage kernel
            # with exact coverage x true area, as land_cover counts one raster
            a, b = ab
            vals, acc = rr.strip(fp, a, b)
            o = _other_values(ro, ref, other, fp.window, a, b, fill)
            code = vals.astype(np.int32) * 257 + (o.astype(np.int32) + 1)
            hist = np.zeros(256 * 257, dtype=np.float64)
            cov.kernels_for(code.size).histogram_strip(
                acc, code, areas.row_area[a:], areas.fac, areas.use_fac, a, 0, hist
            )
            nz = np.flatnonzero(hist)
            return {(int(k // 257), int(k % 257) - 1): float(hist[k]) for k in nz}

        def strip(ab: tuple[int, int]) -> dict[tuple, float]:
            a, b = ab
            vals, acc = rr.strip(fp, a, b)
            w = cell_weights(acc, areas, a, vals.shape)
            o = _other_values(ro, ref, other, fp.window, a, b, fill)
            code = vals.astype(np.int64) * shift + (o + 1)
            keep = w > 0
            uniq, inv = np.unique(code[keep], return_inverse=True)
            sums = np.bincount(inv, weights=w[keep], minlength=len(uniq))
            return {
                (int(u // shift), int(u % shift) - 1): float(s)
                for u, s in zip(uniq.tolist(), sums.tolist(), strict=True)
            }

        bounds = cov.strip_bounds(ref, fp)
        n = threads or default_threads()
        threaded = n > 1 and rr.thread_safe and ro.thread_safe
        try:
            fn = strip_small if small else strip
            if threaded:
                with ThreadPoolExecutor(n) as pool:
                    parts = list(pool.map(fn, bounds))
            else:
                parts = [fn(ab) for ab in bounds]
        finally:
            ro.close()
    total: dict[tuple, float] = {}
    for part in parts:  # reduced in strip order: identical whatever the thread count
        for k, v in part.items():
            total[k] = total.get(k, 0.0) + v
    return total
