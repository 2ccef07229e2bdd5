"""from_polygons and from_admin against analytic areas and pyproj.Geod."""

from __future__ import annotations

import itertools
import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box

from landprofile import Landscape, from_admin, from_polygons
from landprofile.errors import (
    AdminFieldError,
    CRSMismatchError,
    EmptySelectionError,
    GeometryTypeError,
    LandprofileWarning,
    NameNotFoundError,
    ScaleWarning,
)
from landprofile.geodesy import ellipsoid_band_area_m2
from landprofile.testing import geod_area_perimeter_dense, grid_partition

pytestmark = pytest.mark.usefixtures("no_scale_warning")


def utm_box(cx, cy, half):
    return box(cx - half, cy - half, cx + half, cy + half)


class TestFromPolygons:
    def test_dissolve_keeps_holes_and_parts(self):
        a = Polygon(box(0, 5, 1, 6).exterior.coords, [box(0.4, 5.4, 0.6, 5.6).exterior.coords])
        b = box(1, 5, 2, 6)  # shares an edge with a
        c = box(3, 5, 3.5, 5.5)  # separate part
        gdf = gpd.GeoDataFrame(geometry=[a, b, c], crs=4326)
        ls = from_polygons(gdf, name="x")
        assert ls.geometry.geom_type == "MultiPolygon"
        assert len(ls.geometry.geoms) == 2
        assert sum(len(p.interiors) for p in ls.geometry.geoms) == 1
        expected = (
            ellipsoid_band_area_m2(5, 6, 2)
            - ellipsoid_band_area_m2(5.4, 5.6, 0.2)
            + ellipsoid_band_area_m2(5, 5.5, 0.5)
        )
        assert ls.area_m2 == pytest.approx(expected, rel=1e-6)
        assert ls.provenance.method == "custom"
        assert ls.provenance.parameters["n_features"] == 3
        assert ls.to_gdf().shape[0] == 1
        assert ls.to_gdf()["area_ha"].iloc[0] == pytest.approx(ls.area_ha)

    def test_point_buffer_is_a_true_circle(self):
        r = 5_000.0
        ls = from_polygons(Point(-1.8, 5.5), name="disc", buffer_m=r, crs=4326)
        # Flat-earth limit is exact to ~(r/R)^2; polygonised arc loses < 0.05 %.
        assert ls.area_m2 == pytest.approx(math.pi * r * r, rel=1e-3)
        assert ls.provenance.parameters["buffer_m"] == r

    def test_buffer_of_projected_square_matches_minkowski_area(self):
        # 10 km square in UTM buffered by 1 km: 100 + 4*10*1 + pi*1^2 km^2.
        sq = utm_box(600_000, 600_000, 5_000)
        ls = from_polygons(sq, name="b", buffer_m=1_000, crs=32630)
        assert ls.area_km2 == pytest.approx(100 + 40 + math.pi, rel=2e-3)
        assert ls.crs.to_epsg() == 32630

    def test_buffer_in_degrees_never(self):
        # A lon/lat line buffered by 2 km is a 4 km wide corridor, not 2 degrees.
        line = LineString([(-2.0, 5.0), (-2.0, 5.5)])
        ls = from_polygons(line, name="river corridor", buffer_m=2_000, crs=4326)
        length_m = 55_300  # ~0.5 degree of latitude at 5 N
        assert ls.area_km2 == pytest.approx(length_m * 4_000 / 1e6 + math.pi * 4, rel=0.01)

    def test_clip_to_country(self, sample_dir):
        big = box(-4.0, 4.0, -2.0, 6.0)  # straddles the Ghana / Côte d'Ivoire border
        countries = gpd.read_file(sample_dir / "ne10m_admin0_west_africa.geojson")
        ghana = countries[countries.ISO_A3 == "GHA"]
        ls = from_polygons(big, name="clipped", crs=4326, clip=ghana)
        oracle, _ = geod_area_perimeter_dense(big.intersection(ghana.geometry.iloc[0]))
        assert ls.area_m2 == pytest.approx(oracle, rel=1e-5)
        assert "clip" in ls.provenance.parameters

    def test_clip_in_another_crs_is_reprojected(self):
        area = box(-2.0, 5.0, -1.0, 6.0)
        t = Transformer.from_crs(4326, 32630, always_xy=True)
        x0, y0 = t.transform(-1.5, 4.0)
        x1, y1 = t.transform(-0.5, 7.0)
        clip = gpd.GeoDataFrame(geometry=[box(x0, y0, x1, y1)], crs=32630)
        ls = from_polygons(area, name="c", crs=4326, clip=clip)
        assert ls.crs.to_epsg() == 4326
        # Oracle: the clip box carried to lon/lat through 10 m steps, intersected, Geod.
        back = Transformer.from_crs(32630, 4326, always_xy=True)
        clip_ll = shapely.transform(
            shapely.segmentize(clip.geometry.iloc[0], 10.0),
            lambda xy: np.column_stack(back.transform(*xy.T)),
        )
        oracle, _ = geod_area_perimeter_dense(area.intersection(clip_ll))
        assert ls.area_m2 == pytest.approx(oracle, rel=1e-5)

    def test_clip_that_leaves_nothing(self):
        with pytest.raises(EmptySelectionError, match="nothing is left after clipping"):
            from_polygons(
                box(0, 0, 1, 1),
                name="x",
                crs=4326,
                clip=box(5, 5, 6, 6).wkt and gpd.GeoDataFrame(geometry=[box(5, 5, 6, 6)], crs=4326),
            )

    def test_points_without_buffer_are_refused(self):
        pts = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(1, 1)], crs=4326)
        with pytest.raises(GeometryTypeError, match=r"2 feature\(s\) are Point.*buffer_m"):
            from_polygons(pts, name="x")
        line = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])], crs=4326)
        with pytest.raises(GeometryTypeError, match="LineString"):
            from_polygons(line, name="x")

    def test_mixed_crs_inputs_refused(self):
        a = gpd.GeoDataFrame(geometry=[box(-2, 5, -1, 6)], crs=4326)
        b = gpd.GeoDataFrame(geometry=[utm_box(600_000, 600_000, 1000)], crs=32630)
        with pytest.raises(CRSMismatchError, match=r"input 1.*EPSG:4326.*input 2.*EPSG:32630"):
            from_polygons([a, b], name="x")

    def test_inputs_not_modified(self):
        gdf = gpd.GeoDataFrame({"v": [1, 2]}, geometry=[box(0, 5, 1, 6), box(1, 5, 2, 6)], crs=4326)
        before = gdf.copy()
        from_polygons(gdf, name="x", buffer_m=100)
        assert gdf.equals(before)
        assert gdf.crs == before.crs

    @settings(max_examples=30, deadline=None)
    @given(
        cuts_x=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=4, unique=True),
        cuts_y=st.lists(st.floats(0.05, 0.95), min_size=0, max_size=4, unique=True),
        seed=st.integers(0, 10_000),
    )
    def test_union_of_parts_equals_whole(self, cuts_x, cuts_y, seed):
        rng = np.random.default_rng(seed)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 9))
        rad = rng.uniform(0.2, 0.5, 9)
        whole = Polygon(np.column_stack([0.5 + rad * np.cos(ang), 5.5 + rad * np.sin(ang)]))
        if not whole.is_valid:  # repeated angles make a degenerate star
            return
        xs = [0.0, *sorted(cuts_x), 1.0]
        ys = [5.0, *sorted(5 + c for c in cuts_y), 6.0]
        parts = [
            whole.intersection(box(x0, y0, x1, y1))
            for x0, x1 in itertools.pairwise(xs)
            for y0, y1 in itertools.pairwise(ys)
        ]
        parts = [p for p in parts if not p.is_empty and p.area > 0]
        pieces = from_polygons(gpd.GeoDataFrame(geometry=parts, crs=4326), name="p")
        one = from_polygons(whole, name="w", crs=4326)
        # Densification vertices differ between pieces and whole (~1e-9): far below a
        # lost sliver or a double-counted piece.
        assert pieces.area_m2 == pytest.approx(one.area_m2, rel=1e-7)


