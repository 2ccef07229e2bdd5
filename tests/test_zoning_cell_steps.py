"""The cell steps of zoning made faster give the same cells, scores, regions and unions.

Oracles, none of them the new code: rasterio fed the shapely objects themselves (the
path the fast conversion replaces) and hand-drawn rasters; ``scipy.ndimage.
distance_transform_edt`` and brute force for distances, and ``np.minimum`` of one
transform per layer (what the union's transform replaces); the factor arithmetic and the
bisection of regions as they were written before (kept below as small references);
``shapely.union_all`` / ``shapely.intersection`` for the grouped unions and clips.
"""

from __future__ import annotations

import gc
import math

import edt
import geopandas as gpd
import numpy as np
import pytest
import rasterio.features
import shapely
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS
from scipy import ndimage
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from landprofile.zoning import _cells_shapes, regions, suitability
from landprofile.zoning._cells_shapes import rasterize_fast
from landprofile.zoning._cells_union import clip_union, union_grouped
from landprofile.zoning.constraints import buffer_out, build_constraints
from landprofile.zoning.grid import AnalysisGrid, burn, distance_m
from landprofile.zoning.rules import load_rules

CRS_ = CRS.from_epsg(32630)
RES = 30.0


def _grid(h: int, w: int, x0: float = 600_000.0, y1: float = 700_000.0) -> AnalysisGrid:
    t = Affine(RES, 0, x0, 0, -RES, y1)
    inside = np.ones((h, w), dtype=bool)
    return AnalysisGrid(CRS_, t, w, h, RES, inside, box(x0, y1 - h * RES, x0 + w * RES, y1))


def _rasterio(geoms, grid, *, all_touched=False, values=None):
    geoms = list(geoms)
    vals = [1] * len(geoms) if values is None else list(values)
    pairs = [(g, v) for g, v in zip(geoms, vals, strict=True) if g is not None and not g.is_empty]
    out = np.zeros((grid.height, grid.width), dtype=np.float32 if values is not None else "uint8")
    if pairs:
        rasterio.features.rasterize(
            pairs, out=out, transform=grid.transform, all_touched=all_touched
        )
    return out


def _random_geoms(rng: np.random.Generator, grid: AnalysisGrid, n: int) -> list:
    x0, y1 = grid.transform.c, grid.transform.f
    wx, hy = grid.width * RES, grid.height * RES
    out: list = []
    for _ in range(n):
        x, y = x0 + rng.uniform(0, wx), y1 - rng.uniform(0, hy)
        kind = rng.integers(0, 7)
        r = rng.uniform(5, 6 * RES)
        if kind == 0:
            out.append(Point(x, y))
        elif kind == 1:
            out.append(LineString([(x, y), (x + rng.uniform(-wx, wx) / 3, y + r)]))
        elif kind == 2:
            out.append(Point(x, y).buffer(r, quad_segs=int(rng.integers(1, 9))))
        elif kind == 3:  # a polygon with a hole
            out.append(Point(x, y).buffer(r).difference(Point(x, y).buffer(r / 3)))
        elif kind == 4:
            out.append(MultiPolygon([box(x, y, x + r, y + r), box(x + 2 * r, y, x + 3 * r, y + r)]))
        elif kind == 5:
            out.append(
                GeometryCollection(
                    [Point(x, y), LineString([(x, y), (x + r, y - r)]), box(x, y, x + r, y + r)]
                )
            )
        else:
            out.append(None if rng.random() < 0.5 else Polygon())
    return out


# ---------------------------------------------------------------- rasterising


