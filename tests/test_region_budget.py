"""The tiled run checks its largest region before cutting it (issue 38 items 1 and 2).

A tiled run holds a tile, not the landscape, except while a region is cut into zones in
its box. Where the rules pass all the land the region is the landscape: the run must
refuse it in one sentence that names the region and the limit that would let it run,
and that limit must then let it run, to the same zones as one grid.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import shapely

import landprofile as lp
from landprofile.errors import ResourceLimitError
from landprofile.zoning.tile_budget import REGION_BOX_BYTES

RULES = """
[zones]
min_area_ha = 25.0
max_area_ha = 2000.0
split = "bisect"
min_score = 0.0
[favour.geology]
layer = "geology"
weight = 1.0
default = 0.5
"""


def _run(km: float, **kw):
    x0, y0 = 500_000.0, 800_000.0
    ls = lp.Landscape(
        name=f"open land {km:g} km",
        geometry=shapely.box(x0, y0, x0 + km * 1000, y0 + km * 1000),
        crs=32630,
        provenance=lp.Provenance(method="custom", source="test"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.zoning.candidates(ls, rules=RULES, resolution_m=30.0, **kw)


@pytest.fixture
def limit():
    old = lp.options.max_memory_gb

    def set_(gib):
        lp.options.max_memory_gb = gib

    yield set_
    lp.options.max_memory_gb = old


def test_a_region_too_large_for_the_limit_is_refused_with_the_limit_that_fits(limit):
    km = 30.0
    cells = 1000 * 1000
    # the tiles fit (a 256-cell tile with a two-cell halo is about 5 MB), the region's
    # box (the whole landscape) does not
    limit(cells * REGION_BOX_BYTES / 2 / 2**30)
    with pytest.raises(ResourceLimitError) as err:
        _run(km, tile_cells=256)
    text = str(err.value)
    assert "largest region" in text
    # the region is the landscape: its box is the landscape's 1,000 cells a side
    r0, r1, c0, c1 = (
        int(v) for v in re.search(r"rows (\d+)-(\d+), columns (\d+)-(\d+) of the", text).groups()
    )
    assert (r1 - r0, c1 - c0) == (1000, 1000), text
    assert "90,000 ha of land that passes every rule" in text
    assert "zones.min_score" in text
    asked = float(re.search(r"LANDPROFILE_MAX_MEMORY_GB to ([\d.]+) or more", text).group(1))
    assert asked * 2**30 >= cells * REGION_BOX_BYTES
    # the limit it names lets the same run go on, to the zones of one grid
    limit(asked)
    tiled = _run(km, tile_cells=256)
    limit(None)
    one = _run(km)
    assert len(tiled.zones) == len(one.zones) >= 40
    np.testing.assert_allclose(tiled.zones["area_ha"], one.zones["area_ha"], rtol=0, atol=1e-6)
    assert list(tiled.zones["zone_id"]) == list(one.zones["zone_id"])
