"""Property-based tests (hypothesis) of the core invariants, each against an oracle or
against the same computation on an equivalent input: shares sum to 1; geodesic area
equals pyproj.Geod on the straight-edge densified ring; results do not change with ring
orientation, starting vertex, raster tiling or strip size, or the form given to an
antimeridian crossing; the parts of a partition add up to the whole, in area and in each
land cover class."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import shapely
from affine import Affine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box

import landprofile as lp
from landprofile.errors import ScaleWarning
from landprofile.testing import write_geotiff

GEOD = Geod(ellps="WGS84")
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def star(seed: int, cx: float, cy: float, r: float, n: int = 9) -> Polygon | None:
    rng = np.random.default_rng(seed)
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.3, 1.0, n) * r
    p = Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
    return p if p.is_valid and p.area > 0 else None


def ls(geom, crs=4326) -> lp.Landscape:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        return lp.Landscape(
            name="p", geometry=geom, crs=crs, provenance=lp.Provenance(method="custom", source="t")
        )


@SETTINGS
@given(
    seed=st.integers(0, 2**20),
    lon=st.floats(-80, 60),
    lat=st.floats(-60, 60),
    r=st.floats(0.05, 2.0),
)
def test_area_equals_geod_on_the_densified_ring(seed, lon, lat, r):
    poly = star(seed, lon, lat, r)
    if poly is None:
        return
    dense = shapely.segmentize(poly, 0.0001)  # edges are straight in lon/lat; finer than ours
    area, perim = GEOD.geometry_area_perimeter(shapely.orient_polygons(dense))
    got = ls(poly)
    assert got.area_m2 == pytest.approx(abs(area), rel=1e-7)
    assert got.perimeter_km * 1e3 == pytest.approx(perim, rel=1e-7)


@SETTINGS
@given(seed=st.integers(0, 2**20), start=st.integers(0, 8), flip=st.booleans())
def test_orientation_and_start_vertex_change_nothing(seed, start, flip):
    poly = star(seed, -1.5, 6.0, 0.3)
    if poly is None:
        return
    xy = np.asarray(poly.exterior.coords)[:-1]
    xy = np.roll(xy, start, axis=0)
    if flip:
        xy = xy[::-1]
    other = Polygon(xy)
    assert ls(other).area_m2 == pytest.approx(ls(poly).area_m2, rel=1e-12)


def _raster(path, data, t, block):
    return write_geotiff(path, data, t, "EPSG:4326", block=block)


@SETTINGS
@given(seed=st.integers(0, 2**20), block=st.sampled_from([16, 32, 64]))
def test_shares_sum_to_one_and_tiling_changes_nothing(tmp_path, seed, block):
    rng = np.random.default_rng(seed)
    data = rng.choice(np.array([10, 20, 30, 40, 80], np.uint8), size=(150, 170))
    t = Affine(0.002, 0, -2.0, 0, -0.002, 6.0)
    poly = star(seed, -2.0 + 0.17, 6.0 - 0.15, 0.12)
    if poly is None:
        return
    striped = _raster(tmp_path / f"s{seed}.tif", data, t, None)
    tiled = _raster(tmp_path / f"t{seed}_{block}.tif", data, t, block)
    a = lp.land_cover(ls(poly), striped)
    b = lp.land_cover(ls(poly), tiled, threads=1)
    shares = a[a.kind == "class"].share
    assert shares.sum() == pytest.approx(1.0, abs=1e-12)
    assert a.area_ha.to_numpy() == pytest.approx(b.area_ha.to_numpy(), rel=1e-12)
    # the class areas add up to the landscape's geodesic area (all inside the raster)
    assert a.area_ha.sum() == pytest.approx(ls(poly).area_ha, rel=1e-6)


@SETTINGS
@given(
    west=st.floats(178.0, 179.9),
    width=st.floats(0.2, 3.0),
    south=st.floats(-30.0, 30.0),
    height=st.floats(0.1, 2.0),
)
def test_antimeridian_forms_agree(west, width, south, height):
    east = west + width
    if east <= 180.0:
        return
    north = south + height
    unsplit = Polygon([(west, south), (east - 360, south), (east - 360, north), (west, north)])
    split = MultiPolygon([box(west, south, 180, north), box(-180, south, east - 360, north)])
    dense = shapely.segmentize(box(west, south, east, north), 0.001)
    area = abs(GEOD.geometry_area_perimeter(dense)[0])
    for g in (unsplit, split):
        assert ls(g).area_m2 == pytest.approx(area, rel=1e-7)


@SETTINGS
@given(
    seed=st.integers(0, 2**20),
    cuts_x=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=3, unique=True),
    cuts_y=st.lists(st.floats(0.05, 0.95), min_size=0, max_size=2, unique=True),
)
@example(seed=0, cuts_x=[0.95, 0.9499999999999998], cuts_y=[])  # once an empty cut
def test_a_partition_adds_up(tmp_path, seed, cuts_x, cuts_y):
    """Cut a landscape into parts: their areas, and each class's area, add up to the whole
    (coverage is exact, so no cell is counted twice or lost along a cut)."""
    poly = star(seed, -2.0 + 0.17, 6.0 - 0.15, 0.12)
    if poly is None:
        return
    rng = np.random.default_rng(seed)
    data = rng.choice(np.array([10, 20, 30, 40, 80], np.uint8), size=(150, 170))
    t = Affine(0.002, 0, -2.0, 0, -0.002, 6.0)
    path = _raster(tmp_path / f"p{seed}.tif", data, t, None)
    w, s, e, n = poly.bounds

    def apart(cuts: list[float]) -> list[float]:  # a cut per 1 % of the extent at most
        kept: list[float] = []
        for c in sorted(cuts):
            if not kept or c - kept[-1] > 0.01:
                kept.append(c)
        return kept

    xs = [w - 1, *(w + c * (e - w) for c in apart(cuts_x)), e + 1]
    ys = [s - 1, *(s + c * (n - s) for c in apart(cuts_y)), n + 1]
    parts = [
        p
        for x0, x1 in itertools.pairwise(xs)
        for y0, y1 in itertools.pairwise(ys)
        if (p := shapely.clip_by_rect(poly, x0, y0, x1, y1)).area > 0
        and p.geom_type in ("Polygon", "MultiPolygon")
    ]
    whole = ls(poly)
    assert sum(ls(p).area_ha for p in parts) == pytest.approx(whole.area_ha, rel=1e-9)
    by_class = lp.land_cover(whole, path).groupby("value").area_ha.sum()
    summed = lp.land_cover([ls(p) for p in parts], path, threads=1).groupby("value").area_ha.sum()
    assert summed.reindex(by_class.index).to_numpy() == pytest.approx(by_class.to_numpy(), rel=1e-9)
