"""Candidate regions grown on the score grid: seeds, growth, measures, conflicts.

1. **Seeds** are the places where much high-scoring allowed land lies together: the
   score of allowed cells summed over blocks of about a third of the zone's radius and
   smoothed over a zone's diameter; blocks are taken best first, each at least a
   zone's radius from those before it (so the hotspots come first and the rest of the
   land is covered too), each moved to the best cell of its block. Every region of
   allowed land large enough for a zone that holds no seed gets one at its best cell,
   so no isolated patch is missed.
2. **Growth** (:mod:`landprofile.zoning._grow_kernel`): from each seed, best-first over
   4-connected allowed cells, priority ``(1 - shape_weight) * score + shape_weight *
   (1 - d / rmax)`` — the shape/utility trade-off of ArcGIS *Locate Regions* —, up to
   the target area, never farther than ``rmax`` (2.5 target radii) from the seed.
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

from landprofile.zoning._disk import disk_array, on_disk

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


def seed_cells(
    score: np.ndarray, ok: np.ndarray, r_cells: float, min_cells: int, max_seeds: int
) -> np.ndarray:
    """Seeds (row, col) on allowed cells, best first, at most ``max_seeds``."""
    h, w = score.shape
    f = max(1, int(r_cells // 3))
    hc, wc = -(-h // f), -(-w // f)
    s = np.zeros((hc, wc), dtype=np.float64)
    # block sums one band of blocks at a time: no copy of a country's score grid
    for i in range(hc):
        band = _allowed(score, ok, i * f, 0, f, wc * f)
        s[i] = band.reshape(1, f, wc, f).sum(axis=(1, 3), dtype=np.float64)[0]
    k = 2 * max(1, math.ceil(r_cells / f)) + 1
    sm = ndimage.uniform_filter(s, size=k, mode="constant")
    # best first, each at least a zone's radius from the seeds before it: the local
    # maxima come first (hotspots are centred), then the rest of the land, so every
    # part of it has a seed within about a zone's diameter
    pr, pc = np.nonzero(s > 0)
    order = np.lexsort((pc, pr, -sm[pr, pc]))
    sep = max(1, k // 2)
    taken = np.zeros((hc, wc), dtype=bool)
    chosen: list[tuple[int, int]] = []
    for i in order.tolist():
        r, c = int(pr[i]), int(pc[i])
        if taken[r, c]:
            continue
        chosen.append((r, c))
        taken[max(0, r - sep) : r + sep + 1, max(0, c - sep) : c + sep + 1] = True
        if len(chosen) >= max_seeds:
            break
    seeds = []
    for r, c in chosen:
        b = _allowed(score, ok, r * f, c * f, f, f)
        j = int(np.argmax(b))
        seeds.append((r * f + j // f, c * f + j % f))
    # every region big enough for a zone gets a seed (at its best cell); a tiled run's
    # grids are in files (zoning._disk), and so are these labels
    if on_disk(ok) or on_disk(score):
        lab = disk_array(ok.shape, np.int32)
        n = ndimage.label(ok, structure=_FOUR, output=lab)
    else:
        lab, n = ndimage.label(ok, structure=_FOUR)
    if n and len(seeds) < max_seeds:
        counts = label_counts(lab, n)
        seeded = {int(lab[r, c]) for r, c in seeds}
        extra = []
        for i, sl in enumerate(ndimage.find_objects(lab), start=1):
            if sl is None or counts[i] < max(min_cells, 1) or i in seeded:
                continue
            best, r, c = _best_cell(lab, score, i, sl)
            extra.append((-best, r, c))
        extra.sort()
        seeds += [(r, c) for _, r, c in extra[: max_seeds - len(seeds)]]
    return np.array(seeds, dtype=np.int64).reshape(-1, 2)


def _best_cell(lab: np.ndarray, score: np.ndarray, i: int, sl: tuple) -> tuple[float, int, int]:
    """The best score of region ``i`` (in its box ``sl``) and its first cell in raster order.

    In bands of rows: a region of a country's size has a box of a country's size.
    """
    rows = max(1, 2**18 // max(sl[1].stop - sl[1].start, 1))
    best, at = -np.inf, (sl[0].start, sl[1].start)
    for r0 in range(sl[0].start, sl[0].stop, rows):
        band = (slice(r0, min(r0 + rows, sl[0].stop)), sl[1])
        v = np.where(lab[band] == i, score[band], -np.inf)
        j = int(np.argmax(v))
        # strictly better only: the first best cell in raster order, as one argmax
        if v.flat[j] > best:
            best = float(v.flat[j])
            at = (band[0].start + j // v.shape[1], sl[1].start + j % v.shape[1])
    return best, at[0], at[1]


def _allowed(score: np.ndarray, ok: np.ndarray, r0: int, c0: int, nr: int, nc: int) -> np.ndarray:
    """Allowed cells' score over rows ``r0:r0+nr``, columns ``c0:c0+nc`` (0 elsewhere)."""
    out = np.zeros((nr, nc), dtype=np.float32)
    sub = score[r0 : r0 + nr, c0 : c0 + nc]
    np.copyto(out[: sub.shape[0], : sub.shape[1]], sub, where=ok[r0 : r0 + nr, c0 : c0 + nc])
    return out


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