def test_hand_drawn_raster() -> None:
    """A box over the centres of cells (row 1, cols 1-2) and a point in cell (0, 3)."""
    g = _grid(3, 4)
    x0, y1 = g.transform.c, g.transform.f
    shapes = [
        box(x0 + 20, y1 - 50, x0 + 80, y1 - 40),  # covers centres (45, 75) of row 1's cells 1, 2
        Point(x0 + 100, y1 - 10),
    ]
    got = burn(shapes, g, all_touched=True).astype(int)
    # touched: row 1's cells 0-2 (x 20-80 m) and the point's cell (0, 3)
    want = np.array([[0, 0, 0, 1], [1, 1, 1, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(got, want)
    got = burn(shapes[:1], g).astype(int)
    np.testing.assert_array_equal(got, [[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]])


@pytest.mark.parametrize("chunk", [7, 500_000])
@pytest.mark.parametrize("all_touched", [False, True])
def test_fast_burn_equals_rasterio_on_shapely(monkeypatch, chunk, all_touched) -> None:
    monkeypatch.setattr(_cells_shapes, "CHUNK_VERTICES", chunk)
    g = _grid(60, 70)
    rng = np.random.default_rng(chunk + all_touched)
    for _ in range(6):
        geoms = _random_geoms(rng, g, 40)
        want = _rasterio(geoms, g, all_touched=all_touched).astype(bool)
        got = burn(geoms, g, all_touched=all_touched)
        assert got.dtype == bool
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("chunk", [5, 500_000])
def test_fast_burn_later_shapes_win(monkeypatch, chunk) -> None:
    """Values burnt in order, the later one winning where shapes overlap (geology)."""
    monkeypatch.setattr(_cells_shapes, "CHUNK_VERTICES", chunk)
    g = _grid(40, 40)
    rng = np.random.default_rng(3)
    geoms = [
        p for p in _random_geoms(rng, g, 60) if p is not None and p.geom_type.endswith("Polygon")
    ]
    values = rng.uniform(0, 1, len(geoms)).astype(np.float32)
    want = _rasterio(geoms, g, values=values)
    got = np.zeros((g.height, g.width), dtype=np.float32)
    rasterize_fast(geoms, got, g.transform, values=values)
    np.testing.assert_array_equal(got, want)


def test_geology_scores_burnt_as_rasterio_does() -> None:
    """Geology polygons: higher scores win where they overlap, the default elsewhere."""
    g = _grid(40, 50)
    x0, y1 = g.transform.c, g.transform.f
    rng = np.random.default_rng(11)
    polys = [
        box(x, y - 400, x + 500, y)
        for x, y in zip(x0 + rng.uniform(0, 1200, 25), y1 - rng.uniform(0, 800, 25), strict=True)
    ]
    scores = rng.uniform(-0.2, 1.2, 25)
    scores[3] = np.nan  # no score: not burnt
    geo = gpd.GeoDataFrame({"score": scores}, geometry=polys, crs=CRS_)
    rule = {"layer": "geology", "default": 0.3, "score_field": "score"}
    got = suitability._geology(rule, g, {"geology": geo}, geo)
    order = [i for i in np.argsort(np.nan_to_num(scores, nan=-1.0), kind="stable") if i != 3]
    want = np.full((g.height, g.width), 0.3, dtype=np.float32)
    rasterio.features.rasterize(
        [(polys[i], float(np.clip(scores[i], 0, 1))) for i in order],
        out=want,
        transform=g.transform,
    )
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float32
    assert (got == np.float32(0.3)).any()
    assert got.max() == np.float32(1.0)


@pytest.mark.parametrize("enabled", [True, False])
def test_fast_burn_restores_the_collector(enabled) -> None:
    g = _grid(10, 10)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        burn([Point(600_100, 699_900).buffer(50)], g)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_constraint_bits_are_each_rules_cells() -> None:
    """Bit i of every cell is rule i's cells burnt by rasterio from the buffered shapes."""
    g = _grid(50, 60)
    x0, y1 = g.transform.c, g.transform.f
    rivers = gpd.GeoDataFrame(
        geometry=[LineString([(x0 + 100, y1 - 100), (x0 + 1500, y1 - 1400)])], crs=CRS_
    )
    protected = gpd.GeoDataFrame(geometry=[Point(x0 + 900, y1 - 500).buffer(300)], crs=CRS_)
    settlements = gpd.GeoDataFrame(geometry=[Point(x0 + 300, y1 - 1200)], crs=CRS_)
    rs = load_rules(None)
    layers = {"rivers": rivers, "protected": protected, "settlements": settlements}
    cons = build_constraints(rs, layers, g, None, None)
    assert cons.bits.dtype == np.uint32
    for i, name in enumerate(cons.names):
        lay = rs.exclude[name]["layer"]
        shapes = buffer_out(layers[lay].geometry.to_numpy(), float(rs.exclude[name]["buffer_m"]))
        want = _rasterio(shapes, g).astype(bool)
        assert want.any()
        np.testing.assert_array_equal((cons.bits >> np.uint32(i)) & 1 == 1, want)
        np.testing.assert_array_equal(cons.mask(name), want)


# ---------------------------------------------------------------- distances and factors


def test_distance_brute_force_tiny() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        m = rng.random((9, 11)) < 0.08
        if not m.any():
            continue
        fr, fc = np.nonzero(m)
        rr, cc = np.mgrid[0:9, 0:11]
        brute = np.sqrt(((rr[..., None] - fr) ** 2 + (cc[..., None] - fc) ** 2).min(axis=-1)) * RES
        np.testing.assert_allclose(distance_m(m, RES), brute, rtol=1e-6, atol=1e-4)


def test_distance_to_union_is_the_least_distance() -> None:
    """One transform of the union: the float32 values of np.minimum of the separate ones."""
    rng = np.random.default_rng(1)
    for t in range(60):
        h, w = rng.integers(5, 160, 2)
        ms = [rng.random((h, w)) < rng.choice([0.001, 0.01, 0.1]) for _ in range(3)]
        ms = [m for m in ms if m.any()]
        if len(ms) < 2:
            continue
        res = float(rng.choice([30.0, 10.0, 12.5, 7.0]))
        sep = np.minimum.reduce(
            [edt.edt(~m, anisotropy=(res, res), black_border=False) for m in ms]
        )
        union = np.logical_or.reduce(ms)
        got = distance_m(union, res)
        np.testing.assert_array_equal(got, sep, err_msg=f"case {t}")
        oracle = ndimage.distance_transform_edt(~union, sampling=(res, res))
        np.testing.assert_allclose(got, oracle, rtol=1e-6, atol=1e-3)


def _reference_score(rs, layers, grid):
    """The factor arithmetic as it was: one transform per layer, np.minimum, whole grids."""

    def d(lay):
        return distance_m(burn(layers[lay].geometry, grid, all_touched=True), grid.res)

    factors = {}
    for name, rule in rs.favour.items():
        lays = rule.get("layers") or [rule.get("layer")]
        if any(x not in layers for x in lays):
            continue
        if lays[0] == "sites":
            out = d("sites") / np.float32(-(float(rule.get("decay_m", 5000.0)) or 1.0))
            out += 1.0
            factors[name] = np.clip(out, 0.0, 1.0, out=out)
            continue
        dist = np.minimum.reduce([d(x) for x in lays]) if len(lays) > 1 else d(lays[0])
        lo, hi = float(rule.get("min_m", 0.0)), float(rule.get("max_m", 5000.0))
        decay = float(rule.get("decay_m", 10000.0)) or 1.0
        out = np.subtract(dist, hi, dtype=np.float32)
        out /= -decay
        out += 1.0
        np.clip(out, 0.0, 1.0, out=out)
        if lo > 0:
            near = dist < lo
            out[near] = dist[near] / lo
        factors[name] = out
    weights = {k: float(rs.favour[k]["weight"]) for k in factors}
    total = sum(weights.values())
    score = np.zeros((grid.height, grid.width), dtype=np.float32)
    for k, f in factors.items():
        score += f * np.float32(weights[k] / total)
    return factors, score


RULES = """
[zones]
min_score = 0.4
[favour.existing_sites]
layer = "sites"
weight = 0.25
decay_m = 900.0
[favour.access]
layers = ["roads", "settlements"]
weight = 0.2
min_m = 200.0
max_m = 600.0
decay_m = 700.0
"""


@pytest.mark.parametrize("band", [7, 100, 1 << 16])
def test_factors_equal_the_reference_bitwise(monkeypatch, band) -> None:
    monkeypatch.setattr(suitability, "BAND_CELLS", band)
    g = _grid(83, 97)
    rng = np.random.default_rng(band)
    x0, y1 = g.transform.c, g.transform.f

    def pts(n):
        return gpd.GeoDataFrame(
            geometry=shapely.points(
                x0 + rng.uniform(0, 97 * RES, n), y1 - rng.uniform(0, 83 * RES, n)
            ),
            crs=CRS_,
        )

    sites = pts(12)
    sites["geometry"] = sites.buffer(40)
    layers = {"sites": sites, "settlements": pts(3), "roads": pts(2)}
    layers["roads"]["geometry"] = [
        LineString([(p.x, p.y), (p.x + 900, p.y - 700)]) for p in layers["roads"].geometry
    ]
    rs = load_rules(RULES)
    got = suitability.suitability(rs, layers, g, None, None)
    ref_f, ref_score = _reference_score(rs, layers, g)
    assert set(got.factors) == set(ref_f) == {"existing_sites", "access"}
    for k in ref_f:
        np.testing.assert_array_equal(got.factors[k], ref_f[k])
    np.testing.assert_array_equal(got.score, ref_score)
    # and against the formula on scipy's distances (float64), to float32 rounding
    near = ndimage.distance_transform_edt(
        ~(
            burn(layers["roads"].geometry, g, all_touched=True)
            | burn(layers["settlements"].geometry, g, all_touched=True)
        ),
        sampling=(RES, RES),
    )
    want = np.where(near < 200, near / 200, np.clip(1 - (near - 600) / 700, 0, 1))
    np.testing.assert_allclose(got.factors["access"], want, atol=2e-6)


def test_factor_of_distances_alone_by_hand() -> None:
    """A 1-D run of distances (as the docs' figure passes it): the default rules by hand."""
    rs = load_rules(None)
    d = np.array([0, 2500, 5000, 7500, 10_000, 15_000, 20_000], dtype=np.float32)
    sites = suitability._factor(
        rs.favour["existing_sites"], "sites", None, {}, None, None, lambda _: d.copy()
    )
    np.testing.assert_allclose(sites, [1, 0.5, 0, 0, 0, 0, 0], atol=1e-7)
    access = suitability._factor(
        rs.favour["access"], "roads", None, {}, None, None, lambda _: d.copy()
    )
    # full score to max_m = 5 km, then down to 0 at 5 + 10 km
    np.testing.assert_allclose(access, [1, 1, 1, 0.75, 0.5, 0, 0], atol=1e-7)


def test_access_with_one_layer_missing_or_empty() -> None:
    """A layer not given is left out of the union; a known layer with no feature is far."""
    g = _grid(30, 30)
    x0, y1 = g.transform.c, g.transform.f
    roads = gpd.GeoDataFrame(
        geometry=[LineString([(x0, y1 - 450), (x0 + 900, y1 - 450)])], crs=CRS_
    )
    empty = gpd.GeoDataFrame(geometry=[], crs=CRS_)
    rs = load_rules(RULES)
    alone = suitability.suitability(rs, {"roads": roads}, g, None, None).factors["access"]
    known = suitability.suitability(
        rs, {"roads": roads, "settlements": empty}, g, None, None, known=frozenset({"settlements"})
    ).factors["access"]
    np.testing.assert_array_equal(alone, known)
    far = suitability.suitability(
        rs,
        {"roads": empty, "settlements": empty},
        g,
        None,
        None,
        known=frozenset({"roads", "settlements"}),
    ).factors["access"]
    assert (far == 0).all()  # infinitely far: no access
    none = suitability.suitability(rs, {}, g, None, None)
    assert "access" not in none.factors


# ---------------------------------------------------------------- unions and clips


def _same_set(a, b, area_tol: float) -> None:
    assert shapely.area(shapely.symmetric_difference(a, b)) <= area_tol
    assert abs(shapely.area(a) - shapely.area(b)) <= area_tol


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 60),
    kind=st.sampled_from(["points", "lines", "polygons"]),
)
def test_union_grouped_equals_union_all(seed, n, kind) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 5000, n), rng.uniform(0, 5000, n)
    if kind == "points":
        geoms = shapely.points(x, y)
    elif kind == "lines":
        ang = rng.uniform(0, 2 * np.pi, n)
        geoms = shapely.linestrings(
            np.stack([np.c_[x, y], np.c_[x + 900 * np.cos(ang), y + 900 * np.sin(ang)]], axis=1)
        )
    else:
        geoms = shapely.box(x, y, x + rng.uniform(50, 900, n), y + rng.uniform(50, 900, n))
    shapes = buffer_out(geoms, float(rng.choice([0.0, 100.0, 400.0])))
    want = shapely.union_all(shapes)
    got = union_grouped(shapes)
    assert got.is_valid
    _same_set(got, want, 1e-6 * max(shapely.area(want), 1.0))
    if shapely.area(want) > 0:
        assert shapely.equals_exact(shapely.normalize(got), shapely.normalize(want), 1e-6) or (
            shapely.area(shapely.symmetric_difference(got, want)) < 1e-6
        )
    if shapely.area(want) > 0:  # oriented as union_all writes them (same CW/CCW counts)

        def ccw(g):
            return sorted(shapely.is_ccw(shapely.get_exterior_ring(shapely.get_parts(g))))

        assert ccw(got) == ccw(want)
    boundary = shapely.Point(2500, 2500).buffer(2200)
    clip_want = shapely.intersection(want, boundary)
    clip_got = clip_union(got, boundary)
    _same_set(clip_got, clip_want, 1e-6 * max(shapely.area(clip_want), 1.0))


