"""Conflicts between candidate regions: found where they exist, written as cliques.

Two candidate regions *conflict* when they share a cell, when their nearest cells are
closer than the minimum spacing, or when they are farther apart than the maximum.
Distances are between cell squares (what the exact zones, which only lose land to the
exclusions, keep at least). The selection may hold no conflicting pair.

1. **Finding them** (:func:`conflict_pairs`): a pair's box gap is a lower bound of its
   gap and the gap between two of its cells (each region's cell nearest its centre) an
   upper bound; most pairs are settled by these two numbers alone. Without a maximum
   spacing only the pairs a KD-tree finds within reach are looked at. The rest are
   measured exactly by :func:`landprofile.zoning._conflict_kernel.classify` on integer
   squared gaps between edge cells, stopping once the answer is known.
2. **Writing them** (:class:`ConflictGraph`): one row ``sum_{j in C} x_j <= 1`` per
   clique ``C`` of mutually conflicting candidates, the cliques covering every
   conflicting pair and holding no other (a clique cover of the conflict graph, greedy
   and maximal; a pair no larger clique holds is a clique of two). The integer
   selections allowed are exactly those of one row per pair; the LP relaxation is
   tighter (at most one of a clique, not a half of each of its members).
3. **Pruning** (:meth:`ConflictGraph.dominated`): a candidate ``j`` is dropped when
   another ``i`` conflicts with it, is worth at least as much, is no larger (when a
   total area is asked), comes first in greedy's order (worth more, or the same and a
   lower index), and conflicts with nothing ``j`` does not: swapping ``j`` for ``i`` in
   any selection keeps it feasible under the number of zones, the total area and every
   conflict, and loses nothing, so an optimal selection without ``j`` exists (and greedy
   never takes ``j``). Swaps follow greedy's order, which has no cycle, so every
   candidate dominated on the graph can be dropped at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from landprofile.zoning.grow import Regions

__all__ = ["ConflictGraph", "conflict_pairs", "squared_thresholds"]


def squared_thresholds(res: float, min_spacing_m: float, max_spacing_m: float | None):
    """The spacings as squared gaps in cells: ``(s_lo, s_hi)``.

    A pair is closer than ``min_spacing_m`` when its least squared gap ``s`` is at most
    ``s_lo`` (``sqrt(s) * res < min_spacing_m``; ``-1``: no minimum), and farther than
    ``max_spacing_m`` when ``s > s_hi`` (``sqrt(s) * res <= max_spacing_m`` within;
    ``-1``: no maximum). Found on the same floating-point expression, so exact.
    """

    def largest(ok) -> int:
        s = 0
        step = 1
        if not ok(0):
            return -1
        while ok(s + step):  # gallop, then bisect: the largest s with ok(s)
            s += step
            step *= 2
        while step > 1:
            step //= 2
            if ok(s + step):
                s += step
        return s

    s_lo = -1
    if min_spacing_m > 0:
        s_lo = largest(lambda s: math.sqrt(s) * res < min_spacing_m)
    s_hi = -1
    if max_spacing_m is not None:
        s_hi = largest(lambda s: math.sqrt(s) * res <= max_spacing_m)
    return s_lo, s_hi


def conflict_pairs(
    regions: Regions,
    width: int,
    res: float,
    min_spacing_m: float,
    max_spacing_m: float | None,
) -> np.ndarray:
    """Conflicting pairs ``(i, j)``, ``i < j``, ascending, of ``regions`` on a grid.

    A pair conflicts when it shares a cell, when its nearest cells are closer than
    ``min_spacing_m`` or farther than ``max_spacing_m`` (``None``: no maximum); gaps are
    between cell squares of ``res`` metres.
    """
    from landprofile.zoning import _conflict_kernel as kern

    n = len(regions)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    s_lo, s_hi = squared_thresholds(res, max(min_spacing_m, 0.0), max_spacing_m)
    offsets = np.asarray(regions.offsets, dtype=np.int64)
    cells, edge, bb, rep = kern.prepare(
        np.asarray(regions.cells, dtype=np.int64), offsets, int(width)
    )
    counts = np.add.reduceat(edge, offsets[:-1]) if len(cells) else np.zeros(n, np.int64)
    counts[np.diff(offsets) == 0] = 0
    e_off = np.zeros(n + 1, dtype=np.int64)
    e_off[1:] = np.cumsum(counts)
    ecells = cells[edge]
    er, ec = ecells // width, ecells % width
    i, j = _candidate_pairs(bb, s_lo, s_hi)
    dr = np.maximum(np.maximum(bb[i, 0] - bb[j, 1], bb[j, 0] - bb[i, 1]), 0)
    dc = np.maximum(np.maximum(bb[i, 2] - bb[j, 3], bb[j, 2] - bb[i, 3]), 0)
    s_box = _gap2(dr, dc)  # no two cells of the pair are nearer
    meet = (dr == 0) & (dc == 0)  # boxes that overlap (and only they) may share cells
    s_rep = _gap2(rep[i, 0] - rep[j, 0], rep[i, 1] - rep[j, 1])  # two of their cells
    has_max = s_hi >= 0
    bad = s_rep <= s_lo
    if has_max:
        bad |= s_box > s_hi
    fine = ~meet & (s_box > s_lo)
    if has_max:
        fine &= s_rep <= s_hi
    todo = np.flatnonzero(~bad & ~fine)
    ext = kern.extremes(cells, offsets, int(width), bb)
    kind = kern.classify(
        i[todo], j[todo], meet[todo], cells, offsets, e_off, er, ec, bb, ext, s_lo, s_hi
    )
    bad[todo] = kind != kern.NONE
    out = np.column_stack([i[bad], j[bad]]).astype(np.int64)
    return out[np.lexsort((out[:, 1], out[:, 0]))]


def _gap2(dr: np.ndarray, dc: np.ndarray) -> np.ndarray:
    gr = np.maximum(np.abs(dr) - 1, 0)
    gc = np.maximum(np.abs(dc) - 1, 0)
    return gr * gr + gc * gc


def _candidate_pairs(bb: np.ndarray, s_lo: int, s_hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair that may conflict: all of them with a maximum spacing (far pairs do)."""
    n = len(bb)
    if s_hi >= 0 or n <= 64:
        i, j = np.triu_indices(n, 1)
        return i.astype(np.int64), j.astype(np.int64)
    from scipy.spatial import cKDTree

    # box centres: two boxes within s_lo of each other have centres within the reach
    # plus both half-diagonals (the largest, for all)
    centre = np.column_stack([bb[:, 0] + bb[:, 1], bb[:, 2] + bb[:, 3]]) / 2.0
    half = np.hypot(bb[:, 1] - bb[:, 0] + 1, bb[:, 3] - bb[:, 2] + 1) / 2.0
    reach = math.sqrt(max(s_lo, 0)) + 2.0 + 2.0 * float(half.max()) + 1.0
    p = cKDTree(centre).query_pairs(reach, output_type="ndarray").astype(np.int64)
    p.sort(axis=1)
    return p[:, 0], p[:, 1]


