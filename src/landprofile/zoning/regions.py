"""Suitable cells into regions, and regions into zones of a workable size.

A *region* is a set of suitable cells joined by edges (4-connectivity: cells that only
touch at a corner are not one piece of land). A region larger than ``max_area_ha`` is
split by **recursive equal-area bisection**: cut across its longer side (rows or
columns of the grid) where the cells on each side are in the proportion of the number
of zones each side must hold — ``k = ceil(area / max_area_ha)`` zones, ``k // 2`` on one
side —, and repeat on each piece until every piece is at most ``max_area_ha``. Pieces
are thus straight-edged, compact where the region is, and between about half and the
whole of ``max_area_ha``. A cut can leave a piece in several parts; a part under
``min_area_ha`` is merged into the neighbouring zone it shares most cell edges with
(when that stays within ``max_area_ha``), else dropped and counted.

A planner can redo it by hand: "halve the area across its long side, again, until each
part is small enough".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

__all__ = ["Partition", "Piece", "partition", "partition_regions"]

_FOUR = ndimage.generate_binary_structure(2, 1)


@dataclass(frozen=True)
class Piece:
    """The zones cut from one region, in the region's box.

    ``labels``: rows ``box[0]:box[1]``, columns ``box[2]:box[3]``; 0 outside the
    region's zones, ``1..k`` its zones, which are zones ``first .. first + k - 1``
    of the partition (1-based).
    """

    region: int
    box: tuple[int, int, int, int]
    labels: np.ndarray
    first: int
    #: Zones in the piece.
    k: int = 1


@dataclass(frozen=True)
class Partition:
    """Zone labels and where each zone came from.

    The zones are either a labels grid (``labels``, the grid's shape) or, with no
    array the size of the landscape, one :class:`Piece` per region that holds zones
    (``pieces``; ``labels`` is then ``None``).
    """

    #: 0 outside zones, 1..n the zone of each cell (int32, the grid's shape), or None.
    labels: np.ndarray | None
    #: For zone ``i`` (0-based), the region it was cut from (1-based region label).
    region: np.ndarray
    #: Cells per region (index = region label; entry 0 unused).
    region_cells: np.ndarray
    #: Zones each region was cut into (index = region label).
    region_parts: np.ndarray
    #: Fragments under the minimum size merged into a neighbour, and those dropped.
    merged_cells: np.ndarray
    dropped_cells: np.ndarray
    #: The zones region by region in their boxes (``labels`` is then ``None``).
    pieces: tuple[Piece, ...] | None = None

    def grid(self, shape: tuple[int, int]) -> np.ndarray:
        """The zones as one labels grid (int32) of ``shape``: for checks and small grids."""
        if self.labels is not None:
            return self.labels
        out = np.zeros(shape, dtype=np.int32)
        for p in self.pieces or ():
            r0, r1, c0, c1 = p.box
            sel = p.labels > 0
            out[r0:r1, c0:c1][sel] = p.labels[sel].astype(np.int32) + (p.first - 1)
        return out


def _sizes(cell_ha: float, min_area_ha: float, max_area_ha: float | None) -> tuple:
    """The smallest region kept and the largest zone, in cells (``None``: no cut)."""
    min_cells = math.ceil(min_area_ha / cell_ha - 1e-9) if min_area_ha > 0 else 1
    max_cells = (
        math.floor(max_area_ha / cell_ha + 1e-9) if max_area_ha and max_area_ha > 0 else None
    )
    if max_cells is not None and max_cells < max(min_cells, 1):
        max_cells = max(min_cells, 1)
    return min_cells, max_cells


def partition_regions(
    table: Any,
    mask_of: Callable[[int], np.ndarray],
    cell_ha: float,
    min_area_ha: float,
    max_area_ha: float | None,
) -> Partition:
    """:func:`partition` region by region, from the regions' table: no landscape grid.

    ``table``: the regions (:class:`landprofile.zoning.cells.RegionTable`);
    ``mask_of(r)``: region ``r``'s cells in its box (``cells.region_mask``). The zones
    (cells, order, ids), ``merged_cells`` and ``dropped_cells`` are :func:`partition`'s;
    they come as one :class:`Piece` per region that keeps zones. Memory: one region's
    box at a time, and the pieces.
    """
    n = len(table)
    counts = np.zeros(n + 1, dtype=np.int64)
    counts[1:] = table.n_cells
    min_cells, max_cells = _sizes(cell_ha, min_area_ha, max_area_ha)
    region_of: list[int] = []
    merged: list[int] = []
    dropped: list[int] = []
    pieces: list[Piece] = []
    parts = np.zeros(n + 1, dtype=np.int64)
    for r in range(1, n + 1):
        if counts[r] < min_cells:
            continue
        local = mask_of(r)
        box = tuple(int(v) for v in table.box[r - 1])
        if max_cells is None or counts[r] <= max_cells:
            sub, k = local.view(np.uint8), 1
            frag_merged, frag_dropped = [0], [0]
        else:
            sub, frag_merged, frag_dropped = _split(local, min_cells, max_cells)
            k = int(sub.max(initial=0))
        if k:
            small = np.uint8 if k < 2**8 else np.uint16 if k < 2**16 else np.int32
            pieces.append(Piece(r, box, sub.astype(small, copy=False), len(region_of) + 1, k))
        region_of += [r] * k
        merged += list(frag_merged)
        dropped += list(frag_dropped)
        parts[r] = k
    return Partition(
        labels=None,
        region=np.asarray(region_of, dtype=np.int64),
        region_cells=counts,
        region_parts=parts,
        merged_cells=np.asarray(merged, dtype=np.int64),
        dropped_cells=np.asarray(dropped, dtype=np.int64),
        pieces=tuple(pieces),
    )


def partition(
    suitable: np.ndarray | None,
    cell_ha: float,
    min_area_ha: float,
    max_area_ha: float | None,
    *,
    labelled: tuple[np.ndarray, int] | None = None,
) -> Partition:
    """Label the regions of ``suitable`` and cut those over ``max_area_ha`` (``None``: no cut).

    Regions under ``min_area_ha`` are dropped. ``merged_cells`` / ``dropped_cells`` are
    per zone (0-based): the cells of small fragments merged into it, and the cells of
    fragments next to it that could not be merged.

    ``labelled``: the regions already labelled (``ndimage.label``'s labels and count, as
    the tiled run stitches them); that array is then reused for the zone labels, so a
    country-sized grid holds one label array, not two.
    """
    if labelled is None:
        regions, n = ndimage.label(suitable, structure=_FOUR)
    else:
        regions, n = labelled
    from landprofile.zoning.grow import label_counts

    counts = label_counts(regions, n)
    counts[0] = 0
    min_cells, max_cells = _sizes(cell_ha, min_area_ha, max_area_ha)
    # zones are written as negative labels into the regions' own array when reused:
    # a region not yet cut (positive labels) is never mistaken for a zone
    inplace = labelled is not None
    out = regions if inplace else np.zeros(regions.shape, dtype=np.int32)
    sign = -1 if inplace else 1
    region_of: list[int] = []
    merged: list[int] = []
    dropped: list[int] = []
    parts = np.zeros(n + 1, dtype=np.int64)
    slices = ndimage.find_objects(regions)
    for r in range(1, n + 1):
        if counts[r] < min_cells:
            continue
        sl = slices[r - 1]
        local = regions[sl] == r
        if max_cells is None or counts[r] <= max_cells:
            region_of.append(r)
            merged.append(0)
            dropped.append(0)
            out[sl][local] = sign * len(region_of)
            parts[r] = 1
            continue
        sub, frag_merged, frag_dropped = _split(local, min_cells, max_cells)
        k = int(sub.max())
        first = len(region_of) + 1
        block = out[sl]
        block[sub > 0] = sign * (sub[sub > 0] + (first - 1))
        region_of += [r] * k
        merged += list(frag_merged)
        dropped += list(frag_dropped)
        parts[r] = k
    if inplace:
        # regions dropped, fragments not kept; in bands of rows: no landscape-sized mask
        for b in range(0, out.shape[0], 1024):
            band = out[b : b + 1024]
            band[band > 0] = 0
            np.negative(band, out=band)
    return Partition(
        labels=out,
        region=np.asarray(region_of, dtype=np.int64),
        region_cells=counts,
        region_parts=parts,
        merged_cells=np.asarray(merged, dtype=np.int64),
        dropped_cells=np.asarray(dropped, dtype=np.int64),
    )


def _split(mask: np.ndarray, min_cells: int, max_cells: int) -> tuple[np.ndarray, list, list]:
    """Cut one region (a boolean block) into pieces of at most ``max_cells`` cells.

    Memory: the region's cells as 32-bit rows, columns and positions (12 bytes a cell;
    a box is under 2**31 cells a side) and int32 labels in the box, while it is cut.
    """
    rows, cols = (v.astype(np.int32) for v in np.nonzero(mask))
    pieces: list[np.ndarray] = []
    fragments: list[np.ndarray] = []
    stack = [(np.arange(len(rows), dtype=np.int32), rows, cols)]
    while stack:
        idx, r, c = stack.pop()
        n = len(idx)
        k = math.ceil(n / max_cells)
        if k <= 1:
            pieces.append(idx)
            continue
        # the m first cells along the longer side (ties broken by the other axis, so the
        # cut is a straight line of cells with at most one step)
        m = round(n * (k // 2) / k)
        rows_long = r.max() - r.min() >= c.max() - c.min()
        first = _first(r, c, m) if rows_long else _first(c, r, m)
        rest = ~first
        for h_idx, h_r, h_c in ((idx[first], r[first], c[first]), (idx[rest], r[rest], c[rest])):
            for comp in _components(h_idx, h_r, h_c):
                if len(comp[0]) >= min_cells:
                    stack.append(comp)
                else:
                    fragments.append(comp[0])
    # deterministic numbering: pieces in raster order of their first cell
    pieces.sort(key=lambda p: int(p.min()))
    labels = np.zeros(mask.shape, dtype=np.int32)
    sizes = np.zeros(len(pieces) + 1, dtype=np.int64)
    for i, p in enumerate(pieces, start=1):
        labels[rows[p], cols[p]] = i
        sizes[i] = len(p)
    merged = [0] * len(pieces)
    dropped = [0] * len(pieces)
    for frag in sorted(fragments, key=lambda p: int(p.min())):
        target = _best_neighbour(labels, rows[frag], cols[frag], sizes, len(frag), max_cells)
        if target > 0:
            labels[rows[frag], cols[frag]] = target
            sizes[target] += len(frag)
            merged[target - 1] += len(frag)
        else:
            near = _any_neighbour(labels, rows[frag], cols[frag])
            if near > 0:
                dropped[near - 1] += len(frag)
    return labels, merged, dropped


def _first(a: np.ndarray, b: np.ndarray, m: int) -> np.ndarray:
    """Which of the cells are the ``m`` first in the order of ``(a, b)`` (pairs unique).

    The cells of whole lines ``a < t`` and the ``m``-th smallest ``b`` of line ``t``: a
    count per line instead of a partition of all the cells by a combined key.
    """
    a0 = a - a.min()
    before = np.cumsum(np.bincount(a0))
    t = int(np.searchsorted(before, m))
    need = m - (int(before[t - 1]) if t > 0 else 0)
    line = a0 == t
    bt = b[line]
    cut = np.partition(bt, need - 1)[need - 1] if need < len(bt) else bt.max()
    first = a0 < t
    first |= line & (b <= cut)
    return first


def _components(
    idx: np.ndarray, r: np.ndarray, c: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Split cells ``idx`` (at rows ``r``, columns ``c``) into edge-connected components."""
    r0, c0 = r.min(), c.min()
    bw = int(c.max() - c0 + 1)
    # flat positions in the bounding block: one index array, not two (64-bit: a block
    # can pass 2**31 cells)
    flat = (r - r0).astype(np.int64) * bw + (c - c0)
    block = np.zeros((int(r.max() - r0 + 1), bw), dtype=bool)
    block.ravel()[flat] = True
    lab, n = ndimage.label(block, structure=_FOUR)
    if n == 1:
        return [(idx, r, c)]
    which = lab.ravel()[flat]
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(1, n + 2))
    out = []
    for i in range(n):
        sel = order[bounds[i] : bounds[i + 1]]
        out.append((idx[sel], r[sel], c[sel]))
    return out


def _neighbour_counts(labels: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    h, w = labels.shape
    found = []
    for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        rr, cc = r + dr, c + dc
        ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
        found.append(labels[rr[ok], cc[ok]])
    v = np.concatenate(found)
    return np.bincount(v[v > 0]) if (v > 0).any() else np.zeros(1, dtype=np.int64)


def _best_neighbour(
    labels: np.ndarray, r: np.ndarray, c: np.ndarray, sizes: np.ndarray, n: int, max_cells: int
) -> int:
    shared = _neighbour_counts(labels, r, c)
    fits = sizes[: len(shared)] + n <= max_cells
    shared = np.where(fits, shared, 0)
    return int(np.argmax(shared)) if shared.max(initial=0) > 0 else 0


def _any_neighbour(labels: np.ndarray, r: np.ndarray, c: np.ndarray) -> int:
    shared = _neighbour_counts(labels, r, c)
    return int(np.argmax(shared)) if shared.max(initial=0) > 0 else 0
