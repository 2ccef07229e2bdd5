"""Land-cover change on a 10⁸-cell landscape against one ``land_cover`` call on it.

Usage::

    python benchmarks/bench_change.py [--repeat 3]

Before: the 12,000 × 12,000 raster of ``bench_land_cover.py``; after: the same grid with
a changed block and new noise (written once). ``change`` reads both rasters, so its
target is at most 2.5× one ``land_cover`` call. Each figure is a fresh process: cold =
``import landprofile`` + read the landscape + the call; warm = a second call in it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = Path("/tmp/landprofile-bench")


def prepare(size: int) -> None:
    """The before raster (bench_land_cover's), an after raster, and the landscape."""
    sys.path.insert(0, str(HERE))
    import numpy as np
    import rasterio
    from bench_land_cover import landscapes, make_raster

    before = make_raster(size)
    after = WORK / f"lc_{size}_after.tif"
    if not after.exists():
        rng = np.random.default_rng(3)
        with rasterio.open(before) as src:
            profile = src.profile
            with rasterio.open(after, "w", **profile) as dst:
                for _, win in src.block_windows(1):
                    block = src.read(1, window=win)
                    noise = rng.random(block.shape) < 0.05
                    block[noise] = 40  # some cells become cropland
                    dst.write(block, 1, window=win)
    shape = WORK / "one.geojson"
    if not shape.exists():
        landscapes(size, "one").to_file(shape, driver="GeoJSON")


CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
import geopandas as gpd
import landprofile as lp
g = gpd.read_file(sys.argv[2])
ls = lp.Landscape(name="one", geometry=g.geometry.iloc[0], crs=g.crs,
                  provenance=lp.Provenance(method="custom", source="bench"))
def run():
    if sys.argv[1] == "change":
        return lp.change(ls, sys.argv[3], sys.argv[4], legend="esa_worldcover_v100")
    return lp.land_cover(ls, sys.argv[3], legend="esa_worldcover_v100")
run()
cold = time.perf_counter() - t0
t1 = time.perf_counter()
run()
warm = time.perf_counter() - t1
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cold": cold, "warm": warm, "rss": rss}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", type=int, default=12000)
    ap.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prepare:
        prepare(args.size)
        return
    # in a child, so that this process (whose peak RSS Linux passes to its children
    # across exec) stays small
    subprocess.run([sys.executable, __file__, "--prepare", "--size", str(args.size)], check=True)
    before = WORK / f"lc_{args.size}.tif"
    after = WORK / f"lc_{args.size}_after.tif"
    shape = WORK / "one.geojson"
    for path in (before, after):
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass
    best = {}
    for method in ("land_cover", "change"):
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, method, str(shape), str(before), str(after)],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        best[method] = {k: min(r[k] for r in runs) for k in ("cold", "warm", "rss")}
        b = best[method]
        print(
            f"{method:10s} cold {b['cold']:6.2f} s  warm {b['warm']:6.2f} s  "
            f"peak RSS {b['rss']:6.0f} MB"
        )
    for k in ("cold", "warm"):
        print(f"change / land_cover, {k}: {best['change'][k] / best['land_cover'][k]:.2f}x")


if __name__ == "__main__":
    main()
