"""Run pysheds' DEM path on a GeoTIFF; called by bench_dem.py in pysheds' own venv.

pysheds 0.5 fails on numpy >= 2.3, so it lives in a separate virtual environment
(``python -m venv /tmp/pysheds-venv && /tmp/pysheds-venv/bin/pip install pysheds
'numpy<2.3'``) and this file imports nothing from landprofile.
"""

import json
import resource
import sys
import time

import numpy as np
from pysheds.grid import Grid


def main() -> None:
    dem_path, outlets_json, out_npz = sys.argv[1:4]
    outlets = json.loads(outlets_json)
    # warm-up: pysheds compiles its numba kernels on first use; time the steady state
    g0 = Grid.from_raster(dem_path)
    d0 = g0.read_raster(dem_path)
    g0.accumulation(g0.flowdir(g0.resolve_flats(g0.fill_depressions(g0.fill_pits(d0)))))
    t = {}
    t0 = time.perf_counter()
    grid = Grid.from_raster(dem_path)
    dem = grid.read_raster(dem_path)
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pits = grid.fill_pits(dem)
    flooded = grid.fill_depressions(pits)
    t["fill"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inflated = grid.resolve_flats(flooded)
    t["flats"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fdir = grid.flowdir(inflated)
    t["directions"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    acc = grid.accumulation(fdir)
    t["accumulation"] = time.perf_counter() - t0
    masks = {}
    t0 = time.perf_counter()
    for i, (row, col) in enumerate(outlets):
        catch = grid.catchment(x=col, y=row, fdir=fdir, xytype="index")
        masks[f"m{i}"] = np.asarray(catch).astype(bool)
    t["catchment"] = time.perf_counter() - t0
    np.savez_compressed(out_npz, **masks)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": t,
                "total": sum(v for k, v in t.items() if k != "read"),
                "peak_mb": peak,
                "max_acc": float(np.max(acc)),
            }
        )
    )


if __name__ == "__main__":
    main()
