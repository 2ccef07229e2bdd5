"""Regions and zones of a tiled run without landscape-sized arrays (issue 38 item 1).

The oracle is the one-grid mask: ``scipy.ndimage.label`` (through
``cells.regions_of_array``, itself checked against a plain per-label scan here) for the
regions' table joined from the tiles' seams, and today's ``regions.partition`` on the
whole mask for the zones cut region by region in their boxes.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from landprofile.zoning.cells import ArrayCells, regions_of_array
from landprofile.zoning.region_seams import regions_from_tiles
from landprofile.zoning.tiles import plan

_FOUR = ndimage.generate_binary_structure(2, 1)


def _masks():
    rng = np.random.default_rng(7)
    out = []
    for shape, p in (((41, 37), 0.55), ((64, 64), 0.6), ((23, 90), 0.5), ((1, 30), 0.7)):
        out.append(rng.random(shape) < p)
    out.append(ndimage.binary_opening(rng.random((120, 97)) < 0.62))
    # a snake: one region crossing every seam of small tiles many times
    snake = np.zeros((40, 40), dtype=bool)
    snake[::4, 1:39] = True
    for i, r in enumerate(range(0, 36, 4)):
        c = 38 if i % 2 == 0 else 1
        snake[r : r + 5, c] = True
    out.append(snake)
    out.append(np.zeros((13, 17), dtype=bool))
    out.append(np.ones((13, 17), dtype=bool))
    return out


def _oracle(mask):
    """Field by field, by a plain scan of ndimage.label's labels."""
    lab, n = ndimage.label(mask, structure=_FOUR)
    first, box, cells = [], [], []
    for k in range(1, n + 1):
        rr, cc = np.nonzero(lab == k)
        first.append(int(rr[0]) * mask.shape[1] + int(cc[0]))
        box.append((rr.min(), rr.max() + 1, cc.min(), cc.max() + 1))
        cells.append(len(rr))
    return np.array(first, np.int64), np.array(box, np.int64).reshape(-1, 4), np.array(cells)


def _equal(table, want):
    first, box, cells = want
    np.testing.assert_array_equal(table.first, first)
    np.testing.assert_array_equal(table.box, box)
    np.testing.assert_array_equal(table.n_cells, cells)


@pytest.mark.parametrize("k", range(8))
def test_regions_of_one_grid_are_scipys(k):
    mask = _masks()[k]
    table = regions_of_array(mask)
    assert table.width == mask.shape[1]
    _equal(table, _oracle(mask))


@pytest.mark.parametrize("k", range(8))
@pytest.mark.parametrize("side", [1, 2, 3, 5, 16, 33, 200])
def test_regions_joined_at_the_seams_are_one_grids(k, side):
    mask = _masks()[k]
    h, w = mask.shape
    tiles = plan(h, w, side, 2)
    loaded = []

    def result(t):
        r0, r1, c0, c1 = t.core
        loaded.append(t.index)
        return {"suitable": mask[r0:r1, c0:c1].copy(), "raster_geoms": {}}

    table, geoms = regions_from_tiles(h, w, tiles, result)
    assert sorted(loaded) == list(range(len(tiles)))  # each tile read once
    assert geoms == {}
    _equal(table, _oracle(mask))


def test_the_snake_crosses_many_seams():
    snake = _masks()[5]
    _, n = ndimage.label(snake, structure=_FOUR)
    assert n == 1
    tiles = plan(*snake.shape, 3, 0)
    crossing = {t.index for t in tiles if snake[t.core[0] : t.core[1], t.core[2] : t.core[3]].any()}
    assert len(crossing) > 100


def test_array_cells_window():
    rng = np.random.default_rng(2)
    score = rng.random((9, 11)).astype(np.float32)
    ok = score > 0.5
    s, m = ArrayCells(score, ok).window(2, 5, 3, 9)
    np.testing.assert_array_equal(s, score[2:5, 3:9])
    np.testing.assert_array_equal(m, ok[2:5, 3:9])


