"""The geometry steps of ``zoning.candidates`` against the plain computation.

Each kernel of the zones, conflicts and reproject steps is checked against what it
replaces done the plain way: ``shapely.distance`` for every (zone, feature) pair, an
intersection with the union of every site, the overlap of each site with the union of
the buffered features, the user's site geometry itself. Small random layers
(hypothesis) for the kernels; one small landscape through ``candidates`` for the tables.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import GeometryCollection, LineString, Point, Polygon, box

import landprofile as lp
from landprofile.testing import SQUARE_CRS, SQUARE_ORIGIN, square_landscape
from landprofile.zoning._zone_geometry import sites_inside
from landprofile.zoning._zones_clip import near_part
from landprofile.zoning._zones_nearest import nearest
from landprofile.zoning.conflicts import _overlaps
from landprofile.zoning.identity import feature_labels

X0, Y0 = SQUARE_ORIGIN

coord = st.floats(0, 1000, allow_nan=False, width=32)


@st.composite
def zone(draw) -> shapely.Geometry:
    """A zone: 1-3 boxes on a 10 m lattice (like cells), maybe with a square hole."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        x, y = draw(st.integers(0, 80)) * 10, draw(st.integers(0, 80)) * 10
        w, h = draw(st.integers(2, 30)) * 10, draw(st.integers(2, 30)) * 10
        parts.append(box(x, y, x + w, y + h))
    g = shapely.union_all(parts)
    if draw(st.booleans()):
        c = g.centroid
        g = g.difference(box(c.x - 15, c.y - 15, c.x + 15, c.y + 15))
    return g


@st.composite
def feature(draw) -> shapely.Geometry:
    """A point, a two-vertex line or a small box, anywhere near the zones; or degenerate."""
    kind = draw(st.sampled_from(["point", "line", "box", "dot", "collection"]))
    x, y = draw(coord), draw(coord)
    if kind == "point":
        return Point(x, y)
    if kind == "dot":  # a zero-length line, which the index's prepared tests miss
        return LineString([(x, y), (x, y)])
    if kind == "collection":
        return GeometryCollection([Point(draw(coord), draw(coord)), LineString([(x, y), (x, y)])])
    if kind == "line":
        return LineString([(x, y), (draw(coord), draw(coord))])
    return box(x, y, x + draw(st.floats(1, 80)), y + draw(st.floats(1, 80)))


def _gdf(geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=list(geoms), crs=SQUARE_CRS)


@settings(max_examples=60, deadline=None)
@given(
    zones=st.lists(zone(), min_size=1, max_size=6),
    feats=st.lists(feature(), min_size=1, max_size=25),
    data=st.data(),
)
def test_nearest_is_the_brute_force_minimum(zones, feats, data):
    zs = np.array(zones, dtype=object)
    rows = np.array(
        sorted(data.draw(st.sets(st.integers(0, len(feats) - 1), min_size=1))), dtype=np.int64
    )
    for use in (None, rows):
        d, j = nearest(zs, _gdf(feats), use)
        idx = np.arange(len(feats)) if use is None else use
        fs = np.array(feats, dtype=object)[idx]
        every = shapely.distance(zs[:, None], fs[None, :])  # the plain way: every pair
        least = every.min(axis=1)
        np.testing.assert_allclose(d, least, rtol=0, atol=1e-9)  # NaN for an empty zone
        for i in range(len(zs)):
            if zs[i].is_empty:  # near nothing
                assert np.isnan(d[i])
                assert j[i] == -1
                continue
            # the feature named is at that distance, the first listed among the equal
            at = idx[np.flatnonzero(every[i] == every[i].min())]
            if least[i] == 0:
                at = idx[np.flatnonzero(shapely.intersects(zs[i], fs))]
            assert j[i] == at.min()


def test_nearest_without_features_or_zones():
    zs = np.array([box(0, 0, 10, 10), Polygon()], dtype=object)
    d, j = nearest(zs, _gdf([Point(20, 5)]))
    assert d[0] == pytest.approx(10.0, abs=1e-12)
    assert j[0] == 0
    assert np.isnan(d[1])
    assert j[1] == -1
    d, j = nearest(zs, _gdf([Point()]))  # every feature empty
    assert np.isnan(d).all()
    assert (j == -1).all()
    d, j = nearest(zs, None)
    assert np.isnan(d).all()
    assert (j == -1).all()


@st.composite
def site(draw) -> shapely.Geometry:
    """A site: a circle of 5-60 m, or a point."""
    p = Point(draw(coord), draw(coord))
    return p if draw(st.integers(0, 4)) == 0 else p.buffer(draw(st.floats(5, 60)), 8)


