"""Areas and perimeters against pyproj.Geod, closed forms and equal-area projections."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon, box

from landprofile import Landscape, Provenance
from landprofile.errors import ScaleWarning
from landprofile.geodesy import ellipsoid_band_area_m2
from landprofile.testing import geod_area_perimeter_dense, geodesic_circle

PROV = Provenance(method="custom", source="test")
GEOD = Geod(ellps="WGS84")


def make(geom, crs) -> Landscape:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        return Landscape(name="t", geometry=geom, crs=crs, provenance=PROV)


def laea(lon, lat) -> CRS:
    return CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")


def to_crs(geom, src, dst, step):
    t = Transformer.from_crs(src, dst, always_xy=True)
    dense = shapely.segmentize(geom, step)
    return shapely.transform(dense, lambda xy: np.column_stack(t.transform(*xy.T)))


@pytest.mark.parametrize(("lat0", "lat1"), [(0, 1), (-10.5, -10), (45, 46), (60, 61.5)])
def test_band_closed_form_matches_geod(lat0, lat1):
    # Independent: Geod on a densely densified lon/lat rectangle.
    rect = box(10, lat0, 11, lat1)
    oracle, _ = geod_area_perimeter_dense(rect, step_deg=0.0005)
    assert ellipsoid_band_area_m2(lat0, lat1, 1.0) == pytest.approx(oracle, rel=1e-7)


@pytest.mark.parametrize(
    ("lon", "lat", "size"), [(0, 0, 1.0), (-2, 5, 0.5), (30, -10, 2.0), (-70, 60, 1.0)]
)
def test_lonlat_square_area_and_perimeter(lon, lat, size):
    sq = box(lon, lat, lon + size, lat + size)
    ls = make(sq, 4326)
    exact = ellipsoid_band_area_m2(lat, lat + size, size)
    assert ls.area_m2 == pytest.approx(exact, rel=1e-6)
    _, perim = geod_area_perimeter_dense(sq)
    assert ls.perimeter_km * 1e3 == pytest.approx(perim, rel=1e-6)
    assert ls.area_ha == pytest.approx(exact / 1e4, rel=1e-6)
    assert ls.area_km2 == pytest.approx(exact / 1e6, rel=1e-6)


@pytest.mark.parametrize(("lat", "r_m"), [(5.0, 5_000), (-10.0, 50_000), (50.0, 200_000)])
def test_geodesic_circle(lat, r_m):
    circle = geodesic_circle(-1.5, lat, r_m)
    ls = make(circle, 4326)
    # Oracle: Geod on the oriented ring itself (vertices ~44 m to 1.7 km apart).
    ring = shapely.orient_polygons(circle)
    area, perim = GEOD.geometry_area_perimeter(ring)
    assert ls.area_m2 == pytest.approx(abs(area), rel=1e-5)
    # and close to the spherical-cap estimate pi r^2 (flat-earth limit, small radius)
    assert ls.area_m2 == pytest.approx(math.pi * r_m**2, rel=5e-3)
    assert ls.perimeter_km * 1e3 == pytest.approx(perim, rel=1e-5)


def test_holes_and_parts_counted():
    outer = box(0, 0, 1, 1)
    hole = box(0.25, 0.25, 0.75, 0.75)
    poly = Polygon(outer.exterior.coords, [hole.exterior.coords])
    multi = shapely.MultiPolygon([poly, box(2, 0, 2.5, 0.5)])
    ls = make(multi, 4326)
    expected = (
        ellipsoid_band_area_m2(0, 1, 1)
        - ellipsoid_band_area_m2(0.25, 0.75, 0.5)
        + ellipsoid_band_area_m2(0, 0.5, 0.5)
    )
    assert ls.area_m2 == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("half", [100_000.0, 300_000.0, 600_000.0])
def test_projected_equal_area_shape_within_1e_4(half):
    # A large square drawn in an equal-area projection: its planar area IS its true area.
    crs = laea(-1.5, 6.0)
    sq = box(-half, -half, half, half)
    ls = make(sq, crs)
    assert ls.area_m2 == pytest.approx(sq.area, rel=1e-4)


@pytest.mark.parametrize("epsg", [32630, 3857, 2136])
def test_projected_conformal_shape_against_equal_area(epsg):
    # A 400 km square in UTM / Web Mercator / Ghana national grid: oracle = its planar
    # area after a very dense (50 m) transformation into an equal-area projection.
    crs = CRS.from_epsg(epsg)
    lonlat_c = (-1.5, 6.5)
    cx, cy = Transformer.from_crs(4326, crs, always_xy=True).transform(*lonlat_c)
    unit = crs.axis_info[0].unit_conversion_factor
    half = 200_000 / unit
    sq = box(cx - half, cy - half, cx + half, cy + half)
    oracle = to_crs(sq, crs, laea(*lonlat_c), 50 / unit).area
    assert make(sq, crs).area_m2 == pytest.approx(oracle, rel=1e-4)


def test_real_shape_ghana_outline(sample_dir):
    import geopandas as gpd

    gdf = gpd.read_file(sample_dir / "ne10m_admin0_west_africa.geojson")
    ghana = gdf.loc[gdf.ISO_A3 == "GHA", "geometry"].iloc[0]
    oracle, _ = geod_area_perimeter_dense(ghana)
    ls = make(ghana, 4326)
    assert ls.area_m2 == pytest.approx(oracle, rel=1e-6)
    # Ghana is 238,5xx km² (official 238,533 km²); NE 1:10m is generalised.
    assert 236_000 < ls.area_km2 < 241_000
    assert ls.scale == "above"


def test_scale_status_and_warning():
    small = box(0, 0, 0.05, 0.05)  # ~3,000 ha
    with pytest.warns(ScaleWarning, match="below"):
        ls = Landscape(name="s", geometry=small, crs=4326, provenance=PROV)
    assert ls.scale == "below"
    mid = make(box(0, 0, 0.5, 0.5), 4326)  # ~300,000 ha
    assert mid.scale == "within"


@settings(max_examples=25, deadline=None)
@given(
    lon=st.floats(-4.0, 2.0),
    lat=st.floats(4.0, 11.0),
    sizes=st.lists(st.floats(2_000, 150_000), min_size=3, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_area_invariant_under_reprojection(lon, lat, sizes, seed):
    # A random star polygon drawn in UTM 30N; the same shape densely carried to lon/lat,
    # to an equal-area and to Web Mercator must keep its area within 1e-4.
    rng = np.random.default_rng(seed)
    n = len(sizes)
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    cx, cy = Transformer.from_crs(4326, 32630, always_xy=True).transform(lon, lat)
    poly = Polygon(np.column_stack([cx + np.cos(ang) * sizes, cy + np.sin(ang) * sizes]))
    if not poly.is_valid or poly.area == 0:
        return
    base = make(poly, 32630).area_m2
    for dst, step in ((CRS.from_epsg(4326), 50), (laea(lon, lat), 50), (CRS.from_epsg(3857), 50)):
        moved = to_crs(poly, CRS.from_epsg(32630), dst, step)
        assert make(moved, dst).area_m2 == pytest.approx(base, rel=1e-4)


def test_area_and_length_helpers_in_any_crs():
    from landprofile.geodesy import geodesic_area_m2, geodesic_length_m

    sq = box(-2, 5, -1, 6)
    assert geodesic_area_m2(sq, CRS.from_epsg(4326)) == pytest.approx(
        ellipsoid_band_area_m2(5, 6, 1), rel=1e-6
    )
    # a meridian arc of one degree at 5-6 N, drawn in UTM 30N: Geod on its end points
    t = Transformer.from_crs(4326, 32630, always_xy=True)
    line = shapely.LineString([t.transform(-3, 5), t.transform(-3, 6)])
    _, _, dist = GEOD.inv(-3, 5, -3, 6)
    assert geodesic_length_m(line, CRS.from_epsg(32630)) == pytest.approx(dist, rel=1e-6)
