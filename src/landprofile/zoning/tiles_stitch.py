"""The whole grid stitched from a tiled run's tiles: for checks on small grids only.

A tiled run keeps no landscape-sized grid (:mod:`landprofile.zoning.tiles`): its regions
come from the tiles' edge lines (:mod:`landprofile.zoning.region_seams`) and its cells
are read by window. :func:`stitch` assembles the score, the suitable mask and the
regions' labels of the whole grid the way the tiled run did before, in unlinked
memory-mapped files (:mod:`landprofile.zoning._disk`), so that a test can hold a tiled
run against ``scipy.ndimage.label`` of one grid. Moved out of ``tiles`` for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from landprofile.zoning._disk import disk_array
from landprofile.zoning.tiles import Tile

__all__ = ["Stitched", "stitch"]

_FOUR = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


@dataclass(frozen=True)
class Stitched:
    """The whole grid's score, masks and region labels, stitched from the tiles.

    A run no longer makes it (:mod:`landprofile.zoning.region_seams` gives the
    regions without a landscape grid); :func:`stitch` stays for checks on small grids.
    """

    score: np.ndarray
    suitable: np.ndarray
    labels: np.ndarray
    n_regions: int
    #: Raster rules' excluded cells inside the landscape, as polygons (grid CRS).
    raster_geoms: dict[str, Any]


def stitch(height: int, width: int, tiles: list[Tile], results: Any) -> Stitched:
    """Assemble tile results (``results(tile)`` gives one) and label regions across seams.

    Landscape-sized grids (in unlinked files): for checks; the run does not use it.
    """
    # the landscape-sized grids in (unlinked) files: memory holds a tile and the seams
    score = disk_array((height, width), np.float32)
    suitable = disk_array((height, width), bool)
    labels = disk_array((height, width), np.int32)
    firsts: list[np.ndarray] = []
    pieces: dict[str, list[Any]] = {}
    offset = 0
    for t in tiles:
        r0, r1, c0, c1 = t.core
        res = results(t)
        score[r0:r1, c0:c1] = res["score"]
        suitable[r0:r1, c0:c1] = res["suitable"]
        for k, g in res["raster_geoms"].items():
            pieces.setdefault(k, []).append(shapely.from_wkb(g))
        lab, n = ndimage.label(res["suitable"], structure=_FOUR)
        del res
        if n:
            flat = np.flatnonzero(lab)
            vals = lab.ravel()[flat]
            # labels appear first in increasing order: a new running maximum is a first
            top = np.maximum.accumulate(vals)
            new = np.r_[True, top[1:] > top[:-1]]
            rr, ccol = np.divmod(flat[new], c1 - c0)
            firsts.append((rr + r0).astype(np.int64) * width + (ccol + c0))
            np.add(lab, offset, out=lab, where=lab > 0)
        labels[r0:r1, c0:c1] = lab
        offset += n
    # pairs of suitable cells facing each other across a seam: one region
    a_list, b_list = [], []
    rows = sorted({t.core[0] for t in tiles} - {0})
    cols = sorted({t.core[2] for t in tiles} - {0})
    for r in rows:
        a, b = labels[r - 1], labels[r]
        m = (a > 0) & (b > 0)
        a_list.append(a[m])
        b_list.append(b[m])
    for c in cols:
        a, b = labels[:, c - 1], labels[:, c]
        m = (a > 0) & (b > 0)
        a_list.append(a[m])
        b_list.append(b[m])
    a = np.concatenate(a_list or [np.zeros(0, np.int32)]).astype(np.int64) - 1
    b = np.concatenate(b_list or [np.zeros(0, np.int32)]).astype(np.int64) - 1
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(offset, offset))
    n_comp, comp = connected_components(graph, directed=False)
    first = np.concatenate(firsts) if firsts else np.zeros(0, dtype=np.int64)
    comp_first = np.full(n_comp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(comp_first, comp, first)
    rank = np.empty(n_comp, dtype=np.int32)
    rank[np.argsort(comp_first, kind="stable")] = np.arange(1, n_comp + 1, dtype=np.int32)
    lut = np.zeros(offset + 1, dtype=np.int32)
    lut[1:] = rank[comp]
    for t in tiles:
        r0, r1, c0, c1 = t.core
        labels[r0:r1, c0:c1] = lut[labels[r0:r1, c0:c1]]
    geoms = {k: shapely.union_all(v) for k, v in pieces.items()}
    return Stitched(score, suitable, labels, int(n_comp), geoms)
