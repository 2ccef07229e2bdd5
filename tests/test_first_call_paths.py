"""The first call's own paths give GDAL's and numba's numbers.

A fresh process reads plain GeoTIFFs with :mod:`landprofile._geotiff` (zlib and numpy,
no rasterio) and counts land cover run by run (:func:`landprofile._kernels_np.
histogram_runs`, no numba). The oracles: rasterio reading the same files (values, grid,
CRS), and the numba kernels on the same strips; end to end, ``land_cover`` through GDAL
and numba on real data (ESA WorldCover, MODIS).
"""

from __future__ import annotations

import subprocess
import sys
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
from landprofile import _coverage_kernels as ck
from landprofile import _geotiff, _kernels, _kernels_np
from landprofile import raster as raster_mod
from landprofile.raster import Raster, read_raster

WORLDCOVER = "worldcover/ESA_WorldCover_10m_2020_v100_N00E006_Map.tif"


def _write(path, data, crs, *, transform=None, nodata=None, **opts):
    t = transform or Affine(0.001, 0, -2.0, 0, -0.001, 6.0)
    profile = dict(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1)
    profile.update(dtype=data.dtype, transform=t, crs=crs, nodata=nodata)
    with rasterio.open(path, "w", **profile | opts) as ds:
        ds.write(data, 1)
    return str(path)


def _same_as_gdal(path: str, windows: list[tuple[int, int, int, int]]) -> None:
    tif = _geotiff.open_geotiff(path)
    assert tif is not None, f"{path}: expected the GDAL-free reader to take it"
    with rasterio.open(path) as ds:
        assert tif.transform == tuple(ds.transform)[:6]
        assert (tif.width, tif.height, tif.block) == (ds.width, ds.height, ds.block_shapes[0])
        assert tif.dtype.name == ds.dtypes[0]
        assert tif.nodata == ds.nodata or (np.isnan(tif.nodata) and np.isnan(ds.nodata))
        ours, theirs = CRS.from_wkt(tif.wkt), CRS.from_wkt(ds.crs.to_wkt())
        assert ours == theirs
        assert ours.to_wkt() == theirs.to_wkt()
        for w in windows:
            got = tif.read(*w)
            want = ds.read(1, window=rasterio.windows.Window(*w))
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


CASES = [
    ("uint8", {"compress": "deflate"}, 4326),
    ("uint8", {"compress": "deflate", "predictor": 2, "tiled": True, "blockxsize": 64,
               "blockysize": 32}, 32630),
    ("int16", {"compress": "deflate", "predictor": 2}, 3857),
    ("uint16", {"tiled": True, "blockxsize": 48, "blockysize": 48}, 4326),
    ("float32", {"compress": "deflate", "tiled": True, "blockxsize": 32, "blockysize": 32}, 6933),
    ("float64", {}, 32737),
    ("int32", {"compress": "deflate", "BIGTIFF": "YES"}, 4326),
]  # fmt: skip


@pytest.mark.parametrize(("dtype", "opts", "epsg"), CASES)
def test_written_geotiffs_read_as_gdal_reads_them(tmp_path, dtype, opts, epsg):
    rng = np.random.default_rng(len(dtype) + epsg)
    data = (rng.normal(0, 300, size=(150, 170))).astype(dtype)
    if np.dtype(dtype).kind == "u":
        data = rng.integers(0, 250, size=(150, 170)).astype(dtype)
    crs = CRS.from_epsg(epsg)
    t = Affine(30, 0, 500_000, 0, -30, 700_000) if crs.is_projected else None
    nodata = None if dtype == "uint16" else 7
    path = _write(tmp_path / "a.tif", data, crs, transform=t, nodata=nodata, **opts)
    _same_as_gdal(path, [(0, 0, 170, 150), (13, 40, 101, 77), (169, 149, 1, 1), (0, 60, 170, 3)])


def test_sparse_blocks_are_nodata_as_gdal_fills_them(tmp_path):
    data = np.full((128, 128), 3, np.uint8)  # nodata: GDAL writes no block of it
    data[:64, :64] = 9
    opts = {"tiled": True, "blockxsize": 64, "blockysize": 64, "SPARSE_OK": "TRUE"}
    path = _write(tmp_path / "s.tif", data, 4326, nodata=3, **opts)
    assert (_geotiff.open_geotiff(path).counts == 0).any()
    _same_as_gdal(path, [(0, 0, 128, 128), (60, 60, 10, 10)])


