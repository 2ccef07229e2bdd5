"""locate(): the best few zones, chosen exactly, spaced, explained.

Oracles are independent of the code under test: planted hotspots whose place is known,
brute force over every subset of the candidate regions with conflicts recomputed by
shapely from the candidates' polygons, geopandas overlays in UTM, and the real Earth
Genome detections.
"""

from __future__ import annotations

import itertools
import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import LineString, Point, box

import landprofile as lp
from landprofile.errors import (
    InvalidParameterError,
    RulesWarning,
    ScaleWarning,
    SelectionWarning,
)
from landprofile.zoning import candidates, locate
from landprofile.zoning.select import solve

UTM = CRS.from_epsg(32630)
X0, Y0 = 600_000.0, 700_000.0
#: True distances for the oracles (UTM's scale is 0.9997 here: a 1 km buffer drawn in
#: UTM is 0.3 m too wide): azimuthal equidistant on the planted landscape's centre.
AEQD = CRS.from_proj4("+proj=aeqd +lat_0=6.5126 +lon_0=-1.9147 +datum=WGS84 +units=m")
RULES = """
name = "test"
[zones]
min_area_ha = 25.0
max_area_ha = 5000.0
min_score = 0.4
[exclude.protected]
layer = "protected"
buffer_m = 1000.0
[exclude.rivers]
layer = "rivers"
buffer_m = 100.0
[favour.geology]
layer = "geology"
weight = 0.5
class_field = "class"
class_scores = { proven = 1.0, unlikely = 0.0 }
default = 0.3
[favour.existing_sites]
layer = "sites"
weight = 0.5
decay_m = 3000.0
"""
#: Planted hotspots: proven geology discs with a cluster of sites each.
HOTSPOTS = [(8_000, 30_000), (30_000, 32_000), (22_000, 8_000)]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        warnings.simplefilter("ignore", RulesWarning)
        yield


def landscape(size: float = 40_000) -> lp.Landscape:
    return lp.Landscape(
        name="planted",
        geometry=box(X0, Y0, X0 + size, Y0 + size),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(7)
    sites, geology = [], []
    for hx, hy in HOTSPOTS:
        geology.append(Point(X0 + hx, Y0 + hy).buffer(1_500, quad_segs=64))
        for _ in range(8):
            r, a = 1_000 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
            sites.append(Point(X0 + hx + r * np.cos(a), Y0 + hy + r * np.sin(a)))
    # decoys: single sites on land of no particular geology
    decoys = [(4_000, 4_000), (35_000, 5_000), (15_000, 20_000), (36_000, 20_000)]
    sites += [Point(X0 + x, Y0 + y) for x, y in decoys]
    s = gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(len(sites))]}, geometry=sites, crs=UTM)
    g = gpd.GeoDataFrame({"class": ["proven"] * len(geology)}, geometry=geology, crs=UTM)
    pa = gpd.GeoDataFrame(
        {"name": ["reserve"]}, geometry=[Point(X0 + 11_000, Y0 + 30_000).buffer(800)], crs=UTM
    )
    river = gpd.GeoDataFrame(
        {"name": ["Offin"]},
        geometry=[LineString([(X0, Y0 + 31_000), (X0 + 40_000, Y0 + 33_500)])],
        crs=UTM,
    )
    res = candidates(
        landscape(),
        rules=RULES,
        sites=s,
        geology=g,
        protected=pa,
        rivers=river,
        resolution_m=100,
    )
    return res, s, g, pa, river


