"""Zones a planner can sign: exact exclusions, true distances, workable sizes, the user's
ids and CRS, explanations in three languages. Every check is against an independent
shapely / geopandas computation made here, in a local azimuthal equidistant projection
(true distances near the landscape), never against landprofile's own output."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS
from shapely.geometry import LineString, Point, box

import landprofile as lp
from landprofile.errors import MissingFieldError, ScaleWarning
from landprofile.testing import write_geotiff
from landprofile.zoning import RulesError, candidates, load_rules

UTM = CRS.from_epsg(32630)
X0, Y0 = 600_000.0, 700_000.0  # Ghana, UTM 30N
#: A local projection for the oracles: true distances within ~1e-6 over 20 km.
AEQD = CRS.from_proj4("+proj=aeqd +lat_0=6.332 +lon_0=-2.096 +x_0=0 +y_0=0 +datum=WGS84 +units=m")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


def landscape(dx: float = 0.0) -> lp.Landscape:
    return lp.Landscape(
        name="square",
        geometry=box(X0 + dx, Y0, X0 + dx + 20_000, Y0 + 20_000),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )


@pytest.fixture
def scene():
    """The issue's new-user layout: 5 sites, one concession, one protected area, one river."""
    sites = gpd.GeoDataFrame(
        {
            "code": ["GH-001", "GH-002", "GH-003", "GH-004", "GH-005"],
            "operator": ["A", "B", "C", "D", "E"],
            "miners": [12, 40, 7, 25, 3],
        },
        geometry=[
            Point(X0 + 5_000, Y0 + 5_000).buffer(60),  # inside the concession
            Point(X0 + 15_000, Y0 + 15_000),  # inside the protected area
            Point(X0 + 15_000, Y0 + 11_800),  # in its 1 km buffer
            Point(X0 + 3_000, Y0 + 10_182),  # 40 m from the river
            Point(X0 + 14_000, Y0 + 4_000),  # free
        ],
        crs=UTM,
    )
    conc = gpd.GeoDataFrame(
        {
            "licence": ["ML-7/2019"],
            "holder": ["Golden Ridge Ltd"],
            "type": ["large-scale exploitation"],
        },
        geometry=[box(X0 + 3_000, Y0 + 3_000, X0 + 7_500, Y0 + 6_500)],
        crs=UTM,
    )
    pa = gpd.GeoDataFrame(
        {"name": ["Kwae forest reserve"]},
        geometry=[Point(X0 + 15_000, Y0 + 15_000).buffer(2_500, quad_segs=128)],
        crs=UTM,
    )
    river = gpd.GeoDataFrame(
        {"name": ["Offin"]},
        geometry=[
            LineString(
                [(X0 - 1_000, Y0 + 10_000), (X0 + 8_000, Y0 + 10_500), (X0 + 21_000, Y0 + 9_000)]
            )
        ],
        crs=UTM,
    )
    return sites, conc, pa, river


def run(scene, **kw):
    sites, conc, pa, river = scene
    return candidates(
        landscape(),
        sites=sites,
        concessions=conc,
        protected=pa,
        rivers=river,
        resolution_m=30,
        **kw,
    )


def oracle_exclusions(scene) -> dict[str, shapely.Geometry]:
    """Exclusions in the local projection; polygons densified first (every 10 m) so that
    their edges stay the straight lines the user drew in UTM."""
    _, conc, pa, river = scene
    return {
        "concessions": conc.geometry.segmentize(10).to_crs(AEQD).iloc[0],
        "protected": pa.to_crs(AEQD).geometry.iloc[0].buffer(1_000, quad_segs=128),
        "rivers": river.to_crs(AEQD).geometry.iloc[0].buffer(100, quad_segs=128),
    }


def test_zones_respect_every_exclusion_exactly(scene):
    res = run(scene)
    assert len(res.zones) >= 3
    assert res.zones.crs == UTM  # the landscape's CRS, not the analysis grid's
    zones = res.zones.geometry.segmentize(10).to_crs(AEQD)
    land = landscape().to_gdf().geometry.segmentize(10).to_crs(AEQD).iloc[0]
    for name, ex in oracle_exclusions(scene).items():
        overlap = zones.intersection(ex).area
        assert overlap.max() <= 1.0, (name, overlap.max())
    assert zones.difference(land).area.max() <= 1.0
    # the raster staircase is gone where a zone meets the concession: some zone runs
    # along its edge (touches it) without entering it
    conc = oracle_exclusions(scene)["concessions"]
    assert (zones.distance(conc) < 0.01).any()


