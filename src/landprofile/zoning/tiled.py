"""The cell stages of zoning, on one grid or in tiles: exclusions, factors, regions.

:func:`one_grid` is the run that holds the whole analysis grid in memory;
:func:`in_tiles` (:mod:`landprofile.zoning.tiles`) gives the same cells, scores and
regions when the grid does not fit, or when tiles are asked for, with no array the
size of the landscape. Both return a :class:`CellStage` — the cells by window
(:mod:`landprofile.zoning.cells`), the regions' table and the zones cut region by
region — from which :func:`landprofile.zoning.candidates` makes the same exact zones,
conflicts and explanations. Whether to tile, and what a tiled run may hold, is decided
before by :mod:`landprofile.zoning.tile_budget`.
"""

from __future__ import annotations

import functools
import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from rasterio.warp import Resampling

from landprofile._progress import Steps
from landprofile.errors import DataWarning, user_stacklevel
from landprofile.zoning._cells_union import clip_union, union_grouped
from landprofile.zoning.cells import ArrayCells, regions_and_labels
from landprofile.zoning.constraints import build_constraints, mark_cells
from landprofile.zoning.grid import AnalysisGrid, cell_polygons, warp
from landprofile.zoning.regions import Partition, _sizes, partition_regions
from landprofile.zoning.suitability import suitability
from landprofile.zoning.tile_budget import check_largest_region

__all__ = ["CellStage", "in_tiles", "one_grid", "read_rasters", "warn_coarse"]


@dataclass(frozen=True)
class CellStage:
    """What the cell stages give the zones: the grid, rules applied, regions cut."""

    grid: AnalysisGrid
    cons: Any
    suit: Any
    suitable: np.ndarray
    part: Partition
    per_rule: dict[str, Any]
    excluded_all: Any
    parts: np.ndarray
    #: Tiles computed (0: one grid) and tiles in all.
    n_tiles: int = 0
    #: The score and suitable mask by window (:mod:`landprofile.zoning.cells`), and the
    #: regions' table (first cell, box, cells of each 4-connected region).
    cells: Any = None
    regions: Any = None


def _partition(rs: Any, grid: AnalysisGrid, table: Any, mask_of: Any) -> Partition:
    """The zones region by region (``regions.partition_regions``), as pieces."""
    split = rs.split != "none"
    return partition_regions(
        table,
        mask_of,
        grid.cell_ha,
        rs.zones("min_area_ha", 25.0),
        rs.zones("max_area_ha", 0.0) if split else None,
    )


def _exclusion_geometry(cons: Any, grid: AnalysisGrid, raster: dict[str, Any]) -> tuple:
    """Each rule's land in the landscape, their union, and the parts zones are cut by.

    ``raster``: the raster rules' cells, already polygonised (by the tiles, or by the
    calling thread before this runs on a second one: see :func:`one_grid`).
    """
    per_rule = {
        n: clip_union(cons.rule_union(n), grid.boundary)
        if n in cons.shapes
        else shapely.intersection(raster[n], grid.boundary)
        for n in cons.names
    }
    # the rules' areas overlap little: united where they meet only
    excluded_all = union_grouped(
        np.concatenate([shapely.get_parts(g) for g in per_rule.values()] or [np.array([])])
    )
    return per_rule, excluded_all, _vector_parts(cons)


def _vector_parts(cons: Any) -> np.ndarray:
    """The parts of the vector rules' unions (computed once: the unions are cached)."""
    # zones are cut by the whole buffered areas (also beyond the landscape, whose
    # boundary clips them anyway)
    return np.concatenate(
        [shapely.get_parts(cons.rule_union(n)) for n in cons.shapes] or [np.array([])]
    ).astype(object)