def test_one_zone_on_each_planted_hotspot(planted):
    res, _sites, geology, pa, river = planted
    out = locate(res, n_zones=3, zone_area_ha=(100, 600), min_spacing_m=1_500)
    z = out.zones.to_crs(AEQD)
    # densified first: a straight 40 km UTM segment is a curve in AEQD
    geology, pa, river = (x.segmentize(50).to_crs(AEQD) for x in (geology, pa, river))
    assert len(z) == 3
    # each zone takes most of its land on one hotspot, each hotspot has one zone
    share = np.array(
        [[g.intersection(zg).area / zg.area for g in geology.geometry] for zg in z.geometry]
    )
    assert (share.max(axis=1) > 0.5).all()
    assert sorted(share.argmax(axis=1).tolist()) == [0, 1, 2]
    assert (z["area_ha"] <= 600 + 1e-6).all()
    assert (z["area_ha"] >= 100).all()
    # spacing, edge to edge, on the exact zones (oracle: shapely, true distances)
    for a, b in itertools.combinations(z.geometry, 2):
        assert a.distance(b) >= 1_500 - 0.1
    # exclusions respected to the square metre (true buffers drawn here)
    pa_buf = pa.geometry.iloc[0].buffer(1_000, quad_segs=256)
    river_buf = river.geometry.iloc[0].buffer(100, quad_segs=256)
    for g in z.geometry:
        assert g.intersection(pa_buf).area <= 1.0
        assert g.intersection(river_buf).area <= 1.0
    # ranked, explained in a glance, with the sites inside
    assert z["rank"].tolist() == [1, 2, 3]
    assert (z["n_sites"] >= 1).all()
    assert all("geology" in w or "ASM sites" in w for w in z["why_short"])
    sel = out.selection
    assert sel["method"] == "exact"
    assert sel["status"] == "optimal"
    assert sel["gap"] == 0.0
    assert sel["candidates"]["selected"].sum() == 3
    assert out.summary["n_zones"] == 3


def _brute_force(values, pairs, n_max, areas=None, area_max=None):
    bad = {tuple(sorted(p)) for p in pairs}
    best = 0.0
    n = len(values)
    for k in range(1, n_max + 1):
        for combo in itertools.combinations(range(n), k):
            if any((a, b) in bad for a, b in itertools.combinations(combo, 2)):
                continue
            if area_max is not None and sum(areas[i] for i in combo) > area_max + 1e-9:
                continue
            best = max(best, sum(values[i] for i in combo))
    return best


@pytest.mark.parametrize("spacing", [0.0, 1_234.0])
def test_exact_is_optimal_among_its_candidates(planted, spacing):
    res = planted[0]
    out = locate(res, n_zones=3, zone_area_ha=(50, 400), min_spacing_m=spacing, max_candidates=14)
    cands = out.selection["candidates"].to_crs(AEQD)
    assert 6 <= len(cands) <= 14
    geoms = cands.geometry.to_numpy()
    # conflicts recomputed from the candidates' own polygons, by shapely
    pairs = [
        (i, j)
        for i, j in itertools.combinations(range(len(geoms)), 2)
        if geoms[i].intersection(geoms[j]).area > 1e-6 or geoms[i].distance(geoms[j]) < spacing
    ]
    want = _brute_force(cands["utility"].to_numpy(), pairs, 3)
    assert out.selection["objective"] == pytest.approx(want, rel=1e-9)
    chosen = np.flatnonzero(cands["selected"].to_numpy())
    assert cands["utility"].to_numpy()[chosen].sum() == pytest.approx(want, rel=1e-9)
    assert not any((i, j) in pairs for i, j in itertools.combinations(chosen.tolist(), 2))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 9).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(0.01, 10), min_size=n, max_size=n),
            st.lists(st.floats(1, 50), min_size=n, max_size=n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=12),
            st.integers(1, n),
            st.one_of(st.none(), st.floats(1, 200)),
        )
    )
)
def test_solver_matches_brute_force(case):
    values, areas, raw_pairs, n_max, area_max = case
    pairs = np.array([(a, b) for a, b in raw_pairs if a != b], dtype=np.int64).reshape(-1, 2)
    sol = solve(values, areas, pairs, n_max=n_max, area_max=area_max)
    want = _brute_force(values, pairs.tolist(), n_max, areas, area_max)
    assert sol.objective == pytest.approx(want, rel=1e-7, abs=1e-9)
    assert sol.gap == 0.0
    # greedy never beats the optimum and reports a true bound
    g = solve(values, areas, pairs, n_max=n_max, area_max=area_max, method="greedy")
    assert g.objective <= want + 1e-9 <= g.bound + 1e-6