def test_what_the_reader_leaves_to_gdal(tmp_path):
    data = np.arange(100, dtype=np.uint8).reshape(10, 10)
    refused = {
        "lzw": _write(tmp_path / "lzw.tif", data, 4326, compress="lzw"),
        "nad83": _write(tmp_path / "nad83.tif", data, 4269),
        "no crs": _write(tmp_path / "nocrs.tif", data, None),
    }
    with rasterio.open(tmp_path / "rgb.tif", "w", driver="GTiff", width=10, height=10,
                       count=3, dtype="uint8", crs=4326,
                       transform=Affine(1, 0, 0, 0, -1, 10)) as ds:  # fmt: skip
        ds.write(np.stack([data] * 3))
    refused["3 bands"] = str(tmp_path / "rgb.tif")
    side = _write(tmp_path / "side.tif", data, 4326)
    # a sidecar that changes what GDAL reads: nodata for the band
    (tmp_path / "side.tif.aux.xml").write_text(
        '<PAMDataset><PAMRasterBand band="1"><NoDataValue>7</NoDataValue></PAMRasterBand>'
        "</PAMDataset>"
    )
    refused["aux.xml"] = side
    geo = _write(tmp_path / "geo.tif", data, 4326)
    (tmp_path / "geo.tif.aux.xml").write_text(
        "<PAMDataset><GeoTransform>5, 1, 0, 20, 0, -1</GeoTransform></PAMDataset>"
    )
    refused["aux.xml geotransform"] = geo
    ent = _write(tmp_path / "ent.tif", data, 4326)
    (tmp_path / "ent.tif.aux.xml").write_text(
        '<!DOCTYPE PAMDataset [<!ENTITY a "STATISTICS_MEAN">]><PAMDataset/>'
    )
    refused["aux.xml entity"] = ent
    with rasterio.open(tmp_path / "pt.tif", "w", driver="GTiff", width=10, height=10,
                       count=1, dtype="uint8", crs=4326,
                       transform=Affine(1, 0, 0, 0, -1, 10)) as ds:  # fmt: skip
        ds.update_tags(AREA_OR_POINT="Point")
        ds.write(data, 1)
    refused["point"] = str(tmp_path / "pt.tif")
    (tmp_path / "x.vrt").write_text("<VRTDataset/>")
    refused["vrt"] = str(tmp_path / "x.vrt")
    for what, path in refused.items():
        assert _geotiff.open_geotiff(path) is None, what
    # the GDAL path still reads them, as before
    r = read_raster(refused["lzw"])
    assert r._tiff is None
    np.testing.assert_array_equal(r.read(), data)


def test_a_statistics_sidecar_keeps_the_fast_path(tmp_path):
    # what QGIS (and gdalinfo -stats) writes beside a raster it opened: statistics and a
    # histogram only, which change no cell, grid or CRS
    data = np.arange(100, dtype=np.uint8).reshape(10, 10)
    path = _write(tmp_path / "q.tif", data, 4326, nodata=0)
    with rasterio.open(path) as ds:
        ds.statistics(1, approx=False)  # GDAL writes q.tif.aux.xml itself
    aux = tmp_path / "q.tif.aux.xml"
    if not aux.exists():  # a GDAL that keeps statistics in memory only: write its form
        aux.write_text(
            '<PAMDataset><PAMRasterBand band="1"><Metadata>'
            '<MDI key="STATISTICS_MAXIMUM">99</MDI><MDI key="STATISTICS_MINIMUM">1</MDI>'
            "</Metadata></PAMRasterBand></PAMDataset>"
        )
    assert "STATISTICS_" in aux.read_text()
    assert _geotiff.open_geotiff(path) is not None
    _same_as_gdal(path, [(0, 0, 10, 10), (3, 4, 2, 5)])


def test_large_windows_go_through_gdal(tmp_path, monkeypatch):
    data = np.arange(200 * 300, dtype=np.int32).reshape(200, 300)
    path = _write(tmp_path / "b.tif", data, 4326, compress="deflate")
    r = read_raster(path)
    assert r._tiff is not None
    assert r._fast_window(None) == (0, 0, 300, 200)
    monkeypatch.setattr(raster_mod, "SMALL_READ_CELLS", 1000)
    assert r._fast_window(None) is None
    np.testing.assert_array_equal(r.read(), data)  # the same cells by GDAL
    with cov.StripReader(r) as reader:
        np.testing.assert_array_equal(reader.read(cov.Window(5, 6, 20, 10)), data[6:16, 5:25])