@dataclass(frozen=True)
class ConflictGraph:
    """Which candidates conflict: a symmetric boolean matrix, no loops."""

    adjacency: np.ndarray

    @classmethod
    def from_pairs(cls, n: int, pairs: np.ndarray) -> ConflictGraph:
        """The graph of ``n`` candidates with the conflicting ``pairs`` (any order)."""
        adj = np.zeros((n, n), dtype=bool)
        p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        adj[p[:, 0], p[:, 1]] = True
        adj[p[:, 1], p[:, 0]] = True
        np.fill_diagonal(adj, False)
        return cls(adj)

    def __len__(self) -> int:
        return len(self.adjacency)

    @property
    def n_pairs(self) -> int:
        """How many pairs conflict."""
        return int(np.count_nonzero(self.adjacency)) // 2

    def pairs(self) -> np.ndarray:
        """The conflicting pairs ``(i, j)``, ``i < j``, ascending."""
        i, j = np.nonzero(np.triu(self.adjacency, 1))
        return np.column_stack([i, j]).astype(np.int64)

    def subgraph(self, keep: np.ndarray) -> ConflictGraph:
        """The graph of the candidates ``keep`` (indices, in that order)."""
        return ConflictGraph(self.adjacency[np.ix_(keep, keep)])

    def dominated(self, values: np.ndarray, areas: np.ndarray, area_counts: bool) -> np.ndarray:
        """Candidates no optimal selection needs (see the module's docstring).

        ``j`` is dominated by ``i`` when they conflict, ``i`` comes first in greedy's
        order (``values`` descending, then index), ``areas[i] <= areas[j]`` when
        ``area_counts``, and every conflict of ``i`` but ``j`` is one of ``j``.
        """
        adj = self.adjacency
        n = len(adj)
        if n < 2:
            return np.zeros(n, dtype=bool)
        a = adj.astype(np.float32)
        # common[i, j]: conflicts i and j share (exact: small integers in float32)
        common = a @ a
        deg = adj.sum(axis=1)
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort((np.arange(n), -np.asarray(values, dtype=float)))] = np.arange(n)
        ii, jj = np.nonzero(adj)
        ok = (rank[ii] < rank[jj]) & (common[ii, jj] == deg[ii] - 1)
        if area_counts:
            ok &= areas[ii] <= areas[jj]
        out = np.zeros(n, dtype=bool)
        out[jj[ok]] = True
        return out

    def cliques(self) -> tuple[np.ndarray, np.ndarray]:
        """A clique cover: ``(offsets, members)``, every conflicting pair in some clique.

        Each clique is maximal; the cover is greedy (not the fewest cliques), its
        vertices taken by decreasing number of conflicts.
        """
        adj = self.adjacency
        n = len(adj)
        if n < 2 or not adj.any():
            return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
        from landprofile.zoning import _conflict_kernel as kern

        deg = adj.sum(axis=1)
        order = np.lexsort((np.arange(n), -deg)).astype(np.int64)
        return kern.clique_cover(np.ascontiguousarray(adj), order)