@pytest.fixture
def partition():
    # 5 x 5 units of 20 km in UTM 30N: a partition of a 100 km square.
    squares = grid_partition(550_000, 550_000, 20_000, 5)
    return gpd.GeoDataFrame(
        {
            "shapeName": [f"Unité {i}" for i in range(25)],
            "shapeISO": [f"GH-{i:02d}" for i in range(25)],
        },
        geometry=squares,
        crs=32630,
    )


class TestFromAdmin:
    def test_partition_union_equals_sum_of_parts(self, partition):
        names = [f"Unité {i}" for i in (0, 1, 5, 6, 7, 12)]
        ls = from_admin(partition, names=names)
        parts = [
            Landscape(name="p", geometry=g, crs=32630, provenance=ls.provenance)
            for g in partition.geometry.iloc[[0, 1, 5, 6, 7, 12]]
        ]
        assert ls.area_m2 == pytest.approx(sum(p.area_m2 for p in parts), rel=1e-6)
        assert ls.geometry.geom_type == "Polygon"  # shared borders removed
        assert len(ls.geometry.interiors) == 0
        assert ls.provenance.method == "admin"
        assert ls.provenance.parameters["n_units"] == 6

    def test_whole_partition_is_the_square(self, partition):
        ls = from_admin(partition, codes=partition.shapeISO.tolist(), name="all")
        assert ls.geometry.equals(box(550_000, 550_000, 650_000, 650_000))

    def test_match_ignores_case_and_accents(self, partition):
        ls = from_admin(partition, names=["unite 3", "UNITÉ 4"])
        assert ls.provenance.parameters["units"] == ["Unité 3", "Unité 4"]
        assert ls.name == "Unité 3 + Unité 4"

    def test_codes(self, partition):
        ls = from_admin(partition, codes="gh-07", name="seven")
        assert ls.area_km2 == pytest.approx(
            Landscape(
                name="o", geometry=partition.geometry.iloc[7], crs=32630, provenance=ls.provenance
            ).area_km2
        )

    def test_name_not_found_suggests(self, partition):
        with pytest.raises(NameNotFoundError, match=r"'Unite 99' \(closest: 'Unité 9'"):
            from_admin(partition, names=["Unité 1", "Unite 99"])

    def test_empty_selection(self, partition):
        with pytest.raises(EmptySelectionError, match=r"names=.*codes="):
            from_admin(partition)

    def test_gadm_and_ocha_fields(self, partition):
        gadm = partition.rename(columns={"shapeName": "NAME_2", "shapeISO": "GID_2"})
        gadm["NAME_1"] = "Western"
        gadm["NAME_0"] = "Ghana"
        ls = from_admin(gadm, names=["Unité 2"])
        assert ls.provenance.parameters["field"] == "NAME_2"
        ocha = partition.rename(columns={"shapeName": "ADM2_FR", "shapeISO": "ADM2_PCODE"})
        ocha["ADM2_EN"] = [f"Unit {i}" for i in range(25)]
        ocha["ADM1_EN"] = "Western"
        assert from_admin(ocha, names=["Unit 2", "unité 3"]).provenance.parameters["n_units"] == 2
        assert from_admin(ocha, codes=["GH-04"]).provenance.parameters["n_units"] == 1

    def test_unknown_schema_needs_field(self, partition):
        odd = partition.rename(columns={"shapeName": "district_label", "shapeISO": "k"})
        with pytest.raises(AdminFieldError, match=r"no name field.*district_label"):
            from_admin(odd, names=["Unité 1"])
        assert from_admin(odd, names=["Unité 1"], field="district_label").area_km2 == pytest.approx(
            400, rel=1e-3
        )
        with pytest.raises(AdminFieldError, match=r"'nope' not found.*district_label"):
            from_admin(odd, names=["Unité 1"], field="nope")

    def test_duplicate_name_warns(self, partition):
        dup = partition.copy()
        dup.loc[3, "shapeName"] = "Unité 1"
        with pytest.warns(LandprofileWarning, match="matches 2 units"):
            ls = from_admin(dup, names=["Unité 1"])
        assert ls.provenance.parameters["n_units"] == 2

    def test_gap_sliver_filled_enclave_kept(self, partition):
        gdf = partition.copy()
        # shrink unit 6 by 1 m on its west side: a 1 m x 20 km sliver gap appears
        x0, y0, x1, y1 = gdf.geometry.iloc[6].bounds
        gdf.loc[6, "geometry"] = box(x0 + 1, y0, x1, y1)
        ring = [f"Unité {i}" for i in (0, 1, 2, 5, 6, 7, 10, 11, 12) if i != 6] + ["Unité 6"]
        ls = from_admin(gdf, names=ring)
        assert len(ls.geometry.interiors) == 0
        # Unit 6 is a genuine enclave when it is not selected: its hole is kept.
        ring_wo_center = [f"Unité {i}" for i in (0, 1, 2, 5, 7, 10, 11, 12)]
        ls2 = from_admin(partition, names=ring_wo_center)
        assert len(ls2.geometry.interiors) == 1

    def test_sample_districts(self, sample_dir):
        ls = from_admin(
            sample_dir / "synthetic_districts_sw_ghana.geojson", names=["Aboso", "prestea"]
        )
        gdf = gpd.read_file(sample_dir / "synthetic_districts_sw_ghana.geojson")
        sel = gdf[gdf.shapeName.isin(["Aboso", "Prestea"])]
        oracle = sum(geod_area_perimeter_dense(g)[0] for g in sel.geometry)
        assert ls.area_m2 == pytest.approx(oracle, rel=1e-6)
        assert ls.scale == "within"

    def test_real_geoboundaries_regions(self, shared_data):
        path = shared_data / "ghana" / "gha_adm1_geoboundaries.geojson"
        gdf = gpd.read_file(path)
        names = ["Western", "Central", "Ashanti"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScaleWarning)
            ls = from_admin(path, names=[n.lower() for n in names])
        sel = gdf[gdf.shapeName.isin([f"{n} Region" for n in names])]
        assert len(sel) == 3
        oracle = sum(geod_area_perimeter_dense(shapely.make_valid(g))[0] for g in sel.geometry)
        # shared borders of simplified real data do not match exactly: within 0.1 %
        assert ls.area_m2 == pytest.approx(oracle, rel=1e-3)
        with pytest.raises(NameNotFoundError, match=r"Westren.*'Western Region'"):
            from_admin(path, names=["Westren"])
