"""The zones step's geometry against independent oracles (issue 38 item 4).

- Cells to polygons (:mod:`landprofile.zoning._zone_trace`) against rasterio's
  ``shapes`` (GDAL's polygoniser, unioned per zone), against the cell count, and
  against hand-drawn grids whose parts and holes are known.
- The exact cut (:func:`landprofile.zoning._zone_geometry.clip`) against the plain
  shapely overlay: the union of the zone's cell squares, intersected with the
  landscape, minus the union of every exclusion part; per zone the symmetric
  difference is at most 1 m², the result is valid, and it overlaps no exclusion by
  more than 1 m².
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS
from scipy import ndimage

from landprofile.zoning._zone_geometry import clip, polygons
from landprofile.zoning._zone_trace import trace
from landprofile.zoning.grid import AnalysisGrid

RES = 30.0


def _grid(labels: np.ndarray, transform: Affine, boundary=None) -> AnalysisGrid:
    h, w = labels.shape
    return AnalysisGrid(
        crs=CRS.from_epsg(3035),
        transform=transform,
        width=w,
        height=h,
        res=RES,
        inside=np.ones((h, w), dtype=bool),
        boundary=boundary,
    )


def _rasterio_zone(labels: np.ndarray, z: int, transform: Affine):
    """The oracle: GDAL's polygons of zone ``z``'s cells, unioned."""
    m = labels == z
    if not m.any():
        return shapely.Polygon()
    polys = [
        shapely.geometry.shape(g)
        for g, _ in rasterio.features.shapes(
            m.view(np.uint8), mask=m, transform=transform, connectivity=4
        )
    ]
    return shapely.union_all(polys)


def _corner(t: Affine, r, c):
    """Map coordinates of the corner at row ``r``, column ``c`` of the grid."""
    return t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f


def _cells_union(labels: np.ndarray, z: int, transform: Affine):
    """The oracle: the union of zone ``z``'s cell squares, built cell by cell."""
    rr, cc = np.nonzero(labels == z)
    if not len(rr):
        return shapely.Polygon()
    boxes = []
    for r, c in zip(rr.tolist(), cc.tolist(), strict=True):
        xa, ya = _corner(transform, r, c)
        xb, yb = _corner(transform, r + 1, c + 1)
        boxes.append(shapely.box(min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))
    return shapely.union_all(boxes)


def _random_labels(rng: np.random.Generator, h: int, w: int, n: int) -> np.ndarray:
    kind = rng.integers(3)
    if kind == 0:  # salt and pepper: many pinches, parts and holes
        return rng.integers(0, n + 1, (h, w)).astype(np.int32)
    if kind == 1:  # one zone, sparse or dense
        return (rng.random((h, w)) < rng.uniform(0.2, 0.9)).astype(np.int32)
    # blobs: smoothed noise cut into n bands, 0 where low
    noise = ndimage.gaussian_filter(rng.random((h, w)), rng.uniform(0.7, 2.5))
    q = np.quantile(noise, np.linspace(0, 1, n + 2))
    return np.clip(np.digitize(noise, q[1:-1]), 0, n).astype(np.int32)


def test_trace_equals_gdal_and_the_cell_count():
    rng = np.random.default_rng(38)
    for case in range(250):
        h, w = (int(v) for v in rng.integers(1, 28, 2))
        n = int(rng.integers(1, 5))
        labels = _random_labels(rng, h, w, n)
        if case % 5 == 0:  # a sheared, rotated transform: corners go through the affine
            t = Affine(29.0, 3.0, 1000.5, -2.0, -31.0, 5000.25)
        else:
            t = Affine(RES, 0.0, 1_000.5 + case * 7.1, 0.0, -RES, 5_000.25)
        got = polygons(labels, n, _grid(labels, t))
        assert len(got) == n
        for z in range(1, n + 1):
            g, want = got[z - 1], _rasterio_zone(labels, z, t)
            count = int((labels == z).sum())
            assert g.is_empty == (count == 0), (case, z)
            if not count:
                continue
            assert shapely.is_valid(g), (case, z, shapely.is_valid_reason(g))
            assert g.geom_type == (
                "Polygon" if ndimage.label(labels == z)[1] == 1 else "MultiPolygon"
            )
            assert len(shapely.get_parts(g)) == ndimage.label(labels == z)[1], (case, z)
            assert abs(g.area - count * abs(t.determinant)) <= 1e-9 * g.area, (case, z)
            assert shapely.symmetric_difference(g, want).area <= 1e-6, (case, z)


def _hand(rows: list[str]) -> np.ndarray:
    return np.array([[1 if ch == "#" else 0 for ch in r] for r in rows], dtype=np.int32)


