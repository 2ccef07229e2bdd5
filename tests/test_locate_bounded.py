"""locate reads its cells by window (issue 38 item 1): one grid's answer, bounded memory.

- The seeds found window by window (regions labelled per window, joined across the
  seams) are those of the whole-grid definition written here with ``scipy.ndimage``
  (block sums of the allowed score, best block first, every region big enough seeded
  at its best cell), with locked-in cells cutting regions, for windows of every size.
- Each candidate grown in its window is the region the kernel grows on the whole grid.
- ``locate`` on the tiles' store (``cells.TiledCells``, small tiles, permits across the
  seams) gives the one-grid zones and candidates, and never reads the landscape's mask.
- On landscapes of growing size with the same land that passes the rules (cells made
  window by window from a formula: no array of the landscape exists), the peak of what
  the seeds and the growth allocate (tracemalloc) grows by at most 64 bytes a column
  (the seams) and 4 MiB; a label grid and a stamp grid, as before, were 8 bytes a cell.
"""

from __future__ import annotations

import dataclasses
import math
import tracemalloc
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from scipy import ndimage
from shapely.geometry import LineString, Point, box

import landprofile as lp
from landprofile.errors import RulesWarning, ScaleWarning, SelectionWarning
from landprofile.zoning import candidates, locate
from landprofile.zoning._locate_cells import WithoutLocked
from landprofile.zoning._locate_seeds import seed_pass
from landprofile.zoning.cells import ArrayCells, TiledCells
from landprofile.zoning.grow import SHAPES, grow

FOUR = ndimage.generate_binary_structure(2, 1)