def test_total_area_lock_in_and_spacing(planted):
    res = planted[0]
    # an existing permit, given in another CRS, overlapping the protected area's buffer
    permit = shapely.Point(X0 + 11_000, Y0 + 28_500).buffer(600)
    lock = gpd.GeoDataFrame({"permit": ["PL-12/2020"]}, geometry=[permit], crs=UTM).to_crs(4326)
    out = locate(res, total_area_ha=1_500, zone_area_ha=(100, 500), lock_in=lock)
    z = out.zones.to_crs(UTM)
    locked = z[z["locked"]]
    assert len(locked) == 1
    assert locked["locked_feature"].iloc[0] == "PL-12/2020"
    # kept as given (only the 4326 round trip), not cut by the buffer it overlaps
    assert locked.geometry.iloc[0].symmetric_difference(permit).area < 50.0
    assert "overlap" in out.zones.loc[z["locked"], "why"].iloc[0].lower()
    # total area: the permit and the located zones together
    assert z["area_ha"].sum() <= 1_500 + 1e-6
    # the rest of the total split into zones of at most 500 ha, all of one size
    permit_ha = locked["area_ha"].iloc[0]
    assert len(z) == 1 + 3
    assert z.loc[~z["locked"], "area_ha"].max() <= (1_500 - permit_ha) / 3 + 1e-6
    free = z[~z["locked"]]
    for g in free.geometry:
        assert g.intersection(permit).area <= 1.0
    # max spacing: every pair within it
    out2 = locate(res, n_zones=2, zone_area_ha=(100, 300), max_spacing_m=10_000)
    a, b = out2.zones.to_crs(AEQD).geometry
    assert a.distance(b) <= 10_000 + 0.1


def test_unmet_request_warns_and_returns_what_fits(planted):
    res = planted[0]
    with pytest.warns(SelectionWarning, match=r"only \d+ of the 40 zones"):
        out = locate(res, n_zones=40, zone_area_ha=(100, 500), min_spacing_m=8_000)
    assert 1 <= len(out.zones) < 40
    z = out.zones.to_crs(AEQD)
    for a, b in itertools.combinations(z.geometry, 2):
        assert a.distance(b) >= 8_000 - 0.1


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n_zones": 0}, "n_zones"),
        ({"shape": "star"}, "shape"),
        ({"evaluation": "max"}, "evaluation"),
        ({"method": "fast"}, "method"),
        ({"shape_weight": 1.5}, "shape_weight"),
        ({"zone_area_ha": (500, 100)}, "zone_area_ha"),
        ({"total_area_ha": float("inf")}, "total_area_ha"),
        ({"min_spacing_m": 5_000, "max_spacing_m": 1_000}, "max_spacing_m"),
    ],
)
def test_bad_parameters_are_named(planted, kw, match):
    with pytest.raises(InvalidParameterError, match=match):
        locate(planted[0], **kw)


@pytest.mark.parametrize("shape", ["compact", "circle", "square", "ellipse"])
@pytest.mark.parametrize("evaluation", ["mean", "sum", "edge"])
def test_shapes_and_evaluations_give_zones_in_bounds(planted, shape, evaluation):
    out = locate(planted[0], n_zones=2, zone_area_ha=(50, 400), shape=shape, evaluation=evaluation)
    assert len(out.zones) == 2
    assert (out.zones["area_ha"] <= 400 + 1e-6).all()
    cands = out.selection["candidates"]
    assert (cands["compactness"] > 0).all()
    assert (cands["compactness"] <= 1).all()


def test_select_through_candidates_and_the_geopackage(planted, tmp_path):
    _res, sites, geology, pa, river = planted
    res = candidates(
        landscape(),
        rules=RULES,
        sites=sites,
        geology=geology,
        protected=pa,
        rivers=river,
        resolution_m=100,
        crs=4326,
        select={"n_zones": 3, "zone_area_ha": (100, 600)},
    )
    assert len(res.zones) == 3
    assert res.crs.to_epsg() == 4326
    other = shapely.union_all(res.other_suitable.to_crs(UTM).geometry.to_numpy())
    zones = res.zones.to_crs(UTM)
    for g in zones.geometry:
        assert g.intersection(other).area <= 1.0
    # the zones and the other suitable land together: all the land that passed the rules
    all_land = shapely.union_all(_res.zones.to_crs(UTM).geometry.to_numpy())
    got = shapely.union_all([*zones.geometry, other])
    assert got.symmetric_difference(all_land).area / all_land.area < 0.02
    path = tmp_path / "z.gpkg"
    res.to_gpkg(path)
    layers = [name for name, _ in pyogrio.list_layers(path)]
    zoning = ["zones", "other_suitable", "exclusions", "conflicts", "candidate_regions"]
    assert layers[: len(zoning)] == zoning
    # then what the card's map draws around them, for QGIS (landprofile.qgis.layers)
    assert {"boundary", "context_countries", "layer_styles"} <= set(layers[len(zoning) :])
    back = gpd.read_file(path, layer="zones")
    assert len(back) == 3
    assert "why_short" in back.columns


