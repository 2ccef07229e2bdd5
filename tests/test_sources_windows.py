"""Grid-true windows of named rasters: a window holds the tile's own cells (issue 26).

Oracles: the tile read directly with rasterio, and ``lp.profile`` on the local file. The
network is never reached: mirrors are folders or a server on 127.0.0.1.
"""

from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.windows import Window
from shapely.geometry import MultiPolygon, Polygon, box

import landprofile as lp
from _sources_helpers import cog, land, sent, serve_files, wc_path
from _sources_helpers import isolated as isolated
from landprofile.errors import DataSourceError
from landprofile.sources import lonlat_bounds, raster
from landprofile.testing import write_geotiff

#: An awkward cell size (3/700 degree): no 4-decimal box corner is ever on this grid.
CELL = 3 / 700
N = 700
CLASSES = np.array([10, 20, 30, 40, 50, 60, 80, 90], np.uint8)


def tile(root: Path, lat: int, lon: int, seed: int, shift: float = 0.0) -> Path:
    """A WorldCover-like 3-degree tile at (lat, lon) south-west, random classes."""
    rng = np.random.default_rng(seed)
    data = CLASSES[rng.integers(0, len(CLASSES), (N, N))]
    data[rng.random((N, N)) < 0.02] = 0  # a little nodata
    path = root / wc_path(lat, lon)
    cog(path, data, Affine(CELL, 0, lon + shift, 0, -CELL, lat + 3))
    return path


def unaligned(rng: np.random.Generator, west: float, south: float, size: float) -> Polygon:
    """A random quadrilateral whose corners fall on no grid line."""
    corners = [(0, 0), (1, 0), (1, 1), (0, 1)]
    pts = [
        (west + size * (cx + rng.uniform(-0.2, 0.2)), south + size * (cy + rng.uniform(-0.2, 0.2)))
        for cx, cy in corners
    ]
    return Polygon(pts)


def read_tile_cells(tiles: list[Path], window_path: Path) -> np.ndarray:
    """The oracle: the window's extent read from the tiles themselves, cell by cell."""
    with rasterio.open(window_path) as w:
        wt, shape = w.transform, (w.height, w.width)
    out = np.zeros(shape, np.uint8)
    for p in tiles:
        with rasterio.open(p) as t:
            tt = t.transform
            c = (wt.c - tt.c) / tt.a
            r = (wt.f - tt.f) / tt.e
            c0, r0 = round(c), round(r)
            a0, b0 = max(c0, 0), max(r0, 0)
            a1, b1 = min(c0 + shape[1], t.width), min(r0 + shape[0], t.height)
            if a1 <= a0 or b1 <= b0:
                continue
            out[b0 - r0 : b1 - r0, a0 - c0 : a1 - c0] = t.read(
                1, window=Window(a0, b0, a1 - a0, b1 - b0)
            )
    return out


def assert_on_grid(window_path: Path, tile_path: Path, box_: tuple[float, ...]) -> None:
    """The window's origin is the tile's plus whole cells, and it covers the box."""
    with rasterio.open(window_path) as w, rasterio.open(tile_path) as t:
        assert w.transform.a == t.transform.a
        assert w.transform.e == t.transform.e
        assert w.crs == t.crs
        dc = (w.transform.c - t.transform.c) / t.transform.a
        dr = (w.transform.f - t.transform.f) / t.transform.e
        assert abs(dc - round(dc)) < 1e-9
        assert abs(dr - round(dr)) < 1e-9
        # snapped outward: the window covers the box (where a tile covers it)
        wb = w.bounds
        assert wb.left <= max(box_[0], t.bounds.left) + 1e-12
        assert wb.top >= min(box_[3], t.bounds.top) - 1e-12


def shares(table) -> dict[int, float]:
    return dict(zip(table["value"], table["area_ha"] / table["area_ha"].sum(), strict=True))


