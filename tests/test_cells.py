"""Cells read by window, from one grid and from tiles, and the regions' table."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from landprofile.zoning.cells import ArrayCells, TiledCells, region_mask, regions_of_array
from landprofile.zoning.tiles import plan


class _Store:
    def __init__(self, score: np.ndarray, ok: np.ndarray) -> None:
        self.score, self.ok, self.loads = score, ok, 0

    def load(self, t):  # the tile's core, as TileStore.load gives it
        self.loads += 1
        r0, r1, c0, c1 = t.core
        return {"score": self.score[r0:r1, c0:c1], "suitable": self.ok[r0:r1, c0:c1]}


def _grid(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    score = rng.random((53, 71)).astype(np.float32)
    return score, score > 0.45


def test_tiled_windows_equal_the_grid() -> None:
    score, ok = _grid()
    store = _Store(score, ok)
    tc = TiledCells(53, 71, plan(53, 71, 16, 3), store)
    ac = ArrayCells(score, ok)
    for r0, r1, c0, c1 in [(0, 53, 0, 71), (5, 40, 17, 18), (15, 17, 15, 33), (50, 60, -4, 9)]:
        ts, tm = tc.window(r0, r1, c0, c1)
        a, b = max(r0, 0), max(c0, 0)
        np.testing.assert_array_equal(ts, score[a:r1, b:c1])
        np.testing.assert_array_equal(tm, ok[a:r1, b:c1])
        np.testing.assert_array_equal(ac.window(a, r1, b, c1)[1], tm)


def test_region_table_and_masks_equal_ndimage() -> None:
    score, ok = _grid(7)
    lab, n = ndimage.label(ok)  # default structure: 4-connectivity
    table = regions_of_array(ok)
    assert len(table) == n > 10
    tc = TiledCells(53, 71, plan(53, 71, 16, 3), _Store(score, ok))
    for i in range(1, n + 1):
        mask, s = region_mask(tc, table, i)
        r0, r1, c0, c1 = table.box[i - 1]
        np.testing.assert_array_equal(mask, lab[r0:r1, c0:c1] == i)
        np.testing.assert_array_equal(s, score[r0:r1, c0:c1])
        assert table.n_cells[i - 1] == (lab == i).sum()
        assert table.first[i - 1] == np.flatnonzero(lab == i)[0]
