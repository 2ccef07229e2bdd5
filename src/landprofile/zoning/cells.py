"""The cells that passed the rules, read by window: from one grid or from the tiles.

The zones step, the bisection and ``locate`` need a landscape's score and "passes the
rules" mask only around the regions they work on. :class:`Cells` gives them a window
of both; one grid answers from its arrays (:class:`ArrayCells`), a tiled run from the
tiles it stored (:class:`TiledCells`), so no array the size of the landscape is made.

:class:`RegionTable` is what is known of each region (4-connected suitable cells)
without its cells: its first cell in raster order (regions are numbered in that order,
as ``scipy.ndimage.label`` numbers them), its box and its number of cells. A region's
cells are the component of the window of its box that holds its first cell
(:func:`region_mask`): every cell of a region lies in its box, and a 4-path between
two of its cells never leaves it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = [
    "ArrayCells",
    "Cells",
    "RegionTable",
    "TiledCells",
    "region_mask",
    "regions_and_labels",
    "regions_of_array",
]

_FOUR = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


class Cells(Protocol):
    """A landscape's score and suitable mask, read by window (rows ``r0:r1``, columns ``c0:c1``)."""

    #: ``(height, width)`` of the analysis grid.
    shape: tuple[int, int]

    def window(self, r0: int, r1: int, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray]:
        """The window's score (float32) and suitable mask (bool), fresh arrays."""
        ...


@dataclass(frozen=True)
class ArrayCells:
    """:class:`Cells` of one grid held in memory."""

    score: np.ndarray
    suitable: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` of the grid."""
        return (int(self.score.shape[0]), int(self.score.shape[1]))

    def window(self, r0: int, r1: int, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray]:
        """The window's score and suitable mask (copies)."""
        return (
            np.array(self.score[r0:r1, c0:c1], dtype=np.float32),
            np.array(self.suitable[r0:r1, c0:c1], dtype=bool),
        )


class TiledCells:
    """:class:`Cells` of a tiled run, read from the tiles' store (``store.load(tile)``).

    A window is assembled from the cores of the tiles it overlaps; the last few tiles
    read are kept (``keep``), so reading neighbouring windows does not reload a tile.
    """

    def __init__(self, height: int, width: int, tiles: list[Any], store: Any, keep: int = 4):
        self.shape = (int(height), int(width))
        self.tiles = list(tiles)
        self.store = store
        self._keep = max(1, int(keep))
        self._cache: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._grids: tuple[np.ndarray, np.ndarray] | None = None
        self._r0 = np.array([t.core[0] for t in self.tiles], dtype=np.int64)
        self._r1 = np.array([t.core[1] for t in self.tiles], dtype=np.int64)
        self._c0 = np.array([t.core[2] for t in self.tiles], dtype=np.int64)
        self._c1 = np.array([t.core[3] for t in self.tiles], dtype=np.int64)

    def _tile(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        hit = self._cache.get(i)
        if hit is not None:
            self._cache.move_to_end(i)
            return hit
        res = self.store.load(self.tiles[i])
        got = (np.asarray(res["score"], dtype=np.float32), np.asarray(res["suitable"], bool))
        self._cache[i] = got
        while len(self._cache) > self._keep:
            self._cache.popitem(last=False)
        return got

    def grids(self) -> tuple[np.ndarray, np.ndarray]:
        """The whole grid's score and suitable mask, stitched once into unlinked files.

        For a caller that wants landscape-sized grids (a notebook, a check): file pages
        (:mod:`landprofile.zoning._disk`), not anonymous memory. No step of a run calls
        it: regions, zones and ``locate`` read windows.
        """
        if self._grids is None:
            from landprofile.zoning._disk import disk_array

            score = disk_array(self.shape, np.float32)
            ok = disk_array(self.shape, bool)
            for i, t in enumerate(self.tiles):
                r0, r1, c0, c1 = t.core
                res = self.store.load(self.tiles[i])
                score[r0:r1, c0:c1] = res["score"]
                ok[r0:r1, c0:c1] = res["suitable"]
                del res
            self._grids = (score, ok)
        return self._grids

    def window(self, r0: int, r1: int, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray]:
        """The window's score and suitable mask, from the tiles it overlaps."""
        h, w = self.shape
        r0, r1, c0, c1 = max(r0, 0), min(r1, h), max(c0, 0), min(c1, w)
        score = np.zeros((max(r1 - r0, 0), max(c1 - c0, 0)), dtype=np.float32)
        ok = np.zeros(score.shape, dtype=bool)
        hit = np.flatnonzero((self._r0 < r1) & (self._r1 > r0) & (self._c0 < c1) & (self._c1 > c0))
        for i in hit.tolist():
            t = self.tiles[i]
            tr0, tr1, tc0, tc1 = t.core
            a0, a1, b0, b1 = max(tr0, r0), min(tr1, r1), max(tc0, c0), min(tc1, c1)
            s, m = self._tile(i)
            score[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0] = s[
                a0 - tr0 : a1 - tr0, b0 - tc0 : b1 - tc0
            ]
            ok[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0] = m[a0 - tr0 : a1 - tr0, b0 - tc0 : b1 - tc0]
        return score, ok


@dataclass(frozen=True)
class RegionTable:
    """Regions (1..n in raster order of their first cell) without their cells.

    ``first``: flat index (row * width + col) of each region's first cell in raster
    order; ``box``: ``(n, 4)`` rows ``r0:r1`` and columns ``c0:c1`` (ends excluded);
    ``n_cells``: cells of each region. Row ``i`` is region ``i + 1``.
    """

    width: int
    first: np.ndarray
    box: np.ndarray
    n_cells: np.ndarray

    def __len__(self) -> int:
        return len(self.first)


def regions_of_array(suitable: np.ndarray) -> RegionTable:
    """The :class:`RegionTable` of a suitable mask held in memory (one grid)."""
    return regions_and_labels(suitable)[1]


def regions_and_labels(suitable: np.ndarray) -> tuple[np.ndarray, RegionTable]:
    """The regions' labels (``ndimage.label``, 4-connected) and their :class:`RegionTable`."""
    from scipy import ndimage

    lab, n = ndimage.label(suitable, structure=_FOUR)
    width = int(suitable.shape[1])
    if not n:
        z = np.zeros(0, dtype=np.int64)
        return lab, RegionTable(width, z, np.zeros((0, 4), dtype=np.int64), z)
    flat = np.flatnonzero(lab)
    vals = lab.ravel()[flat]
    # labels appear first in increasing order: a new running maximum is a region's first
    top = np.maximum.accumulate(vals)
    first = flat[np.r_[True, top[1:] > top[:-1]]].astype(np.int64)
    counts = np.bincount(vals, minlength=n + 1)[1:].astype(np.int64)
    box = np.array(
        [(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in ndimage.find_objects(lab)],
        dtype=np.int64,
    ).reshape(-1, 4)
    return lab, RegionTable(width, first, box, counts)


def region_mask(cells: Cells, table: RegionTable, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Region ``i`` (1-based) in its box: its cells (bool) and the box's score.

    Returns ``(mask, score)`` for rows ``box[0]:box[1]``, columns ``box[2]:box[3]``.
    """
    from scipy import ndimage

    r0, r1, c0, c1 = (int(v) for v in table.box[i - 1])
    score, ok = cells.window(r0, r1, c0, c1)
    fr, fc = divmod(int(table.first[i - 1]), table.width)
    lab, _ = ndimage.label(ok, structure=_FOUR)
    mask = lab == lab[fr - r0, fc - c0]
    return mask, score