def test_land_cover_exclusion_is_whole_cells(tmp_path):
    # a LAEA landscape centred on (-2, 5.5): the analysis grid is this CRS, and a 100 m
    # land cover grid aligned on it gives cells that are analysis cells
    laea = CRS.from_proj4("+proj=laea +lat_0=5.5 +lon_0=-2 +datum=WGS84 +units=m")
    ls = lp.Landscape(
        name="lc",
        geometry=box(-5_000, -5_000, 5_000, 5_000),
        crs=laea,
        provenance=lp.Provenance(method="custom", source="t"),
    )
    rng = np.random.default_rng(3)
    lc = np.where(rng.random((100, 100)) < 0.15, 40, 30).astype(np.uint8)  # scattered crops
    t = Affine(100, 0, -5_000, 0, -100, 5_000)
    write_geotiff(tmp_path / "lc.tif", lc, t, laea)
    rules = (
        "[zones]\nmin_area_ha = 1.0\nmin_score = 0.0\nmax_area_ha = 400.0\n"
        '[exclude.land_cover]\nlayer = "land_cover"\ngroups = ["cropland"]\n'
    )
    res = candidates(ls, rules=rules, land_cover=tmp_path / "lc.tif", resolution_m=100)
    crops = shapely.union_all(
        [
            shapely.geometry.shape(g)
            for g, v in rasterio.features.shapes(lc, mask=lc == 40, transform=t)
        ]
    )
    assert len(res.zones)
    assert res.zones.geometry.intersection(crops).area.max() <= 1.0
    # nothing suitable is lost but fragments under 1 ha (none at 1 ha cells): zones +
    # crops = landscape
    assert res.zones.area_ha.sum() + crops.area / 1e4 == pytest.approx(10_000, rel=1e-9)


def test_distances_agree_with_the_final_geometry(scene):
    res = run(scene, rules=load_rules(None))
    _sites, conc, pa, river = (g.to_crs(AEQD) for g in scene)
    zones = res.zones.to_crs(AEQD)
    for col, layer in (
        ("dist_concession_m", conc),
        ("dist_protected_m", pa),
        ("dist_river_m", river),
    ):
        want = zones.geometry.distance(layer.geometry.union_all())
        got = zones[col]
        tol = np.maximum(1.0, 1e-3 * want)
        assert (np.abs(got - want) <= tol).all(), (col, (got - want).abs().max())
    # rivers are excluded by a 100 m buffer: no zone is nearer than that
    assert zones["dist_river_m"].min() >= 100 - 0.01
    for z in res.zones.itertuples():
        if z.dist_concession_m < 0.01:
            # touching the concession: said so, with the concession's rule named
            assert "borders" in z.why
            assert "Mining concessions" in z.why
        assert "OVERLAPS" not in z.why


def test_zones_are_split_to_a_workable_size():
    ls = landscape()
    river = gpd.GeoDataFrame(
        geometry=[LineString([(X0 - 100, Y0 + 7_000), (X0 + 20_100, Y0 + 13_000)])], crs=UTM
    )
    strips = gpd.GeoDataFrame(
        {"score": [0.5, 0.9]},
        geometry=[
            box(X0, Y0, X0 + 10_000, Y0 + 20_000),
            box(X0 + 10_000, Y0, X0 + 20_000, Y0 + 20_000),
        ],
        crs=UTM,
    )
    rules = """
[zones]
min_area_ha = 25.0
max_area_ha = 1500.0
min_score = 0.0
[exclude.rivers]
layer = "rivers"
buffer_m = 100.0
[favour.geology]
layer = "geology"
weight = 1.0
score_field = "score"
"""
    res = candidates(ls, rules=rules, rivers=river, geology=strips, resolution_m=50)
    z = res.zones
    assert (z.area_ha <= 1500 + 1e-6).all()
    assert (z.area_ha >= 25).all()
    assert not z.too_large.any()
    # nothing is lost: zones cover the landscape less the river buffer (oracle: shapely)
    free = ls.geometry.difference(river.geometry.iloc[0].buffer(100, quad_segs=64))
    assert z.to_crs(AEQD).area.sum() / 1e4 == pytest.approx(
        gpd.GeoSeries([free], crs=UTM).to_crs(AEQD).area.iloc[0] / 1e4, rel=2e-3
    )
    # the zones do not overlap each other
    u = shapely.union_all(z.geometry.to_numpy())
    assert u.area == pytest.approx(z.geometry.area.sum(), rel=1e-9)
    # each part is scored and ranked on its own: the east half ranks first
    east = z.geometry.centroid.x > X0 + 10_000
    assert east.iloc[: int(east.sum())].all()
    assert z.score[east].min() > z.score[~east].max()
    assert all("split into" in w for w in z.why)
    # the old behaviour on request: one flagged zone per side of the river
    flag = candidates(
        ls, rules=rules.replace("[zones]", '[zones]\nsplit = "none"'), rivers=river, resolution_m=50
    )
    assert flag.zones.too_large.all()
    assert len(flag.zones) == 2
    assert all("larger than the maximum zone size" in w for w in flag.zones.why)
    with pytest.raises(RulesError, match="split must be one of bisect, none"):
        load_rules('[zones]\nsplit = "voronoi"\n')