def _angles(score: np.ndarray, ok: np.ndarray, seeds: np.ndarray, r: int) -> np.ndarray:
    """Orientation (radians) of the allowed land's long axis around each seed."""
    out = np.zeros(len(seeds))
    step = max(1, r // 8)
    for i, (r0, c0) in enumerate(seeds.tolist()):
        sl = (slice(max(0, r0 - r), r0 + r + 1, step), slice(max(0, c0 - r), c0 + r + 1, step))
        wt = np.where(ok[sl], score[sl], 0).astype(float)
        if wt.sum() <= 0:
            continue
        rr, cc = np.mgrid[sl]
        dy, dx = -(rr - r0).astype(float), (cc - c0).astype(float)
        t = wt.sum()
        mx, my = (wt * dx).sum() / t, (wt * dy).sum() / t
        cxx = (wt * (dx - mx) ** 2).sum() / t
        cyy = (wt * (dy - my) ** 2).sum() / t
        cxy = (wt * (dx - mx) * (dy - my)).sum() / t
        # the kernel's (row, col) frame has rows pointing down
        out[i] = -0.5 * math.atan2(2 * cxy, cxx - cyy)
    return out


def grow(
    score: np.ndarray,
    ok: np.ndarray,
    seeds: np.ndarray,
    target_cells: int,
    min_cells: int,
    shape: str,
    shape_weight: float,
) -> Regions:
    """Grow a region from every seed; regions under ``min_cells`` and duplicates dropped."""
    from landprofile.zoning._grow_kernel import grow_regions

    r0 = math.sqrt(target_cells / math.pi)
    rmax = 2.5 * r0 + 2.0
    code = SHAPES[shape]
    angles = (
        _angles(score, ok, seeds, math.ceil(1.5 * r0))
        if code == SHAPES["ellipse"]
        else np.zeros(len(seeds))
    )
    # ids from 1: a stamp of zeros (0 and 1 are no seed's) needs no fill, and a file's
    # zeros take no disk until written
    big = on_disk(ok) or on_disk(score)
    stamp = disk_array(score.shape, np.int32) if big else np.zeros(score.shape, dtype=np.int32)
    cells, offsets, stats = grow_regions(
        score if big else np.ascontiguousarray(score, dtype=np.float32),
        ok if big else np.ascontiguousarray(ok),
        seeds,
        angles,
        int(target_cells),
        float(rmax),
        float(shape_weight),
        code,
        stamp,
        1,
    )
    n = np.diff(offsets)
    keep = n >= max(min_cells, 1)
    # the same region from two seeds (a seed inside another's region grows alike)
    sig: set[tuple[int, int, int]] = set()
    for i in np.flatnonzero(keep).tolist():
        c = cells[offsets[i] : offsets[i + 1]]
        key = (int(n[i]), int(c.min()), int(c.max()))
        if key in sig:
            keep[i] = False
        sig.add(key)
    idx = np.flatnonzero(keep)
    parts = [cells[offsets[i] : offsets[i + 1]] for i in idx]
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