def one_grid(
    rs: Any, grid: AnalysisGrid, layers: dict, rasters: dict, legend_lut: dict, steps: Steps
) -> CellStage:
    """Exclusions, factors and regions with the whole grid in memory."""
    lc_groups = None
    if rasters.get("land_cover") is not None:
        lc = warp(rasters["land_cover"], grid, Resampling.nearest, "int32", -1)
        lc_groups = np.full(lc.shape, "", dtype=object)
        for value in np.unique(lc):
            if value in legend_lut:
                lc_groups[lc == value] = legend_lut[value]
        del lc
    slope = None
    if rasters.get("dem") is not None:
        z = warp(rasters["dem"], grid, Resampling.bilinear, "float32", np.nan)
        gy, gx = np.gradient(z, grid.res)
        slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    steps.start("exclusions")
    cons = build_constraints(rs, layers, grid, lc_groups, slope, cells=False)
    # raster rules' geometry is made from their cells: then it waits for them
    from_cells = any(rs.exclude[n]["layer"] in ("land_cover", "dem") for n in cons.names)
    # The exact exclusion geometry (GEOS, which releases the GIL) is built on the second
    # core — from the buffered shapes, while the cells are burnt — and the scores
    # (numpy, edt) on this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = None if from_cells else pool.submit(_exclusion_geometry, cons, grid, {})
        cons = mark_cells(cons, rs, grid, lc_groups, slope)
        if future is None:
            # The raster rules' cells are polygonised here, not on the second thread:
            # rasterio's shapes() silences a warning of its own inside catch_warnings,
            # which swaps the process-wide filters; with another thread inside such a
            # block (pandas, rasterio and shapely all open them) the two restore them out
            # of order and the warning reaches the user (tests/test_threads.py). The
            # second thread gets GEOS work only.
            cells = {
                n: cell_polygons(cons.mask(n) & grid.inside, grid)
                for n in cons.names
                if n not in cons.shapes
            }
            future = pool.submit(_exclusion_geometry, cons, grid, cells)
        steps.start("factors")
        geology = rasters.get("geology", layers.get("geology"))
        suit = suitability(rs, layers, grid, geology, lc_groups)
        del lc_groups, slope
        steps.start("regions")
        suitable = grid.inside & ~cons.excluded & (suit.score >= rs.zones("min_score", 0.4))
        lab, table = regions_and_labels(suitable)
        part = _partition(rs, grid, table, functools.partial(_in_box, lab, table))
        del lab
        steps.start("exclusion_union")
        per_rule, excluded_all, parts = future.result()
    return CellStage(
        grid,
        cons,
        suit,
        suitable,
        part,
        per_rule,
        excluded_all,
        parts,
        cells=ArrayCells(suit.score, suitable),
        regions=table,
    )


def _in_box(lab: np.ndarray, table: Any, r: int) -> np.ndarray:
    """Region ``r``'s cells in its box, from the one grid's region labels."""
    r0, r1, c0, c1 = (int(v) for v in table.box[r - 1])
    return lab[r0:r1, c0:c1] == r


def in_tiles(
    rs: Any,
    grid: AnalysisGrid,
    layers: dict,
    rasters: dict,
    legend_lut: dict,
    steps: Steps,
    *,
    side: int,
    halo: int,
    client: Any = None,
    checkpoint: Any = None,
    progress: Any = None,
) -> CellStage:
    """The same cells, scores and regions as :func:`one_grid`, computed tile by tile."""
    from landprofile._progress import nested
    from landprofile.zoning._raster_travel import travel
    from landprofile.zoning.cells import TiledCells, region_mask
    from landprofile.zoning.region_seams import regions_from_tiles
    from landprofile.zoning.tiles import Shared, TiledSuitability, plan
    from landprofile.zoning.tiles_run import TileStore, inputs_key, run_tiles

    steps.start("exclusions")
    # the rules and their exact shapes once; the cells tile by tile
    cons = build_constraints(
        rs,
        layers,
        grid,
        True if rasters.get("land_cover") is not None else None,
        True if rasters.get("dem") is not None else None,
        cells=False,
    )
    tiles = plan(grid.height, grid.width, side, halo)
    shared = Shared(
        crs_wkt=grid.crs.to_wkt(),
        res=grid.res,
        transform=grid.transform,
        boundary=grid.boundary,
        rules=rs,
        layers={k: v for k, v in layers.items()},
        names=list(cons.names),
        shapes=dict(cons.shapes),
        known=frozenset(k for k, v in layers.items() if v is not None and len(v)),
        land_cover=travel(rasters.get("land_cover")),
        lut=dict(legend_lut),
        dem=travel(rasters.get("dem")),
        geology=travel(rasters.get("geology")),
        min_score=rs.zones("min_score", 0.4),
    )
    # hashing the rasters' bytes is for resuming: a temporary store needs no key
    key = (
        inputs_key(shared, grid.height, grid.width, side, halo, checkpoint=checkpoint)
        if checkpoint is not None
        else "run"
    )
    store = TileStore(checkpoint, key)
    steps.end()
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the exact vector geometry on the second core while the tiles run
        future = pool.submit(_vector_parts, cons)
        try:
            seconds = run_tiles(tiles, shared, store, client=client, progress=nested(progress, ""))
        except BaseException:
            future.cancel()
            raise
        steps.timings["tiles"] = seconds
        steps.start("regions")
        # the regions from the tiles' edge lines; their cells read back by window
        table, raster_geoms = regions_from_tiles(grid.height, grid.width, tiles, store.load)
        cells = TiledCells(grid.height, grid.width, tiles, store)
        first = store.load(tiles[0])
        suit = TiledSuitability(
            factors={k: None for k in first["factors"]},
            weights=first["weights"],
            skipped=first["skipped"],
            tiles=tiles,
            store=store,
            cells=cells,
        )
        del first
        check_largest_region(
            table,
            grid.width * grid.height,
            grid.cell_ha,
            _sizes(grid.cell_ha, rs.zones("min_area_ha", 25.0), None)[0],
        )
        part = _partition(rs, grid, table, lambda r: region_mask(cells, table, r)[0])
        steps.start("exclusion_union")
        parts = future.result()
    per_rule, excluded_all, _ = _exclusion_geometry(cons, grid, raster_geoms)
    # no landscape-sized grid: the suitable mask is read from the cells when asked
    return CellStage(
        grid,
        cons,
        suit,
        None,
        part,
        per_rule,
        excluded_all,
        parts,
        len(tiles),
        cells=cells,
        regions=table,
    )