@pytest.mark.shared_data
def test_the_real_worldcover_tile_reads_as_gdal_reads_it(shared_data):
    # São Tomé's coast (land, sea, tile edges) and a block corner
    _same_as_gdal(
        str(shared_data / WORLDCOVER),
        [(7000, 30500, 1500, 1400), (8191, 33791, 3, 3), (35990, 35990, 10, 10)],
    )


def test_the_sample_modis_raster_reads_as_gdal_reads_it(sample_dir):
    # a lon/lat CRS on Clarke 1866 that GDAL recorded itself: the same WKT, to the letter
    _same_as_gdal(str(sample_dir / "modis_igbp_2019_sw_ghana.tif"), [(0, 0, 48, 48), (5, 7, 9, 30)])


# ----------------------------------------------------------------------------- kernels


def _star(rng, cx: float, cy: float, r: float) -> Polygon | None:
    ang = np.sort(rng.uniform(0, 2 * np.pi, 13))
    rad = rng.uniform(0.3, 1.0, 13) * r
    p = Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
    return p if p.is_valid and p.area > 0 else None


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**20),
    projected=st.booleans(),
    holes=st.booleans(),
    dtype=st.sampled_from(["uint8", "int16", "uint16"]),
    long_run=st.sampled_from([1, 8, 4096]),
)
def test_runs_count_what_the_numba_kernels_count(seed, projected, holes, dtype, long_run):
    """histogram_runs against accumulate_edges + histogram_strip (numba), strip by strip;
    coverage_runs against coverage_strip, cell by cell, to the bit."""
    rng = np.random.default_rng(seed)
    if projected:  # UTM: the areal-scale lattice is used
        crs, t = CRS.from_epsg(32630), Affine(30, 0, 500_000, 0, -30, 700_000)
        poly = _star(rng, 500_000 + 3300, 700_000 - 3000, 2900)
    else:
        crs, t = CRS.from_epsg(4326), Affine(0.001, 0, -2.0, 0, -0.001, 6.0)
        poly = _star(rng, -2.0 + 0.11, 6.0 - 0.1, 0.095)
    if poly is None:
        return
    if holes:
        poly = poly.difference(poly.centroid.buffer(poly.length / 30))
    lo = -300 if dtype == "int16" else 0
    data = (rng.integers(0, 40, size=(220, 240)) * 7 + lo).astype(dtype)
    raster = Raster(
        crs=crs, transform=t, width=240, height=220, count=1, dtype=dtype, nodata=None,
        block_shape=(220, 240), label="mem",
    )  # fmt: skip
    fp = cov.footprint(poly, raster)
    areas = cov.cell_areas(raster, fp.window)
    offset, size = (32768, 65536) if dtype == "int16" else (0, 1 << (8 * np.dtype(dtype).itemsize))
    win = fp.window
    r0, c0 = int(win.row_off), int(win.col_off)
    h, w = int(win.height), int(win.width)
    old = _kernels_np.LONG_RUN
    _kernels_np.LONG_RUN = long_run
    try:
        for a, b in [(0, 5), (5, 61), (61, h)]:
            if b <= a:
                continue
            vals = data[r0 + a : r0 + b, c0 : c0 + w]
            acc = np.zeros((b - a, w + 2))
            _kernels.accumulate_edges(fp.segs, a, b, acc)
            want = np.zeros(size)
            args = (areas.row_area[a:], areas.fac, areas.use_fac, a, offset)
            _kernels.histogram_strip(acc, vals, *args, want)
            got = np.zeros(size)
            _kernels_np.histogram_runs(fp.segs, a, b, vals, *args, got)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
            assert (got > 0).sum() == (want > 0).sum()
            covr = np.zeros((b - a, w))
            _kernels.coverage_strip(acc, covr)
            rows, first, end, cover = _kernels_np.coverage_runs(fp.segs, a, b, w)
            mine = np.zeros_like(covr)
            for r, x0, x1, c in zip(rows, first, end, cover, strict=True):
                mine[r, x0:x1] = c
            np.testing.assert_array_equal(mine, covr)  # the same bits
    finally:
        _kernels_np.LONG_RUN = old