def test_the_summary_says_how_much_passed_and_warns():
    ls = landscape(20_000)
    pa = gpd.GeoDataFrame(geometry=[Point(X0 + 10_000, Y0 + 10_000).buffer(2_000)], crs=UTM)
    rules = '[exclude.protected]\nlayer = "protected"\nbuffer_m = 1000.0\n'
    with pytest.warns(RulesWarning, match="do not discriminate"):
        res = candidates(ls, rules=rules, protected=pa, resolution_m=100)
    s = res.summary
    # oracle: the landscape minus the true 1 km buffer of the disc, in true distances
    # (AEQD) and true areas (the landscape's own, by pyproj.Geod)
    disc = pa.segmentize(20).to_crs(AEQD).geometry.iloc[0].buffer(1_000, quad_segs=512)
    square = gpd.GeoSeries([ls.geometry], crs=UTM).segmentize(20).to_crs(AEQD).iloc[0]
    excluded = disc.intersection(square).area / 1e4
    # buffers are drawn up to 0.03 % of buffer_m outside the true one (never inside)
    margin_ha = 1_000 * (1 / np.cos(np.pi / 128) - 1) * disc.length / 1e4
    want = ls.area_ha - excluded
    assert want - margin_ha - 0.01 <= s["allowed_ha"] <= want + 0.01
    assert s["suitable_share_of_allowed"] == pytest.approx(1.0, abs=0.01)
    assert s["suitable_share"] == pytest.approx(s["suitable_ha"] / ls.area_ha, rel=1e-6)


@pytest.mark.shared_data
def test_real_earth_genome_detections_give_a_short_list_on_mining(shared_data):
    ghana = shared_data / "ghana"
    asm = gpd.read_file(ghana / "asm_mining_ghana_2024_earthgenome.geojson")
    rivers = gpd.read_file(ghana / "rivers_ne10m_ghana.geojson")
    area = box(615_000, 655_000, 655_000, 705_000)  # the densest 40 x 50 km of detections
    ls = lp.Landscape(
        name="Earth Genome window",
        geometry=area,
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )
    rules = """
[zones]
min_area_ha = 25.0
max_area_ha = 1000.0
min_score = 0.4
[exclude.rivers]
layer = "rivers"
buffer_m = 100.0
[favour.existing_sites]
layer = "sites"
weight = 1.0
decay_m = 5000.0
"""
    res = candidates(ls, rules=rules, sites=asm, rivers=rivers, resolution_m=100)
    assert res.summary["suitable_share_of_allowed"] > 0.5  # a tiling, before locate
    out = locate(res, n_zones=5, min_spacing_m=1_000)
    z = out.zones.to_crs(UTM)
    assert len(z) == 5
    assert z["area_ha"].sum() < 0.05 * area.area / 1e4  # a short list, not a tiling
    # every zone on mining (oracle: a geopandas spatial join of the detections)
    mines = asm.to_crs(UTM)
    hits = gpd.sjoin(z[["zone_id", "geometry"]], mines, predicate="intersects")
    assert set(hits["zone_id"]) == set(z["zone_id"])
    assert (z["n_sites"] > 0).all()


def test_the_notebook_summary_says_what_passed_and_what_was_located(planted):
    res = planted[0]
    s = res.summary
    before = res._repr_html_()
    assert f"{100 * s['suitable_share_of_allowed']:.1f} % of the land no rule excludes" in before
    assert "lp.zoning.locate(res)" in before
    out = locate(res, n_zones=3, zone_area_ha=(100, 600))
    after = out._repr_html_()
    assert "3 zones located among" in after
    assert out.zones["zone_id"].iloc[0] in after
    # the short why is there, escaped like every text
    assert out.zones["why_short"].iloc[0].replace("'", "&#39;") in after


