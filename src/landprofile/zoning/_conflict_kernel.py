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


@njit(cache=True)
def extremes(cells: np.ndarray, offsets: np.ndarray, width: int, bb: np.ndarray):
    """Each region's outermost cell on each of its rows and columns (``-1``: none).

    ``cells`` sorted per region (row-major). Returns ``(x_off, left, right, y_off, top,
    bottom)``: for region ``k`` and row ``bb[k, 0] + i``, ``left[x_off[k] + i]`` and
    ``right[...]`` are its first and last columns; for column ``bb[k, 2] + i``,
    ``top[y_off[k] + i]`` and ``bottom[...]`` its first and last rows.
    """
    n = len(offsets) - 1
    x_off = np.zeros(n + 1, dtype=np.int64)
    y_off = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        h = bb[k, 1] - bb[k, 0] + 1 if offsets[k + 1] > offsets[k] else 0
        w = bb[k, 3] - bb[k, 2] + 1 if offsets[k + 1] > offsets[k] else 0
        x_off[k + 1] = x_off[k] + h
        y_off[k + 1] = y_off[k] + w
    left = np.full(x_off[n], -1, dtype=np.int64)
    right = np.full(x_off[n], -1, dtype=np.int64)
    top = np.full(y_off[n], -1, dtype=np.int64)
    bottom = np.full(y_off[n], -1, dtype=np.int64)
    for k in range(n):
        for x in range(offsets[k], offsets[k + 1]):
            r, c = cells[x] // width, cells[x] % width
            i = x_off[k] + r - bb[k, 0]
            if left[i] < 0:
                left[i] = c  # row-major: the row's first cell is its leftmost
            right[i] = c
            j = y_off[k] + c - bb[k, 2]
            if top[j] < 0:
                top[j] = r
            bottom[j] = r
    return x_off, left, right, y_off, top, bottom


@njit(cache=True)
def _scan_lines(
    la0: int,
    ext_a: np.ndarray,
    lb0: int,
    ext_b: np.ndarray,
    e0: int,
    e1: int,
    s_lo: int,
    s_hi: int,
) -> int:
    """The least squared gap of two regions apart across their rows (or columns).

    Scanned on each one's outermost cell per line, facing the other: line ``la0 + i``
    of a holds its facing cell at ``ext_a[i]`` on the other axis (``-1``: none), the
    same for b; ``e0, e1``: b's extent on the other axis. Stops once the kind of pair
    is known (see :func:`classify`).
    """
    has_max = s_hi >= 0
    nb = len(ext_b)
    best = _BIG
    for i in range(len(ext_a)):
        if _known(best, s_lo, s_hi):
            break
        e = ext_a[i]
        if e < 0:
            continue
        line = la0 + i
        target = s_hi if has_max and best > s_hi else s_lo
        if _gap2(max(lb0 - line, line - (lb0 + nb - 1), 0), max(e0 - e, e - e1, 0)) > target:
            continue  # no cell of b can bring this one within it
        reach = int(np.sqrt(target)) + 2
        for j in range(max(0, line - reach - lb0), min(nb, line + reach - lb0 + 1)):
            f = ext_b[j]
            if f < 0:
                continue
            s = _gap2(line - lb0 - j, e - f)
            if s < best:
                best = s
                if _known(best, s_lo, s_hi):
                    break
    return best


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
    ext: tuple,
    s_lo: int,
    s_hi: int,
) -> np.ndarray:
    """The kind of each pair ``(pi[k], pj[k])``: ``NONE``, ``SHARED``, ``NEAR`` or ``FAR``.

    ``NEAR``: the least squared gap is at most ``s_lo`` (``-1``: no minimum spacing);
    ``FAR``: it is more than ``s_hi`` (``-1``: no maximum). Shared cells are looked for
    only where ``check_shared`` is set (boxes that meet). ``er``/``ec`` are each region's
    edge cells (``e_off`` its offsets), row-major, so each region's rows ascend; ``bb`` is
    ``(rmin, rmax, cmin, cmax)`` per region, ``ext`` what :func:`extremes` returns.
    Exact: every cell that could bring the gap under a threshold still open is scanned;
    the search stops once the kind is known.

    Two regions whose boxes are apart across columns (``cmax_a < cmin_b``) are nearest
    between a's rightmost cell of some row and b's leftmost of some row (any other cell
    of the row is farther from every cell of the other), so only those are scanned;
    likewise across rows. Boxes that meet are scanned on all edge cells.
    """
    out = np.zeros(len(pi), dtype=np.int8)
    has_max = s_hi >= 0
    x_off, left, right, y_off, top, bottom = ext
    for k in range(len(pi)):
        a, b = pi[k], pj[k]
        if check_shared[k] and _shares(cells, offsets, a, b):
            out[k] = SHARED
            continue
        col_gap = max(bb[b, 2] - bb[a, 3], bb[a, 2] - bb[b, 3])
        row_gap = max(bb[b, 0] - bb[a, 1], bb[a, 0] - bb[b, 1])
        if col_gap > 0 or row_gap > 0:
            if col_gap >= row_gap:
                if bb[b, 3] < bb[a, 2]:
                    a, b = b, a  # a on the left
                best = _scan_lines(
                    bb[a, 0],
                    right[x_off[a] : x_off[a + 1]],
                    bb[b, 0],
                    left[x_off[b] : x_off[b + 1]],
                    bb[b, 2],
                    bb[b, 3],
                    s_lo,
                    s_hi,
                )
            else:
                if bb[b, 1] < bb[a, 0]:
                    a, b = b, a  # a above
                best = _scan_lines(
                    bb[a, 2],
                    bottom[y_off[a] : y_off[a + 1]],
                    bb[b, 2],
                    top[y_off[b] : y_off[b + 1]],
                    bb[b, 0],
                    bb[b, 1],
                    s_lo,
                    s_hi,
                )
            if best <= s_lo:
                out[k] = NEAR
            elif has_max and best > s_hi:
                out[k] = FAR
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
