"""The warm land cover path: numba's run-by-run count (issue 38 item 5).

Once numba is loaded, integer land cover is counted by ``_kernels.histogram_runs``
(coverage from the edges alone, no dense edge buffer). Oracles: the dense numba kernels
it replaces (``accumulate_edges`` + ``histogram_strip``, which add every cell's weight one
by one) to 1e-12, and numpy's ``histogram_runs`` (the first call's path), whose bits it
must give exactly, so that a first and a warm call agree to the last bit.
"""

from __future__ import annotations

import itertools
import threading
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import Polygon

import landprofile as lp
from landprofile import _coverage as cov
from landprofile import _kernels, _kernels_np
from landprofile.raster import Raster


def _star(rng, cx: float, cy: float, r: float, n: int = 17) -> Polygon | None:
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.3, 1.0, n) * r
    p = Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
    if not p.is_valid or p.area == 0:
        return None
    # a hole, oriented the other way: its edges subtract
    return p.difference(p.centroid.buffer(0.15 * r)) if n % 2 else p


def _case(seed: int, projected: bool, dtype: str, width: int, height: int):
    rng = np.random.default_rng(seed)
    if projected:  # UTM: each cell has its own areal scale
        crs, t = CRS.from_epsg(32630), Affine(30, 0, 500_000, 0, -30, 700_000)
        poly = _star(rng, 500_000 + 15 * width, 700_000 - 15 * height, 14 * min(width, height))
    else:
        crs, t = CRS.from_epsg(4326), Affine(0.0005, 0, -2.0, 0, -0.0005, 6.0)
        r = 0.00025 * min(width, height)
        poly = _star(rng, -2.0 + 0.00025 * width, 6.0 - 0.00025 * height, 0.95 * r)
    lo = {"int8": -100, "int16": -300}.get(dtype, 0)
    # patches of equal values (as land cover is), so long runs hold repeated values
    coarse = rng.integers(0, 25, size=(height // 8 + 1, width // 8 + 1)) * 3 + lo
    data = np.repeat(np.repeat(coarse, 8, 0), 8, 1)[:height, :width].astype(dtype)
    raster = Raster(
        crs=crs, transform=t, width=width, height=height, count=1, dtype=dtype, nodata=None,
        block_shape=(height, width), label="mem",
    )  # fmt: skip
    return poly, data, raster


def _strips(poly, data, raster, dtype, cuts):
    fp = cov.footprint(poly, raster)
    areas = cov.cell_areas(raster, fp.window)
    bits = 8 * np.dtype(dtype).itemsize
    offset = (1 << (bits - 1)) if dtype.startswith("int") else 0
    win = fp.window
    r0, c0, h, w = int(win.row_off), int(win.col_off), int(win.height), int(win.width)
    bounds = sorted({0, h, *[min(c, h) for c in cuts]})
    for a, b in itertools.pairwise(bounds):
        vals = data[r0 + a : r0 + b, c0 : c0 + w]
        args = (areas.row_area[a:], areas.fac, areas.use_fac, a, offset)
        yield fp, a, b, vals, args, 1 << bits, w


def _dense(fp, a, b, vals, args, size, w):
    acc = np.zeros((b - a, w + 2))
    _kernels.accumulate_edges(fp.segs, a, b, acc)
    want = np.zeros(size)
    _kernels.histogram_strip(acc, vals, *args, want)
    return want


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**20),
    projected=st.booleans(),
    dtype=st.sampled_from(["uint8", "int8", "int16", "uint16"]),
    long_run=st.sampled_from([1, 3, 64, 4096]),
)
def test_numba_runs_give_numpys_bits_and_the_dense_kernels_sums(seed, projected, dtype, long_run):
    """Strip by strip, short and long runs (the run length threshold forced down in the
    Python form of the kernel, which calls the same compiled helpers)."""
    poly, data, raster = _case(seed, projected, dtype, 280, 260)
    if poly is None:
        return
    saved = (_kernels_np.LONG_RUN, _kernels.LONG_RUN)
    _kernels_np.LONG_RUN = _kernels.LONG_RUN = long_run
    kernel = _kernels.histogram_runs if long_run == 4096 else _kernels.histogram_runs.py_func
    try:
        for fp, a, b, vals, args, size, w in _strips(poly, data, raster, dtype, (7, 90)):
            want = _dense(fp, a, b, vals, args, size, w)
            ref = np.zeros(size)
            _kernels_np.histogram_runs(fp.segs, a, b, vals, *args, ref)
            got = np.zeros(size)
            kernel(fp.segs, a, b, vals, *args, got)
            assert np.array_equal(got, ref)  # numpy's bits exactly
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
            assert set(np.flatnonzero(got)) == set(np.flatnonzero(want))
    finally:
        _kernels_np.LONG_RUN, _kernels.LONG_RUN = saved


