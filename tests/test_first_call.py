"""The first raster call of a process: numba loads late, strips are read ahead meanwhile."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import warnings

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
from landprofile.errors import ScaleWarning
from landprofile.raster import read_raster
from landprofile.testing import write_geotiff

LAEA = CRS.from_epsg(3035)
PROV = lp.Provenance(method="custom", source="test")
T = Affine(100, 0, 4_000_000, 0, -100, 3_000_000)
POLY = Polygon([(4_003_000, 2_990_000), (4_190_000, 2_960_000), (4_150_000, 2_830_000),
                (4_020_000, 2_850_000)])  # fmt: skip


@pytest.fixture(scope="module")
def tiled(tmp_path_factory) -> str:
    """A 2000 x 2000 tiled land cover raster: the polygon's window spans 8 strips."""
    rng = np.random.default_rng(7)
    data = (rng.integers(1, 10, size=(2000, 2000)) * 10).astype(np.uint8)
    path = tmp_path_factory.mktemp("first") / "lc.tif"
    write_geotiff(path, data, T, LAEA, block=256, compress="deflate")
    return str(path)


def _landscape() -> lp.Landscape:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        return lp.Landscape(name="L", geometry=POLY, crs=LAEA, provenance=PROV)


def test_read_ahead_gives_the_strips_it_would_have_read(tiled, monkeypatch):
    raster = read_raster(tiled)
    fp = cov.footprint(POLY, raster)
    bounds = cov.strip_bounds(raster, fp)
    assert len(bounds) >= 6
    # As if another thread were still loading numba: the event is not set.
    monkeypatch.setattr(ck, "_kernels_ready", threading.Event())
    with cov.StripReader(raster) as reader:
        reader._read_ahead(fp, bounds[1][0], 1)
        assert len(reader._ahead) == len(bounds) - 1  # every strip after the first
        for a, b in bounds:
            vals, acc = reader.strip(fp, a, b)
            win = fp.window
            direct = raster.read(
                rasterio.windows.Window(win.col_off, win.row_off + a, win.width, b - a)
            )
            np.testing.assert_array_equal(vals, direct)
            assert acc.shape == (b - a, int(win.width) + 2)
        assert not reader._ahead  # each strip served once, then dropped


def test_read_ahead_stops_at_its_memory_budget(tiled, monkeypatch):
    raster = read_raster(tiled)
    fp = cov.footprint(POLY, raster)
    bounds = cov.strip_bounds(raster, fp)
    monkeypatch.setattr(ck, "_kernels_ready", threading.Event())
    monkeypatch.setattr(cov, "READ_AHEAD_BYTES", 1)
    with cov.StripReader(raster) as reader:
        reader._read_ahead(fp, 0, 1)
        assert len(reader._ahead) == 1 < len(bounds)


def test_read_ahead_does_nothing_once_the_kernels_are_loaded(tiled):
    cov.kernels()
    raster = read_raster(tiled)
    fp = cov.footprint(POLY, raster)
    with cov.StripReader(raster) as reader:
        reader._read_ahead(fp, 0, 1)
        assert not reader._ahead


FRESH = """
import json, sys, warnings
import landprofile as lp
from pyproj import CRS
from shapely import from_wkt
from landprofile.errors import ScaleWarning
assert "numba" not in sys.modules
from landprofile import _coverage
assert "numba" not in sys.modules, "the coverage module must not load numba"
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ScaleWarning)
    ls = lp.Landscape(
        name="L", geometry=from_wkt(sys.argv[2]), crs=CRS.from_epsg(3035),
        provenance=lp.Provenance(method="custom", source="test"),
    )
df = lp.land_cover(ls, sys.argv[1], legend="esa_worldcover_v100", threads=2)
print(json.dumps(dict(zip(df.value.astype(str), df.area_ha))))
"""


def test_a_fresh_process_gets_the_same_table_as_a_warm_one(tiled):
    warm = lp.land_cover(_landscape(), tiled, legend="esa_worldcover_v100", threads=1)
    out = subprocess.run(
        [sys.executable, "-c", FRESH, tiled, POLY.wkt],
        capture_output=True,
        text=True,
        check=True,
    )
    cold = json.loads(out.stdout)
    got = pd.Series(cold).reindex(warm.value.astype(str)).to_numpy()
    np.testing.assert_allclose(got, warm.area_ha.to_numpy(), rtol=1e-12)