# ----------------------------------------------------------------------------- end to end


def _gdal_and_numba(monkeypatch):
    """The other path: every raster through rasterio, every strip through numba."""
    monkeypatch.setattr(raster_mod, "open_geotiff", lambda path: None)
    cov.kernels()


def _fresh_paths(monkeypatch):
    monkeypatch.setattr(ck, "_kernels_ready", threading.Event())  # as if not loaded


def _both(monkeypatch, call):
    with monkeypatch.context() as m:
        _fresh_paths(m)
        fast = call()
    with monkeypatch.context() as m:
        _gdal_and_numba(m)
        slow = call()
    return fast, slow


def test_sample_districts_on_modis_equal_on_both_paths(monkeypatch, sample_dir):
    g = gpd.read_file(sample_dir / "synthetic_districts_sw_ghana.geojson")
    tif = sample_dir / "modis_igbp_2019_sw_ghana.tif"
    assert read_raster(tif)._tiff is not None

    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lp.land_cover(g, tif, legend="modis_igbp", id_field="shapeName")

    fast, slow = _both(monkeypatch, call)
    assert len(fast) > 19 * 3
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12)


def _twelve() -> gpd.GeoDataFrame:
    """Twelve polygons of 160-730 ha on São Tomé (the benchmark's small case)."""
    rng = np.random.default_rng(12)
    centres = [(6.55, 0.33), (6.60, 0.38), (6.68, 0.34), (6.72, 0.28), (6.66, 0.26),
               (6.58, 0.30), (6.54, 0.24), (6.62, 0.20), (6.70, 0.20), (6.60, 0.12),
               (6.64, 0.12), (6.56, 0.16)]  # fmt: skip
    geoms = []
    for x, y in centres:
        r = rng.uniform(0.8, 2.5) / 111.32
        a = np.sort(rng.uniform(0, 2 * np.pi, 24))
        rr = r * rng.uniform(0.6, 1.0, 24)
        geoms.append(Polygon(np.column_stack([x + rr * np.cos(a), y + rr * np.sin(a)])))
    return gpd.GeoDataFrame(
        {"name": [f"site {i + 1}" for i in range(12)]}, geometry=geoms, crs=4326
    )


@pytest.mark.shared_data
def test_twelve_polygons_on_worldcover_equal_on_both_paths_and_to_exactextract(
    monkeypatch, shared_data
):
    from exactextract import exact_extract

    g, tif = _twelve(), shared_data / WORLDCOVER

    def call():
        return lp.land_cover(g, tif, legend="esa_worldcover_v100")

    fast, slow = _both(monkeypatch, call)
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12)
    ee = exact_extract(
        str(tif), g, ["unique", "frac(coverage_weight=area_spherical_m2)"],
        include_cols=["name"], output="pandas",
    )  # fmt: skip
    for _, r in ee.iterrows():
        theirs = {k: v for k, v in zip(r["unique"], r["frac"], strict=True) if k != 0}
        mine = fast[(fast.landscape == r["name"]) & (fast.kind == "class")]
        mine = dict(zip(mine.value, mine.share, strict=True))
        tot = sum(theirs.values())
        assert len(theirs) >= 2
        for k in mine.keys() | theirs.keys():  # spherical vs ellipsoidal weights: 1e-4
            assert mine.get(k, 0.0) == pytest.approx(theirs.get(k, 0.0) / tot, abs=1e-4)


FRESH = """
import sys, warnings
warnings.simplefilter("ignore")
import geopandas as gpd, landprofile as lp
g = gpd.read_file(sys.argv[1])
t = lp.land_cover(g, sys.argv[2], legend="modis_igbp", id_field="shapeName")
assert len(t)
heavy = [m for m in ("rasterio", "numba", "landprofile.profile.profile") if m in sys.modules]
assert not heavy, heavy
"""


def test_a_small_first_call_loads_neither_rasterio_nor_numba(sample_dir):
    out = subprocess.run(
        [sys.executable, "-c", FRESH, str(sample_dir / "synthetic_districts_sw_ghana.geojson"),
         str(sample_dir / "modis_igbp_2019_sw_ghana.tif")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr


def test_help_loads_neither_geopandas_nor_numba():
    code = (
        "import sys; sys.argv = ['landprofile', '--help']\n"
        "from landprofile.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "bad = [m for m in ('geopandas', 'numba', 'rasterio') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Usage" in out.stdout