def test_conflicts_keep_the_users_ids_attributes_and_crs(scene, tmp_path):
    res = run(scene)
    c = res.conflicts
    assert res.summary["site_id_field"] == "code"  # auto-detected
    assert not res.summary["site_ids_generated"]
    assert c.crs == UTM
    assert {"code", "operator", "miners", "rule", "conflict", "feature"} <= set(c.columns)
    rows = {(r.code, r.rule) for r in c.itertuples()}
    # oracle: geopandas distances in the local projection, against each rule's buffer
    sites, conc, pa, river = (g.to_crs(AEQD) for g in scene)
    want = set()
    for rule, layer, buf in (
        ("concessions", conc, 0),
        ("protected", pa, 1000),
        ("rivers", river, 100),
    ):
        d = sites.geometry.distance(layer.geometry.union_all())
        want |= {(code, rule) for code, dd in zip(sites.code, d, strict=True) if dd <= buf}
    assert rows == want
    first = c.set_index(["code", "rule"])
    assert first.loc[("GH-001", "concessions"), "feature"] == "ML-7/2019, Golden Ridge Ltd"
    assert first.loc[("GH-001", "concessions"), "miners"] == 12
    assert first.loc[("GH-003", "protected"), "feature"] == "Kwae forest reserve"
    assert first.loc[("GH-004", "rivers"), "dist_m"] == pytest.approx(
        sites.geometry.iloc[3].distance(river.geometry.iloc[0]), abs=0.05
    )
    # another CRS on request; the GeoPackage layers carry it; GeoJSON is EPSG:4326
    r4326 = run(scene, crs="EPSG:4326")
    assert r4326.zones.crs.to_epsg() == 4326
    assert r4326.conflicts.crs.to_epsg() == 4326
    res.to_gpkg(tmp_path / "z.gpkg")
    for layer in ("zones", "exclusions", "conflicts"):
        crs = CRS.from_user_input(pyogrio.read_info(tmp_path / "z.gpkg", layer=layer)["crs"])
        assert crs == UTM
    res.to_geojson(tmp_path / "zones.geojson")
    doc = json.loads((tmp_path / "zones.geojson").read_text())
    x, y = np.array(doc["features"][0]["geometry"]["coordinates"][0][0])
    assert -3 < x < -1
    assert 6 < y < 7
    back = gpd.read_file(tmp_path / "zones.geojson")
    assert len(back) == len(res.zones)


def test_sites_without_ids_get_stable_generated_ids(scene):
    sites, conc, _pa, river = scene
    bare = sites[["geometry"]]
    a = candidates(landscape(), sites=bare, concessions=conc, rivers=river, resolution_m=60)
    assert a.summary["site_ids_generated"]
    assert a.summary["site_id_field"] == "site_id"
    assert set(a.conflicts.site_id) == {"S0001", "S0004"}
    # a landscape shifted east leaves the first sites out; ids do not move
    b = candidates(landscape(dx=4_000), sites=bare, concessions=conc, resolution_m=60)
    assert set(b.conflicts.site_id) == {"S0001"}
    with pytest.raises(MissingFieldError, match="'nope' is not a field of the sites layer"):
        candidates(landscape(), sites=sites, site_id_field="nope", resolution_m=200)


