"""Zoning against layouts built in code with known answers, and on real Ghana layers."""

from __future__ import annotations

import itertools
import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS
from shapely.geometry import LineString, Point, box

import landprofile as lp
from landprofile.errors import ScaleWarning
from landprofile.testing import write_geotiff
from landprofile.zoning import RulesError, candidates, load_rules, sensitivity

LAEA = CRS.from_proj4("+proj=laea +lat_0=5.5 +lon_0=-2 +datum=WGS84 +units=m")

ONLY_EXCLUSIONS = """
name = "test exclusions"
[zones]
min_area_ha = 0.0
min_score = 0.0
[exclude.concessions]
layer = "concessions"
buffer_m = 0.0
open_types = ["artisanal"]
[exclude.protected]
layer = "protected"
buffer_m = 1000.0
[exclude.rivers]
layer = "rivers"
buffer_m = 100.0
"""


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        yield


@pytest.fixture
def layout():
    ls = lp.Landscape(
        name="square",
        geometry=box(-10_000, -10_000, 10_000, 10_000),
        crs=LAEA,
        provenance=lp.Provenance(method="custom", source="test"),
    )
    conc = gpd.GeoDataFrame(
        {"type": ["large-scale exploitation", "artisanal"]},
        geometry=[box(2_000, 2_000, 6_000, 6_000), box(-9_000, 6_000, -6_000, 9_000)],
        crs=LAEA,
    )
    pa = gpd.GeoDataFrame(
        {"name": ["forest reserve"]},
        geometry=[Point(-5_000, -5_000).buffer(2_000, quad_segs=256)],
        crs=LAEA,
    )
    river = gpd.GeoDataFrame(geometry=[LineString([(-10_000, 0), (10_000, 500)])], crs=LAEA)
    return ls, conc, pa, river


def oracle_union_ha(layout, crs):
    ls, conc, pa, river = layout
    parts = [
        conc.geometry.iloc[0],
        pa.geometry.iloc[0].buffer(1_000, quad_segs=256),
        river.geometry.iloc[0].buffer(100, quad_segs=256),
    ]
    union = shapely.union_all(parts).intersection(ls.geometry)
    g = gpd.GeoSeries([union, ls.geometry], crs=LAEA).to_crs(crs)
    return g.iloc[0].area / 1e4, g.iloc[0].boundary.length


def test_excluded_area_is_the_exact_union(layout):
    ls, conc, pa, river = layout
    told: list[tuple[str, float | None]] = []
    res = candidates(
        ls,
        rules=ONLY_EXCLUSIONS,
        concessions=conc,
        protected=pa,
        rivers=river,
        resolution_m=30,
        progress=lambda *a: told.append(a),
    )
    # each step starts, then ends with its time, before the next starts
    started = [s for s, t in told[0::2]]
    assert all(t is None for _, t in told[0::2])
    assert [s for s, _ in told[1::2]] == started
    assert started[0] == "grid_and_layers"
    assert started[-1] == "reproject"
    assert {"exclusions", "regions", "zones", "conflicts"} <= set(started)
    assert dict(told[1::2]) == res.timings
    exact_ha, _ = oracle_union_ha(layout, LAEA)
    # vector exclusions are exact: only the buffers' polygonal arcs differ from the
    # oracle's (both within 0.03 % of the buffer distance)
    assert res.summary["excluded_ha"] == pytest.approx(exact_ha, rel=2e-4)
    assert set(res.exclusions.rule) == {"concessions", "protected", "rivers"}
    by_rule = res.exclusions.set_index("rule").area_ha
    assert by_rule["concessions"] == pytest.approx(16e6 / 1e4, rel=1e-9)  # the 4 km square
    assert by_rule["protected"] == pytest.approx(math.pi * 3000**2 / 1e4, rel=1e-3)
    # the results come back in the landscape's CRS
    assert res.exclusions.crs == LAEA
    assert res.zones.crs == LAEA