@pytest.mark.parametrize(
    ("rows", "parts", "holes"),
    [
        (["#"], 1, [0]),
        (["#.", ".#"], 2, [0, 0]),  # diagonal cells: two parts meeting at a corner
        (["###", "#.#", "###"], 1, [1]),
        # a C whose ends touch at a corner: one part whose hole touches its shell there
        (["###.", "#..#", "#..#", "####"], 1, [1]),
        (["####", "#..#", "#.#.", "####"], 1, [1]),
        # an island in a hole, touching the ring at a corner: two parts
        (["#####", "#...#", "#.#.#", "#...#", "#####"], 2, [0, 1]),
        (["#####", "#...#", "#..##", "#.#.#", "#####"], 1, [2]),
        (["#.#.", ".#.#", "#.#.", ".#.#"], 8, [0] * 8),  # a checkerboard
        (["..#..", ".#.#.", "#...#", ".#.#.", "..#.."], 8, [0] * 8),  # a diamond of corners
    ],
)
def test_trace_hand_drawn(rows, parts, holes):
    labels = _hand(rows)
    t = Affine(RES, 0.0, 500.0, 0.0, -RES, 900.0)
    g = trace(labels, 1, t)[0]
    assert shapely.is_valid(g), shapely.is_valid_reason(g)
    got = shapely.get_parts(g)
    assert len(got) == parts
    assert sorted(len(p.interiors) for p in got) == sorted(holes)
    assert g.area == labels.sum() * RES * RES
    assert shapely.symmetric_difference(g, _rasterio_zone(labels, 1, t)).area == 0.0


def test_trace_empty_and_missing_zones():
    labels = np.zeros((4, 5), dtype=np.int32)
    labels[1, 1] = 3
    out = trace(labels, 4, Affine(RES, 0, 0, 0, -RES, 0))
    assert [g.is_empty for g in out] == [True, True, False, True]
    assert out[2].area == RES * RES


def test_trace_in_a_crop_is_the_whole_grids():
    """A region's box with its own (offset) transform: the same corners, to the rounding."""
    rng = np.random.default_rng(5)
    labels = _random_labels(rng, 40, 50, 3)
    t = Affine(RES, 0.0, 633_017.3, 0.0, -RES, 812_441.9)
    whole = trace(labels, 3, t)
    for z in range(1, 4):
        sl = ndimage.find_objects(labels, max_label=3)[z - 1]
        if sl is None:
            continue
        sub = t @ Affine.translation(sl[1].start, sl[0].start)
        crop = trace((labels[sl] == z).astype(np.int32), 1, sub)[0]
        assert shapely.equals_exact(shapely.normalize(crop), shapely.normalize(whole[z - 1]), 1e-6)


