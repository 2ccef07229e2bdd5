"""Seeds of candidate regions, found reading the cells band by band (see :mod:`.grow`).

One pass over the landscape in windows (a tile's size, :func:`~._locate_cells.chunk_shape`,
in raster order) gathers what the seeds need, and nothing the size of the landscape:

- the score of allowed cells summed over blocks of ``f`` x ``f`` cells (windows are
  whole blocks) and, for every block with a sum, its best cell (the first in raster
  order, as ``argmax`` on the block): kept for those blocks only, so the seeds' memory
  follows the land that passed the rules, not the landscape (the sums are smoothed
  window by window, :func:`smoothed`, and the seeds kept apart by buckets,
  :func:`spread`);
- the regions of allowed land (4-connected), each window labelled on its own and the
  windows' labels joined across their seams (a label on a window's last row or column
  and the label next to it in the next window are one region): per region its cells,
  its best score and the first cell in raster order that has it.

Block seeds come first (best block first, each a zone's radius from those before);
then every region large enough for a zone that holds no seed gets one at its best cell.
Region numbers are not needed: the extra seeds are sorted by score, then row, column.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from landprofile.zoning._locate_cells import chunk_shape
from landprofile.zoning.cells import Cells

__all__ = ["SeedPass", "seed_pass"]

_FOUR = ndimage.generate_binary_structure(2, 1)


class SeedPass:
    """What one pass over the cells gives: the seeds and the allowed cells counted."""

    def __init__(self, seeds: np.ndarray, n_allowed: int):
        #: ``(n, 2)`` row, col, best first.
        self.seeds = seeds
        #: Allowed cells (suitable, not locked in) in the landscape.
        self.n_allowed = n_allowed


class _Regions:
    """Regions' pieces per window (global ids from 1) and the seams that join them."""

    def __init__(self, width: int) -> None:
        self.n = 0
        self.width = width
        self.count: list[np.ndarray] = []
        self.best: list[np.ndarray] = []
        self.at: list[np.ndarray] = []
        self.joins: list[np.ndarray] = []
        # ids on the row above the window row being read, and on the column left of
        # the window being read: the seams
        self.above = np.zeros(width, dtype=np.int64)
        self.below = np.zeros(width, dtype=np.int64)
        self.left: np.ndarray | None = None

    def next_row(self) -> None:
        """The windows that follow start a new row of windows."""
        self.above, self.below = self.below, self.above
        self.below[:] = 0
        self.left = None

    def add(self, score: np.ndarray, ok: np.ndarray, r0: int, c0: int) -> np.ndarray:
        """Label a window (at row ``r0``, column ``c0``); its global ids."""
        lab, n = ndimage.label(ok, structure=_FOUR)
        gid = lab.astype(np.int64)
        if n:
            flat = np.flatnonzero(lab)
            lv = lab.ravel()[flat]
            sv = score.ravel()[flat]
            self.count.append(np.bincount(lv, minlength=n + 1)[1:].astype(np.int64))
            best = np.full(n + 1, -np.inf, dtype=np.float32)
            np.maximum.at(best, lv, sv)
            hit = sv == best[lv]
            r, c = np.divmod(flat[hit], ok.shape[1])
            at = np.full(n + 1, np.iinfo(np.int64).max, dtype=np.int64)
            # the first best cell in raster order of the landscape
            np.minimum.at(at, lv[hit], (r + r0) * self.width + c + c0)
            self.best.append(best[1:])
            self.at.append(at[1:])
            gid[lab > 0] += self.n
        self.n += n
        if gid.size:
            c1 = c0 + gid.shape[1]
            for near, edge in ((self.above[c0:c1], gid[0]), (self.left, gid[:, 0])):
                if near is None:
                    continue
                both = (near > 0) & (edge > 0)
                if both.any():
                    self.joins.append(np.unique(np.c_[near[both], edge[both]], axis=0))
            self.below[c0:c1] = gid[-1]
            self.left = gid[:, -1].copy()
        return gid

    def components(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per piece its region (0-based), and per region its cells, best score, its cell."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = self.n
        if self.joins:
            e = np.concatenate(self.joins) - 1
            graph = coo_matrix((np.ones(len(e), np.int8), (e[:, 0], e[:, 1])), shape=(n, n))
            k, comp = connected_components(graph, directed=False)
        else:
            k, comp = n, np.arange(n)
        count = np.concatenate(self.count)
        best = np.concatenate(self.best)
        at = np.concatenate(self.at)
        n_cells = np.bincount(comp, weights=count, minlength=k).astype(np.int64)
        top = np.full(k, -np.inf, dtype=np.float32)
        np.maximum.at(top, comp, best)
        first = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
        hit = best == top[comp]
        np.minimum.at(first, comp[hit], at[hit])
        return comp, n_cells, top, first


#: Blocks a side of the windows the block sums are smoothed in (plus the filter's reach).
SMOOTH_BLOCKS = 1024


def smoothed(blk: np.ndarray, sums: np.ndarray, hc: int, wc: int, k: int) -> np.ndarray:
    """The block sums' ``k`` x ``k`` mean (``uniform_filter``, zeros outside) at each block given.

    ``blk``: the blocks with a sum (row * wc + col, ascending), ``sums`` theirs; every
    other block of the ``hc`` x ``wc`` grid is 0. The blocks are smoothed by windows of
    :data:`SMOOTH_BLOCKS` blocks a side (fixed in blocks: one grid and any tiling give
    the same means), each over the box of its blocks with a sum and the filter's reach
    around it: no grid of all blocks is made, at most ``SMOOTH_BLOCKS**2`` float64s.
    """
    out = np.zeros(len(blk))
    if not len(blk):
        return out
    half = k // 2
    side = SMOOTH_BLOCKS
    n_cols = -(-wc // side)
    br, bc = np.divmod(blk, wc)
    win = (br // side) * n_cols + bc // side
    by = np.argsort(win, kind="stable")
    bounds = np.flatnonzero(np.diff(win[by])) + 1
    for mine in np.split(by, bounds):
        # the window's blocks with a sum and the filter's reach around them (cut at the
        # grid's edge): a window is as large as the land in it
        r0, r1 = max(0, int(br[mine].min()) - half), min(hc, int(br[mine].max()) + 1 + half)
        c0, c1 = max(0, int(bc[mine].min()) - half), min(wc, int(bc[mine].max()) + 1 + half)
        lo, hi = np.searchsorted(blk, [r0 * wc, r1 * wc])
        rr, cc = br[lo:hi], bc[lo:hi]
        inside = (cc >= c0) & (cc < c1)
        dense = np.zeros((r1 - r0, c1 - c0), dtype=np.float64)
        dense[rr[inside] - r0, cc[inside] - c0] = sums[lo:hi][inside]
        sm = ndimage.uniform_filter(dense, size=k, mode="constant")
        out[mine] = sm[br[mine] - r0, bc[mine] - c0]
    return out


def spread(pr: np.ndarray, pc: np.ndarray, order: np.ndarray, sep: int, most: int) -> np.ndarray:
    """Blocks taken in ``order``, each more than ``sep`` blocks (either way) from those before.

    Positions in ``pr``/``pc``, at most ``most``. The blocks taken are kept in buckets
    of ``sep`` blocks a side (a block within ``sep`` of one lies in the 3 x 3 buckets
    around it), not in a grid of all blocks.
    """
    buckets: dict[tuple[int, int], list[tuple[int, int]]] = {}
    chosen: list[int] = []
    for i in order.tolist():
        r, c = int(pr[i]), int(pc[i])
        br, bc = r // sep, c // sep
        near = False
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for r2, c2 in buckets.get((br + dr, bc + dc), ()):
                    if abs(r - r2) <= sep and abs(c - c2) <= sep:
                        near = True
                        break
                if near:
                    break
            if near:
                break
        if near:
            continue
        chosen.append(i)
        buckets.setdefault((br, bc), []).append((r, c))
        if len(chosen) >= most:
            break
    return np.array(chosen, dtype=np.int64)


def seed_pass(
    cells: Cells,
    r_cells: float,
    min_cells: int,
    max_seeds: int,
    chunk: tuple[int, int] | None = None,
) -> SeedPass:
    """Seeds (row, col) on allowed cells, best first, at most ``max_seeds``.

    ``chunk``: rows and columns of the windows read (rounded up to whole blocks); by
    default a tile's (:func:`~._locate_cells.chunk_shape`).
    """
    from landprofile.zoning._locate_blocks import block_sums

    h, w = cells.shape
    f = max(1, int(r_cells // 3))
    hc, wc = -(-h // f), -(-w // f)
    # for the blocks with a sum > 0 (the only ones seeded): the block (row * wc + col),
    # its sum, its best cell (flat index) and the piece of region that cell lies in
    blocks: list[np.ndarray] = []
    block_sum: list[np.ndarray] = []
    best_at: list[np.ndarray] = []
    best_id: list[np.ndarray] = []
    ch_r, ch_c = chunk_shape(cells, f) if chunk is None else chunk
    ch_r, ch_c = f * max(1, -(-int(ch_r) // f)), f * max(1, -(-int(ch_c) // f))
    regions = _Regions(w)
    n_allowed = 0
    for a in range(0, h, ch_r):
        b = min(a + ch_r, h)
        for c in range(0, w, ch_c):
            d = min(c + ch_c, w)
            score, ok = cells.window(a, b, c, d)
            n_allowed += int(np.count_nonzero(ok))
            gid = regions.add(score, ok, a, c)
            shape = (-(-(b - a) // f), -(-(d - c) // f))
            sums = np.zeros(shape, dtype=np.float64)
            br = np.empty(shape, dtype=np.int64)
            bc = np.empty(shape, dtype=np.int64)
            block_sums(np.ascontiguousarray(score), np.ascontiguousarray(ok), f, sums, br, bc)
            i, j = np.nonzero(sums > 0)
            if len(i):
                r, q = br[i, j], bc[i, j]
                blocks.append((i + a // f) * wc + j + c // f)
                block_sum.append(sums[i, j])
                best_at.append((r + a) * w + q + c)
                best_id.append(gid[r, q])
        regions.next_row()
    k = 2 * max(1, math.ceil(r_cells / f)) + 1
    if blocks:
        blk = np.concatenate(blocks)
        by = np.argsort(blk, kind="stable")  # raster order of the blocks
        blk = blk[by]
        sums_nz = np.concatenate(block_sum)[by]
        at = np.concatenate(best_at)[by]
        bid = np.concatenate(best_id)[by]
    else:
        blk = np.zeros(0, dtype=np.int64)
        sums_nz = np.zeros(0)
        at = bid = blk
    sm = smoothed(blk, sums_nz, hc, wc, k)
    # best first, each at least a zone's radius from the seeds before it: the local
    # maxima come first (hotspots are centred), then the rest of the land, so every
    # part of it has a seed within about a zone's diameter
    pr, pc = np.divmod(blk, wc)
    order = np.lexsort((pc, pr, -sm))
    chosen = spread(pr, pc, order, max(1, k // 2), max_seeds)
    sr, sc = np.divmod(at[chosen], w)
    seeds = np.c_[sr, sc]
    seed_ids = bid[chosen]
    # every region big enough for a zone gets a seed (at its best cell)
    if regions.n and len(seeds) < max_seeds:
        comp, n_cells, top, first = regions.components()
        seeded = np.zeros(len(n_cells), dtype=bool)
        seeded[comp[seed_ids - 1]] = True
        want = np.flatnonzero((n_cells >= max(min_cells, 1)) & ~seeded)
        fr, fc = np.divmod(first[want], w)
        extra = np.lexsort((fc, fr, -top[want].astype(np.float64)))
        extra = extra[: max_seeds - len(seeds)]
        seeds = np.concatenate([seeds, np.c_[fr[extra], fc[extra]]])
    return SeedPass(np.asarray(seeds, dtype=np.int64).reshape(-1, 2), n_allowed)