def _blobs(seed, shape=(150, 140)):
    rng = np.random.default_rng(seed)
    return ndimage.binary_opening(rng.random(shape) < 0.66, iterations=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("max_ha", [None, 2.0, 7.5])
@pytest.mark.parametrize("side", [3, 29, 500])
def test_zones_cut_region_by_region_are_todays_one_grid(seed, max_ha, side):
    from landprofile.zoning.cells import TiledCells, region_mask
    from landprofile.zoning.regions import partition, partition_regions

    mask = _blobs(seed)
    cell_ha, min_ha = 0.09, 0.5  # 30 m cells: regions of 6 cells or more, zones of 22 / 83
    want = partition(mask, cell_ha, min_ha, max_ha)
    assert want.region.size > 3
    if max_ha:
        assert (want.region_parts > 1).any()  # some regions were bisected
    h, w = mask.shape
    tiles = plan(h, w, side, 1)

    class Store:
        def load(self, t):
            r0, r1, c0, c1 = t.core
            m = mask[r0:r1, c0:c1]
            return {"score": m.astype(np.float32), "suitable": m, "factors": {}}

    cells = TiledCells(h, w, tiles, Store())
    table, _ = regions_from_tiles(
        h, w, tiles, lambda t: {"suitable": mask[t.core[0] : t.core[1], t.core[2] : t.core[3]]}
    )
    got = partition_regions(
        table, lambda r: region_mask(cells, table, r)[0], cell_ha, min_ha, max_ha
    )
    assert got.labels is None
    np.testing.assert_array_equal(got.grid(mask.shape), want.labels)
    for name in ("region", "region_cells", "region_parts", "merged_cells", "dropped_cells"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    # each piece lies in its region's box and holds only that region's zones
    for p in got.pieces:
        assert tuple(table.box[p.region - 1]) == p.box
        assert p.k == int(p.labels.max())
        assert set(np.unique(want.region[p.first - 1 : p.first - 1 + p.k])) == {p.region}


def test_zone_sums_and_polygons_by_piece_are_the_whole_grids():
    import shapely
    from affine import Affine
    from pyproj import CRS
    from rasterio import features

    from landprofile.zoning.grid import AnalysisGrid
    from landprofile.zoning.region_zones import piece_polygons, piece_sums, pieces_of_labels
    from landprofile.zoning.regions import partition, partition_regions

    mask = _blobs(5)
    rng = np.random.default_rng(9)
    score = rng.random(mask.shape).astype(np.float32)
    factor = rng.random(mask.shape).astype(np.float32)
    want = partition(mask, 0.09, 0.5, 4.0)
    n = int(want.region.size)
    lab, _ = ndimage.label(mask, structure=_FOUR)
    table = regions_of_array(mask)
    got = partition_regions(
        table,
        lambda r: lab[slice(*table.box[r - 1][:2]), slice(*table.box[r - 1][2:])] == r,
        0.09,
        0.5,
        4.0,
    )
    suit = type("S", (), {"score": score, "factors": {"f": factor}})()
    sel = want.labels > 0
    zl = want.labels[sel]
    grid = AnalysisGrid(
        CRS.from_epsg(3035),
        Affine(30.0, 0, 3_000_000.0, 0, -30.0, 2_000_000.0),
        mask.shape[1],
        mask.shape[0],
        30.0,
        np.zeros((0, 0), bool),
    )
    for pieces in (got.pieces, pieces_of_labels(want.labels, n)):
        counts, ssum, fsums = piece_sums(pieces, n, suit)
        np.testing.assert_array_equal(counts, np.bincount(zl, minlength=n + 1)[1:])
        # the same additions in the same order: equal to the bit
        np.testing.assert_array_equal(
            ssum, np.bincount(zl, weights=score[sel], minlength=n + 1)[1:]
        )
        np.testing.assert_array_equal(
            fsums["f"], np.bincount(zl, weights=factor[sel], minlength=n + 1)[1:]
        )
        polys = piece_polygons(pieces, n, grid)
        for z in range(1, n + 1):
            cells = [
                shapely.geometry.shape(g)
                for g, _ in features.shapes(
                    (want.labels == z).view(np.uint8),
                    mask=want.labels == z,
                    transform=grid.transform,
                    connectivity=4,
                )
            ]
            whole = shapely.union_all(cells)
            assert shapely.get_num_geometries(polys[z - 1]) == shapely.get_num_geometries(whole)
            assert shapely.symmetric_difference(polys[z - 1], whole).area == 0.0
