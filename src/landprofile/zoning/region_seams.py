"""A tiled run's regions from its tiles alone: cores labelled, pieces joined at the seams.

Each tile's core is labelled on its own (4-connected suitable cells, ``ndimage.label``);
of each piece only its first cell, its box and its number of cells are kept, and of
the tile only the labels of its four edge lines. Two pieces facing each other across a
seam (suitable cells side by side in adjacent tiles) are one region: a union-find on
those pairs (the connected components of a sparse graph whose nodes are the pieces)
merges them. A region's first cell is the smallest first cell of its pieces, its box the
union of theirs, its cells their sum; regions are numbered in raster order of their
first cell, as ``scipy.ndimage.label`` numbers them on the whole mask.

Memory: one tile, the edge lines of the tiles whose neighbours are still to come (a
row of tiles' bottom lines and one right line) and a few numbers per piece; never a
landscape-sized array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from landprofile.zoning.cells import RegionTable

__all__ = ["regions_from_tiles"]

_FOUR = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


def regions_from_tiles(
    height: int, width: int, tiles: list[Any], results: Callable[[Any], dict[str, Any]]
) -> tuple[RegionTable, dict[str, Any]]:
    """The :class:`~landprofile.zoning.cells.RegionTable` of the tiles' suitable cells.

    Parameters
    ----------
    height, width
        The whole grid's shape.
    tiles
        The tiles (:func:`landprofile.zoning.tiles.plan`), covering the grid.
    results
        ``results(tile)``: the tile's result (``suitable``: its core's mask, and
        ``raster_geoms``: its raster rules' cells as WKB, gathered on the way).

    Returns
    -------
    (RegionTable, dict)
        The regions, and each raster rule's excluded cells as one geometry (grid CRS).
    """
    from scipy import ndimage

    # a tile's right neighbour starts where it ends, on the same rows; its lower
    # neighbour on the same columns
    by_corner = {(t.core[0], t.core[2]): t for t in tiles}
    firsts, boxes, counts = [], [], []
    pending: dict[tuple[str, int, int], np.ndarray] = {}
    a_list: list[np.ndarray] = []
    b_list: list[np.ndarray] = []
    pieces: dict[str, list[Any]] = {}
    offset = 0
    # tiles above and to the left first: their edge lines wait for this one
    for t in sorted(tiles, key=lambda t: (t.core[0], t.core[2])):
        r0, r1, c0, c1 = t.core
        res = results(t)
        for k, g in res.get("raster_geoms", {}).items():
            pieces.setdefault(k, []).append(shapely.from_wkb(g))
        lab, n = ndimage.label(np.asarray(res["suitable"], dtype=bool), structure=_FOUR)
        del res
        tw = c1 - c0
        if n:
            flat = np.flatnonzero(lab)
            vals = lab.ravel()[flat]
            # labels appear first in increasing order: a new running maximum is a first
            top = np.maximum.accumulate(vals)
            new = np.r_[True, top[1:] > top[:-1]]
            rr, cc = np.divmod(flat[new], tw)
            firsts.append((rr + r0).astype(np.int64) * width + (cc + c0))
            counts.append(np.bincount(vals, minlength=n + 1)[1:].astype(np.int64))
            sl = ndimage.find_objects(lab)
            boxes.append(
                np.array(
                    [
                        (s[0].start + r0, s[0].stop + r0, s[1].start + c0, s[1].stop + c0)
                        for s in sl
                    ],
                    dtype=np.int64,
                ).reshape(-1, 4)
            )
        top_line, left_line = _edge(lab[0], offset), _edge(lab[:, 0], offset)
        # the seams with the tiles above and to the left (finished before this one)
        for key, mine in ((("bottom", r0, c0), top_line), (("right", r0, c0), left_line)):
            theirs = pending.pop(key, None)
            if theirs is not None:
                both = (theirs > 0) & (mine > 0)
                a_list.append(theirs[both])
                b_list.append(mine[both])
        if (r1, c0) in by_corner:
            pending[("bottom", r1, c0)] = _edge(lab[-1], offset)
        if (r0, c1) in by_corner:
            pending[("right", r0, c1)] = _edge(lab[:, -1], offset)
        offset += n
    geoms = {k: shapely.union_all(v) for k, v in pieces.items()}
    if not offset:
        z = np.zeros(0, dtype=np.int64)
        return RegionTable(width, z, np.zeros((0, 4), dtype=np.int64), z), geoms
    first = np.concatenate(firsts)
    box = np.concatenate(boxes)
    cells = np.concatenate(counts)
    comp, n_comp = _components(offset, a_list, b_list)
    comp_first = np.full(n_comp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(comp_first, comp, first)
    order = np.argsort(comp_first, kind="stable")
    rank = np.empty(n_comp, dtype=np.int64)
    rank[order] = np.arange(n_comp)
    reg = rank[comp]
    out_box = np.empty((n_comp, 4), dtype=np.int64)
    out_box[:, [0, 2]] = np.iinfo(np.int64).max
    out_box[:, [1, 3]] = -1
    np.minimum.at(out_box[:, 0], reg, box[:, 0])
    np.maximum.at(out_box[:, 1], reg, box[:, 1])
    np.minimum.at(out_box[:, 2], reg, box[:, 2])
    np.maximum.at(out_box[:, 3], reg, box[:, 3])
    n_cells = np.bincount(reg, weights=cells, minlength=n_comp).astype(np.int64)
    return RegionTable(width, comp_first[order], out_box, n_cells), geoms


def _edge(line: np.ndarray, offset: int) -> np.ndarray:
    """An edge line's labels as pieces: 0 (none) or ``offset`` + the tile's label."""
    e = line.astype(np.int64)
    e[e > 0] += offset
    return e


def _components(
    n: int, a_list: list[np.ndarray], b_list: list[np.ndarray]
) -> tuple[np.ndarray, int]:
    """Component of each of ``n`` pieces (0-based) joined by the pairs (1-based labels)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a = np.concatenate(a_list or [np.zeros(0, np.int64)]) - 1
    b = np.concatenate(b_list or [np.zeros(0, np.int64)]) - 1
    if len(a):
        # a seam repeats a pair along every cell two pieces share: once is enough
        pairs = np.unique(a * n + b)
        a, b = np.divmod(pairs, n)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    n_comp, comp = connected_components(graph, directed=False)
    return comp.astype(np.int64), int(n_comp)