def test_config_select_section_is_checked(tmp_path, sample_dir):
    import shutil

    from landprofile.config import ConfigError, load_config
    from landprofile.pipeline import select_options

    for f in sample_dir.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    text = (sample_dir / "demo.toml").read_text()
    (tmp_path / "a.toml").write_text(text.replace("n_zones = 10", "n_zones = 4"))
    opts = select_options(load_config(tmp_path / "a.toml"), min_spacing_m=None, method="greedy")
    assert opts["n_zones"] == 4
    assert opts["zone_area_ha"] == (50, 1000)
    assert opts["method"] == "greedy"  # the CLI's option wins
    (tmp_path / "b.toml").write_text(text.replace("n_zones = 10", 'enabled = "no"'))
    with pytest.raises(ConfigError, match=r"\[select\] enabled = 'no' must be true or false"):
        load_config(tmp_path / "b.toml")
    (tmp_path / "c.toml").write_text(text.replace("n_zones = 10", "zones = 10"))
    with pytest.raises(ConfigError, match=r"\[select\] has unknown key\(s\) \['zones'\]"):
        load_config(tmp_path / "c.toml")
    (tmp_path / "d.toml").write_text(text.replace("n_zones = 10", "enabled = false"))
    assert select_options(load_config(tmp_path / "d.toml")) is None


def test_a_zone_under_the_overlap_tolerance_is_clear_not_encroaching():
    from landprofile.zoning import default_rules
    from landprofile.zoning.explain import why, why_short

    facts = {
        "score": 0.7,
        "factors": {"geology": 1.0, "existing_sites": 0.5},
        "weights": {"geology": 0.5, "existing_sites": 0.5},
        "n_sites": 2,
        "nearest": [],
        "overlap_m2": 0.4,  # floating-point noise of the exact cut
        "violations": [],
        "nearest_rule": ("rivers", 0.0),
        "borders": ["rivers"],
        "open_concessions": [],
        "split": None,
        "merged_ha": 0.0,
        "fragments_dropped_ha": 0.0,
        "slivers": (0, 0.0),
        "too_large": False,
        "part": "1/1",
        "split_max_ha": 5000.0,
    }
    rs = default_rules()
    for lang, word in (("en", "OVERLAPS"), ("fr", "EMPIÈTE"), ("es", "INVADE")):
        assert word not in why(facts, rs, lang)
        assert word not in why_short(facts, rs, lang)
    assert "clear of every exclusion rule" in why(facts, rs, "en")
    assert "borders: River buffer" in why_short(facts, rs, "en")
    bad = {**facts, "overlap_m2": 12.5, "violations": ["rivers"]}
    assert "OVERLAPS the exclusion(s) River buffer by 12.5\u00a0m²" in why(bad, rs, "en")
    assert "OVERLAPS: River buffer" in why_short(bad, rs, "en")


def test_zone_tables_carry_the_short_explanation_as_fields(planted):
    out = locate(planted[0], n_zones=3, zone_area_ha=(100, 600))
    z = out.zones
    for col in ("why_short", "top_factors", "nearest_exclusion", "nearest_exclusion_m"):
        assert col in z.columns
    assert z.columns[-1] == "geometry"
    assert set(z["top_factors"].str.split(", ").explode()) <= {"geology", "existing_sites"}
    # the nearest exclusion's distance, against shapely in true distances: the rule's
    # land is its features buffered by buffer_m
    _res, _s, _g, pa, river = planted
    pa_l = pa.segmentize(50).to_crs(AEQD).geometry.iloc[0].buffer(1_000, quad_segs=256)
    river_l = river.segmentize(50).to_crs(AEQD).geometry.iloc[0].buffer(100, quad_segs=256)
    zl = z.to_crs(AEQD)
    for g, label, d in zip(
        zl.geometry, z["nearest_exclusion"], z["nearest_exclusion_m"], strict=True
    ):
        want = min(g.distance(pa_l), g.distance(river_l))
        assert d == pytest.approx(want, abs=2.0)  # buffers drawn up to 0.3 m outside
        assert label in ("Protected areas and buffer", "River buffer")
    fr = out.in_language("fr").zones
    assert fr["nearest_exclusion"].iloc[0] in (
        "Aires protégées et zone tampon",
        "Zone tampon des cours d'eau",
    )
