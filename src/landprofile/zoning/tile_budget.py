"""How much memory and disk a zoning run in tiles needs, checked before it is spent.

Two checks, each raising :class:`~landprofile.errors.ResourceLimitError` with what the
run needs and the limit (or resolution) that would let it run:

- :func:`tile_size`, before anything is allocated: whether one grid fits, else the
  side of a tile such that a tile with its halo and what grows with the landscape
  (``tiles.STITCH_BYTES`` a cell) fit the memory limit, and the tiles' store
  (``tiles.DISK_BYTES`` a cell, and ``FACTOR_DISK_BYTES`` per factor) the free disk;
- :func:`check_largest_region`, once the tiles are joined: the one array that does not
  shrink with the tile is a region's box while the region is cut into zones
  (:func:`landprofile.zoning.regions.partition_regions`), and where the rules pass most
  of the land a region can be a large share of the landscape. Its size is known only
  then, so it is checked before the cut, instead of failing for memory in the middle.

Split from :mod:`landprofile.zoning.tiled` along the data flow (plan, then run).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from landprofile._resources import gib_text as _gib
from landprofile._resources import memory_limit_bytes
from landprofile.errors import DataWarning, ResourceLimitError, user_stacklevel
from landprofile.zoning._disk import free_disk_bytes
from landprofile.zoning.grid import ZONING_BYTES, AnalysisGrid
from landprofile.zoning.tiles import (
    DEFAULT_TILE_CELLS,
    DISK_BYTES,
    FACTOR_DISK_BYTES,
    SECONDS_PER_CELL,
    STITCH_BYTES,
)

__all__ = ["REGION_BOX_BYTES", "check_largest_region", "tile_size"]

#: Peak memory while a region is cut and its zones measured, per cell of its box: the
#: peak grew 20.5 bytes a box cell from 30 to 240 km squares where all the land passes
#: the rules (largest boxes of 0.84-30.75 M cells; ``bench_country.py --tables open``,
#: ``benchmarks/RESULTS.md`` "Item 1's limit"), rounded up.
REGION_BOX_BYTES = 24


def check_largest_region(table: Any, cells: int, cell_ha: float, min_cells: int) -> None:
    """Refuse a tiled run whose largest kept region does not fit the memory limit.

    ``table``: the regions (:class:`landprofile.zoning.cells.RegionTable`); ``cells``:
    the whole grid's (what grows with the landscape, ``tiles.STITCH_BYTES`` each);
    ``min_cells``: the smallest region kept (a smaller one is never cut).
    """
    if not len(table):
        return
    box = np.asarray(table.box, dtype=np.int64)
    area = (box[:, 1] - box[:, 0]) * (box[:, 3] - box[:, 2])
    area[np.asarray(table.n_cells) < min_cells] = 0
    r = int(np.argmax(area))
    if area[r] == 0:
        return
    need = cells * STITCH_BYTES + int(area[r]) * REGION_BOX_BYTES
    limit = memory_limit_bytes()
    if need <= limit:
        return
    r0, r1, c0, c1 = (int(v) for v in box[r])
    raise ResourceLimitError(
        f"tiled zoning: its largest region (region {r + 1}: rows {r0}-{r1}, columns "
        f"{c0}-{c1} of the analysis grid, {int(table.n_cells[r]) * cell_ha:,.0f} ha of land "
        f"that passes every rule) is cut into zones in its box of {int(area[r]):,} cells, "
        f"about {_gib(int(area[r]) * REGION_BOX_BYTES)} GiB ({REGION_BOX_BYTES} bytes a "
        f"cell of the box), which with the {_gib(cells * STITCH_BYTES)} GiB that grows "
        f"with the landscape is more than the limit of {_gib(limit)} GiB; set "
        "lp.options.max_memory_gb / LANDPROFILE_MAX_MEMORY_GB to "
        f"{math.ceil(need / 2**30 * 100) / 100:g} or more, or cut that land: raise "
        "zones.min_score, add an exclusion layer that crosses it, or split the landscape"
    )


def tile_size(
    grid: AnalysisGrid,
    tile_cells: int | None,
    halo: int,
    what: str,
    *,
    force: bool = False,
    factors: int = 0,
) -> int | None:
    """The side of a tile's core in cells, or ``None`` when one grid fits (and none is asked).

    ``force``: tiles even when one grid fits (a cluster was given). ``factors``: factor
    rules, each kept in the tiles' store (its disk).

    Raises :class:`ResourceLimitError` when even the tiled run does not fit (in memory,
    or its tiles' store on the temporary folder's disk), with what the tiled
    run needs, the limit that would let it run and its estimated time.
    """
    cells = grid.width * grid.height
    limit = memory_limit_bytes()
    if tile_cells is None and not force and cells * ZONING_BYTES <= limit:
        return None
    # tiles as large as the memory left by the landscape-sized part allows, at most the
    # default, at least the smallest worth cutting (a tile narrower than its halo
    # computes mostly halo)
    smallest = max(256, halo)
    side = tile_cells or DEFAULT_TILE_CELLS
    if tile_cells is None:
        free = limit - cells * STITCH_BYTES
        fit = math.isqrt(max(int(free / ZONING_BYTES), 0)) - 2 * halo
        side = max(min(side, fit), smallest)
    need = cells * STITCH_BYTES + (side + 2 * halo) ** 2 * ZONING_BYTES
    if need > limit:
        raise ResourceLimitError(_refusal(what, grid, cells, side, halo, need, limit))
    per_cell = DISK_BYTES + FACTOR_DISK_BYTES * max(int(factors), 0)
    disk = cells * per_cell
    if disk > free_disk_bytes():
        raise ResourceLimitError(
            f"{what}: {cells:,} cells; even in tiles the run keeps about {_gib(disk)} GiB "
            f"on disk (up to {per_cell} bytes a cell: the tiles' score, suitable mask and "
            f"{int(factors)} factors), more than the {_gib(free_disk_bytes())} GiB free in the "
            "temporary folder (set TMPDIR to a disk with room, or a coarser resolution_m, "
            f"or split the landscape); about {_hours(cells)}"
        )
    if halo > side:
        # each tile computes its core and a halo on each side: (side + 2 halo)^2 cells
        # for side^2 kept; past halo = side that is over 9 times the work of one grid
        n = math.ceil(grid.height / side) * math.ceil(grid.width / side)
        work = (side + 2 * halo) ** 2 / side**2
        warnings.warn(
            f"{what}: tiles of {side:,} cells a side with a halo of {halo:,} cells (the "
            f"farthest a distance factor looks): {n:,} tiles, each computing about "
            f"{work:,.0f} times its own cells; use tiles of at least {halo:,} cells a side "
            "(tile_cells / lp.options.zoning_tile_cells / LANDPROFILE_ZONING_TILE_CELLS)",
            DataWarning,
            stacklevel=user_stacklevel(),
        )
    return int(side)


def _bytes(n: float) -> str:
    """``1 byte`` / ``0.25 byte`` / ``2 bytes``."""
    return f"{n:g} byte" + ("s" if n > 1 else "")


def _hours(cells: int) -> str:
    """The tiled run's time on one core, from the measured seconds a cell."""
    sec = cells * SECONDS_PER_CELL
    shown = f"{sec:,.0f} s" if sec < 90 else f"{sec / 60:,.0f} min"
    return f"{sec / 3600:.2g} h on one core ({shown})"


