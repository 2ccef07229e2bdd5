"""Numba kernel of candidate-region growing (see :mod:`landprofile.zoning.locate`).

Apart from the module that uses it so that numba loads only when regions are grown.

Each seed grows best-first over 4-connected allowed cells: the frontier cell of highest
priority ``(1 - w) * score + w * (1 - d / rmax)`` joins next, where ``d`` is the cell's
distance (in cells) from the region's centre under the shape's metric. Growth stops at
``target`` cells, when the frontier is empty, or when no frontier cell lies within
``rmax``. For the ``compact`` shape the centre is the region's centre of mass, updated
(and the frontier re-prioritised) each time the region grows by a quarter.

The grids may be a window of the landscape (``row0``, ``col0``, the landscape's
``height`` and ``width``): a region never reaches farther than ``rmax`` from its seed,
so a window of ``rmax`` cells around it holds all it can touch. Coordinates, flat
indices and distances stay the landscape's, so a window gives the very cells, order and
ties of the whole grid.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Shape codes shared with :mod:`landprofile.zoning.locate`.
COMPACT, CIRCLE, SQUARE, ELLIPSE = 0, 1, 2, 3


@njit(cache=True, inline="always")
def _dist(dr: float, dc: float, shape: int, cos_t: float, sin_t: float) -> float:
    if shape == SQUARE:
        return max(abs(dr), abs(dc))
    if shape == ELLIPSE:
        # area-preserving 2:1 ellipse: semi-axes sqrt(2) along theta, 1/sqrt(2) across
        u = dc * cos_t - dr * sin_t
        v = dc * sin_t + dr * cos_t
        return math.sqrt(0.5 * u * u + 2.0 * v * v)
    return math.sqrt(dr * dr + dc * dc)


@njit(cache=True, inline="always")
def _sift_up(hp: np.ndarray, hi: np.ndarray, k: int) -> None:
    p = hp[k]
    i = hi[k]
    while k > 0:
        parent = (k - 1) >> 1
        # ties: the lower flat index first, so growth is deterministic
        if hp[parent] > p or (hp[parent] == p and hi[parent] < i):
            break
        hp[k] = hp[parent]
        hi[k] = hi[parent]
        k = parent
    hp[k] = p
    hi[k] = i


@njit(cache=True, inline="always")
def _sift_down(hp: np.ndarray, hi: np.ndarray, k: int, n: int) -> None:
    p = hp[k]
    i = hi[k]
    while True:
        c = 2 * k + 1
        if c >= n:
            break
        if c + 1 < n and (hp[c + 1] > hp[c] or (hp[c + 1] == hp[c] and hi[c + 1] < hi[c])):
            c += 1
        if hp[c] < p or (hp[c] == p and hi[c] > i):
            break
        hp[k] = hp[c]
        hi[k] = hi[c]
        k = c
    hp[k] = p
    hi[k] = i


@njit(cache=True, nogil=True)
def grow_regions(
    score: np.ndarray,
    ok: np.ndarray,
    seeds: np.ndarray,
    angles: np.ndarray,
    target: int,
    rmax: float,
    w: float,
    shape: int,
    stamp: np.ndarray,
    first_id: int,
    row0: int,
    col0: int,
    height: int,
    width: int,
):
    """Grow one region per seed; returns ``(cells, offsets, stats)``.

    ``seeds`` is ``(n, 2)`` of (row, col) of the landscape; ``angles`` the ellipse
    orientation per seed (radians); ``score``, ``ok`` and ``stamp`` the window of the
    landscape (``height`` x ``width`` cells) at rows ``row0 + ...``, columns ``col0 +
    ...`` (the whole grid: 0, 0 and its shape); ``stamp`` is int32 holding ids below
    ``2 * first_id`` (it is updated, never cleared). Cells outside the window are
    treated as out of reach, so the window must hold every cell within ``rmax`` of each
    seed. ``cells`` holds the landscape's flat indices of each region in growth order,
    region ``s`` at ``cells[offsets[s]:offsets[s + 1]]``; ``stats[s]`` is (score sum,
    edge-cell score sum, edge cells, exposed cell edges).
    """
    h, w_ = height, width
    wh, ww = score.shape
    n_seeds = seeds.shape[0]
    cells = np.empty(n_seeds * target, dtype=np.int64)
    offsets = np.zeros(n_seeds + 1, dtype=np.int64)
    stats = np.zeros((n_seeds, 4), dtype=np.float64)
    cap = 4 * target + 16
    hp = np.empty(cap, dtype=np.float64)
    hi = np.empty(cap, dtype=np.int64)
    dr4 = (-1, 1, 0, 0)
    dc4 = (0, 0, -1, 1)
    pos = 0
    for s in range(n_seeds):
        sid = 2 * (first_id + s)
        in_front = sid
        in_reg = sid + 1
        r0 = seeds[s, 0]
        c0 = seeds[s, 1]
        cos_t = math.cos(angles[s])
        sin_t = math.sin(angles[s])
        start = pos
        offsets[s] = start
        if not (0 <= r0 - row0 < wh and 0 <= c0 - col0 < ww) or not ok[r0 - row0, c0 - col0]:
            offsets[s + 1] = pos
            continue
        cr = float(r0)
        cc = float(c0)
        sum_r = 0.0
        sum_c = 0.0
        n = 0
        hp[0] = 1.0
        hi[0] = r0 * w_ + c0
        hn = 1
        stamp[r0 - row0, c0 - col0] = in_front
        next_check = 16
        while hn > 0 and n < target:
            idx = hi[0]
            hn -= 1
            if hn > 0:
                hp[0] = hp[hn]
                hi[0] = hi[hn]
                _sift_down(hp, hi, 0, hn)
            r = idx // w_
            c = idx - r * w_
            if stamp[r - row0, c - col0] == in_reg:
                continue
            stamp[r - row0, c - col0] = in_reg
            cells[pos] = idx
            pos += 1
            n += 1
            sum_r += r
            sum_c += c
            for k in range(4):
                rr = r + dr4[k]
                c2 = c + dc4[k]
                if rr < 0 or rr >= h or c2 < 0 or c2 >= w_:
                    continue
                # outside the window is farther than rmax: refused below in any case
                if not (0 <= rr - row0 < wh and 0 <= c2 - col0 < ww):
                    continue
                if not ok[rr - row0, c2 - col0]:
                    continue
                st = stamp[rr - row0, c2 - col0]
                if st in (in_front, in_reg):
                    continue
                # the window: never farther than rmax from the seed, whatever the shape
                if math.sqrt((rr - r0) ** 2 + (c2 - c0) ** 2) > rmax:
                    continue
                d = _dist(rr - cr, c2 - cc, shape, cos_t, sin_t)
                stamp[rr - row0, c2 - col0] = in_front
                if hn >= cap:
                    continue
                hp[hn] = (1.0 - w) * score[rr - row0, c2 - col0] + w * (1.0 - d / rmax)
                hi[hn] = rr * w_ + c2
                _sift_up(hp, hi, hn)
                hn += 1
            if shape == COMPACT and n >= next_check and hn > 0:
                next_check = n + max(16, n // 4)
                cr = sum_r / n
                cc = sum_c / n
                for j in range(hn):
                    rr = hi[j] // w_
                    c2 = hi[j] - rr * w_
                    d = _dist(rr - cr, c2 - cc, shape, cos_t, sin_t)
                    hp[j] = (1.0 - w) * score[rr - row0, c2 - col0] + w * (1.0 - d / rmax)
                for j in range(hn // 2 - 1, -1, -1):
                    _sift_down(hp, hi, j, hn)
        # frontier cells that did not join are no longer "in front" for this seed only:
        # ids are per seed, so nothing to reset
        ssum = 0.0
        esum = 0.0
        en = 0.0
        exposed = 0.0
        for j in range(start, pos):
            idx = cells[j]
            r = idx // w_
            c = idx - r * w_
            v = score[r - row0, c - col0]
            ssum += v
            out = 0
            for k in range(4):
                rr = r + dr4[k]
                c2 = c + dc4[k]
                if (
                    rr - row0 < 0
                    or rr - row0 >= wh
                    or c2 - col0 < 0
                    or c2 - col0 >= ww
                    or stamp[rr - row0, c2 - col0] != in_reg
                ):
                    out += 1
            if out > 0:
                esum += v
                en += 1.0
                exposed += out
        stats[s, 0] = ssum
        stats[s, 1] = esum
        stats[s, 2] = en
        stats[s, 3] = exposed
        offsets[s + 1] = pos
    return cells[:pos], offsets, stats
