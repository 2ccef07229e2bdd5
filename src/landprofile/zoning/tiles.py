"""A grid too large for memory, in tiles: the same cells, scores and regions as one grid.

A country at 30 m is hundreds of millions of cells; the one-grid run keeps about 80
bytes per cell (``grid.ZONING_BYTES``). The tiled run cuts the analysis grid into
square tiles, each computed with a *halo* of cells around it as wide as the farthest
distance any factor looks at (plus two cells), and keeps of each only its core:

- exclusions are exact vectors burnt at cell centres, and land cover / slope rules
  are per cell (slope needs one neighbour): a tile's cells are the grid's cells;
- a distance factor is exact wherever the nearest feature lies within the halo, and
  a feature beyond it is farther than the factor reaches (its value there is 0,
  whatever the distance);
- rasters are warped with GDAL's exact transformer from a window two source pixels
  wider than the tile, so a cell's value does not depend on the window.

So score, exclusion bits and "passes the rules" are equal cell for cell. What is
global is joined without a grid the size of the landscape: regions are labelled per
tile and joined across the seams by a union-find on the labels of the tiles' edge
lines (:mod:`landprofile.zoning.region_seams`), which gives the regions' table (first
cell, box, cells; numbered in raster order of the first cell, as
``scipy.ndimage.label`` numbers them). The tiles' store (one file per tile) is then the
source of the cells: a region's cells are read back by window of its box
(:class:`landprofile.zoning.cells.TiledCells`), the equal-area bisection runs region by
region in its box (:func:`landprofile.zoning.regions.partition_regions`) and the zones
step sums scores per zone in those boxes and factors tile by tile
(:mod:`landprofile.zoning.region_zones`), exactly as on one grid. Nothing is normalised
over the landscape (factor weights are normalised over the rules, not the cells).

The process holds a tile, the tiles' edge lines, the regions' table and the zones (a
region's box at a time while it is cut, then each region's zones in its box), not the
landscape; ``locate`` too reads its seeds, growths and locked-in cells by window. The
whole grid's score and suitable mask are stitched from the tiles only for a caller that
asks for them (``TiledSuitability.score``, ``ZoningContext.suitable``:
``TiledCells.grids``), into unlinked memory-mapped files
(:mod:`landprofile.zoning._disk`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS
from rasterio.warp import Resampling

from landprofile.zoning.constraints import rule_cells
from landprofile.zoning.grid import AnalysisGrid, cell_polygons, warp
from landprofile.zoning.suitability import suitability

__all__ = ["Shared", "Tile", "TiledSuitability", "compute_tile", "plan"]

#: Peak memory of a tiled run per cell of the whole grid, past the tile in work. No
#: landscape-sized array is made: what grows with the landscape is the tiles' edge
#: lines (a row of tiles' bottom lines), the regions' table and the zones, about 100
#: bytes a region (its first cell, box and cells, and the pieces it is joined from).
#: Measured 0.12-0.24 byte a cell of peak anonymous memory on 30-180 km squares at
#: 512-cell tiles, candidates and locate (tests/test_tiles_memory.py); 1 byte a cell
#: leaves room for land cut into a region every hundred cells. It was 2, and 12 with
#: the stitched grids in memory. Not in it: the largest region's box while the region is
#: cut (``tile_budget.REGION_BOX_BYTES`` a cell), checked once the regions are known.
STITCH_BYTES = 1
#: Disk a tiled run uses per cell of the whole grid in its tiles' store (one file per
#: tile, in the temporary folder): the score (float32) and the suitable mask, and
#: ``FACTOR_DISK_BYTES`` for each factor (float32; one value where a factor is
#: constant over the tile). No landscape-sized file: locate reads the tiles too.
DISK_BYTES = 5
FACTOR_DISK_BYTES = 4
#: Cells of a tile's core on a side, when the grid is tiled because it does not fit.
DEFAULT_TILE_CELLS = 4096
#: Seconds per cell of a tiled run in one process (Ghana at 30 m: 112 s for 431 M
#: cells), rounded up, for the guard's estimate.
SECONDS_PER_CELL = 3e-7


@dataclass(frozen=True)
class Tile:
    """One tile: its core (rows ``r0:r1``, columns ``c0:c1`` of the grid) and its window."""

    index: int
    core: tuple[int, int, int, int]
    window: tuple[int, int, int, int]

    @property
    def cells(self) -> int:
        """Cells of the window (core and halo): what a worker holds."""
        r0, r1, c0, c1 = self.window
        return (r1 - r0) * (c1 - c0)


def plan(height: int, width: int, tile_cells: int, halo: int) -> list[Tile]:
    """Tiles of ``tile_cells`` x ``tile_cells`` cells covering the grid, with ``halo`` cells."""
    n = max(1, int(tile_cells))
    out = []
    for r0 in range(0, height, n):
        for c0 in range(0, width, n):
            r1, c1 = min(r0 + n, height), min(c0 + n, width)
            win = (
                max(r0 - halo, 0),
                min(r1 + halo, height),
                max(c0 - halo, 0),
                min(c1 + halo, width),
            )
            out.append(Tile(len(out), (r0, r1, c0, c1), win))
    return out


def halo_cells(rs: Any, present: set[str], res: float) -> int:
    """Cells of halo: the farthest a distance factor with data looks, plus two cells."""
    reach = res
    for rule in rs.favour.values():
        lays = rule.get("layers") or [rule.get("layer")]
        if lays[0] in ("geology", "land_cover") or not any(x in present for x in lays):
            continue
        if lays[0] == "sites":
            reach = max(reach, float(rule.get("decay_m", 5000.0)))
        else:
            reach = max(
                reach, float(rule.get("max_m", 5000.0)) + float(rule.get("decay_m", 10000.0))
            )
    return math.ceil(reach / res) + 2


@dataclass(frozen=True)
class Shared:
    """What every tile needs, sent to the workers once."""

    crs_wkt: str
    res: float
    transform: Affine
    boundary: Any
    rules: Any
    layers: dict[str, Any]
    #: Exclusion rules used (in bit order) and the buffered shapes of the vector ones.
    names: list[str]
    shapes: dict[str, np.ndarray]
    known: frozenset[str]
    land_cover: Any = None
    lut: dict[int, str] = field(default_factory=dict)
    dem: Any = None
    geology: Any = None
    min_score: float = 0.4


def _subset(gdf: Any, box: Any) -> Any:
    if gdf is None or not len(gdf):
        return gdf
    idx = np.sort(shapely.STRtree(gdf.geometry.to_numpy()).query(box, predicate="intersects"))
    return gdf.iloc[idx]


def compute_tile(
    tile: Tile, shared: Shared, windows: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Exclusions, factors and scores of one tile (its window), kept on its core.

    Runs on a worker: a pure function of the tile and the shared inputs. ``windows``:
    rasters sent with this tile (by name: ``land_cover``, ``dem``), read instead of the
    shared ones (:mod:`landprofile.zoning._raster_travel`).
    """
    from landprofile.zoning._raster_travel import read_travelled

    wr0, wr1, wc0, wc1 = tile.window
    h, w = wr1 - wr0, wc1 - wc0
    transform = shared.transform @ Affine.translation(wc0, wr0)
    inside = rasterio.features.rasterize(
        [(shared.boundary, 1)], out_shape=(h, w), transform=transform, dtype="uint8"
    ).astype(bool)
    tg = AnalysisGrid(
        CRS.from_wkt(shared.crs_wkt),
        transform,
        w,
        h,
        shared.res,
        inside,
        shared.boundary,
        origin=(wr0, wc0),
    )
    box = tg.box
    layers = {k: _subset(v, box) for k, v in shared.layers.items()}
    lc_groups = None
    if shared.land_cover is not None:
        lc = warp(
            read_travelled("land_cover", shared.land_cover, windows),
            tg,
            Resampling.nearest,
            "int32",
            -1,
        )
        lc_groups = np.full(lc.shape, "", dtype=object)
        for value in np.unique(lc):
            if value in shared.lut:
                lc_groups[lc == value] = shared.lut[value]
        del lc
    slope = None
    if shared.dem is not None:
        z = warp(
            read_travelled("dem", shared.dem, windows), tg, Resampling.bilinear, "float32", np.nan
        )
        gy, gx = np.gradient(z, shared.res)
        slope = np.degrees(np.arctan(np.hypot(gx, gy)))
        del z, gy, gx
    rs = shared.rules
    cr, cc = (
        slice(tile.core[0] - wr0, tile.core[1] - wr0),
        slice(tile.core[2] - wc0, tile.core[3] - wc0),
    )
    excluded = np.zeros((h, w), dtype=bool)
    raster_geoms: dict[str, bytes] = {}
    core_t = transform @ Affine.translation(cc.start, cr.start)
    core_grid = AnalysisGrid(
        tg.crs,
        core_t,
        cc.stop - cc.start,
        cr.stop - cr.start,
        shared.res,
        inside[cr, cc],
        shared.boundary,
    )
    for name in shared.names:
        rule = rs.exclude[name]
        shapes = shared.shapes.get(name)
        if shapes is not None and len(shapes):
            shapes = shapes[np.sort(shapely.STRtree(shapes).query(box, predicate="intersects"))]
        m = rule_cells(rule, shapes, tg, lc_groups, slope)
        excluded |= m
        if rule["layer"] in ("land_cover", "dem"):
            raster_geoms[name] = shapely.to_wkb(
                cell_polygons(m[cr, cc] & inside[cr, cc], core_grid)
            )
    del slope
    geology = shared.geology if shared.geology is not None else layers.get("geology")
    suit = suitability(rs, layers, tg, geology, lc_groups, shared.known)
    score = np.ascontiguousarray(suit.score[cr, cc])
    ok = inside[cr, cc] & ~excluded[cr, cc] & (score >= shared.min_score)
    return {
        "index": tile.index,
        "score": score,
        "suitable": ok,
        "factors": {k: np.ascontiguousarray(f[cr, cc]) for k, f in suit.factors.items()},
        "weights": dict(suit.weights),
        "skipped": list(suit.skipped),
        "raster_geoms": raster_geoms,
    }


