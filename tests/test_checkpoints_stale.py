"""A resumed run never returns the old answer for changed inputs (issue 36 item 3), end to end.

The key tests (``tests/test_checkpoints.py``) show the stamp changes; these show what a
user sees: a tiled zoning run (and a batch) on land cover A with a checkpoint, then the
input changed the three ways the issue names (the GeoTIFF behind a VRT rewritten; the
file replaced by one of the same size with its mtime restored, as ``cp -p``, ``rsync -t``,
``tar x`` do; a DataArray's transform shifted), then resumed with the same checkpoint
folder. The oracle is a fresh run on the changed input without any checkpoint.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS

import landprofile as lp
from landprofile.errors import RulesWarning, ScaleWarning
from landprofile.testing import write_geotiff
from landprofile.zoning import candidates
from landprofile.zoning import tiles_run as tiles_run_mod

UTM = CRS.from_epsg(32630)
X0, Y0 = 600_000.0, 700_000.0
#: The land cover grid: 30 m cells, 300 m beyond the landscape on each side.
T = Affine(30, 0, X0 - 300, 0, -30, Y0 + 6_300)
SIDE = 220
RULES = """
[zones]
min_area_ha = 5.0
[exclude.land_cover]
layer = "land_cover"
groups = ["cropland"]
[favour.low_sensitivity]
layer = "land_cover"
weight = 1.0
group_scores = { grassland_savanna = 0.9, shrubland = 0.7 }
default = 0.5
"""


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        warnings.simplefilter("ignore", RulesWarning)
        yield


def _cover_a() -> np.ndarray:
    """Grassland west, cropland (excluded) east: one zone in the west half."""
    lc = np.full((SIDE, SIDE), 30, np.uint8)
    lc[:, 110:] = 40
    return lc


def _cover_b() -> np.ndarray:
    """Grassland cut by a cropland cross: four zones, far more suitable land than A."""
    lc = np.full((SIDE, SIDE), 30, np.uint8)
    lc[:, 60:75] = 40
    lc[150:160, :] = 40
    return lc


def _landscape() -> lp.Landscape:
    return lp.Landscape(
        name="stale",
        geometry=shapely.box(X0, Y0, X0 + 6_000, Y0 + 6_000),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )


def _zones(land_cover, **kw):
    return candidates(
        _landscape(), rules=RULES, land_cover=land_cover, resolution_m=30.0, tile_cells=80, **kw
    )


def _facts(res) -> tuple[int, list[float], float]:
    return (
        len(res.zones),
        sorted(res.zones["area_ha"].round(6).tolist()),
        round(res.summary["suitable_ha"], 6),
    )


@pytest.fixture
def computed(monkeypatch):
    """The tile indexes computed (not read from the checkpoint), in order."""
    seen: list[int] = []
    real = tiles_run_mod.compute_tile

    def counting(tile, shared):
        seen.append(tile.index)
        return real(tile, shared)

    monkeypatch.setattr(tiles_run_mod, "compute_tile", counting)
    return seen


def _assert_resumed_is_fresh(first, resumed, fresh, computed, n_tiles) -> None:
    assert _facts(resumed) == _facts(fresh)
    assert _facts(resumed) != _facts(first)
    # the zones are the same land, not only the same sizes
    a = resumed.zones.sort_values("area_ha").geometry.to_numpy()
    b = fresh.zones.sort_values("area_ha").geometry.to_numpy()
    assert shapely.area(shapely.symmetric_difference(a, b)).max(initial=0.0) <= 1.0
    # every tile of the resumed run was computed again, none read from the checkpoint
    assert len(computed) == n_tiles


def _first_run(land_cover, cp, computed):
    first = _zones(land_cover, checkpoint=cp)
    n_tiles = len(computed)
    assert n_tiles >= 4  # really tiled
    assert _facts(first)[0] == 1
    # resumed unchanged, nothing is computed again: the checkpoint is in use
    computed.clear()
    again = _zones(land_cover, checkpoint=cp)
    assert computed == []
    assert _facts(again) == _facts(first)
    return first, n_tiles


@pytest.mark.skipif(shutil.which("gdalbuildvrt") is None, reason="needs gdalbuildvrt")
def test_a_rewritten_geotiff_behind_a_vrt(tmp_path, computed):
    src = write_geotiff(tmp_path / "src.tif", _cover_a(), T, UTM, nodata=0)
    vrt = tmp_path / "lc.vrt"
    subprocess.run(["gdalbuildvrt", "-q", str(vrt), str(src)], check=True)
    cp = tmp_path / "cp"
    first, n_tiles = _first_run(vrt, cp, computed)
    vrt_bytes = vrt.read_bytes()
    write_geotiff(src, _cover_b(), T, UTM, nodata=0)
    assert vrt.read_bytes() == vrt_bytes  # the VRT itself did not change
    before = set(os.listdir(cp))
    computed.clear()
    resumed = _zones(vrt, checkpoint=cp)
    n_done = len(computed)
    fresh = _zones(vrt)
    _assert_resumed_is_fresh(first, resumed, fresh, computed[:n_done], n_tiles)
    assert _facts(fresh)[0] == 4
    # the first run's tiles are kept (never delete what this run did not write)
    assert before <= set(os.listdir(cp))


def test_a_same_size_same_mtime_replacement(tmp_path, computed):
    p = write_geotiff(tmp_path / "lc.tif", _cover_a(), T, UTM, nodata=0)
    cp = tmp_path / "cp"
    first, n_tiles = _first_run(p, cp, computed)
    st = os.stat(p)
    q = write_geotiff(tmp_path / "other.tif", _cover_b(), T, UTM, nodata=0)
    os.replace(q, p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # as cp -p, rsync -t, tar x do
    assert os.stat(p).st_size == st.st_size
    assert os.stat(p).st_mtime_ns == st.st_mtime_ns
    computed.clear()
    resumed = _zones(p, checkpoint=cp)
    n_done = len(computed)
    fresh = _zones(p)
    _assert_resumed_is_fresh(first, resumed, fresh, computed[:n_done], n_tiles)


def test_a_dataarray_with_a_shifted_transform(tmp_path, computed):
    import rioxarray  # noqa: F401
    import xarray as xr

    def da(transform):
        arr = xr.DataArray(_cover_a(), dims=("y", "x"))
        arr = arr.rio.write_crs(UTM).rio.write_transform(transform)
        return arr.rio.write_nodata(0)

    a = da(T)
    # the grid 1.2 km west: the cropland edge moves 40 cells west, into the west half
    b = da(T @ Affine.translation(-40, 0))
    cp = tmp_path / "cp"
    first, n_tiles = _first_run(a, cp, computed)
    computed.clear()
    resumed = _zones(b, checkpoint=cp)
    n_done = len(computed)
    fresh = _zones(b)
    _assert_resumed_is_fresh(first, resumed, fresh, computed[:n_done], n_tiles)
    # the values are the same array: only the georeferencing tells A from B
    np.testing.assert_array_equal(a.values, b.values)


def test_a_batch_resumed_on_a_replaced_land_cover(tmp_path):
    from landprofile.batch import profile_many

    p = write_geotiff(tmp_path / "lc.tif", _cover_a(), T, UTM, nodata=0)
    quads = gpd.GeoDataFrame(
        {"name": ["W", "E"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 3_000, Y0 + 6_000),
            shapely.box(X0 + 3_000, Y0, X0 + 6_000, Y0 + 6_000),
        ],
        crs=UTM,
    )
    kw = {"id_field": "name", "workers": 1, "chunk_size": 1}
    cp = tmp_path / "cp"
    first = profile_many(quads, land_cover=p, checkpoint=cp, **kw)
    assert any(cp.iterdir())  # the batch did keep its chunks there
    st = os.stat(p)
    q = write_geotiff(tmp_path / "other.tif", _cover_b(), T, UTM, nodata=0)
    os.replace(q, p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(p).st_size == st.st_size
    resumed = profile_many(quads, land_cover=p, checkpoint=cp, **kw)
    fresh = profile_many(quads, land_cover=p, **kw)
    cols = ["landscape", "area_ha", "share_cropland"]
    assert resumed[cols].equals(fresh[cols])
    assert not resumed["share_cropland"].equals(first["share_cropland"])
    # the oracle by hand: A's east half is all cropland; B's cross is 15 of 100 columns
    # and 10 of 200 rows over the west half's 100 x 200 cells (cells weighed by their
    # geodesic area: equal to 1e-6 over 6 km)
    assert first["share_cropland"].tolist() == pytest.approx([0.0, 1.0], abs=1e-6)
    west = (15 * 200 + 10 * 100 - 15 * 10) / (100 * 200)
    assert fresh["share_cropland"].iloc[0] == pytest.approx(west, abs=1e-6)
