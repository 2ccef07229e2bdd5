"""Zonal statistics against hand-computed rasters, closed-form areas and exactextract."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import Polygon, box

import landprofile as lp
from landprofile.errors import InvalidParameterError, ScaleWarning
from landprofile.geodesy import ellipsoid_band_area_m2
from landprofile.testing import write_geotiff

LAEA = CRS.from_proj4("+proj=laea +lat_0=6 +lon_0=-1.5 +datum=WGS84 +units=m")
PROV = lp.Provenance(method="custom", source="test")


def landscape(geom, crs, name="L") -> lp.Landscape:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        return lp.Landscape(name=name, geometry=geom, crs=crs, provenance=PROV)


def write(path, data, transform, crs, nodata=None, tiled=False):
    return write_geotiff(path, data, transform, crs, nodata=nodata, block=16 if tiled else None)


class TestHandComputed:
    def test_3x3_equal_area(self, tmp_path):
        # 3x3 cells of 100 m in an equal-area projection; polygon = square from the
        # centre of cell (0,0) to the centre of cell (2,2): corners 1/4, edges 1/2, centre 1.
        data = np.array([[10, 20, 10], [30, 40, 20], [10, 10, 50]], dtype=np.uint8)
        t = Affine(100, 0, 0, 0, -100, 300)
        p = write(tmp_path / "a.tif", data, t, LAEA)
        ls = landscape(box(50, 50, 250, 250), LAEA)
        df = lp.land_cover(ls, p, legend="esa_worldcover_v100")
        got = dict(zip(df.value, df.area_ha, strict=True))
        # cell areas 1 ha; coverage [[.25,.5,.25],[.5,1,.5],[.25,.5,.25]]
        assert got == pytest.approx(
            {10: 0.25 + 0.25 + 0.25 + 0.5, 20: 0.5 + 0.5, 30: 0.5, 40: 1.0, 50: 0.25}
        )
        assert df["share"].sum() == pytest.approx(1.0)
        assert set(df.kind) == {"class"}
        assert df.loc[df.value == 40, "name"].iloc[0] == "Cropland"

    def test_geographic_rows_use_ellipsoidal_areas(self, tmp_path):
        # 4 rows x 2 columns of 0.1 degree at 10 S: each cell's true area is the closed form.
        data = np.array([[10, 20], [10, 20], [30, 30], [0, 99]], dtype=np.uint8)
        t = Affine(0.1, 0, 30.0, 0, -0.1, -10.0)
        p = write(tmp_path / "g.tif", data, t, "EPSG:4326", nodata=0)
        whole = box(30.0, -10.4, 30.2, -10.0)
        df = lp.land_cover(landscape(whole, 4326), p, legend="worldcover", lang="fr")

        def cell(row):
            return ellipsoid_band_area_m2(-10.0 - 0.1 * (row + 1), -10.0 - 0.1 * row, 0.1) / 1e4

        by = df.set_index(["kind", "value"])["area_ha"]
        assert by[("class", 10)] == pytest.approx(cell(0) + cell(1), rel=1e-9)
        assert by[("class", 30)] == pytest.approx(2 * cell(2), rel=1e-9)
        assert by[("nodata", 0)] == pytest.approx(cell(3), rel=1e-9)
        assert by[("unknown", 99)] == pytest.approx(cell(3), rel=1e-9)
        cls = df[df.kind == "class"]
        assert cls.share.sum() == pytest.approx(1.0)
        assert df.loc[(df.kind == "class") & (df.value == 30), "name"].iloc[0] == "Prairie"
        assert df.loc[df.kind != "class", "share"].isna().all()
        # everything together is the landscape's geodesic area (which joins its 0.01-degree
        # densified vertices by geodesics, not parallels: ~2e-9 apart)
        assert df.area_ha.sum() == pytest.approx(landscape(whole, 4326).area_ha, rel=1e-8)

    def test_outside_raster_reported(self, tmp_path):
        data = np.full((2, 2), 10, np.uint8)
        p = write(tmp_path / "o.tif", data, Affine(100, 0, 0, 0, -100, 200), LAEA)
        ls = landscape(box(100, 0, 300, 200), LAEA)  # half outside
        df = lp.land_cover(ls, p, legend="worldcover")
        by = df.set_index("kind")["area_ha"]
        assert by["class"] == pytest.approx(2.0)
        assert by["outside"] == pytest.approx(2.0, rel=1e-6)

    def test_hole_is_excluded(self, tmp_path):
        data = np.full((4, 4), 10, np.uint8)
        p = write(tmp_path / "h.tif", data, Affine(100, 0, 0, 0, -100, 400), LAEA)
        poly = Polygon(
            box(0, 0, 400, 400).exterior.coords, [box(100, 100, 300, 300).exterior.coords]
        )
        df = lp.land_cover(landscape(poly, LAEA), p, legend="worldcover")
        assert df.area_ha.sum() == pytest.approx(12.0)

    def test_projected_non_equal_area_is_area_true(self, tmp_path):
        # A UTM raster (areal scale 0.9992-1.0008): class areas must add up to the
        # landscape's geodesic area, not to its planar UTM area.
        data = np.full((300, 300), 40, np.uint8)
        x0 = 166_000.0  # far from the central meridian, where UTM scale departs most
        p = write(tmp_path / "u.tif", data, Affine(100, 0, x0, 0, -100, 1_000_000), 32630)
        geom = box(x0 + 1_000, 975_000, x0 + 29_000, 999_000)
        ls = landscape(geom, 32630)
        df = lp.land_cover(ls, p, legend="worldcover")
        assert df.area_ha.sum() == pytest.approx(ls.area_ha, rel=1e-6)
        assert abs(geom.area / 1e4 / ls.area_ha - 1) > 1e-4  # the correction mattered


class TestAgainstExactextract:
    @settings(
        max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(seed=st.integers(0, 2**31 - 1), geographic=st.booleans())
    def test_random_polygons_random_rasters(self, tmp_path, seed, geographic):
        from exactextract import exact_extract

        rng = np.random.default_rng(seed)
        h, w = int(rng.integers(20, 120)), int(rng.integers(20, 120))
        data = rng.choice(np.array([10, 20, 30, 40, 80], np.uint8), size=(h, w))
        if geographic:
            res = float(rng.choice([0.001, 0.01, 0.05]))
            t = Affine(res, 0, -3.0, 0, -res, float(rng.uniform(-40, 40)))
            crs = "EPSG:4326"
        else:
            res = float(rng.choice([10.0, 30.0, 100.0]))
            t = Affine(res, 0, -5_000.0, 0, -res, 5_000.0)
            crs = LAEA
        p = write(tmp_path / f"r{seed}.tif", data, t, crs, tiled=bool(rng.integers(2)))
        n = int(rng.integers(3, 15))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = rng.uniform(0.1, 0.5, n)
        cx, cy = t.c + t.a * w / 2, t.f + t.e * h / 2
        poly = shapely.make_valid(
            Polygon(
                np.column_stack(
                    [cx + rad * np.cos(ang) * t.a * w, cy + rad * np.sin(ang) * -t.e * h]
                )
            )
        )
        poly = shapely.union_all([g for g in shapely.get_parts(poly) if g.geom_type == "Polygon"])
        if poly.is_empty:
            return
        gdf = gpd.GeoDataFrame({"name": ["z"]}, geometry=[poly], crs=crs)
        ours = lp.land_cover(gdf, p, legend="worldcover")
        ours = ours[ours.kind == "class"].set_index("value")["share"]
        op = "frac(coverage_weight=area_spherical_m2)" if geographic else "frac"
        ee = exact_extract(p, gdf, ["unique", op], output="pandas")
        theirs = pd.Series(ee["frac"].iloc[0], index=ee["unique"].iloc[0])
        theirs = theirs[theirs > 0]
        tol = 1e-4 if geographic else 1e-6  # exactextract's sphere vs our ellipsoid
        assert set(ours.index) == set(theirs.index)
        for v in theirs.index:
            assert ours[v] == pytest.approx(theirs[v], abs=tol)


class TestContinuous:
    def test_population_count_and_density(self, tmp_path):
        data = np.array([[10.0, 20.0], [30.0, -1.0]], dtype=np.float32)
        p = write(tmp_path / "p.tif", data, Affine(100, 0, 0, 0, -100, 200), LAEA, nodata=-1)
        ls = landscape(box(50, 0, 200, 200), LAEA)  # half of column 0, all of column 1
        df = lp.population(ls, p, kind="count")
        assert df.population.iloc[0] == pytest.approx(0.5 * 10 + 20 + 0.5 * 30)
        assert df.nodata_ha.iloc[0] == pytest.approx(1.0)
        dens = lp.population(ls, p, kind="density_per_km2")
        # each cell is 0.01 km2
        assert dens.population.iloc[0] == pytest.approx((5 + 20 + 15) * 0.01)
        with pytest.raises(InvalidParameterError, match=r"'per_cell'.*density_per_km2"):
            lp.population(ls, p, kind="per_cell")

    def test_elevation(self, tmp_path):
        dem = np.arange(100, dtype=np.float32).reshape(10, 10)
        p = write(tmp_path / "d.tif", dem, Affine(30, 0, 0, 0, -30, 300), LAEA)
        ls = landscape(box(0, 0, 300, 300), LAEA)
        df = lp.elevation(ls, p)
        row = df.iloc[0]
        assert row.min_m == 0
        assert row.max_m == 99
        assert row.mean_m == pytest.approx(49.5)
        assert row.p50_m == pytest.approx(49.5, abs=1.0)
        # half-covered landscape: only rows 0-4 (values 0..49), weights equal
        top = landscape(box(0, 150, 300, 300), LAEA)
        assert lp.elevation(top, p).mean_m.iloc[0] == pytest.approx(24.5)


class TestOverlapAndProfile:
    def test_overlap_no_double_counting(self):
        ls = landscape(box(0, 0, 10_000, 10_000), LAEA)  # 10,000 ha
        pa = gpd.GeoDataFrame(
            {"kind": ["park", "reserve", "park"]},
            geometry=[
                box(0, 0, 5_000, 5_000),
                box(2_500, 0, 7_500, 5_000),
                box(20_000, 0, 21_000, 1_000),
            ],
            crs=LAEA,
        )
        df = lp.overlap(ls, pa, by="kind").set_index("group")
        assert df.loc["(all)", "area_ha"] == pytest.approx(3_750, rel=1e-6)
        assert df.loc["(all)", "share"] == pytest.approx(0.375, rel=1e-6)
        assert df.loc["(all)", "n_features"] == 2
        assert df.loc["park", "area_ha"] == pytest.approx(2_500, rel=1e-6)
        pts = gpd.GeoDataFrame(geometry=shapely.points([[1, 1], [5_000, 5_000], [-1, 0]]), crs=LAEA)
        assert lp.overlap(ls, pts).n_points.iloc[0] == 2

    def test_profile_round_trip(self, tmp_path, sample_dir):
        ls = lp.from_admin(
            sample_dir / "synthetic_districts_sw_ghana.geojson", names=["Aboso", "Prestea"]
        )
        pr = lp.profile(
            ls,
            land_cover=sample_dir / "modis_igbp_2019_sw_ghana.tif",
            legend="modis_igbp",
            layers={"districts": (sample_dir / "synthetic_districts_sw_ghana.geojson", "region")},
        )
        cls = pr.land_cover[pr.land_cover.kind == "class"]
        assert cls.share.sum() == pytest.approx(1.0)
        assert pr.land_cover.area_ha.sum() == pytest.approx(ls.area_ha, rel=1e-6)
        assert 0 <= pr.natural_share <= 1
        back = lp.Profile.from_json(pr.to_json(tmp_path / "p.json"))
        pd.testing.assert_frame_equal(back.land_cover, pr.land_cover)
        pd.testing.assert_frame_equal(back.overlaps["districts"], pr.overlaps["districts"])
        assert back.landscape.area_ha == pytest.approx(ls.area_ha, rel=1e-12)
        assert lp.Profile.from_json(tmp_path / "p.json").natural_share == pr.natural_share


@pytest.mark.shared_data
class TestRealData:
    def test_worldcover_sao_tome_vs_exactextract(self, shared_data, sample_dir):
        from exactextract import exact_extract

        tile = shared_data / "worldcover" / "ESA_WorldCover_10m_2020_v100_N00E006_Map.tif"
        countries = gpd.read_file(sample_dir / "ne10m_admin0_west_africa.geojson")
        stp = countries[countries.ISO_A3 == "STP"].explode(index_parts=False)
        stp = stp.assign(name=[f"island {i}" for i in range(len(stp))])
        # the two main islands, and a coastal box half sea half land
        islands = stp[stp.to_crs(LAEA).area > 1e8]
        coast = gpd.GeoDataFrame(
            {"name": ["coast"]}, geometry=[box(6.45, 0.15, 6.65, 0.3)], crs=4326
        )
        zones = pd.concat([islands[["name", "geometry"]], coast], ignore_index=True)
        ours = lp.land_cover(zones, tile, legend="esa_worldcover_v100")
        ee = exact_extract(
            tile,
            zones,
            ["unique", "frac(coverage_weight=area_spherical_m2)"],
            include_cols=["name"],
            output="pandas",
        )
        for _, r in ee.iterrows():
            theirs = dict(zip(r["unique"], r["frac"], strict=True))
            mine = ours[(ours.landscape == r["name"]) & (ours.kind == "class")]
            mine = dict(zip(mine.value, mine.share, strict=True))
            valid = {k: v for k, v in theirs.items() if k != 0}
            tot = sum(valid.values())
            for k, v in valid.items():
                assert mine.get(k, 0) == pytest.approx(v / tot, abs=1e-4)
        assert ours.loc[ours.landscape == "coast", "kind"].isin(["class", "nodata"]).all()

    def test_gpw_population_of_ghana(self, shared_data, sample_dir):
        from exactextract import exact_extract

        gpw = shared_data / "population" / "gpw_v4_population_density_2020_15min.tif"
        countries = gpd.read_file(sample_dir / "ne10m_admin0_west_africa.geojson")
        ghana = countries[countries.ISO_A3 == "GHA"].assign(name="Ghana")
        ours = lp.population(ghana, gpw, kind="density_per_km2").population.iloc[0]
        # Oracle: exactextract's per-cell coverage x the closed-form ellipsoidal cell area.
        ee = exact_extract(gpw, ghana, ["coverage", "values", "center_y"], output="pandas")
        cover = np.asarray(ee["coverage"].iloc[0])
        vals = np.asarray(ee["values"].iloc[0], dtype=float)
        lat = np.asarray(ee["center_y"].iloc[0])
        cell_km2 = np.array([ellipsoid_band_area_m2(y - 0.125, y + 0.125, 0.25) for y in lat]) / 1e6
        ok = vals > -1e30
        assert ours == pytest.approx(float(np.sum(cover[ok] * vals[ok] * cell_km2[ok])), rel=1e-6)
        # exactextract's own spherical areas are 0.4-0.7 % larger at these latitudes
        sph = exact_extract(
            gpw, ghana, ["sum(coverage_weight=area_spherical_km2)"], output="pandas"
        )
        assert ours == pytest.approx(float(sph.iloc[0, 0]), rel=1e-2)
        # GPW v4.11 counts ~30.4 million people in Ghana in 2020; density x whole-cell area
        # over-counts coastal and border cells (GPW densities are per km2 of *land*), so
        # this coarse 15' estimate runs ~10-15 % high.
        assert 29e6 < ours < 36e6
