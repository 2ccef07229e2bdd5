"""Numba kernels of the conflict graph (see :mod:`landprofile.zoning.conflict_cliques`).

Apart from the module that uses them so that numba loads only when conflicts are built.

Distances are between cell squares, in cells, squared and integer: for cells ``(r, c)``
and ``(r', c')`` the gap is ``max(|r - r'| - 1, 0)^2 + max(|c - c'| - 1, 0)^2`` (0 for
touching cells), so every comparison with a spacing is exact.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Kinds of pair: no conflict, shared cells, closer than the minimum, farther than the
#: maximum.
NONE, SHARED, NEAR, FAR = 0, 1, 2, 3
_BIG = 1 << 62


@njit(cache=True)
def prepare(
    cells: np.ndarray, offsets: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each region's cells sorted, which of them are edge cells, its box and a central cell.

    Returns ``(sorted_cells, edge, bb, rep)``: ``edge`` is True for a cell with a
    4-neighbour outside its region, ``bb`` is ``(rmin, rmax, cmin, cmax)`` per region and
    ``rep`` the ``(row, col)`` of its cell nearest its centre of mass.
    """
    n = len(offsets) - 1
    out = np.empty_like(cells)
    edge = np.zeros(len(cells), dtype=np.bool_)
    bb = np.zeros((n, 4), dtype=np.int64)
    rep = np.zeros((n, 2), dtype=np.int64)
    for k in range(n):
        lo, hi = offsets[k], offsets[k + 1]
        if hi <= lo:
            continue
        r0, r1, c0, c1 = _BIG, -1, _BIG, -1
        sr, sc = 0.0, 0.0
        for x in range(lo, hi):
            r, c = cells[x] // width, cells[x] % width
            r0, r1, c0, c1 = min(r0, r), max(r1, r), min(c0, c), max(c1, c)
            sr += r
            sc += c
        bb[k, 0], bb[k, 1], bb[k, 2], bb[k, 3] = r0, r1, c0, c1
        mr, mc = sr / (hi - lo), sc / (hi - lo)
        # a padded local mask: the neighbours of border cells are outside; read back
        # row by row, it gives the cells sorted without a sort
        w = c1 - c0 + 3
        m = np.zeros((r1 - r0 + 3) * w, dtype=np.bool_)
        for x in range(lo, hi):
            m[(cells[x] // width - r0 + 1) * w + cells[x] % width - c0 + 1] = True
        best = np.inf
        x = lo
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                i = (r - r0 + 1) * w + c - c0 + 1
                if not m[i]:
                    continue
                out[x] = r * width + c
                edge[x] = not (m[i - 1] and m[i + 1] and m[i - w] and m[i + w])
                d = (r - mr) ** 2 + (c - mc) ** 2
                if d < best:
                    best = d
                    rep[k, 0], rep[k, 1] = r, c
                x += 1
        if x != hi:  # a cell given twice: keep the sorted unique cells, pad with the last
            for y in range(x, hi):
                out[y] = out[x - 1]
                edge[y] = False
    return out, edge, bb, rep


@njit(cache=True, inline="always")
def _gap2(dr: int, dc: int) -> int:
    gr = max(abs(dr) - 1, 0)
    gc = max(abs(dc) - 1, 0)
    return gr * gr + gc * gc


@njit(cache=True)
def _shares(cells: np.ndarray, offsets: np.ndarray, a: int, b: int) -> bool:
    i, i1 = offsets[a], offsets[a + 1]
    j, j1 = offsets[b], offsets[b + 1]
    while i < i1 and j < j1:
        if cells[i] == cells[j]:
            return True
        if cells[i] < cells[j]:
            i += 1
        else:
            j += 1
    return False


@njit(cache=True)
def classify(
    pi: np.ndarray,
    pj: np.ndarray,
    check_shared: np.ndarray,
    cells: np.ndarray,
    offsets: np.ndarray,
    e_off: np.ndarray,
    er: np.ndarray,
    ec: np.ndarray,
    bb: np.ndarray,
    s_lo: int,
    s_hi: int,
) -> np.ndarray:
    """The kind of each pair ``(pi[k], pj[k])``: ``NONE``, ``SHARED``, ``NEAR`` or ``FAR``.

    ``NEAR``: the least squared gap is at most ``s_lo`` (``-1``: no minimum spacing);
    ``FAR``: it is more than ``s_hi`` (``-1``: no maximum). Shared cells are looked for
    only where ``check_shared`` is set (boxes that meet). ``er``/``ec`` are each region's
    edge cells (``e_off`` its offsets), row-major, so each region's rows ascend; ``bb`` is
    ``(rmin, rmax, cmin, cmax)`` per region. Exact: every cell that could bring the gap
    under a threshold still open is scanned; the search stops once the kind is known.
    """
    out = np.zeros(len(pi), dtype=np.int8)
    has_max = s_hi >= 0
    for k in range(len(pi)):
        a, b = pi[k], pj[k]
        if check_shared[k] and _shares(cells, offsets, a, b):
            out[k] = SHARED
            continue
        # scan the region with fewer edge cells against the other's box
        if e_off[b + 1] - e_off[b] < e_off[a + 1] - e_off[a]:
            a, b = b, a
        rmin, rmax, cmin, cmax = bb[b, 0], bb[b, 1], bb[b, 2], bb[b, 3]
        b0, b1 = e_off[b], e_off[b + 1]
        best = _BIG
        for x in range(e_off[a], e_off[a + 1]):
            if _known(best, s_lo, s_hi):
                break
            # the threshold still open: the maximum until a gap within it is seen,
            # then the minimum
            target = s_hi if has_max and best > s_hi else s_lo
            r, c = er[x], ec[x]
            if _gap2(max(rmin - r, r - rmax, 0), max(cmin - c, c - cmax, 0)) > target:
                continue  # no cell of b can bring this one within it
            # only rows of b with |dr| - 1 <= sqrt(target) can
            reach = int(np.sqrt(target)) + 2
            lo, hi = b0, b1
            while lo < hi:  # the first edge cell of b on a row >= r - reach
                mid = (lo + hi) // 2
                if er[mid] < r - reach:
                    lo = mid + 1
                else:
                    hi = mid
            for y in range(lo, b1):
                if er[y] > r + reach:
                    break
                s = _gap2(r - er[y], c - ec[y])
                if s < best:
                    best = s
                    if _known(best, s_lo, s_hi):
                        break
        if best <= s_lo:
            out[k] = NEAR
        elif has_max and best > s_hi:
            out[k] = FAR
    return out


@njit(cache=True, inline="always")
def _known(best: int, s_lo: int, s_hi: int) -> bool:
    # closer than the minimum: a conflict whatever else; with no minimum, within the
    # maximum: no conflict
    return best <= s_lo or (s_lo < 0 and s_hi >= 0 and best <= s_hi)


@njit(cache=True)
def clique_cover(adj: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cliques of ``adj`` (bool, symmetric, no loops) covering every edge.

    Greedy: for each vertex in ``order`` and each of its edges not yet covered, a clique
    is grown from that edge, adding first the candidate with the most uncovered edges to
    the clique so far, until no vertex adjacent to all its members is left (so each
    clique is maximal). Returns ``(offsets, members)``.
    """
    n = adj.shape[0]
    unc = adj.copy()
    buf = np.empty(n, dtype=np.int64)
    starts = [0]
    parts = []
    total = 0
    score = np.zeros(n, dtype=np.int64)
    cand = np.zeros(n, dtype=np.bool_)
    for v in order:
        while True:
            u0 = -1
            for u in range(n):
                if unc[v, u]:
                    u0 = u
                    break
            if u0 < 0:
                break
            m = 0
            buf[m] = v
            m += 1
            buf[m] = u0
            m += 1
            for w in range(n):
                cand[w] = adj[v, w] and adj[u0, w]
                score[w] = int(unc[v, w]) + int(unc[u0, w])
            while True:
                bestw, bests = -1, -1
                for w in range(n):
                    if cand[w] and score[w] > bests:
                        bestw, bests = w, score[w]
                if bestw < 0:
                    break
                buf[m] = bestw
                m += 1
                for w in range(n):
                    cand[w] = cand[w] and adj[bestw, w]
                    score[w] += int(unc[bestw, w])
            for i in range(m):
                for j in range(m):
                    unc[buf[i], buf[j]] = False
            parts.append(buf[:m].copy())
            total += m
            starts.append(total)
    members = np.empty(total, dtype=np.int64)
    pos = 0
    for p in parts:
        members[pos : pos + len(p)] = p
        pos += len(p)
    offsets = np.empty(len(starts), dtype=np.int64)
    for i in range(len(starts)):
        offsets[i] = starts[i]
    return offsets, members
