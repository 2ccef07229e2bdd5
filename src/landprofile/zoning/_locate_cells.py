"""The cells ``locate`` reads, by window: the run's cells less the locked-in zones.

``locate`` never holds a grid the size of the landscape (issue 38): it reads the score
and the "passes the rules" mask through :class:`~landprofile.zoning.cells.Cells`
windows — window by window for the seeds, a window around each seed for the growth — and
keeps the locked-in zones' cells as sorted flat indices, taken out of every window it
reads (:class:`WithoutLocked`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from landprofile.zoning.cells import ArrayCells, Cells

__all__ = ["CHUNK", "WithoutLocked", "cells_of", "chunk_shape"]

#: Cells a side of the windows :func:`chunk_shape` gives when the cells are not tiled.
CHUNK = 1024


def cells_of(ctx: Any) -> Cells:
    """The run's :class:`Cells`: the context's own (a tiled run's reads its tiles).

    Else its score grid and mask, as one grid's.
    """
    cells = getattr(ctx, "cells", None)
    if cells is not None:
        return cells
    return ArrayCells(ctx.suit.score, ctx.suitable)


class WithoutLocked:
    """:class:`Cells` less some cells (the locked-in zones'): they read as not suitable.

    ``flat`` holds the cells' flat indices (row * width + col), sorted, unique.
    """

    def __init__(self, cells: Cells, flat: np.ndarray | None):
        self.cells = cells
        self.shape = cells.shape
        self.flat = np.zeros(0, np.int64) if flat is None else np.asarray(flat, np.int64)
        # a tiled run's tiles, for chunk_shape
        self.tiles = getattr(cells, "tiles", None)

    def window(self, r0: int, r1: int, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray]:
        """The window's score and suitable mask, the locked-in cells not suitable."""
        score, ok = self.cells.window(r0, r1, c0, c1)
        if len(self.flat):
            h, w = self.shape
            r0, r1, c0, c1 = max(r0, 0), min(r1, h), max(c0, 0), min(c1, w)
            lo, hi = np.searchsorted(self.flat, [r0 * w, r1 * w])
            r, c = np.divmod(self.flat[lo:hi], w)
            inside = (c >= c0) & (c < c1)
            ok[r[inside] - r0, c[inside] - c0] = False
        return score, ok


def chunk_shape(cells: Cells, multiple: int = 1) -> tuple[int, int]:
    """Rows and columns of the windows a pass over the landscape reads, multiples of ``multiple``.

    A tiled run's windows are a tile's size (each tile is read at most four times per
    pass, once when the tiles are whole blocks); one grid's :data:`CHUNK` a side.
    """
    tiles = getattr(cells, "tiles", None)
    if tiles:
        rows = max(int(t.core[1]) - int(t.core[0]) for t in tiles)
        cols = max(int(t.core[3]) - int(t.core[2]) for t in tiles)
    else:
        rows = cols = CHUNK
    m = max(int(multiple), 1)
    return m * max(1, -(-rows // m)), m * max(1, -(-cols // m))