@dataclass(frozen=True)
class TiledSuitability:
    """A :class:`~landprofile.zoning.suitability.Suitability` whose grids stay in tiles.

    ``factors`` names the factors (values ``None``); ``cells`` reads the score by window
    from the tiles' store; :meth:`factor_sums` sums each factor per zone, tile by tile.
    """

    factors: dict[str, None]
    weights: dict[str, float]
    skipped: list[str]
    tiles: list[Tile] = field(repr=False)
    store: Any = field(repr=False)
    #: The score and suitable mask by window (:class:`landprofile.zoning.cells.TiledCells`).
    cells: Any = field(repr=False, default=None)

    @property
    def score(self) -> np.ndarray:
        """The whole grid's score, stitched on first use into an unlinked file.

        Only for a caller that wants the landscape's grid (a notebook, a check); every
        step of the run reads windows (``cells``).
        """
        return self.cells.grids()[0]

    @property
    def normalised_weights(self) -> dict[str, float]:
        """Weights scaled to sum to 1 (empty when no factor applies)."""
        total = sum(self.weights.values())
        return {k: w / total for k, w in self.weights.items()} if total else {}

    def factor_sums(self, zones: Any, n: int) -> dict[str, np.ndarray]:
        """Per zone (1..n), the sum of each factor over its cells.

        ``zones``: the zones as pieces (:class:`landprofile.zoning.regions.Piece`, each
        a region's zones in its box), or a zones grid (cut into pieces first). Each tile
        is read once, for the pieces it overlaps; per zone the tiles' partial sums are
        added in tile order.
        """
        out = {k: np.zeros(n, dtype=np.float64) for k in self.factors}
        if not out:
            return out
        if isinstance(zones, np.ndarray):
            from landprofile.zoning.region_zones import pieces_of_labels

            zones = pieces_of_labels(zones, n)
        if not len(zones):
            return out
        box = np.array([p.box for p in zones], dtype=np.int64).reshape(-1, 4)
        for t in self.tiles:
            r0, r1, c0, c1 = t.core
            hit = np.flatnonzero(
                (box[:, 0] < r1) & (box[:, 1] > r0) & (box[:, 2] < c1) & (box[:, 3] > c0)
            )
            if not len(hit):
                continue
            factors = None
            for i in hit.tolist():
                p = zones[i]
                pr0, _, pc0, _ = p.box
                a0, a1 = max(r0, p.box[0]), min(r1, p.box[1])
                b0, b1 = max(c0, p.box[2]), min(c1, p.box[3])
                lab = p.labels[a0 - pr0 : a1 - pr0, b0 - pc0 : b1 - pc0]
                sel = lab > 0
                if not sel.any():
                    continue
                if factors is None:
                    factors = self.store.load(t)["factors"]
                lab = lab[sel].astype(np.intp)
                k = p.k
                z = slice(p.first - 1, p.first - 1 + k)
                for name in out:
                    f = factors[name][a0 - r0 : a1 - r0, b0 - c0 : b1 - c0]
                    out[name][z] += np.bincount(lab, weights=f[sel], minlength=k + 1)[1:]
        return out