def test_conflicts_are_exactly_the_sites_placed_in_constraints(layout):
    ls, conc, pa, river = layout
    sites = gpd.GeoDataFrame(
        {
            "site": ["in-concession", "in-park", "park-buffer", "on-river", "free", "open-conc"],
            "miners": [40, 12, 7, 25, 3, 9],
        },
        geometry=[
            Point(4_000, 4_000).buffer(50),
            Point(-5_000, -5_000),
            Point(-5_000, -7_500),
            Point(0, 280),
            Point(8_000, -8_000),
            Point(-7_000, 7_000),
        ],
        crs=LAEA,
    )
    res = candidates(
        ls,
        rules=ONLY_EXCLUSIONS,
        concessions=conc,
        protected=pa,
        rivers=river,
        sites=sites,
        site_id_field="site",
    )
    got = {(r.site, r.conflict) for r in res.conflicts.itertuples()}
    assert got == {
        ("in-concession", "concession"),
        ("in-park", "protected_area"),
        ("park-buffer", "protected_area_buffer"),
        ("on-river", "river_buffer"),
    }
    # the site's own attributes come along
    c = res.conflicts.set_index("site")
    assert c.loc["in-concession", "miners"] == 40
    assert c.loc["park-buffer", "feature"] == "forest reserve"
    # overlap: the site polygon lies wholly inside the concession
    assert c.loc["in-concession", "overlap_ha"] == pytest.approx(
        sites.geometry.iloc[0].area / 1e4, rel=1e-9
    )
    # distances: oracle shapely distances to the unbuffered features
    assert c.loc["park-buffer", "dist_m"] == pytest.approx(500, abs=0.01)
    assert c.loc["on-river", "dist_m"] == pytest.approx(
        sites.geometry.iloc[3].distance(river.geometry.iloc[0]), abs=1e-6
    )
    assert res.summary["n_sites_in_conflict"] == 4
    assert res.summary["site_id_field"] == "site"


def test_factor_gradient_best_zone_is_known(layout):
    ls, *_ = layout
    strips = gpd.GeoDataFrame(
        {"score": [0.2, 0.5, 0.9]},
        geometry=[
            box(-10_000, -10_000, -4_000, 10_000),
            box(-3_000, -10_000, 3_000, 10_000),
            box(4_000, -10_000, 10_000, 10_000),
        ],
        crs=LAEA,
    )
    rules = """
[zones]
min_area_ha = 100.0
min_score = 0.1
[favour.geology]
layer = "geology"
weight = 1.0
score_field = "score"
default = 0.0
"""
    res = candidates(ls, rules=rules, geology=strips, resolution_m=50)
    z = res.zones
    assert list(z["rank"]) == [1, 2, 3]
    best = z.iloc[0]
    assert best.score == pytest.approx(0.9)
    assert best.geometry.centroid.x > 4_000
    assert best.area_ha == pytest.approx(6_000 * 20_000 / 1e4, rel=0.01)
    assert "deposit likelihood 0.90" in best.why


def test_land_cover_and_slope_exclusions(tmp_path, layout):
    ls, *_ = layout
    t = Affine(100, 0, -10_000, 0, -100, 10_000)
    lc = np.full((200, 200), 30, np.uint8)  # grassland
    lc[:, :100] = 40  # cropland on the west half
    write_geotiff(tmp_path / "lc.tif", lc, t, LAEA)
    dem = np.zeros((200, 200), np.float32)
    dem[:100, 100:] = np.arange(100)[None, :] * 50.0  # NE quarter: 50 m per 100 m = 26.6 deg
    write_geotiff(tmp_path / "dem.tif", dem, t, LAEA)
    rules = """
[zones]
min_area_ha = 0.0
min_score = 0.0
[exclude.land_cover]
layer = "land_cover"
groups = ["cropland"]
[exclude.slope]
layer = "dem"
max_slope_deg = 20.0
"""
    res = candidates(
        ls,
        rules=rules,
        land_cover=tmp_path / "lc.tif",
        dem=tmp_path / "dem.tif",
        legend="esa_worldcover_v200",
        resolution_m=100,
    )
    assert len(res.zones) == 1
    z = res.zones.geometry.iloc[0]
    # only the south-east quarter is left (to within one row and one column of cells:
    # the grid is not aligned with the rasters' cells)
    assert z.area / 1e4 == pytest.approx(10_000, abs=2 * 100 * 1.0 + 1)
    assert z.centroid.x > 0
    assert z.centroid.y < 0


