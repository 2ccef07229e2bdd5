"""Cold start: what a CLI user or a new kernel meets, every figure a whole fresh process.

Usage::

    python benchmarks/bench_cold.py [--runs 5]

Times, over ``--runs`` fresh processes each (best and median, wall clock, with the
process's peak RSS): ``import geopandas`` (the reference), ``import landprofile``,
``landprofile --help``, a first ``land_cover`` call on the 10⁸-cell raster of
``bench_land_cover.py`` (import + read the landscape + compute) next to exactextract's
``unique`` + ``frac`` doing the same in its own fresh process, and the floor: a process
that makes the same imports and reads the same data (the raster window decoded on two
threads) and computes nothing. The raster is put in the page cache first so that all read
from memory. Last, a small case: the sample data's 19 districts on its MODIS raster (0.05°),
first call by landprofile and by exactextract.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WORK = Path("/tmp/landprofile-bench")

RSS = (
    "import resource, sys; "
    "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)"
)


def commands(raster: Path, shape: Path) -> dict[str, list[str]]:
    py = sys.executable
    lp_call = (
        "import geopandas as gpd, landprofile as lp; "
        f"g = gpd.read_file({str(shape)!r}); "
        f"t = lp.land_cover(g, {str(raster)!r}, legend='esa_worldcover_v100'); "
        "assert len(t)"
    )
    ee_call = (
        "import geopandas as gpd; from exactextract import exact_extract; "
        f"g = gpd.read_file({str(shape)!r}); "
        f"t = exact_extract({str(raster)!r}, g, ['unique', 'frac'], output='pandas'); "
        "assert len(t)"
    )
    # What no tool can go below: the same imports and reads, the raster window decoded
    # on two threads (GDAL_NUM_THREADS), nothing computed.
    floor = (
        "import geopandas as gpd, rasterio; "
        f"g = gpd.read_file({str(shape)!r}); "
        "env = rasterio.Env(GDAL_NUM_THREADS=2); env.__enter__(); "
        f"ds = rasterio.open({str(raster)!r}); "
        "w = ds.window(*g.total_bounds).round_offsets().round_lengths(); "
        "a = ds.read(1, window=w); assert a.size"
    )
    # A small case: the sample data's 19 districts on MODIS (0.05°, 48 x 48 cells),
    # what a first profile of district-level data meets.
    sample = HERE.parent / "data" / "sample_boundaries"
    districts = sample / "synthetic_districts_sw_ghana.geojson"
    modis = sample / "modis_igbp_2019_sw_ghana.tif"
    lp_small = (
        "import geopandas as gpd, landprofile as lp; "
        f"g = gpd.read_file({str(districts)!r}); "
        f"t = lp.land_cover(g, {str(modis)!r}, legend='modis_igbp', id_field='shapeName'); "
        "assert len(t)"
    )
    ee_small = (
        "import geopandas as gpd; from exactextract import exact_extract; "
        f"g = gpd.read_file({str(districts)!r}); "
        f"t = exact_extract({str(modis)!r}, g, ['unique', 'frac'], output='pandas'); "
        "assert len(t)"
    )
    exe = Path(py).parent / "landprofile"
    return {
        "import geopandas": [py, "-c", "import geopandas; " + RSS],
        "import landprofile": [py, "-c", "import landprofile; " + RSS],
        "import landprofile + read_vector": [
            py,
            "-c",
            "import landprofile as lp; lp.read_vector; import geopandas; " + RSS,
        ],
        "landprofile --help": [str(exe), "--help"],
        "floor: same imports + reads, no compute": [py, "-c", floor + "; " + RSS],
        "first land_cover (import included)": [py, "-c", lp_call + "; " + RSS],
        "exactextract, same (import included)": [py, "-c", ee_call + "; " + RSS],
        "small: first land_cover, 19 districts": [py, "-c", lp_small + "; " + RSS],
        "small: exactextract, same": [py, "-c", ee_small + "; " + RSS],
    }


def prepare(size: int) -> None:
    """Make the raster and the landscape file (in a child: the parent stays small)."""
    from bench_land_cover import landscapes, make_raster

    make_raster(size)
    shape = WORK / "one.geojson"
    if not shape.exists():
        landscapes(size, "one").to_file(shape, driver="GeoJSON")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", type=int, default=12000)
    ap.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prepare:
        prepare(args.size)
        return
    # Linux keeps ru_maxrss across exec: the parent imports nothing heavy, so that each
    # child's peak RSS is its own.
    subprocess.run([sys.executable, __file__, "--prepare", "--size", str(args.size)], check=True)
    raster = WORK / f"lc_{args.size}.tif"
    shape = WORK / "one.geojson"
    with open(raster, "rb") as f:  # page cache
        while f.read(1 << 24):
            pass
    # As on a user's machine, modules load from their compiled .pyc (pip writes them at
    # install); this machine sets PYTHONDONTWRITEBYTECODE, which would compile
    # landprofile's (editable) sources in every process. One unrecorded run per command
    # writes them.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    rows = {}
    for name, cmd in commands(raster, shape).items():
        times, rss = [], []
        subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        for _ in range(args.runs):
            t0 = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
            times.append(time.perf_counter() - t0)
            for line in out.stderr.splitlines():
                if line.startswith("RSS "):
                    rss.append(float(line.split()[1]))
        rows[name] = {
            "best_s": min(times),
            "median_s": statistics.median(times),
            "peak_mb": max(rss) if rss else None,
        }
        r = rows[name]
        mb = f"{r['peak_mb']:7.0f} MB" if r["peak_mb"] else "       —"
        print(f"{name:40s} best {r['best_s']:6.2f} s  median {r['median_s']:6.2f} s  {mb}")
    g = rows["import geopandas"]["median_s"]
    print(
        f"\nimport landprofile / import geopandas: {rows['import landprofile']['median_s'] / g:.2f}"
    )
    lp_t = rows["first land_cover (import included)"]["median_s"]
    ee_t = rows["exactextract, same (import included)"]["median_s"]
    fl_t = rows["floor: same imports + reads, no compute"]["median_s"]
    print(f"exactextract / landprofile, cold (median): {ee_t / lp_t:.2f}x")
    print(f"exactextract / floor (the most any tool could reach): {ee_t / fl_t:.2f}x")
    print(f"landprofile / floor: {lp_t / fl_t:.2f}")
    sm = rows["small: first land_cover, 19 districts"]["median_s"]
    ee_sm = rows["small: exactextract, same"]["median_s"]
    print(f"small case, exactextract / landprofile, cold: {ee_sm / sm:.2f}x")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
