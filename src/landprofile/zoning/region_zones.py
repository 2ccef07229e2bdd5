"""The zones step's cell work region by region: counts, score and factor sums, polygons.

The zones come as pieces (:class:`landprofile.zoning.regions.Piece`: a region's zones in
its box), so nothing here is the size of the landscape. A zone's cells are visited in
raster order inside its region's box, which is their raster order on the whole grid:
its score sum (``np.bincount``, one addition after another) is the one grid's to the
bit. A tiled run's factors are summed tile by tile (each tile read once), as before.
A zones grid (``locate``'s chosen zones) is cut into pieces first, one per zone
(:func:`pieces_of_labels`), without a mask of the grid.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import shapely
from affine import Affine

from landprofile.zoning.regions import Piece

__all__ = ["piece_polygons", "piece_sums", "pieces_of_labels"]


def pieces_of_labels(labels: np.ndarray, n: int) -> tuple[Piece, ...]:
    """A zones grid (labels ``1..n``) as one :class:`Piece` per zone with cells."""
    from scipy import ndimage

    out = []
    for z, sl in enumerate(ndimage.find_objects(labels, max_label=n), start=1):
        if sl is None:
            continue
        box = (sl[0].start, sl[0].stop, sl[1].start, sl[1].stop)
        out.append(Piece(z, box, (labels[sl] == z).view(np.uint8), z, 1))
    return tuple(out)


def score_window(suit: Any, box: tuple[int, int, int, int]) -> np.ndarray:
    """The score in a box: from the tiles (``suit.cells``) or the one grid's array."""
    r0, r1, c0, c1 = box
    cells = getattr(suit, "cells", None)
    if cells is not None:
        return cells.window(r0, r1, c0, c1)[0]
    return suit.score[r0:r1, c0:c1]


def piece_sums(
    pieces: tuple[Piece, ...], n: int, suit: Any
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Per zone (1..n): its cells, the sum of its scores and of each factor."""
    counts = np.zeros(n, dtype=np.int64)
    score = np.zeros(n, dtype=np.float64)
    tiled = getattr(suit, "factor_sums", None)
    fsums = tiled(pieces, n) if tiled is not None else {k: np.zeros(n) for k in suit.factors}
    for p in pieces:
        r0, r1, c0, c1 = p.box
        sel = p.labels > 0
        lab = p.labels[sel].astype(np.intp)
        k = p.k
        z = slice(p.first - 1, p.first - 1 + k)
        counts[z] = np.bincount(lab, minlength=k + 1)[1:]
        score[z] = np.bincount(lab, weights=score_window(suit, p.box)[sel], minlength=k + 1)[1:]
        if tiled is None:
            for name, f in suit.factors.items():
                fsums[name][z] = np.bincount(lab, weights=f[r0:r1, c0:c1][sel], minlength=k + 1)[1:]
    return counts, score, fsums


def piece_polygons(pieces: tuple[Piece, ...], n: int, grid: Any) -> np.ndarray:
    """Each zone's cells as polygons (``_zone_geometry.polygons`` in each region's box)."""
    from landprofile.zoning._zone_geometry import polygons

    out = np.empty(n, dtype=object)
    out[:] = [shapely.union_all([]) for _ in range(n)]
    for p in pieces:
        r0, _, c0, _ = p.box
        # the box's own grid: the same cells' corners (the grid's origin is whole cells)
        sub = dataclasses.replace(grid, transform=grid.transform @ Affine.translation(c0, r0))
        k = p.k
        out[p.first - 1 : p.first - 1 + k] = polygons(p.labels.astype(np.int32), k, sub)
    return out