def _refusal(
    what: str, grid: AnalysisGrid, cells: int, side: int, halo: int, need: int, limit: int
) -> str:
    """Why the tiled run does not fit, what it needs and what limit or resolution would do."""
    tile = (side + 2 * halo) ** 2 * ZONING_BYTES
    room = limit - tile
    # cells go as 1/res²; the tile does not (its side is in cells)
    if room > 0:
        finest = grid.res * math.sqrt(cells * STITCH_BYTES / room)
        finer = f"the finest resolution that fits is about {math.ceil(finest * 10) / 10:g} m, or "
    else:
        finer = "no resolution fits (one tile alone is over the limit): "
    return (
        f"{what}: {cells:,} cells; even in tiles the run needs about {_gib(need)} GiB of "
        f"memory ({_gib(cells * STITCH_BYTES)} GiB for what grows with the landscape, its "
        f"regions and seams, at {_bytes(STITCH_BYTES)} a cell, and {_gib(tile)} GiB for one "
        f"tile of {side:,} cells a side with a halo of "
        f"{halo:,}), more than the limit of {_gib(limit)} GiB, and about {_hours(cells)}; "
        f"{finer}set lp.options.max_memory_gb / LANDPROFILE_MAX_MEMORY_GB to "
        f"{math.ceil(need / 2**30 * 100) / 100:g} or more, or split the landscape"
    )
