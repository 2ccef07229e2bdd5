"""The first call's faster paths give the numbers of the paths they replace.

Oracles: the numba kernels (``accumulate_edges`` + ``histogram_strip``) on the same strips,
and ``land_cover`` through GDAL and numba end to end; a serial map for the strip pipeline.
"""

from __future__ import annotations

import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

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
from landprofile import _coverage_kernels as ck
from landprofile import _kernels, _kernels_np
from landprofile import raster as raster_mod
from landprofile.profile._engine import StripMap
from landprofile.raster import Raster


def _star(rng, cx: float, cy: float, r: float, n: int = 17) -> Polygon | None:
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.3, 1.0, n) * r
    p = Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
    return p if p.is_valid and p.area > 0 else None


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**20),
    projected=st.booleans(),
    dtype=st.sampled_from(["uint8", "int8", "int16", "uint16"]),
    long_run=st.sampled_from([1, 3, 64, 512, 100_000]),
)
def test_runs_counted_alone_or_together_match_the_numba_kernels(seed, projected, dtype, long_run):
    """Whatever the length from which a run gets its own bincount (with or without the
    areal-scale lattice), the histogram is numba's to 1e-12 and the same classes."""
    rng = np.random.default_rng(seed)
    if projected:  # UTM: each cell has its own areal scale
        crs, t = CRS.from_epsg(32630), Affine(30, 0, 500_000, 0, -30, 700_000)
        poly = _star(rng, 500_000 + 4000, 700_000 - 3600, 3500)
    else:
        crs, t = CRS.from_epsg(4326), Affine(0.0005, 0, -2.0, 0, -0.0005, 6.0)
        poly = _star(rng, -2.0 + 0.07, 6.0 - 0.065, 0.06)
    if poly is None:
        return
    lo = {"int8": -100, "int16": -300}.get(dtype, 0)
    data = (rng.integers(0, 25, size=(260, 280)) * 3 + lo).astype(dtype)
    raster = Raster(
        crs=crs, transform=t, width=280, height=260, count=1, dtype=dtype, nodata=None,
        block_shape=(260, 280), label="mem",
    )  # fmt: skip
    fp = cov.footprint(poly, raster)
    areas = cov.cell_areas(raster, fp.window)
    assert areas.use_fac == projected
    bits = 8 * np.dtype(dtype).itemsize
    offset = (1 << (bits - 1)) if dtype.startswith("int") else 0
    size = 1 << bits
    win = fp.window
    r0, c0, h, w = int(win.row_off), int(win.col_off), int(win.height), int(win.width)
    saved = _kernels_np.LONG_RUN
    _kernels_np.LONG_RUN = long_run
    try:
        for a, b in [(0, 7), (7, 90), (90, h)]:
            if b <= a:
                continue
            vals = data[r0 + a : r0 + b, c0 : c0 + w]
            args = (areas.row_area[a:], areas.fac, areas.use_fac, a, offset)
            acc = np.zeros((b - a, w + 2))
            _kernels.accumulate_edges(fp.segs, a, b, acc)
            want = np.zeros(size)
            _kernels.histogram_strip(acc, vals, *args, want)
            got = np.zeros(size)
            _kernels_np.histogram_runs(fp.segs, a, b, vals, *args, got)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
            assert set(np.flatnonzero(got)) == set(np.flatnonzero(want))
    finally:
        _kernels_np.LONG_RUN = saved


# ----------------------------------------------------------------------------- pipeline


def test_pipeline_counts_in_order_on_the_calling_thread_reads_bounded_ahead():
    caller = threading.get_ident()
    lock = threading.Lock()
    state = {"reading": 0, "most": 0, "read": []}

    def read(i: int) -> int:
        with lock:
            state["reading"] += 1
            state["most"] = max(state["most"], state["reading"])
        time.sleep(0.002 * (i % 3))  # out-of-order completion
        with lock:
            state["reading"] -= 1
            state["read"].append(i)
        return i * i

    def count(i: int, v: int) -> tuple[int, int]:
        assert threading.get_ident() == caller
        return i, v + 1

    items = list(range(23))
    with ThreadPoolExecutor(max_workers=2) as pool:
        got = StripMap(pool, ahead=3).pipeline(read, count, items)
    assert got == [(i, i * i + 1) for i in items]
    assert got == StripMap().pipeline(read, count, items)  # the serial one
    assert state["most"] <= 2  # two workers, three strips held ahead at most
    assert sorted(state["read"]) == sorted(items + items)  # each strip once per run


def test_pipeline_raises_a_read_error_and_leaves_no_read_queued():
    calls = []

    def read(i: int) -> int:
        calls.append(i)
        if i == 2:
            raise ValueError("strip 2 is corrupt")
        return i

    with ThreadPoolExecutor(max_workers=1) as pool, pytest.raises(ValueError, match="strip 2"):
        StripMap(pool, ahead=2).pipeline(read, lambda i, v: v, range(50))
    assert max(calls) <= 4  # strips 0-2 and at most two ahead of the failure


# ----------------------------------------------------------------------------- end to end


def test_a_large_first_call_on_two_threads_equals_gdal_and_numba(tmp_path, monkeypatch):
    """A window past SERIAL_CELLS and SMALL_READ_CELLS in a fresh-like process: read by
    GDAL on the pool, counted run by run on the calling thread; the oracle is the
    GDAL + numba path (every strip on the pool through the dense kernels)."""
    rng = np.random.default_rng(30)
    data = rng.choice(np.array([10, 20, 30, 40, 50, 60, 80, 90, 95], np.uint8), (2200, 2100))
    data[1000:1040] = 0  # nodata rows across the landscape
    t = Affine(0.0001, 0, -2.0, 0, -0.0001, 6.0)
    tif = tmp_path / "lc.tif"
    with rasterio.open(
        tif, "w", driver="GTiff", width=2100, height=2200, count=1, dtype="uint8",
        crs=4326, transform=t, nodata=0, tiled=True, blockxsize=256, blockysize=256,
        compress="deflate",
    ) as ds:  # fmt: skip
        ds.write(data, 1)
    poly = _star(np.random.default_rng(3), -2.0 + 0.105, 6.0 - 0.11, 0.1, n=60)
    g = gpd.GeoDataFrame({"name": ["one"]}, geometry=[poly], crs=4326)
    monkeypatch.setattr(raster_mod, "SMALL_READ_CELLS", 100_000)  # strips go to GDAL
    monkeypatch.setattr(ck, "_kernels_ready", threading.Event())  # numba not loaded

    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lp.land_cover(g, tif, legend="esa_worldcover_v100", threads=2)

    used = []
    real = StripMap.pipeline

    def spy(self, read, count, items):
        used.append(self._pool is not None)
        return real(self, read, count, items)

    with monkeypatch.context() as m:
        m.setattr(StripMap, "pipeline", spy)
        fast = call()
    assert used == [True]
    assert not cov.numba_loaded()
    cov.kernels()
    slow = call()
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12)
    assert set(fast.kind) == {"class", "nodata"}
    assert len(fast) == 10