@settings(max_examples=60, deadline=None)
@given(zones=st.lists(zone(), min_size=1, max_size=5), sites=st.lists(site(), max_size=30))
def test_sites_inside_is_the_plain_overlay(zones, sites):
    zs = np.array(zones, dtype=object)
    n, ha = sites_inside(zs, _gdf(sites) if sites else None)
    sg = np.array(sites, dtype=object)
    for i, z in enumerate(zs):
        meet = sg[shapely.intersects(z, sg)] if len(sg) else sg
        assert n[i] == len(meet)
        polys = [g for g in meet if g.geom_type == "Polygon"]
        want = shapely.intersection(z, shapely.union_all(polys)).area / 1e4 if polys else 0.0
        assert ha[i] == pytest.approx(want, rel=1e-9, abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(large=zone(), small=st.lists(site(), min_size=1, max_size=8))
def test_near_part_gives_the_same_intersection(large, small):
    sm = np.array([g if g.geom_type == "Polygon" else g.buffer(3) for g in small], dtype=object)
    lg = np.full(len(sm), large, dtype=object)
    near = near_part(lg, sm)
    assert shapely.is_valid(near).all()
    plain = shapely.intersection(sm, lg)
    fast = shapely.intersection(sm, near)
    gap = shapely.area(shapely.symmetric_difference(plain, fast))
    assert (gap <= 1e-9 * np.maximum(shapely.area(plain), 1.0)).all()


def test_near_part_keeps_the_whole_geometry_where_the_clip_is_invalid():
    # a hole touching its shell at a vertex: a valid polygon whose clip can join the
    # two rings into one self-touching ring
    shell = [(0, 0), (100, 0), (100, 100), (0, 100)]
    hole = [(0, 50), (40, 30), (40, 70)]
    large = Polygon(shell, [hole])
    assert large.is_valid
    sm = np.array([box(-5, 20, 30, 80), box(60, 60, 70, 70)], dtype=object)
    # the first box's clip (1 m wider) is such a ring: the case the fallback is for
    assert not shapely.clip_by_rect(large, -6, 19, 31, 81).is_valid
    near = near_part(np.full(2, large, dtype=object), sm)
    assert shapely.is_valid(near).all()
    gap = shapely.area(
        shapely.symmetric_difference(
            shapely.intersection(sm, large), shapely.intersection(sm, near)
        )
    )
    assert (gap <= 1e-9).all()


@settings(max_examples=60, deadline=None)
@given(
    sites=st.lists(site(), min_size=1, max_size=6),
    areas=st.lists(zone(), min_size=1, max_size=6),
    data=st.data(),
)
def test_overlaps_are_the_site_in_the_union_of_its_areas(sites, areas, data):
    # groups of (site, area) pairs, as conflicts_table makes them: one group per site
    si, aj = [], []
    for s in range(len(sites)):
        for a in sorted(data.draw(st.sets(st.integers(0, len(areas) - 1), min_size=1))):
            si.append(s)
            aj.append(a)
    si, aj = np.array(si), np.array(aj)
    sg, ag = np.array(sites, dtype=object), np.array(areas, dtype=object)
    starts = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
    ends = np.r_[starts[1:], len(si)]
    got = _overlaps(sg[si], ag[aj].copy(), starts, ends)
    for g, (a, b) in enumerate(zip(starts, ends, strict=True)):
        s = sg[si[a]]
        want = 0.0 if s.geom_type != "Polygon" else s.intersection(shapely.union_all(ag[aj[a:b]]))
        assert got[g] == pytest.approx(getattr(want, "area", 0.0) / 1e4, rel=1e-9, abs=1e-13)


@pytest.fixture(scope="module")
def small_run():
    """A 2 km square with a river, a protected area, concessions and 40 sites."""
    rng = np.random.default_rng(7)
    river = gpd.GeoDataFrame(
        geometry=[LineString([(X0 + 900, Y0), (X0 + 1100, Y0 + 2000)])], crs=SQUARE_CRS
    )
    protected = gpd.GeoDataFrame(
        {"name": ["PA"]}, geometry=[Point(X0 + 1900, Y0 + 1900).buffer(150)], crs=SQUARE_CRS
    )
    conc = gpd.GeoDataFrame(
        {"type": ["large-scale", "artisanal", "exploration"], "status": "active"},
        geometry=[
            box(X0 + 100, Y0 + 100, X0 + 500, Y0 + 450),
            box(X0 + 1300, Y0 + 200, X0 + 1800, Y0 + 700),
            box(X0 + 200, Y0 + 1300, X0 + 600, Y0 + 1500),
        ],
        crs=SQUARE_CRS,
    )
    xy = rng.uniform(50, 1950, (40, 2))
    sites = gpd.GeoDataFrame(
        {"site_id": [f"S{i}" for i in range(40)]},
        geometry=[
            Point(X0 + x, Y0 + y).buffer(r, 8)
            for (x, y), r in zip(xy, rng.uniform(10, 60, 40), strict=True)
        ],
        crs=SQUARE_CRS,
    )
    ls = square_landscape(2000)
    kw = dict(sites=sites, rivers=river, protected=protected, concessions=conc, resolution_m=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = lp.zoning.candidates(ls, **kw)
        res_ll = lp.zoning.candidates(ls, crs="EPSG:4326", **kw)
    return res, res_ll, sites, conc


def test_conflicts_are_the_plain_distances_and_overlaps(small_run):
    res, _, sites, _ = small_run
    ctx = res.context
    grid_sites = ctx.layers["sites"].geometry.to_numpy()
    conf = res.conflicts
    assert len(conf)
    seen = set()
    for name, rows in ctx.cons.rows.items():
        rule = res.rules.exclude[name]
        buf = float(rule.get("buffer_m", 0.0))
        raw = ctx.layers[rule["layer"]].geometry.to_numpy()[rows]
        shapes = ctx.cons.shapes[name]
        for s, g in enumerate(grid_sites):
            dist = shapely.distance(g, raw)
            hit = (
                np.flatnonzero(dist <= buf)
                if buf > 0
                else np.flatnonzero(shapely.intersects(g, raw))
            )
            row = conf[(conf["site_id"] == f"S{s}") & (conf["rule"] == name)]
            assert len(row) == (1 if len(hit) else 0), (s, name)
            if not len(hit):
                continue
            seen.add((s, name))
            r = row.iloc[0]
            assert r["n_features"] == len(hit)
            assert r["dist_m"] == pytest.approx(dist[hit].min(), abs=1e-9)
            want = g.intersection(shapely.union_all(shapes[hit])).area / 1e4
            assert r["overlap_ha"] == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert len(seen) == len(conf)
    # each row's geometry is the user's own site (same CRS: not projected at all)
    for _, r in conf.iterrows():
        user = sites.geometry.iloc[int(r["site_id"][1:])]
        assert shapely.equals_exact(r.geometry, user, tolerance=0)


def test_conflicts_in_another_crs_are_the_user_sites_projected(small_run):
    res, res_ll, sites, _ = small_run
    assert len(res_ll.conflicts) == len(res.conflicts)
    tr = Transformer.from_crs(SQUARE_CRS, "EPSG:4326", always_xy=True)
    for _, r in res_ll.conflicts.iterrows():
        user = np.asarray(sites.geometry.iloc[int(r["site_id"][1:])].exterior.coords)
        lon, lat = tr.transform(user[:, 0], user[:, 1])
        got = np.asarray(r.geometry.exterior.coords)
        np.testing.assert_allclose(got, np.column_stack([lon, lat]), rtol=0, atol=1e-10)


def test_zone_facts_are_the_plain_overlay(small_run):
    res, _, _, conc = small_run
    ctx = res.context
    zg = ctx.suitable_geoms_grid
    assert len(zg) >= 2
    sites = ctx.layers["sites"].geometry.to_numpy()
    river = ctx.layers["rivers"].geometry.to_numpy()
    cg = ctx.layers["concessions"].geometry.to_numpy()
    open_label = feature_labels(ctx.layers["concessions"], "concession")[1]
    assert sum(shapely.area(shapely.intersection(zg, cg[1])) > 1.0) >= 1  # the case is met
    for pos, z in enumerate(zg):
        row, fact = res.zones.iloc[pos], res.facts[pos]
        meet = shapely.intersects(z, sites)
        assert row["n_sites"] == meet.sum()
        want = z.intersection(shapely.union_all(sites[meet])).area / 1e4 if meet.any() else 0.0
        assert row["sites_ha"] == pytest.approx(want, rel=1e-9, abs=1e-12)
        assert row["dist_river_m"] == pytest.approx(shapely.distance(z, river).min(), abs=1e-9)
        assert row["dist_concession_m"] == pytest.approx(shapely.distance(z, cg).min(), abs=1e-9)
        # the open concession (artisanal) is named where the zone shares > 1 m² with it
        shared = shapely.area(shapely.intersection(z, cg[1]))
        assert (shared > 1.0) == (open_label in fact["open_concessions"])
        assert len(fact["open_concessions"]) == (shared > 1.0)
    # the final zones, in the user's CRS, keep off the excluded concessions (<= 1 m²)
    shut = conc.geometry.to_numpy()[[0, 2]]
    for z in res.zones.geometry:
        assert shapely.area(shapely.intersection(z, shapely.union_all(shut))) <= 1.0
