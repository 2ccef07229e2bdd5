"""The pairwise conflicts as :mod:`landprofile.zoning.grow` found them before issue 30.

Kept as the reference the new conflict graph (:mod:`landprofile.zoning.conflict_cliques`)
is checked and measured against: one KD-tree query per pair of regions whose boxes lie
within reach, shared cells by a sorted search. Not used by :func:`locate`.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from landprofile.zoning.grow import Regions

__all__ = ["conflict_pairs"]


def _edge_cells(cells: np.ndarray, width: int) -> np.ndarray:
    """(row, col) of the cells of one region with a 4-neighbour outside it."""
    r, c = np.divmod(cells, width)
    r0, c0 = r.min() - 1, c.min() - 1
    m = np.zeros((r.max() - r0 + 2, c.max() - c0 + 2), dtype=bool)
    m[r - r0, c - c0] = True
    inner = m[1:-1, 1:-1] & m[:-2, 1:-1] & m[2:, 1:-1] & m[1:-1, :-2] & m[1:-1, 2:]
    out = m.copy()
    out[1:-1, 1:-1] &= ~inner
    er, ec = np.nonzero(out)
    return np.column_stack([er + r0, ec + c0])


def conflict_pairs(
    regions: Regions,
    width: int,
    res: float,
    min_spacing_m: float,
    max_spacing_m: float | None,
) -> np.ndarray:
    """Conflicting pairs ``(i, j)`` of regions.

    A pair conflicts when it shares a cell, or when its nearest cells are closer than
    ``min_spacing_m`` (or farther than ``max_spacing_m``).
    """
    n = len(regions)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    rows = [np.divmod(regions.of(i), width) for i in range(n)]
    bb = np.array([[r.min(), r.max(), c.min(), c.max()] for r, c in rows], dtype=float)
    # bounding-box gap (cells) of every pair
    i, j = np.triu_indices(n, 1)
    gr = np.maximum(0, np.maximum(bb[i, 0] - bb[j, 1], bb[j, 0] - bb[i, 1]) - 1)
    gc = np.maximum(0, np.maximum(bb[i, 2] - bb[j, 3], bb[j, 2] - bb[i, 3]) - 1)
    box_gap_m = np.hypot(gr, gc) * res
    check = box_gap_m <= max(min_spacing_m, 0.0) + res
    if max_spacing_m is not None:
        check |= box_gap_m <= max_spacing_m + res
    edges: dict[int, np.ndarray] = {}
    sets: dict[int, np.ndarray] = {}

    def edge(k: int) -> np.ndarray:
        if k not in edges:
            edges[k] = _edge_cells(regions.of(k), width)
        return edges[k]

    def cellset(k: int) -> np.ndarray:
        if k not in sets:
            sets[k] = np.sort(regions.of(k))
        return sets[k]

    trees: dict[int, cKDTree] = {}

    def tree_of(k: int) -> cKDTree:
        if k not in trees:
            trees[k] = cKDTree(edge(k))
        return trees[k]

    gap_m = np.full(len(i), np.inf)
    gap_m[~check] = box_gap_m[~check]
    for p in np.flatnonzero(check).tolist():
        a, b = int(i[p]), int(j[p])
        sa, sb = cellset(a), cellset(b)
        pos = np.searchsorted(sa, sb).clip(0, len(sa) - 1)
        if (sa[pos] == sb).any():
            gap_m[p] = -1.0  # they share cells
            continue
        ea, eb = edge(a), edge(b)
        reach = (max(min_spacing_m, max_spacing_m or 0.0) / res) + 2.0
        tree = tree_of(b)
        dist, _ = tree.query(ea, k=1, distance_upper_bound=reach)
        if not np.isfinite(dist).any():
            gap_m[p] = max(box_gap_m[p], reach * res)
            continue
        # cell squares: the nearest centres found within reach, gaps measured exactly
        hits = tree.query_ball_point(ea, r=float(dist[np.isfinite(dist)].min()) + 1.5)
        best = np.inf
        for q, hs in enumerate(hits):
            if not hs:
                continue
            d = np.abs(eb[hs] - ea[q]).astype(float)
            g = np.hypot(np.maximum(d[:, 0] - 1, 0), np.maximum(d[:, 1] - 1, 0))
            best = min(best, float(g.min()))
        gap_m[p] = best * res
    bad = gap_m < 0
    if min_spacing_m > 0:
        bad |= gap_m < min_spacing_m
    if max_spacing_m is not None:
        bad |= gap_m > max_spacing_m
    return np.column_stack([i[bad], j[bad]]).astype(np.int64)