def read_rasters(inputs: dict[str, Any], legend: Any, landscape: Any) -> tuple[dict, dict]:
    """The rasters given (opened lazily) and the land cover legend's value -> group."""
    from landprofile.legend import load_legend
    from landprofile.raster import read_raster
    from landprofile.zoning.grid import is_raster

    rasters = {
        k: read_raster(inputs[k], bounds=landscape.bounds_lonlat)
        for k in ("land_cover", "dem")
        if inputs[k] is not None
    }
    if inputs["geology"] is not None and is_raster(inputs["geology"]):
        rasters["geology"] = read_raster(inputs["geology"])
    lut = (
        {c.value: c.group for c in load_legend(legend or "esa_worldcover_v200").classes}
        if inputs["land_cover"] is not None
        else {}
    )
    return rasters, lut


def warn_coarse(rasters: dict[str, Any], rs: Any, layers: dict, landscape: Any) -> None:
    """Warn once (DataWarning) when a raster's cells are wider than the smallest rule distance."""
    dists = []
    for rule in rs.exclude.values():
        if layers.get(rule["layer"]) is not None and float(rule.get("buffer_m", 0)) > 0:
            dists.append((float(rule["buffer_m"]), f"exclude buffer_m of {rule['layer']}"))
    if not dists:
        return
    smallest, which = min(dists)
    used = {r.get("layer") for r in [*rs.exclude.values(), *rs.favour.values()]}
    coarse = []
    for name, r in rasters.items():
        if r is None or name not in used:
            continue
        cell_m = _cell_m(r, landscape)
        if cell_m > smallest:
            coarse.append(f"{name} {r.label} (cells about {cell_m:,.0f} m)")
    if coarse:
        warnings.warn(
            f"raster cells wider than the smallest distance a rule looks at ({which}: "
            f"{smallest:,.0f} m): {'; '.join(coarse)}; the rule is applied at the "
            "raster's cells, not at its distance. Use a finer source (worldcover:2021 is "
            "10 m, copdem30 30 m)",
            DataWarning,
            stacklevel=user_stacklevel(),
        )


def _cell_m(r: Any, landscape: Any) -> float:
    a, e = abs(r.transform.a), abs(r.transform.e)
    if r.crs.is_geographic:
        lat = math.radians(landscape.bounds_lonlat[1] / 2 + landscape.bounds_lonlat[3] / 2)
        return math.sqrt(a * 111_320 * math.cos(lat) * e * 110_574)
    unit = r.crs.axis_info[0].unit_conversion_factor if r.crs.axis_info else 1.0
    return math.sqrt(a * e) * unit