def _landscape(rng: np.random.Generator):
    """Random zones, landscape and exclusion parts of several rules (which overlap)."""
    h, w = (int(v) for v in rng.integers(20, 45, 2))
    x0, y0 = 400_000.0 + rng.uniform(0, 1_000), 600_000.0 + rng.uniform(0, 1_000)
    t = Affine(RES, 0.0, x0, 0.0, -RES, y0)
    cx, cy = x0 + w * RES / 2, y0 - h * RES / 2
    # the landscape: a lumpy outline crossing the grid's cells
    ang = np.sort(rng.uniform(0, 2 * np.pi, 14))
    rad = rng.uniform(0.35, 0.6, 14) * min(h, w) * RES
    boundary = shapely.Polygon(np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)]))
    boundary = shapely.make_valid(boundary).buffer(0)
    rules = []
    for _ in range(int(rng.integers(1, 4))):
        k = int(rng.integers(1, 6))
        px = x0 + rng.uniform(0, w * RES, k)
        py = y0 - rng.uniform(0, h * RES, k)
        if rng.random() < 0.5:  # buffered points: discs
            shapes = shapely.buffer(shapely.points(px, py), rng.uniform(15, 140, k))
        else:  # buffered lines: river-like strips, crossing many cells at an angle
            a = rng.uniform(0, np.pi, k)
            ln = rng.uniform(100, 900, k)
            lines = shapely.linestrings(
                np.stack(
                    [
                        np.column_stack([px, py]),
                        np.column_stack([px + ln * np.cos(a), py + ln * np.sin(a)]),
                    ],
                    axis=1,
                )
            )
            shapes = shapely.buffer(lines, rng.uniform(10, 60, k))
        rules.append(shapely.get_parts(shapely.union_all(shapes)))  # a rule's parts: disjoint
    parts = np.concatenate(rules)
    # zone cells: centre outside every exclusion (as the cells are burnt), then bands
    rr, cc = np.mgrid[0:h, 0:w]
    xs, ys = _corner(t, rr + 0.5, cc + 0.5)
    excluded = shapely.contains_xy(shapely.union_all(parts), xs, ys)
    n = int(rng.integers(1, 5))
    labels = np.where(excluded, 0, 1 + (cc * n) // w).astype(np.int32)
    labels[rng.random((h, w)) < 0.05] = 0
    return labels, n, t, boundary, parts


def test_clip_equals_the_plain_overlay():
    rng = np.random.default_rng(4)
    cut_somewhere = 0
    for case in range(40):
        labels, n, t, boundary, parts = _landscape(rng)
        grid = _grid(labels, t, boundary)
        got = clip(polygons(labels, n, grid), grid, parts)
        every = shapely.union_all(parts)
        for z in range(1, n + 1):
            cells = _cells_union(labels, z, t)
            want = shapely.difference(shapely.intersection(cells, boundary), every)
            g = got[z - 1]
            assert shapely.is_valid(g), (case, z, shapely.is_valid_reason(g))
            assert shapely.symmetric_difference(g, want).area <= 1.0, (case, z)
            assert shapely.intersection(g, every).area <= 1.0, (case, z)
            cut_somewhere += cells.area - want.area > 1.0
    assert cut_somewhere > 20  # the cases really cut zones


def test_clip_with_no_parts_and_whole_zones():
    labels = np.zeros((6, 6), dtype=np.int32)
    labels[1:3, 1:3] = 1
    labels[3:5, 3:6] = 2
    t = Affine(RES, 0.0, 0.0, 0.0, -RES, 180.0)
    # the landscape cuts zone 2 through its cells
    boundary = shapely.box(0, 0, 160, 180)
    grid = _grid(labels, t, boundary)
    got = clip(polygons(labels, 2, grid), grid, np.array([], dtype=object))
    assert got[0].area == 4 * RES * RES  # inside: whole
    assert shapely.equals(got[1], shapely.box(90, 30, 160, 90))
    grid2 = dataclasses.replace(grid, boundary=shapely.box(-10, -10, 200, 200))
    got2 = clip(polygons(labels, 2, grid2), grid2, np.array([shapely.box(100, 40, 120, 60)]))
    assert got2[1].area == 6 * RES * RES - 400.0


def test_nearest_of_many_zones_is_the_brute_force_minimum():
    """Zones cut by exclusions, many of them: every distance and feature as pair by pair."""
    import geopandas as gpd

    from landprofile.zoning._zones_nearest import nearest

    rng = np.random.default_rng(11)
    for case in range(6):
        labels, _, t, boundary, parts = _landscape(rng)
        # many small zones: the landscape's cells in 4 x 4 blocks
        h, w = labels.shape
        rr, cc = np.mgrid[0:h, 0:w]
        blocks = (rr // 4) * ((w + 3) // 4) + cc // 4 + 1
        blocks[labels == 0] = 0
        nb = int(blocks.max())
        grid = _grid(blocks, t, boundary)
        zones = clip(polygons(blocks.astype(np.int32), nb, grid), grid, parts)
        zones = zones[~shapely.is_empty(zones)]
        assert len(zones) >= 16
        x0, y0 = t.c, t.f
        k = 30
        px, py = x0 + rng.uniform(-200, w * RES + 200, k), y0 - rng.uniform(-200, h * RES + 200, k)
        feats = list(shapely.points(px[:10], py[:10]))
        feats += list(
            shapely.linestrings(
                np.stack(
                    [
                        np.column_stack([px[10:], py[10:]]),
                        np.column_stack([px[10:] + 90, py[10:] - 40]),
                    ],
                    axis=1,
                )
            )
        )
        feats.append(shapely.LineString([(px[0], py[0]), (px[0], py[0])]))  # zero-length
        feats.append(shapely.Point())  # empty
        gdf = gpd.GeoDataFrame(geometry=feats, crs=3035)
        fs = np.array(feats, dtype=object)
        every = shapely.distance(zones[:, None], fs[None, :])
        if case % 2:
            shapely.prepare(zones)  # as zone_table has them
        d, j = nearest(zones, gdf)
        assert (d > 0).sum() >= 16  # many zones measured (on two threads), not met
        np.testing.assert_array_equal(d, np.nanmin(every, axis=1))
        for i in range(len(zones)):
            if d[i] == 0:
                assert j[i] == np.flatnonzero(shapely.intersects(zones[i], fs)).min()
            else:
                assert j[i] == np.flatnonzero(every[i] == np.nanmin(every[i])).min()
        rows = np.arange(0, len(feats), 2)
        d2, j2 = nearest(zones, gdf, rows)
        np.testing.assert_array_equal(d2, np.nanmin(every[:, rows], axis=1))
        sub = every[:, rows]
        for i in np.flatnonzero(d2 > 0):
            assert j2[i] == rows[np.flatnonzero(sub[i] == np.nanmin(sub[i])).min()]
        shapely.destroy_prepared(zones)