def test_union_grouped_edge_cases() -> None:
    assert union_grouped([]).is_empty
    assert union_grouped([None, Polygon()]).is_empty
    one = box(0, 0, 1, 1)
    assert union_grouped([one]).equals(one)
    assert union_grouped([one, box(5, 5, 6, 6)]).geom_type == "MultiPolygon"
    # a bow-tie (invalid) goes through union_all as before, and fails as it does
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    for f in (shapely.union_all, union_grouped):
        with pytest.raises(shapely.errors.GEOSException):
            f([bowtie, box(1, 1, 3, 3)])
    # lines too
    lines = [LineString([(0, 0), (1, 1)]), LineString([(0, 1), (1, 0)])]
    assert union_grouped(lines).equals(shapely.union_all(lines))
    # touching along an edge: one group, one polygon
    assert union_grouped([box(0, 0, 1, 1), box(1, 0, 2, 1)]).equals(box(0, 0, 2, 1))
    # a clip keeps parts strictly inside, cuts the crossing one, drops the outside one
    u = union_grouped([box(0, 0, 1, 1), box(4, 0, 6, 1), box(20, 20, 21, 21)])
    got = clip_union(u, box(-1, -1, 5, 2))
    assert got.equals(shapely.intersection(u, box(-1, -1, 5, 2)))
    assert math.isclose(got.area, 2.0)


