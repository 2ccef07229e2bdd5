"""Candidate regions grown on the score grid: seeds, growth, measures, conflicts.

1. **Seeds** are the places where much high-scoring allowed land lies together: the
   score of allowed cells summed over blocks of about a third of the zone's radius and
   smoothed over a zone's diameter; blocks are taken best first, each at least a
   zone's radius from those before it (so the hotspots come first and the rest of the
   land is covered too), each moved to the best cell of its block. Every region of
   allowed land large enough for a zone that holds no seed gets one at its best cell,
   so no isolated patch is missed. The cells are read window by window, the regions
   labelled per window and joined at the seams (:mod:`landprofile.zoning._locate_seeds`).
2. **Growth** (:mod:`landprofile.zoning._grow_kernel`): from each seed, best-first over
   4-connected allowed cells, priority ``(1 - shape_weight) * score + shape_weight *
   (1 - d / rmax)`` — the shape/utility trade-off of ArcGIS *Locate Regions* —, up to
   the target area, never farther than ``rmax`` (2.5 target radii) from the seed: in
   the window of ``rmax`` around it, the only cells it can reach.

Nothing here is the size of the landscape (issue 38): the cells come by window from a
:class:`~landprofile.zoning.cells.Cells` (one grid's arrays or a tiled run's tiles).
3. **Measures**: area, mean score, score-hectares, mean score along the edge,
   compactness (``4 pi A / P^2`` on cell edges: 1 for a disc, 0.785 for a square).
4. **Conflicts**: pairs that share a cell, or whose nearest cells are closer than the
   minimum spacing (or farther than the maximum); distances are between cell squares,
   so the exact zones, which only lose land to exclusions, keep at least that spacing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from landprofile.zoning.cells import Cells

__all__ = ["SHAPES", "Regions", "grow", "seed_cells"]

#: Shape names and their kernel codes.
SHAPES = {"compact": 0, "circle": 1, "square": 2, "ellipse": 3}
_FOUR = ndimage.generate_binary_structure(2, 1)


@dataclass(frozen=True)
class Regions:
    """Grown candidate regions (cells as flat indices of the grid)."""

    cells: np.ndarray
    offsets: np.ndarray
    n_cells: np.ndarray
    mean: np.ndarray
    edge: np.ndarray
    compactness: np.ndarray
    seeds: np.ndarray  # (n, 2) row, col

    def __len__(self) -> int:
        return len(self.n_cells)

    def of(self, i: int) -> np.ndarray:
        """The flat cell indices of region ``i``."""
        return self.cells[self.offsets[i] : self.offsets[i + 1]]


def seed_cells(cells: Cells, r_cells: float, min_cells: int, max_seeds: int) -> np.ndarray:
    """Seeds (row, col) on allowed cells, best first, at most ``max_seeds``.

    The cells are read by window (:mod:`landprofile.zoning._locate_seeds`): nothing the
    size of the landscape is made.
    """
    from landprofile.zoning._locate_seeds import seed_pass

    return seed_pass(cells, r_cells, min_cells, max_seeds).seeds


def label_counts(labels: np.ndarray, n: int, rows: int | None = None) -> np.ndarray:
    """Cells per label, as ``np.bincount``, in bands of rows (about 2**20 cells each).

    ``np.bincount`` copies its input to int64: twice a country's label grid at once.
    """
    if rows is None:
        rows = max(1, 2**20 // max(labels.shape[1], 1))
    counts = np.zeros(n + 1, dtype=np.int64)
    for r in range(0, labels.shape[0], rows):
        counts += np.bincount(labels[r : r + rows].ravel(), minlength=n + 1)
    return counts


def _angle(score: np.ndarray, ok: np.ndarray, r0: int, c0: int, rows: slice, cols: slice) -> float:
    """Orientation (radians) of the allowed land's long axis around a seed at ``r0, c0``.

    ``rows``, ``cols``: the sampled cells, as slices of the window ``score``, ``ok``
    (whose cell ``0, 0`` is the landscape's; the seed is in the window's coordinates).
    """
    wt = np.where(ok[rows, cols], score[rows, cols], 0).astype(float)
    if wt.sum() <= 0:
        return 0.0
    # the sampled cells themselves (a window clipped at the landscape's edge included)
    rr = np.arange(rows.start, rows.stop, rows.step)[: wt.shape[0], None]
    cc = np.arange(cols.start, cols.stop, cols.step)[None, : wt.shape[1]]
    dy, dx = -(rr - r0).astype(float), (cc - c0).astype(float)
    t = wt.sum()
    mx, my = (wt * dx).sum() / t, (wt * dy).sum() / t
    cxx = (wt * (dx - mx) ** 2).sum() / t
    cyy = (wt * (dy - my) ** 2).sum() / t
    cxy = (wt * (dx - mx) * (dy - my)).sum() / t
    # the kernel's (row, col) frame has rows pointing down
    return -0.5 * math.atan2(2 * cxy, cxx - cyy)


def grow(
    cells: Cells,
    seeds: np.ndarray,
    target_cells: int,
    min_cells: int,
    shape: str,
    shape_weight: float,
) -> Regions:
    """Grow a region from every seed; regions under ``min_cells`` and duplicates dropped.

    Each seed grows in the window of ``rmax`` cells around it (no region reaches
    farther), read from ``cells`` with its own stamp: nothing the size of the landscape
    is made. Seeds are read in raster order (neighbouring windows share a tile).
    """
    from landprofile.zoning._grow_kernel import grow_regions

    h, w = cells.shape
    r0 = math.sqrt(target_cells / math.pi)
    rmax = 2.5 * r0 + 2.0
    reach = math.floor(rmax)
    code = SHAPES[shape]
    ra = math.ceil(1.5 * r0)
    step = max(1, ra // 8)
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1, 2)
    n_seeds = len(seeds)
    parts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * n_seeds
    stats = np.zeros((n_seeds, 4), dtype=np.float64)
    for s in np.lexsort((seeds[:, 1], seeds[:, 0])).tolist():
        r, c = int(seeds[s, 0]), int(seeds[s, 1])
        wr0, wc0 = max(0, r - reach), max(0, c - reach)
        score, ok = cells.window(wr0, min(h, r + reach + 1), wc0, min(w, c + reach + 1))
        angle = 0.0
        if code == SHAPES["ellipse"]:
            # the cells sampled around the seed, as on the whole grid
            rows = slice(max(0, r - ra) - wr0, min(h, r + ra + 1) - wr0, step)
            cols = slice(max(0, c - ra) - wc0, min(w, c + ra + 1) - wc0, step)
            angle = _angle(score, ok, r - wr0, c - wc0, rows, cols)
        # ids from 1: a stamp of zeros (0 and 1 are no seed's) needs no fill
        stamp = np.zeros(score.shape, dtype=np.int32)
        got, _, st = grow_regions(
            score,
            ok,
            seeds[s : s + 1],
            np.array([angle]),
            int(target_cells),
            float(rmax),
            float(shape_weight),
            code,
            stamp,
            1,
            wr0,
            wc0,
            h,
            w,
        )
        parts[s] = got
        stats[s] = st[0]
    offsets = np.zeros(n_seeds + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(p) for p in parts])
    cells_all = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    n = np.diff(offsets)
    keep = n >= max(min_cells, 1)
    # the same region from two seeds (a seed inside another's region grows alike)
    sig: set[tuple[int, int, int]] = set()
    for i in np.flatnonzero(keep).tolist():
        c = cells_all[offsets[i] : offsets[i + 1]]
        key = (int(n[i]), int(c.min()), int(c.max()))
        if key in sig:
            keep[i] = False
        sig.add(key)
    idx = np.flatnonzero(keep)
    parts = [cells_all[offsets[i] : offsets[i + 1]] for i in idx]
    new_off = np.zeros(len(idx) + 1, dtype=np.int64)
    new_off[1:] = np.cumsum(n[idx])
    st = stats[idx]
    cnt = n[idx].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = st[:, 0] / cnt
        edge = np.where(st[:, 2] > 0, st[:, 1] / st[:, 2], mean)
        compact = 4 * math.pi * cnt / np.maximum(st[:, 3], 1) ** 2
    return Regions(
        cells=np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64),
        offsets=new_off,
        n_cells=n[idx],
        mean=mean,
        edge=edge,
        compactness=np.minimum(compact, 1.0),
        seeds=seeds[idx],
    )
