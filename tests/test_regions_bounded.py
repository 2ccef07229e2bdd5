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