def test_unaligned_windows_are_on_the_tile_grid_and_hold_its_cells(tmp_path, monkeypatch):
    root = tmp_path / "mirror"
    t = tile(root, 3, -3, seed=1)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    rng = np.random.default_rng(26)
    for _ in range(4):
        west, south = rng.uniform(-2.8, -0.6), rng.uniform(3.2, 5.4)
        ls = land(unaligned(rng, west, south, rng.uniform(0.05, 0.3)))
        bounds = lonlat_bounds([ls])
        path = raster("worldcover:2021", bounds)
        assert_on_grid(path, t, bounds)
        with rasterio.open(path) as w:
            got = w.read(1)
        np.testing.assert_array_equal(got, read_tile_cells([t], path))
        # land-cover shares through the name = lp.profile on the local file
        by_name = lp.profile(ls, land_cover="worldcover:2021").land_cover
        local = lp.profile(ls, land_cover=t, legend="esa_worldcover_v200").land_cover
        s_name, s_local = shares(by_name), shares(local)
        assert s_name.keys() == s_local.keys()
        for k in s_local:
            assert s_name[k] == pytest.approx(s_local[k], abs=1e-12)


def test_a_window_across_a_tile_seam(tmp_path, monkeypatch):
    """Two tiles on one grid are joined by whole-cell offsets: no seam, no shift."""
    root = tmp_path / "mirror"
    west = tile(root, 3, -3, seed=2)
    east = tile(root, 3, 0, seed=3)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    geom = unaligned(np.random.default_rng(7), -0.13, 4.41, 0.27)
    ls = land(geom)
    bounds = lonlat_bounds([ls])
    assert bounds[0] < 0 < bounds[2]
    path = raster("worldcover:2021", bounds)
    assert_on_grid(path, west, bounds)
    assert_on_grid(path, east, bounds)
    with rasterio.open(path) as w:
        got = w.read(1)
        seam = round((0.0 - w.transform.c) / w.transform.a)
    assert 0 < seam < got.shape[1]
    np.testing.assert_array_equal(got, read_tile_cells([west, east], path))
    # the oracle for the shares: the two tiles joined by hand into one local file
    with rasterio.open(west) as a, rasterio.open(east) as b:
        joined = np.hstack([a.read(1), b.read(1)])
        local = tmp_path / "joined.tif"
        write_geotiff(local, joined, a.transform, "EPSG:4326", nodata=0)
    by_name = shares(lp.profile(ls, land_cover="worldcover:2021").land_cover)
    want = shares(lp.profile(ls, land_cover=local, legend="esa_worldcover_v200").land_cover)
    assert by_name.keys() == want.keys()
    for k in want:
        assert by_name[k] == pytest.approx(want[k], abs=1e-12)


def test_a_window_over_http_is_the_same_as_from_a_folder(tmp_path, monkeypatch):
    root = tmp_path / "mirror"
    t = tile(root, 3, -3, seed=4)
    ls = land(unaligned(np.random.default_rng(3), -1.77, 4.03, 0.11))
    bounds = lonlat_bounds([ls])
    server, served = serve_files(root)
    try:
        monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", f"http://127.0.0.1:{server.server_port}")
        path = raster("worldcover:2021", bounds)
    finally:
        server.shutdown()
    assert sent(served) > 0
    assert_on_grid(path, t, bounds)
    with rasterio.open(path) as w:
        np.testing.assert_array_equal(w.read(1), read_tile_cells([t], path))


def test_tiles_on_different_grids_are_refused_by_name(tmp_path, monkeypatch):
    root = tmp_path / "mirror"
    tile(root, 3, -3, seed=5)
    tile(root, 3, 0, seed=6, shift=CELL / 2)  # half a cell off: joining would resample
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    with pytest.raises(DataSourceError, match="do not share one grid"):
        raster("worldcover:2021", (-0.1, 4.0, 0.1, 4.1))