@pytest.mark.parametrize("projected", [False, True])
@pytest.mark.parametrize("dtype", ["uint8", "int16"])
def test_compiled_long_runs_on_a_wide_window(projected, dtype):
    """Rows wider than LONG_RUN (4096 cells): the compiled kernel's integer counters."""
    _, data, raster = _case(5, projected, dtype, 9000, 120)
    # a wide band with wavy top and bottom edges and a hole: rows of 8,000 cells inside
    w0, s0, e0, n0 = raster.bounds
    dx, dy = (e0 - w0) / 9000, (n0 - s0) / 120
    xs = np.linspace(w0 + 300.3 * dx, e0 - 400.7 * dx, 97)
    wave = np.sin(np.arange(97) / 3.0)
    top = np.column_stack([xs, n0 - (10.2 + 6 * wave) * dy])
    bottom = np.column_stack([xs[::-1], s0 + (12.6 + 5 * wave[::-1]) * dy])
    hole = Polygon([(w0 + 5000.5 * dx, n0 - 40.3 * dy), (w0 + 5050.1 * dx, n0 - 60.8 * dy),
                    (w0 + 4990.9 * dx, n0 - 70.1 * dy)])  # fmt: skip
    poly = Polygon(np.vstack([top, bottom])).difference(hole)
    n_long = 0
    for fp, a, b, vals, args, size, w in _strips(poly, data, raster, dtype, (13, 64)):
        _, c0, c1, _ = _kernels_np.coverage_runs(fp.segs, a, b, w)
        n_long += int(np.sum(c1 - c0 >= 4096))
        want = _dense(fp, a, b, vals, args, size, w)
        ref = np.zeros(size)
        _kernels_np.histogram_runs(fp.segs, a, b, vals, *args, ref)
        got = np.zeros(size)
        _kernels.histogram_runs(fp.segs, a, b, vals, *args, got)
        assert np.array_equal(got, ref)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
    assert n_long > 50  # the long-run branch did run


def test_edge_items_are_what_accumulate_edges_adds():
    poly, _, raster = _case(11, False, "uint8", 200, 180)
    fp = cov.footprint(poly, raster)
    w = int(fp.window.width)
    for a, b in [(0, 1), (3, 50), (50, int(fp.window.height))]:
        acc = np.zeros((b - a, w + 2))
        _kernels.accumulate_edges(fp.segs, a, b, acc)
        rows, cols, amts = _kernels.edge_items(fp.segs, a, b, w)
        mine = np.zeros_like(acc)
        np.add.at(mine, (rows, cols), amts)  # in the same order: the same sums
        assert np.array_equal(mine[:, :w], acc[:, :w])
        assert cols.max(initial=0) < w


def test_warm_land_cover_uses_no_dense_buffer_and_equals_the_first_call(tmp_path, monkeypatch):
    """End to end on a tiled GeoTIFF read by GDAL on two threads: with numba loaded the
    result equals, bit for bit, the first call's numpy path (which the call would take
    in a fresh process), and the dense kernels to 1e-12; ``StripReader.strip`` (the dense
    buffer) is never asked."""
    from landprofile import _coverage_kernels as ck
    from landprofile import raster as raster_mod

    rng = np.random.default_rng(38)
    classes = np.array([10, 20, 30, 40, 50, 60, 80, 90, 95], np.uint8)
    data = np.repeat(np.repeat(rng.choice(classes, (70, 66)), 32, 0), 32, 1)[:2200, :2100]
    data[1000:1040] = 0  # nodata rows across the landscape
    t = Affine(0.0001, 0, -2.0, 0, -0.0001, 6.0)
    tif = tmp_path / "lc.tif"
    with rasterio.open(
        tif, "w", driver="GTiff", width=2100, height=2200, count=1, dtype="uint8",
        crs=4326, transform=t, nodata=0, tiled=True, blockxsize=256, blockysize=256,
        compress="deflate",
    ) as ds:  # fmt: skip
        ds.write(data, 1)
    poly = _star(np.random.default_rng(4), -2.0 + 0.105, 6.0 - 0.11, 0.1, n=60)
    g = gpd.GeoDataFrame({"name": ["one"]}, geometry=[poly], crs=4326)
    monkeypatch.setattr(raster_mod, "SMALL_READ_CELLS", 100_000)  # strips go to GDAL

    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lp.land_cover(g, tif, legend="esa_worldcover_v100", threads=2)

    cov.kernels()
    asked = []
    real_strip = cov.StripReader.strip
    with monkeypatch.context() as m:
        m.setattr(cov.StripReader, "strip", lambda *a, **k: asked.append(1) or real_strip(*a))
        warm = call()
    assert asked == []
    with monkeypatch.context() as m:
        m.setattr(ck, "_kernels_ready", threading.Event())  # as in a fresh process
        first = call()
    pd.testing.assert_frame_equal(warm, first, check_exact=True)

    # the dense kernels over the same strips (the path this one replaced)
    raster = lp.read_raster(tif)
    fp = cov.footprint(poly, raster)
    areas = cov.cell_areas(raster, fp.window)
    hist = np.zeros(256)
    with cov.StripReader(raster) as reader:
        for a, b in cov.strip_bounds(raster, fp):
            vals, acc = reader.strip(fp, a, b)
            part = np.zeros(256)
            _kernels.histogram_strip(
                acc, vals, areas.row_area[a:], areas.fac, areas.use_fac, a, 0, part
            )
            hist += part
    got = warm.set_index("value").area_ha
    for v in np.flatnonzero(hist):
        assert got[v] == pytest.approx(hist[v] / 1e4, rel=1e-12)
    assert set(got.index) == set(np.flatnonzero(hist).tolist())
