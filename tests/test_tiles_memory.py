"""A tiled zoning run's memory is bounded by its tile, not by its landscape (issue 38).

- The guard's refusal says what the tiled run needs, in positive numbers, and the limit
  it names lets the run through (it said "one tile of -338 cells a side ... 0.0 h").
- Under a memory limit below the whole grid's score, regions and masks (12 bytes a cell,
  what the tiled run used to keep in memory), the tiled run gives the one-grid answer.
- Peak memory, measured in child processes (the largest anonymous resident memory, and
  tracemalloc's peak of what Python and numpy allocated) on square landscapes of
  growing size (30 to 180 km, 1.4 to 39 M cells) at a fixed tile size, candidates and
  locate, grows by at most ``GROWTH_BYTES`` (0.25) a cell of the landscape plus 8 MiB
  past what the smallest run needs: no landscape-sized array is made (regions joined
  at the seams, zones cut and measured region by region, locate by window). A grid
  of one byte a cell would break it. Measured: 0.12-0.24 byte a cell.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import landprofile as lp
from landprofile.errors import ResourceLimitError

HERE = Path(__file__).resolve()


def _limit(gib):
    old = lp.options.max_memory_gb
    lp.options.max_memory_gb = gib
    return old


def test_the_guard_names_what_the_tiled_run_needs_and_the_limit_that_lets_it_run():
    from landprofile.zoning.tile_budget import tile_size

    # the Western Region at 30 m (44 M cells, 169 cells of halo): it used to be refused
    # under 0.35 GiB with "one tile of -338 cells a side"; now it runs in tiles
    west = SimpleNamespace(width=6_650, height=6_650, res=30.0)
    old = _limit(0.35)
    try:
        side = tile_size(west, None, 169, "west")
        assert side is not None
        assert 256 <= side <= 4096
        lp.options.max_memory_gb = 0.05
        with pytest.raises(ResourceLimitError) as err:
            tile_size(west, None, 169, "west")
        text = str(err.value)
        # no negative number, no zero time or memory
        assert not re.search(r"-\d", text), text
        assert " 0.0 " not in text
        assert float(re.search(r"about ([\d.e]+) h on one core", text)[1]) > 0
        assert "one tile of 256 cells a side with a halo of 169" in text
        asked = float(re.search(r"max_memory_gb / LANDPROFILE_MAX_MEMORY_GB to ([\d.]+)", text)[1])
        assert asked > 0.05
        # the limit it names lets the tiled run through, a little less does not
        lp.options.max_memory_gb = asked
        assert tile_size(west, None, 169, "west") >= 256
        lp.options.max_memory_gb = asked * 0.9
        with pytest.raises(ResourceLimitError):
            tile_size(west, None, 169, "west")
    finally:
        lp.options.max_memory_gb = old


def _scene(km: float, seed: int = 3):
    """A square landscape of ``km`` a side in UTM 30N, seeded sites and rivers.

    The sites are 36, in the 30 km square of its south-west corner whatever its size:
    a larger landscape has the same suitable land and zones, more of everything else.
    """
    import geopandas as gpd
    import shapely
    from pyproj import CRS
    from shapely.geometry import LineString, Point

    utm = CRS.from_epsg(32630)
    x0, y0, side = 500_000.0, 800_000.0, km * 1000.0
    rng = np.random.default_rng(seed)
    n, near = 36, min(side, 30_000.0)
    xy = rng.uniform([x0, y0], [x0 + near, y0 + near], (n, 2))
    sites = gpd.GeoDataFrame(
        {"site_id": [f"S{i:04d}" for i in range(n)]},
        geometry=[Point(x, y).buffer(60) for x, y in xy],
        crs=utm,
    )
    lines = []
    for _ in range(max(2, int(km / 20))):
        ys = rng.uniform(y0, y0 + side, 8)
        xs = np.linspace(x0 - 1000, x0 + side + 1000, 8)
        lines.append(LineString(np.c_[xs, np.sort(ys) if rng.random() < 0.5 else ys]))
    rivers = gpd.GeoDataFrame(geometry=lines, crs=utm)
    ls = lp.Landscape(
        name=f"square {km:g} km",
        geometry=shapely.box(x0, y0, x0 + side, y0 + side),
        crs=utm,
        provenance=lp.Provenance(method="custom", source="test"),
    )
    return ls, sites, rivers


RULES = """
[zones]
min_area_ha = 25.0
max_area_ha = 2000.0
split = "bisect"
min_score = 0.4
[exclude.rivers]
layer = "rivers"
buffer_m = 100.0
[favour.existing_sites]
layer = "sites"
weight = 0.6
decay_m = 3000.0
[favour.geology]
layer = "geology"
weight = 0.4
default = 0.3
"""


def _zones(km: float, **kw):
    ls, sites, rivers = _scene(km)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.zoning.candidates(
            ls, rules=RULES, sites=sites, rivers=rivers, resolution_m=30.0, **kw
        )


def _same(a, b):
    za, zb = a.zones, b.zones
    assert list(za["zone_id"]) == list(zb["zone_id"])
    assert np.array_equal(za["score"].to_numpy(), zb["score"].to_numpy())
    import shapely

    diff = shapely.area(shapely.symmetric_difference(za.geometry.values, zb.geometry.values))
    assert diff.max(initial=0) <= 1.0
    assert a.summary["n_zones"] == b.summary["n_zones"] > 0


def test_tiled_equals_one_grid_under_a_limit_below_the_whole_grids_arrays():
    from landprofile.zoning._disk import on_disk
    from landprofile.zoning.grid import ZONING_BYTES

    km = 60.0
    one = _zones(km, select={"n_zones": 8})
    cells = one.grid.width * one.grid.height
    whole_arrays = cells * 12  # score, suitable, labels (and locate's): the old floor
    limit_gib = 0.6 * whole_arrays / 2**30
    assert cells * ZONING_BYTES > 10 * limit_gib * 2**30  # one grid is far over it
    steps = []
    old = _limit(limit_gib)
    try:
        tiled = _zones(
            km,
            select={"n_zones": 8},
            progress=lambda s, t: steps.append(s) if t is None else None,
        )
    finally:
        lp.options.max_memory_gb = old
    assert any(s.startswith("tiles ") for s in steps)
    _same(one, tiled)
    assert one.selection["n_candidates"] == tiled.selection["n_candidates"]
    # the landscape-sized grids the result keeps are files, not memory
    assert on_disk(tiled.context.suit.score)
    assert on_disk(tiled.context.suitable)


#: The same rules where all the land passes (``min_score = 0``): regions are then the land
#: between two rivers, and the largest one's box is what grows (benchmarks' "open" table).
OPEN_RULES = RULES.replace("min_score = 0.4", "min_score = 0.0")


def child(km: float, tile: int, select: bool = True, open_land: bool = False) -> dict:
    """One tiled run in this (fresh) process: peak anonymous RSS and tracemalloc's peak.

    ``select``: with ``locate`` (8 zones), else the candidates alone. ``open_land``: with
    :data:`OPEN_RULES`. The largest region's cells and box cells are reported too.
    """
    import tracemalloc

    ls, sites, rivers = _scene(km)
    import landprofile.zoning.candidates  # noqa: F401  (imports before the baseline)

    def anon() -> int:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
        return 0

    peak = [anon()]
    base = peak[0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], anon())
            done.wait(0.01)

    th = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    th.start()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = lp.zoning.candidates(
            ls,
            rules=OPEN_RULES if open_land else RULES,
            sites=sites,
            rivers=rivers,
            resolution_m=30.0,
            tile_cells=tile,
            select={"n_zones": 8, "max_candidates": 200} if select else None,
        )
    seconds = time.perf_counter() - t0
    traced = tracemalloc.get_traced_memory()[1]
    done.set()
    th.join()
    g = res.grid
    reg = res.context.regions
    big = int(np.argmax(reg.n_cells)) if reg is not None and len(reg) else None
    box = None if big is None else [int(v) for v in reg.box[big]]
    return {
        "km": km,
        "tile": tile,
        "cells": g.width * g.height,
        "largest_region_cells": 0 if big is None else int(reg.n_cells[big]),
        "largest_box_cells": 0 if box is None else (box[1] - box[0]) * (box[3] - box[2]),
        "anon_peak": peak[0] - base,
        "traced_peak": traced,
        "seconds": seconds,
        "n_zones": len(res.zones),
    }


def measure(km: float, tile: int, select: bool = True) -> dict:
    out = subprocess.run(
        [sys.executable, str(HERE), str(km), str(tile), *([] if select else ["candidates"])],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


#: Bytes a cell of the landscape the peak may grow by (past 8 MiB) at a fixed tile size.
GROWTH_BYTES = 0.25


def test_peak_memory_grows_with_the_tile_not_the_landscape():
    from landprofile.zoning.tiles import STITCH_BYTES

    tile = 512
    # a first run compiles the numba kernels into their cache: not the baseline's peak
    measure(12.0, tile)
    runs = [measure(km, tile) for km in (30.0, 90.0, 180.0)]
    small = runs[0]
    for r in runs[1:]:
        assert r["n_zones"] > 0
        extra = r["cells"] - small["cells"]
        # what the larger landscape adds (same sites, same zones; longer rivers) is at
        # most GROWTH_BYTES a cell of resident anonymous memory, and as much allocated
        # (tracemalloc), plus 8 MiB of slack for the allocator and the sampler
        grown = r["anon_peak"] - small["anon_peak"]
        assert grown <= GROWTH_BYTES * extra + 8 * 2**20, runs
        grown = r["traced_peak"] - small["traced_peak"]
        assert grown <= GROWTH_BYTES * extra + 8 * 2**20, runs
    # the guard's allowance covers what was measured
    assert GROWTH_BYTES <= STITCH_BYTES
    # and far below the 12 bytes a cell the stitched grids in memory took
    big = runs[-1]
    assert big["anon_peak"] < 12 * big["cells"], runs


if __name__ == "__main__":
    flags = sys.argv[3:]
    print(
        json.dumps(
            child(
                float(sys.argv[1]),
                int(sys.argv[2]),
                select="candidates" not in flags,
                open_land="open" in flags,
            )
        )
    )


def test_a_tiles_constant_grid_is_stored_as_one_value_and_read_back_whole(tmp_path):
    from landprofile.zoning.tiles import Tile
    from landprofile.zoning.tiles_store import TileStore

    tile = Tile(0, (0, 40, 0, 50), (0, 40, 0, 50))
    varying = np.arange(2000, dtype=np.float32).reshape(40, 50)
    result = {
        "score": np.full((40, 50), 0.3, np.float32),
        "suitable": varying > 1000,
        "factors": {"geology": np.full((40, 50), 0.3, np.float32), "sites": varying},
        "weights": {"geology": 0.4, "sites": 0.6},
        "skipped": [],
        "raster_geoms": {},
    }
    store = TileStore(tmp_path, "k" * 20)
    store.save(tile, result)
    with np.load(store.path(tile)) as z:
        assert z["factor:geology"].shape == (1,)
        assert z["score"].shape == (1,)
        assert z["factor:sites"].shape == (40, 50)
    got = TileStore(tmp_path, "k" * 20).load(tile)
    for k in ("geology", "sites"):
        assert np.array_equal(got["factors"][k], result["factors"][k])
        assert got["factors"][k].dtype == np.float32
    assert np.array_equal(got["score"], result["score"])