def test_rules_validation_errors():
    with pytest.raises(RulesError, match=r"\[exclude.x\] layer 'mines' is unknown"):
        load_rules('[exclude.x]\nlayer = "mines"\n')
    with pytest.raises(RulesError, match=r"\[exclude.x\] buffer_m must be >= 0"):
        load_rules('[exclude.x]\nlayer = "rivers"\nbuffer_m = -5\n')
    with pytest.raises(RulesError, match=r"\[favour.y\] weight must be in \[0, 1\], got 1.5"):
        load_rules('[favour.y]\nlayer = "sites"\nweight = 1.5\n')
    with pytest.raises(RulesError, match=r"\[exclude.x\] has unknown key\(s\) \['bufer_m'\]"):
        load_rules('[exclude.x]\nlayer = "rivers"\nbufer_m = 5\n')
    with pytest.raises(RulesError, match=r"rule exclude.a conflicts with rule favour.b.*wins"):
        load_rules('[exclude.a]\nlayer = "sites"\n[favour.b]\nlayer = "sites"\nweight = 0.5\n')
    ok = load_rules(
        '[exclude.a]\nlayer = "sites"\nwins = "exclude"\n'
        '[favour.b]\nlayer = "sites"\nweight = 0.5\n'
    )
    assert ok.exclude["a"]["wins"] == "exclude"
    with pytest.raises(RulesError, match="requires layer 'rivers'"):
        candidates(
            lp.Landscape(
                name="s",
                geometry=box(0, 0, 1000, 1000),
                crs=LAEA,
                provenance=lp.Provenance(method="custom", source="t"),
            ),
            rules='[exclude.r]\nlayer = "rivers"\nrequired = true\n',
        )


def test_default_rules_every_number_is_commented():
    from importlib import resources

    text = resources.files("landprofile").joinpath("data/rules/default_igf.toml").read_text()
    # every table holding a number carries a comment (its source, or that it stands in
    # for local regulation) inside it or right above its header
    blocks = text.split("\n[")
    for prev, block in itertools.pairwise(blocks):
        body = [ln for ln in block.splitlines()[1:] if "=" in ln and not ln.startswith("#")]
        numeric = [ln for ln in body if any(ch.isdigit() for ch in ln.split("=", 1)[1])]
        above = prev.rstrip().splitlines()[-1:] if prev.strip() else []
        commented = any(ln.lstrip().startswith("#") for ln in block.splitlines()) or any(
            ln.startswith("#") for ln in above
        )
        assert not numeric or commented, f"[{block.splitlines()[0]} has uncommented numbers"


def test_deterministic_gpkg_and_sensitivity(tmp_path, layout):
    ls, conc, pa, river = layout
    strips = gpd.GeoDataFrame(
        {"score": [0.3, 0.6, 0.9]},
        geometry=[
            box(-10_000, -10_000, -4_000, 10_000),
            box(-3_000, -10_000, 3_000, 10_000),
            box(4_000, -10_000, 10_000, 10_000),
        ],
        crs=LAEA,
    )
    sites = gpd.GeoDataFrame(geometry=[Point(8_000, -8_000), Point(0, -8_000)], crs=LAEA)
    kw = {
        "concessions": conc,
        "protected": pa,
        "rivers": river,
        "geology": strips,
        "sites": sites,
        "resolution_m": 60,
    }
    a = candidates(ls, **kw)
    b = candidates(ls, **kw)
    # the same name in two folders: the QGIS project inside names its own file
    for sub, res in (("a", a), ("b", b)):
        (tmp_path / sub).mkdir()
        res.to_gpkg(tmp_path / sub / "z.gpkg")
    assert (tmp_path / "a" / "z.gpkg").read_bytes() == (tmp_path / "b" / "z.gpkg").read_bytes()
    back = gpd.read_file(tmp_path / "a" / "z.gpkg", layer="zones")
    assert len(back) == len(a.zones)
    import sqlite3

    import pyogrio

    # the styles and the project are among the same bytes
    con = sqlite3.connect(tmp_path / "a" / "z.gpkg")
    assert con.execute("SELECT count(*) FROM layer_styles").fetchone()[0] >= 5
    assert con.execute("SELECT count(*) FROM qgis_projects").fetchone()[0] == 1
    con.close()
    meta = pyogrio.read_info(tmp_path / "a" / "z.gpkg", layer="zones")["dataset_metadata"]
    assert "IGF default" in meta["landprofile_rules"]
    sens = sensitivity(a, draws=50, top_k=1)
    assert list(sens.zone_id) == list(a.zones.zone_id)
    assert sens.share_top_k.between(0, 1).all()
    assert (sens.min_rank <= sens["rank"]).all()
    assert (sens.max_rank >= sens["rank"]).all()