def test_explanations_in_french_english_and_spanish(scene):
    en = run(scene)
    fr = en.in_language("fr")
    es = run(scene, lang="es")
    assert fr.zones.zone_id.tolist() == en.zones.zone_id.tolist() == es.zones.zone_id.tolist()
    for w in fr.zones.why:
        assert w.startswith("Score ")
        assert "règle d'exclusion" in w
        assert "nearest" not in w
        assert "clear of" not in w
    for w in es.zones.why:
        assert w.startswith("Puntaje ")
        assert "regla de exclusión" in w
    assert set(fr.exclusions.label) == {
        "Concessions minières",
        "Aires protégées et zone tampon",
        "Zone tampon des cours d'eau",
    }
    assert "dans une concession" in set(fr.conflicts.conflict_label) or "dans la" in " ".join(
        fr.conflicts.conflict_label
    )
    assert en.why("es").tolist() == es.zones.why.tolist()


@pytest.mark.shared_data
def test_real_ghana_river_conflicts_match_a_geopandas_overlay(shared_data):
    ghana = shared_data / "ghana"
    asm = gpd.read_file(ghana / "asm_mining_ghana_2024_earthgenome.geojson")
    rivers = gpd.read_file(ghana / "rivers_ne10m_ghana.geojson")
    regions = gpd.read_file(ghana / "gha_adm1_geoboundaries.geojson")
    name = "Western North Region"  # 81 detected mines
    region = regions[regions.shapeName == name]
    ls = lp.boundary.from_polygons(region, name=name)
    # Natural Earth 1:10m holds only the main rivers; the region's detected mines lie 39
    # to 200 km from one (median 84 km), so the buffer is set where it splits them
    buffer_m = 80_000
    rules = f'[exclude.rivers]\nlayer = "rivers"\nbuffer_m = {buffer_m}\n'
    res = candidates(ls, rules=rules, sites=asm, rivers=rivers, resolution_m=500)
    got = int((res.conflicts.rule == "rivers").sum())
    # oracle: a geopandas overlay in a local projection centred on the region
    lon, lat = region.to_crs(4326).union_all().centroid.coords[0]
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    sites = asm.to_crs(local)
    sites = sites[sites.intersects(region.to_crs(local).union_all())].reset_index(drop=True)
    sites["k"] = np.arange(len(sites))
    buf = gpd.GeoDataFrame(geometry=rivers.to_crs(local).buffer(buffer_m, quad_segs=512))
    over = gpd.overlay(sites, buf, how="intersection", keep_geom_type=False)
    want = over["k"].nunique()
    assert 0 < want < len(sites)
    assert got == want
    assert res.summary["site_ids_generated"]  # Earth Genome polygons carry no id


def test_slivers_left_by_the_exact_cut_are_dropped_and_said():
    # a 10 m wide concession strip crosses the zone between two cell centres: no cell is
    # excluded, the exact cut leaves a 17.4 ha piece west of it, under min_area_ha (the
    # landscape's edges lie on cell edges of the 30 m grid)
    laea = CRS.from_proj4("+proj=laea +lat_0=5.5 +lon_0=-2 +datum=WGS84 +units=m")
    ls = lp.Landscape(
        name="strip",
        geometry=box(-2_490, -300, 2_490, 300),
        crs=laea,
        provenance=lp.Provenance(method="custom", source="t"),
    )
    tooth = gpd.GeoDataFrame(
        {"licence": ["PL-1"]}, geometry=[box(-2_200, -400, -2_190, 400)], crs=laea
    )
    rules = """
[zones]
min_area_ha = 25.0
min_score = 0.0
[exclude.concessions]
layer = "concessions"
"""
    res = candidates(ls, rules=rules, concessions=tooth, resolution_m=30)
    assert len(res.zones) == 1
    z = res.zones.iloc[0]
    assert z.area_ha == pytest.approx((2_490 + 2_190) * 600 / 1e4, rel=1e-9)
    assert z.geometry.intersection(tooth.geometry.iloc[0]).area <= 1.0
    assert "1 sliver(s) under the minimum size (17.40\u00a0ha)" in z.why
    assert "borders: Mining concessions" in z.why


def test_the_geopackage_holds_no_path_of_this_machine(scene, tmp_path):
    rules = tmp_path / "my_rules.toml"
    rules.write_text('[zones]\nmin_area_ha = 25.0\n[exclude.rivers]\nlayer = "rivers"\n')
    res = run(scene, rules=rules)
    res.to_gpkg(tmp_path / "z.gpkg")
    meta = pyogrio.read_info(tmp_path / "z.gpkg", layer="zones")["dataset_metadata"]
    assert "my_rules.toml" in meta["landprofile_rules"]
    assert str(tmp_path) not in meta["landprofile_rules"] + meta["landprofile_summary"]
    assert str(tmp_path).encode() not in (tmp_path / "z.gpkg").read_bytes()