def _field(h: int, w: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Blobs of suitable land, scores in multiples of 1/1024 (sums exact in any order)."""
    rng = np.random.default_rng(seed)
    z = ndimage.gaussian_filter(rng.normal(size=(h, w)), 4.0)
    z = (z - z.min()) / (z.max() - z.min())
    score = (np.round(z * 1024) / 1024).astype(np.float32)
    return score, score >= 0.55


def _reference_seeds(score, ok, r_cells, min_cells, max_seeds):
    """Seeds by their definition on the whole grid (scipy.ndimage, whole-grid labels)."""
    h, w = score.shape
    f = max(1, int(r_cells // 3))
    hc, wc = -(-h // f), -(-w // f)
    allowed = np.zeros((hc * f, wc * f), dtype=np.float32)
    allowed[:h, :w] = np.where(ok, score, 0)
    blocks = allowed.reshape(hc, f, wc, f).transpose(0, 2, 1, 3).reshape(hc, wc, f * f)
    s = blocks.sum(axis=2, dtype=np.float64)
    k = 2 * max(1, math.ceil(r_cells / f)) + 1
    sm = ndimage.uniform_filter(s, size=k, mode="constant")
    pr, pc = np.nonzero(s > 0)
    sep = max(1, k // 2)
    taken = np.zeros((hc, wc), dtype=bool)
    seeds = []
    for i in np.lexsort((pc, pr, -sm[pr, pc])):
        r, c = pr[i], pc[i]
        if taken[r, c]:
            continue
        j = int(np.argmax(blocks[r, c]))
        seeds.append((r * f + j // f, c * f + j % f))
        taken[max(0, r - sep) : r + sep + 1, max(0, c - sep) : c + sep + 1] = True
        if len(seeds) >= max_seeds:
            break
    lab, n = ndimage.label(ok, structure=FOUR)
    seeded = {int(lab[r, c]) for r, c in seeds}
    extra = []
    for i in range(1, n + 1):
        m = lab == i
        if m.sum() < max(min_cells, 1) or i in seeded:
            continue
        v = np.where(m, score, -np.inf)
        j = int(np.argmax(v))
        extra.append((-float(v.flat[j]), j // w, j % w))
    extra.sort()
    _reference_seeds.n_extra = len(extra[: max_seeds - len(seeds)])
    seeds += [(r, c) for _, r, c in extra[: max_seeds - len(seeds)]]
    return np.array(seeds, dtype=np.int64).reshape(-1, 2)


@pytest.mark.parametrize("r_cells", [2.0, 7.5, 13.0])
@pytest.mark.parametrize("chunk", [(1024, 1024), (16, 24), (1, 1)])
def test_seeds_by_window_are_the_whole_grids(r_cells, chunk):
    score, suitable = _field(150, 170, 5)
    # locked-in cells: a band across the landscape and a block, cutting regions in two
    locked = np.zeros_like(suitable)
    locked[70:73, :] = True
    locked[20:40, 100:110] = True
    ok = suitable & ~locked
    n = ndimage.label(suitable, structure=FOUR)[1]
    m = ndimage.label(ok, structure=FOUR)[1]
    assert m > n  # the locked cells do cut regions
    cells = WithoutLocked(ArrayCells(score, suitable), np.flatnonzero(locked))
    extras = 0
    for min_cells, max_seeds in ((1, 10_000), (12, 400), (30, 7)):
        want = _reference_seeds(score, ok, r_cells, min_cells, max_seeds)
        extras += _reference_seeds.n_extra
        got = seed_pass(cells, r_cells, min_cells, max_seeds, chunk=chunk)
        assert np.array_equal(got.seeds, want), (min_cells, max_seeds)
        assert got.n_allowed == int(ok.sum())
    # regions no block seeded got their seed (at their best cell) too
    assert extras > 0 or r_cells < 3


def _reference_angle(score, ok, r0, c0, r):
    # the long axis of the allowed land around the seed, sampled on the whole grid
    h, w = score.shape
    step = max(1, r // 8)
    rows = np.arange(max(0, r0 - r), min(h, r0 + r + 1), step)
    cols = np.arange(max(0, c0 - r), min(w, c0 + r + 1), step)
    wt = np.where(ok[np.ix_(rows, cols)], score[np.ix_(rows, cols)], 0).astype(float)
    if wt.sum() <= 0:
        return 0.0
    dy, dx = -(rows[:, None] - r0).astype(float), (cols[None, :] - c0).astype(float)
    t = wt.sum()
    mx, my = (wt * dx).sum() / t, (wt * dy).sum() / t
    cxx = (wt * (dx - mx) ** 2).sum() / t
    cyy = (wt * (dy - my) ** 2).sum() / t
    cxy = (wt * (dx - mx) * (dy - my)).sum() / t
    return -0.5 * math.atan2(2 * cxy, cxx - cyy)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_growth_in_windows_is_the_whole_grids(shape):
    from landprofile.zoning._grow_kernel import grow_regions

    score, ok = _field(160, 140, 11)
    target = 300
    r0 = math.sqrt(target / math.pi)
    rmax = 2.5 * r0 + 2.0
    # seeds inside, at the corners and edges (windows clipped by the landscape)
    rr, cc = np.nonzero(ok)
    pick = np.linspace(0, len(rr) - 1, 25).astype(int)
    seeds = np.c_[rr[pick], cc[pick]]
    edge = [(r, c) for r, c in zip(rr, cc, strict=True) if r in (0, 159) or c in (0, 139)]
    seeds = np.concatenate([seeds, np.array(edge[:: max(1, len(edge) // 6)]).reshape(-1, 2)])
    angles = np.array(
        [
            _reference_angle(score, ok, r, c, math.ceil(1.5 * r0)) if shape == "ellipse" else 0.0
            for r, c in seeds.tolist()
        ]
    )
    # the oracle: every seed grown on the whole grid, one stamp for all
    stamp = np.zeros(score.shape, dtype=np.int32)
    cells, offsets, stats = grow_regions(
        score, ok, seeds, angles, target, rmax, 0.4, SHAPES[shape], stamp, 1, 0, 0, 160, 140
    )
    regs = grow(ArrayCells(score, ok), seeds, target, 20, shape, 0.4)
    assert len(regs) >= 10
    n = np.diff(offsets)
    for i in range(len(regs)):
        s = int(np.flatnonzero((seeds == regs.seeds[i]).all(axis=1))[0])
        assert np.array_equal(regs.of(i), cells[offsets[s] : offsets[s + 1]])
        assert regs.mean[i] == stats[s, 0] / n[s]
        assert regs.compactness[i] == min(4 * math.pi * n[s] / max(stats[s, 3], 1) ** 2, 1.0)
    # every seed's region of at least 20 cells is kept, duplicates once
    keys = set()
    for s in np.flatnonzero(n >= 20).tolist():
        c = cells[offsets[s] : offsets[s + 1]]
        keys.add((int(n[s]), int(c.min()), int(c.max())))
    assert len(regs) == len(keys)


UTM = CRS.from_epsg(32630)
X0, Y0 = 600_000.0, 700_000.0
RULES = """
name = "bounded"
[zones]
min_area_ha = 10.0
max_area_ha = 400.0
min_score = 0.35
[exclude.rivers]
layer = "rivers"
buffer_m = 60.0
[favour.geology]
layer = "geology"
weight = 0.4
default = 0.3
[favour.existing_sites]
layer = "sites"
weight = 0.6
decay_m = 1500.0
"""


class _Store:
    """A tiles' store held in a dict: each tile's core cut from the one grid's arrays."""

    def __init__(self, score, suitable, tiles):
        self.loads = 0
        self._got = {}
        for t in tiles:
            r0, r1, c0, c1 = t.core
            self._got[t.index] = {
                "score": score[r0:r1, c0:c1].copy(),
                "suitable": suitable[r0:r1, c0:c1].copy(),
            }

    def load(self, tile):
        self.loads += 1
        return self._got[tile.index]


class _TiledContext:
    """The run's context with the tiles' cells and no landscape mask to read."""

    def __init__(self, ctx, cells):
        for f in dataclasses.fields(ctx):
            if f.name not in ("cells", "suitable"):
                object.__setattr__(self, f.name, getattr(ctx, f.name))
        self.cells = cells

    @property
    def suitable(self):
        raise AssertionError("locate read the landscape's mask")


@pytest.fixture(scope="module")
def scene():
    rng = np.random.default_rng(2)
    centres = ((2500, 2500), (6500, 5000), (2000, 7000), (7000, 1500))
    xy = np.concatenate([rng.normal([X0 + cx, Y0 + cy], 500, (8, 2)) for cx, cy in centres])
    sites = gpd.GeoDataFrame(
        {"site_id": [f"S{i}" for i in range(len(xy))]},
        geometry=[Point(x, y).buffer(40) for x, y in xy],
        crs=UTM,
    )
    rivers = gpd.GeoDataFrame(
        geometry=[LineString([(X0 + 4_000, Y0 - 100), (X0 + 4_700, Y0 + 9_100)])], crs=UTM
    )
    ls = lp.Landscape(
        name="bounded",
        geometry=box(X0, Y0, X0 + 9_000, Y0 + 9_000),
        crs=UTM,
        provenance=lp.Provenance(method="custom", source="test"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        warnings.simplefilter("ignore", RulesWarning)
        res = candidates(ls, rules=RULES, sites=sites, rivers=rivers, resolution_m=30.0)
    # permits across the tiles' seams (64 cells = 1,920 m) and cutting suitable land
    permits = gpd.GeoDataFrame(
        {"permit": ["P1", "P2"]},
        geometry=[
            shapely.box(X0 + 1_800, Y0 + 1_700, X0 + 2_100, Y0 + 2_600),
            Point(X0 + 6_720, Y0 + 5_760).buffer(260),
        ],
        crs=UTM,
    )
    return res, permits, (ls, sites, rivers)


def _tiled(res, tile: int):
    from landprofile.zoning.tiles import Tile

    ctx = res.context
    h, w = res.grid.height, res.grid.width
    tiles = [
        Tile(i, core, core)
        for i, core in enumerate(
            (r, min(r + tile, h), c, min(c + tile, w))
            for r in range(0, h, tile)
            for c in range(0, w, tile)
        )
    ]
    store = _Store(np.asarray(ctx.suit.score), np.asarray(ctx.suitable), tiles)
    cells = TiledCells(h, w, tiles, store)
    return dataclasses.replace(res, context=_TiledContext(ctx, cells)), store


@pytest.mark.parametrize("tile", [64, 97])
def test_locate_on_the_tiles_is_the_one_grids(scene, tile):
    res, permits, _ = scene
    tiled, store = _tiled(res, tile)
    for kw in (
        {"n_zones": 5, "zone_area_ha": (10, 150)},
        {"n_zones": 6, "zone_area_ha": (10, 120), "lock_in": permits, "min_spacing_m": 200.0},
        {"total_area_ha": 600, "zone_area_ha": (10, 200), "shape": "ellipse"},
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SelectionWarning)
            one = locate(res, **kw)
            got = locate(tiled, **kw)
        a, b = one.zones, got.zones
        assert len(a) >= 3
        assert list(a["zone_id"]) == list(b["zone_id"])
        assert list(a["candidate_id"]) == list(b["candidate_id"])
        assert np.array_equal(a["score"].to_numpy(), b["score"].to_numpy())
        assert np.array_equal(a["area_ha"].to_numpy(), b["area_ha"].to_numpy())
        assert shapely.equals(a.geometry.values, b.geometry.values).all()
        ca, cb = one.selection["candidates"], got.selection["candidates"]
        assert len(ca) == len(cb) > 10
        assert np.array_equal(ca["utility"].to_numpy(), cb["utility"].to_numpy())
        assert shapely.equals(ca.geometry.values, cb.geometry.values).all()
        assert one.summary["other_suitable_ha"] == got.summary["other_suitable_ha"]
        if "lock_in" in kw:
            assert a["locked"].sum() == 2
    assert store.loads > 0


def test_a_tiled_run_locates_without_stitching_the_landscape(scene, monkeypatch):
    from landprofile.zoning.cells import TiledCells

    _res, permits, (ls, sites, rivers) = scene
    select = {"n_zones": 6, "zone_area_ha": (10, 120), "lock_in": permits}

    def refuse(self):
        raise AssertionError("locate stitched the landscape's grids")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = candidates(
            ls, rules=RULES, sites=sites, rivers=rivers, resolution_m=30.0, select=select
        )
        # the whole grid's score and mask are stitched only when asked (grids): never
        monkeypatch.setattr(TiledCells, "grids", refuse)
        tiled = candidates(
            ls,
            rules=RULES,
            sites=sites,
            rivers=rivers,
            resolution_m=30.0,
            select=select,
            tile_cells=128,
        )
    assert isinstance(tiled.context.cells, TiledCells)
    a, b = one.zones, tiled.zones
    assert len(a) >= 4
    assert a["locked"].sum() == 2
    assert list(a["candidate_id"]) == list(b["candidate_id"])
    assert np.array_equal(a["score"].to_numpy(), b["score"].to_numpy())
    assert (
        shapely.area(shapely.symmetric_difference(a.geometry.values, b.geometry.values)).max()
        <= 1.0
    )
    assert one.selection["n_candidates"] == tiled.selection["n_candidates"]


class _Formula:
    """Cells made window by window from a formula: no array of the landscape exists.

    Suitable land (blobs) only in the ``land`` x ``land`` cells of the north-west
    corner, so every size has the same seeds and regions; the rest scores 0.1.
    """

    def __init__(self, side: int, land: int = 600):
        self.shape = (side, side)
        self.land = land

    def window(self, r0, r1, c0, c1):
        h, w = self.shape
        r0, r1, c0, c1 = max(r0, 0), min(r1, h), max(c0, 0), min(c1, w)
        rr = np.arange(r0, r1, dtype=np.float32)[:, None]
        cc = np.arange(c0, c1, dtype=np.float32)[None, :]
        z = 0.5 + 0.25 * np.sin(rr / 23.0) * np.cos(cc / 31.0) + 0.25 * np.sin((rr + cc) / 57.0)
        inside = (rr < self.land) & (cc < self.land)
        score = np.where(inside, z, np.float32(0.1)).astype(np.float32)
        return score, (score >= 0.62)


def _peak(side: int, tile: int):
    cells = _Formula(side)
    target = 2000  # cells: r_cells 25.2, blocks of 8 x 8
    r = math.sqrt(target / math.pi)
    tracemalloc.start()
    try:
        found = seed_pass(cells, r, 50, 400, chunk=(tile, tile))
        regs = grow(cells, found.seeds, target, 50, "compact", 0.5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(regs) > 20
    return peak, found, regs


def test_the_seeds_and_growth_memory_grows_with_the_blocks_not_the_cells():
    tile = 256
    _peak(700, tile)  # numba's compilation, before any measure
    small_peak, small, small_regs = _peak(2048, tile)
    big_peak, big, big_regs = _peak(6144, tile)
    # the same land, the same seeds and regions
    assert np.array_equal(small.seeds, big.seeds)
    assert np.array_equal(np.divmod(small_regs.cells, 2048), np.divmod(big_regs.cells, 6144))
    extra = 6144**2 - 2048**2
    # the blocks are kept where there is land only (the same here), the windows read
    # are a tile's: what grows is the seams' rows of region ids (8 bytes a column,
    # twice, and a window's row of 256 blocks), at most 64 bytes a column, plus 4 MiB
    # for the allocator
    grown = big_peak - small_peak
    print(f"traced peak {small_peak / 2**20:.1f} MiB at 2048², {big_peak / 2**20:.1f} MiB at 6144²")
    assert grown <= 64 * (6144 - 2048) + 4 * 2**20, (grown, small_peak, big_peak)
    # while a label grid and a stamp grid, as before, were 8 bytes a cell
    assert grown < 0.01 * 8 * extra