def _star(seed: int, cx: float, cy: float, r: float) -> Polygon | None:
    rng = np.random.default_rng(seed)
    ang = np.sort(rng.uniform(0, 2 * np.pi, 11))
    rad = rng.uniform(0.3, 1.0, 11) * r
    p = Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
    return p if p.is_valid and p.area > 0 else None


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**20), projected=st.booleans(), holes=st.booleans())
def test_numpy_and_numba_kernels_agree(seed, projected, holes):
    """The numpy kernels (small windows, fresh process) against the numba ones, strip by
    strip: edge accumulation, class histogram, coverage, sums and value histogram."""
    from landprofile import _kernels, _kernels_np
    from landprofile.raster import Raster

    rng = np.random.default_rng(seed)
    if projected:  # UTM 30N: not equal-area, so the areal scale lattice is used
        crs, t = CRS.from_epsg(32630), Affine(30, 0, 500_000, 0, -30, 700_000)
        poly = _star(seed, 500_000 + 3000, 700_000 - 2700, 2500)
    else:
        crs, t = CRS.from_epsg(4326), Affine(0.001, 0, -2.0, 0, -0.001, 6.0)
        poly = _star(seed, -2.0 + 0.1, 6.0 - 0.09, 0.08)
    if poly is None:
        return
    if holes:
        poly = poly.difference(poly.centroid.buffer(poly.length / 40))
    data = rng.integers(0, 6, size=(200, 220)).astype(np.uint8) * 10
    elev = rng.normal(300, 50, size=(200, 220))
    elev[rng.random(elev.shape) < 0.05] = -9999
    raster = Raster(
        crs=crs, transform=t, width=220, height=200, count=1, dtype="uint8", nodata=None,
        block_shape=(200, 220), label="mem",
    )  # fmt: skip
    fp = cov.footprint(poly, raster)
    areas = cov.cell_areas(raster, fp.window)
    assert areas.use_fac == projected
    win = fp.window
    r0, c0 = int(win.row_off), int(win.col_off)
    for a, b in [(0, 7), (7, 40), (40, int(win.height))]:
        if b <= a:
            continue
        shape = (b - a, int(win.width))
        sl = np.s_[r0 + a : r0 + b, c0 : c0 + shape[1]]
        got = {}
        for k in (_kernels, _kernels_np):
            acc = np.zeros((shape[0], shape[1] + 2))
            k.accumulate_edges(fp.segs, a, b, acc)
            hist = np.zeros(256)
            k.histogram_strip(
                acc, data[sl], areas.row_area[a:], areas.fac, areas.use_fac, a, 0, hist
            )
            covr = np.zeros(shape)
            k.coverage_strip(acc, covr)
            sums = np.array([0.0, 0.0, 0.0, 0.0, np.inf, -np.inf, 0.0])
            args = (areas.row_area[a:], areas.fac, areas.use_fac, a, -9999.0, True)
            k.sums_strip(acc, elev[sl], *args, sums)
            vh = np.zeros(64)
            k.value_histogram_strip(acc, elev[sl], *args, 100.0, 10.0, vh)
            got[k.__name__] = (acc, hist, covr, sums, vh)
        nb, npy = got["landprofile._kernels"], got["landprofile._kernels_np"]
        np.testing.assert_allclose(npy[0], nb[0], rtol=0, atol=1e-13)
        for x, y in zip(npy[1:], nb[1:], strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-9)


def test_a_small_landscape_in_a_fresh_process_never_loads_numba(tiled):
    code = FRESH.replace(
        "threads=2)",
        'threads=2)\nassert "numba" not in sys.modules, "numba loaded for a small window"',
    ).replace("sys.argv[2]", "sys.argv[2]).buffer(-40_000).simplify(1")
    out = subprocess.run(
        [sys.executable, "-c", code, tiled, POLY.wkt], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("crs_code", [4326, 32630])
@pytest.mark.parametrize("dtype", ["uint8", "int16", "uint16"])
def test_whole_stages_agree_on_either_kernel_path(tmp_path, monkeypatch, crs_code, dtype):
    """land_cover, population and elevation through the numpy kernels and through numba."""
    from landprofile.legend import Legend, LegendClass

    rng = np.random.default_rng(crs_code + len(dtype))
    if crs_code == 4326:
        t, poly = Affine(0.001, 0, -2.0, 0, -0.001, 6.0), _star(3, -1.9, 5.91, 0.08)
    else:
        t, poly = Affine(30, 0, 500_000, 0, -30, 700_000), _star(3, 503_000, 697_300, 2500)
    lo = -300 if dtype == "int16" else 0
    classes = np.array([lo, lo + 7, 40, 1000 if dtype != "uint8" else 200])
    data = {"lc": classes[rng.integers(0, 4, size=(200, 220))].astype(dtype)}
    data["pop"] = rng.gamma(2.0, 3.0, size=(200, 220)).astype("float32")
    data["pop"][rng.random((200, 220)) < 0.05] = -1
    paths = {}
    for k, arr in data.items():
        paths[k] = tmp_path / f"{k}.tif"
        write_geotiff(paths[k], arr, t, crs_code, nodata=-1 if k == "pop" else None)
    legend = Legend(
        key="t",
        title="t",
        classes=tuple(
            LegendClass(int(v), "#000000", "forest", (("en", f"c{v}"),)) for v in classes
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        ls = lp.Landscape(name="L", geometry=poly, crs=crs_code, provenance=PROV)

    def run():
        return (
            lp.land_cover(ls, paths["lc"], legend=legend),
            lp.population(ls, paths["pop"]),
            lp.elevation(ls, paths["pop"]),
        )

    used: list[str] = []
    kernels_for = cov.kernels_for

    def spy(cells: int, **kw):
        used.append((k := kernels_for(cells, **kw)).__name__)
        return k

    monkeypatch.setattr(cov, "kernels_for", spy)
    cov.kernels()
    monkeypatch.setattr(ck, "SMALL_STRIP_CELLS", 0)  # numba for every strip
    with_numba = run()
    assert set(used) == {"landprofile._kernels"}
    used.clear()
    monkeypatch.setattr(ck, "SMALL_STRIP_CELLS", 10**9)
    monkeypatch.setattr(ck, "NUMPY_BUDGET_CELLS", 10**12)
    monkeypatch.setattr(ck, "_kernels_ready", threading.Event())  # as if not loaded
    with_numpy = run()
    assert set(used) == {"landprofile._kernels_np"}
    for a, b in zip(with_numpy, with_numba, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
