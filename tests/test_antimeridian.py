"""Landscapes across the antimeridian (Fiji): areas, perimeters, raster statistics and
maps, for the RFC 7946 split form and the unsplit form, against pyproj.Geod and the
closed-form ellipsoidal band area."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box

import landprofile as lp
from landprofile.errors import InvalidGeometryError, ScaleWarning
from landprofile.geodesy import ellipsoid_band_area_m2
from landprofile.testing import write_geotiff

GEOD = Geod(ellps="WGS84")
UNSPLIT = Polygon([(179, -17), (-179, -17), (-179, -16), (179, -16)])
SPLIT = MultiPolygon([box(179, -17, 180, -16), box(-180, -17, -179, -16)])
CONTINUOUS = box(179, -17, 181, -16)  # the same land, longitudes past 180


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


def fiji(geom, crs=4326):
    return lp.Landscape(
        name="Fiji", geometry=geom, crs=crs, provenance=lp.Provenance(method="custom", source="t")
    )


def oracle():
    dense = shapely.segmentize(CONTINUOUS, 0.001)  # edges straight in lon/lat
    area, perim = GEOD.geometry_area_perimeter(dense)
    return abs(area) / 1e4, perim / 1e3


@pytest.mark.parametrize("geom", [UNSPLIT, SPLIT], ids=["unsplit", "rfc7946-split"])
def test_area_and_perimeter_across_the_antimeridian(geom):
    ls = fiji(geom)
    area_ha, perim_km = oracle()
    assert ls.area_ha == pytest.approx(area_ha, rel=1e-8)
    assert 2_300_000 < ls.area_ha < 2_400_000  # not 178 times too large
    assert ls.perimeter_km == pytest.approx(perim_km, rel=1e-8)  # the cut is no boundary
    lon, lat = ls.centroid_lonlat
    assert abs(abs(lon) - 180) < 0.01
    assert lat == pytest.approx(-16.5, abs=0.01)
    w, _, e, _ = ls.bounds_lonlat
    assert (w, e) == pytest.approx((179, 181))


def test_projected_landscape_across_the_antimeridian():
    # Fiji Map Grid (EPSG:3460): the antimeridian runs through the middle of it
    from pyproj import Transformer

    t = Transformer.from_crs(4326, 3460, always_xy=True)
    dense = shapely.segmentize(CONTINUOUS, 0.001)
    proj = shapely.transform(dense, lambda xy: np.column_stack(t.transform(*xy.T)))
    ls = fiji(proj, 3460)
    assert ls.area_ha == pytest.approx(oracle()[0], rel=1e-5)


def test_raster_statistics_on_both_sides(tmp_path):
    # a global 0.1 degree raster: tree cover east of 180, cropland west of it
    data = np.full((1800, 3600), 30, np.uint8)
    data[:, 3590:] = 10  # 179..180
    data[:, :10] = 40  # -180..-179
    path = tmp_path / "global.tif"
    write_geotiff(path, data, Affine(0.1, 0, -180, 0, -0.1, 90), "EPSG:4326", tiled=True)
    band = ellipsoid_band_area_m2(-17, -16, 1.0) / 1e4
    for geom in (UNSPLIT, SPLIT):
        lc = lp.land_cover(fiji(geom), path).set_index("value")
        assert lc.loc[10, "area_ha"] == pytest.approx(band, rel=1e-9)
        assert lc.loc[40, "area_ha"] == pytest.approx(band, rel=1e-9)
        assert set(lc["kind"]) == {"class"}  # nothing "outside the raster"
        assert lc.loc[10, "share"] == pytest.approx(0.5, rel=1e-9)


def test_the_map_draws_one_piece():
    import folium

    m = fiji(UNSPLIT).explore(tiles=None, context=False)
    feats = [
        c.data["features"][0]
        for g in m._children.values()
        if isinstance(g, folium.FeatureGroup)
        for c in g._children.values()
        if isinstance(c, folium.GeoJson)
    ]
    xs = np.array(shapely.geometry.shape(feats[0]["geometry"]).exterior.coords)[:, 0]
    assert xs.min() == pytest.approx(179)
    assert xs.max() == pytest.approx(181)


def test_a_ring_around_a_pole_is_refused_by_name():
    # a square around the South Pole in polar stereographic: in lon/lat its ring winds
    # once around the Earth, which no lon/lat polygon can say
    with pytest.raises(InvalidGeometryError, match=r"landscape 'Fiji': .*encircles a pole"):
        fiji(box(-100_000, -100_000, 100_000, 100_000), 3031)