def test_union_grouped_size_classes() -> None:
    """Chains of 1, 2, 3, 5, 9 and 17 overlapping boxes: one polygon per chain."""
    boxes, want = [], []
    for i, n in enumerate((1, 2, 3, 5, 9, 17)):
        y = 10.0 * i
        chain = [box(x, y, x + 1.5, y + 1) for x in range(n)]
        boxes += chain
        want.append(box(0, y, n + 0.5, y + 1))
    rng = np.random.default_rng(0)
    got = union_grouped([boxes[i] for i in rng.permutation(len(boxes))])
    assert got.geom_type == "MultiPolygon"
    assert len(got.geoms) == 6
    assert got.equals(MultiPolygon(want))  # the same point set (vertices along edges kept)


# ---------------------------------------------------------------- regions


def _reference_split(mask, min_cells, max_cells):
    """The bisection as it was written: argpartition of a combined key per piece."""
    rows, cols = np.nonzero(mask)
    pieces, fragments = [], []
    stack = [np.arange(len(rows))]
    while stack:
        idx = stack.pop()
        n = len(idx)
        k = math.ceil(n / max_cells)
        if k <= 1:
            pieces.append(idx)
            continue
        r, c = rows[idx], cols[idx]
        if r.max() - r.min() >= c.max() - c.min():
            key = r.astype(np.int64) * (mask.shape[1] + 1) + c
        else:
            key = c.astype(np.int64) * (mask.shape[0] + 1) + r
        m = round(n * (k // 2) / k)
        order = np.argpartition(key, m - 1)
        for half in (idx[order[:m]], idx[order[m:]]):
            hr, hc = rows[half], cols[half]
            block = np.zeros((hr.max() - hr.min() + 1, hc.max() - hc.min() + 1), dtype=bool)
            block[hr - hr.min(), hc - hc.min()] = True
            lab, nl = ndimage.label(block)
            which = lab[hr - hr.min(), hc - hc.min()]
            for j in range(1, nl + 1):
                comp = half[which == j]
                (stack if len(comp) >= min_cells else fragments).append(comp)
    pieces.sort(key=lambda p: int(p.min()))
    labels = np.zeros(mask.shape, dtype=np.int32)
    sizes = np.zeros(len(pieces) + 1, dtype=np.int64)
    for i, p in enumerate(pieces, start=1):
        labels[rows[p], cols[p]] = i
        sizes[i] = len(p)
    merged, dropped = [0] * len(pieces), [0] * len(pieces)
    for frag in sorted(fragments, key=lambda p: int(p.min())):
        t = regions._best_neighbour(labels, rows[frag], cols[frag], sizes, len(frag), max_cells)
        if t > 0:
            labels[rows[frag], cols[frag]] = t
            sizes[t] += len(frag)
            merged[t - 1] += len(frag)
        else:
            near = regions._any_neighbour(labels, rows[frag], cols[frag])
            if near > 0:
                dropped[near - 1] += len(frag)
    return labels, merged, dropped


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 100_000),
    h=st.integers(3, 70),
    w=st.integers(3, 70),
    density=st.floats(0.5, 0.95),
    max_cells=st.integers(2, 300),
    min_cells=st.integers(1, 20),
)
def test_split_equals_the_reference(seed, h, w, density, max_cells, min_cells) -> None:
    rng = np.random.default_rng(seed)
    mask = ndimage.binary_opening(rng.random((h, w)) < density) | (rng.random((h, w)) < 0.05)
    lab, n = ndimage.label(mask, structure=regions._FOUR)
    if n == 0:
        return
    one = lab == np.argmax(np.bincount(lab.ravel())[1:]) + 1
    min_cells = min(min_cells, max_cells)
    got = regions._split(one, min_cells, max_cells)
    want = _reference_split(one, min_cells, max_cells)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1]
    assert got[2] == want[2]


def test_first_is_the_m_smallest_pairs() -> None:
    rng = np.random.default_rng(5)
    for _ in range(50):
        cells = np.unique(rng.integers(0, 30, (200, 2)), axis=0)
        rng.shuffle(cells)
        a, b = cells[:, 0], cells[:, 1]
        for m in (1, len(a) // 2, len(a) - 1):
            key = a * 100 + b
            want = np.zeros(len(a), bool)
            want[np.argsort(key)[:m]] = True
            np.testing.assert_array_equal(regions._first(a, b, m), want)
