"""The tiled run's last memory check: the largest region, cut into zones in its box.

A tiled run holds a tile, not the landscape (:mod:`landprofile.zoning.tiles`), with one
exception: each region is cut into zones in its own box
(:func:`landprofile.zoning.regions.partition_regions`), and the zones step then sums
and traces it there. Where the rules pass most of the land, a region is the land
between two exclusions and its box can be a large share of the landscape. Its size is
known only once the tiles are joined, so it is checked then, before the cut: a run that
would not fit is refused with the region's place and size and what would let it run,
instead of failing for memory in the middle of the cut.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from landprofile._resources import gib_text as _gib
from landprofile._resources import memory_limit_bytes
from landprofile.errors import ResourceLimitError
from landprofile.zoning.tiles import STITCH_BYTES

__all__: list[str] = []

#: Peak memory while a region is cut and its zones measured, per cell of its box:
#: measured 17-20 bytes past the rest of the run on squares of 60-240 km where all the
#: land passes the rules (largest boxes of 3.1-30.7 M cells; ``benchmarks/RESULTS.md``,
#: "Item 1's limit"), rounded up.
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