def test_the_antimeridian(tmp_path, monkeypatch):
    """Both ends of the globe read from their own tile; a box across ±180° is named."""
    root = tmp_path / "mirror"
    east_end = tile(root, 0, 177, seed=8)
    west_end = tile(root, 0, -180, seed=9)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    for t, geom in (
        (east_end, box(179.71, 0.31, 179.993, 0.52)),  # the margin would pass 180
        (west_end, box(-179.997, 0.31, -179.62, 0.52)),  # ... or -180
    ):
        ls = land(geom)
        bounds = lonlat_bounds([ls])
        with warnings.catch_warnings():
            # no phantom E180/W183 tile is looked for: the margin stops at ±180
            warnings.simplefilter("error", lp.errors.CoverageWarning)
            path = raster("worldcover:2021", bounds)
        assert_on_grid(path, t, bounds)
        with rasterio.open(path) as w:
            assert w.bounds.left >= -180 - 1e-9
            assert w.bounds.right <= 180 + 1e-9
            np.testing.assert_array_equal(w.read(1), read_tile_cells([t], path))
        by_name = shares(lp.profile(ls, land_cover="worldcover:2021").land_cover)
        want = shares(lp.profile(ls, land_cover=t, legend="esa_worldcover_v200").land_cover)
        for k in want:
            assert by_name[k] == pytest.approx(want[k], abs=1e-12)
    # a lon/lat outline in two parts, one each side of ±180°
    both = MultiPolygon([box(179.8, 0.3, 180.0, 0.5), box(-180.0, 0.3, -179.8, 0.5)])
    with pytest.raises(DataSourceError, match="antimeridian"):
        lp.land_cover(land(both), "worldcover:2021")
    # a projected outline across 180° (PDC Mercator): pyproj gives west > east
    from pyproj import Transformer

    to_m = Transformer.from_crs(4326, 3832, always_xy=True)
    x0, y0 = to_m.transform(179.8, 0.3)
    x1, y1 = to_m.transform(-179.8, 0.5)
    with pytest.raises(DataSourceError, match="antimeridian"):
        lp.land_cover(land(box(x0, y0, x1, y1), crs=3832), "worldcover:2021")


def test_no_deprecation_warning_leaks_from_a_named_read(tmp_path, monkeypatch):
    """The old rasterio.merge path warned 7 times per read (``Affine * tuple``)."""
    root = tmp_path / "mirror"
    tile(root, 3, -3, seed=10)
    tile(root, 3, 0, seed=11)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raster("worldcover:2021", (-0.1234567, 4.0123457, 0.1234567, 4.1234567))
    leaked = [
        w for w in caught if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)
    ]
    assert not leaked, [str(w.message) for w in leaked]


@pytest.mark.shared_data
def test_an_unaligned_landscape_on_a_real_worldcover_tile(shared_data, tmp_path, monkeypatch):
    """ESA's own N00E006 tile: the cached window was 7.4 m / 3.7 m off its grid before."""
    src = shared_data / "worldcover" / "ESA_WorldCover_10m_2020_v100_N00E006_Map.tif"
    root = tmp_path / "m"
    dst = root / "esa-worldcover/v100/2020/map" / src.name
    dst.parent.mkdir(parents=True)
    shutil.copyfile(src, dst)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    geom = Polygon(
        [(6.61234567, 0.30123457), (6.7387654, 0.31234), (6.7299, 0.39876543), (6.6201, 0.3911)]
    )
    ls = land(geom)
    bounds = lonlat_bounds([ls])
    path = raster("worldcover:2020", bounds)
    assert_on_grid(path, src, bounds)
    with rasterio.open(path) as w:
        np.testing.assert_array_equal(w.read(1), read_tile_cells([src], path))
    by_name = shares(lp.profile(ls, land_cover="worldcover:2020").land_cover)
    want = shares(lp.profile(ls, land_cover=src, legend="esa_worldcover_v100").land_cover)
    assert by_name.keys() == want.keys()
    assert max(abs(by_name[k] - want[k]) for k in want) <= 1e-12
    assert math.isclose(sum(by_name.values()), 1.0, rel_tol=1e-12)
