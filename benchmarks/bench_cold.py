"""Cold start: what a CLI user or a new kernel meets, every figure a whole fresh process.

Usage::

    python benchmarks/bench_cold.py [--runs 7] [--cases small,large] [--src TREE]

Three cases, each timed as whole fresh processes that import geopandas, read the polygons
and compute (wall clock): the sample data's 19 districts on its MODIS raster (0.05°, 48 x
48 cells); twelve polygons of 160-730 ha on ESA's own WorldCover tile N00E006 (10 m,
36,000² cells, from ``../shared/data``; skipped where it is absent); one landscape of 10⁸
cells on the raster of ``bench_land_cover.py`` (in the page cache). In each case
landprofile's ``land_cover``, exactextract's ``unique`` + ``frac`` and a floor run in turn
(A B C A B C ...: the machine's drift falls on all three alike) and medians are taken;
the ratio exactextract / landprofile is the median of the pairs. The floor makes the same
imports and reads and computes nothing (for the large case it also decodes the raster
window on two threads): no tool can go below it. Each landprofile and exactextract
process also times a second, warm call. Two cold figures: the whole process (its exit
included, and the warm second call too: the figure issue 30 quotes) and the first answer
(from the start of the process to the end of its first call, the floor's to the end of
its reads: the child prints the system-wide monotonic clock, which the parent reads).
``--src`` times another source tree (its ``src/`` first on ``PYTHONPATH``), e.g.
``git archive COMMIT src | tar -x -C /tmp/before``.
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


TWELVE = WORK / "twelve_sao_tome.geojson"
WORLDCOVER = HERE.parents[1] / "shared/data/worldcover/ESA_WorldCover_10m_2020_v100_N00E006_Map.tif"
# Twelve polygons of 160-730 ha on São Tomé, on ESA's own 10 m tile (36,000² cells):
# what a first profile of sites on a real WorldCover tile meets (tests/test_first_call_paths).
CENTRES = [(6.55, 0.33), (6.60, 0.38), (6.68, 0.34), (6.72, 0.28), (6.66, 0.26),
           (6.58, 0.30), (6.54, 0.24), (6.62, 0.20), (6.70, 0.20), (6.60, 0.12),
           (6.64, 0.12), (6.56, 0.16)]  # fmt: skip


def small_cases() -> dict[str, tuple[Path, Path, str]]:
    """Case -> (polygons, raster, land_cover keywords); WorldCover only where it exists."""
    sample = HERE.parent / "data" / "sample_boundaries"
    cases = {
        "19 districts on MODIS": (
            sample / "synthetic_districts_sw_ghana.geojson",
            sample / "modis_igbp_2019_sw_ghana.tif",
            "legend='modis_igbp', id_field='shapeName'",
        )
    }
    if WORLDCOVER.exists():
        cases["12 polygons on WorldCover"] = (TWELVE, WORLDCOVER, "legend='esa_worldcover_v100'")
    return cases


#: Printed by every script when its first answer is there (the floor: at its end), on the
#: system-wide monotonic clock the parent reads too: the first answer's time, start-up
#: included, without the warm second call and the interpreter's exit.
FIRST = "import time\nprint('FIRST', time.monotonic(), file=sys.stderr)\n"


def scripts(shape: Path, raster: Path, kw: str) -> dict[str, str]:
    """landprofile, exactextract and the floor (same imports and reads, nothing computed).

    Each prints, on stderr, the time of a second (warm) call in the same process.
    """
    read = f"import geopandas as gpd; g = gpd.read_file({str(shape)!r})\n"
    warm = (
        FIRST + "t0 = time.perf_counter(); f()\n"
        "print('WARM', time.perf_counter() - t0, file=sys.stderr)\n"
    )
    lp = (
        "import sys, warnings; warnings.simplefilter('ignore')\n"
        + read
        + "import landprofile as lp\n"
        + f"def f(): assert len(lp.land_cover(g, {str(raster)!r}, {kw}))\nf()\n"
        + warm
    )
    ee = (
        "import sys, warnings; warnings.simplefilter('ignore')\n"
        + read
        + "from exactextract import exact_extract\n"
        + f"def f(): assert len(exact_extract({str(raster)!r}, g, ['unique', 'frac'], "
        "output='pandas'))\nf()\n" + warm
    )
    return {"landprofile": lp, "exactextract": ee, "floor": "import sys\n" + read + FIRST}


def large_floor(raster: Path, shape: Path) -> str:
    # the same imports and reads, the raster window decoded on two threads, nothing computed
    return (
        "import sys; import geopandas as gpd, rasterio\n"
        f"g = gpd.read_file({str(shape)!r})\n"
        "env = rasterio.Env(GDAL_NUM_THREADS=2); env.__enter__()\n"
        f"ds = rasterio.open({str(raster)!r})\n"
        "w = ds.window(*g.total_bounds).round_offsets().round_lengths()\n"
        "a = ds.read(1, window=w); assert a.size\n" + FIRST
    )


def prepare(size: int) -> None:
    """Make the raster and the landscape file (in a child: the parent stays small)."""
    from bench_land_cover import landscapes, make_raster

    make_raster(size)
    shape = WORK / "one.geojson"
    if not shape.exists():
        landscapes(size, "one").to_file(shape, driver="GeoJSON")
    if not TWELVE.exists():
        import geopandas as gpd
        import numpy as np
        from shapely.geometry import Polygon

        rng = np.random.default_rng(12)
        geoms = []
        for x, y in CENTRES:
            r = rng.uniform(0.8, 2.5) / 111.32
            a = np.sort(rng.uniform(0, 2 * np.pi, 24))
            rr = r * rng.uniform(0.6, 1.0, 24)
            geoms.append(Polygon(np.column_stack([x + rr * np.cos(a), y + rr * np.sin(a)])))
        names = [f"site {i + 1}" for i in range(12)]
        gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=4326).to_file(TWELVE)


def interleaved(cmds: dict[str, str], runs: int, env: dict[str, str]) -> dict[str, dict]:
    """Run the scripts in turn (A B C A B C ...), each a fresh process; medians."""
    times: dict[str, list[float]] = {k: [] for k in cmds}
    first: dict[str, list[float]] = {k: [] for k in cmds}
    warm: dict[str, list[float]] = {k: [] for k in cmds}
    for code in cmds.values():  # one unrecorded run each: .pyc written, files cached
        subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
    for _ in range(runs):
        for name, code in cmds.items():
            start, t0 = time.monotonic(), time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", code], check=True, env=env, capture_output=True, text=True
            )
            times[name].append(time.perf_counter() - t0)
            marks = {x.split()[0]: float(x.split()[1]) for x in out.stderr.splitlines()
                     if x.startswith(("WARM", "FIRST"))}  # fmt: skip
            first[name].append(marks["FIRST"] - start)
            if "WARM" in marks:
                warm[name].append(marks["WARM"])
    return {
        k: {
            "median_s": statistics.median(v),
            "best_s": min(v),
            "first_median_s": statistics.median(first[k]),
            "first_runs": first[k],
            "warm_median_s": statistics.median(warm[k]) if warm[k] else None,
            "runs": v,
        }
        for k, v in times.items()
    }


def report(case: str, rows: dict[str, dict]) -> None:
    print(f"\n{case}")
    for k, r in rows.items():
        w = f"  warm {r['warm_median_s']:.3f} s" if r["warm_median_s"] is not None else ""
        print(
            f"  {k:14s} cold median {r['median_s']:.3f} s  best {r['best_s']:.3f} s  "
            f"first answer median {r['first_median_s']:.3f} s{w}"
        )
    for what, key in (("whole process", "runs"), ("first answer", "first_runs")):
        lp, ee, fl = (rows[k][key] for k in ("landprofile", "exactextract", "floor"))
        pair = statistics.median(e / x for e, x in zip(ee, lp, strict=True))
        print(
            f"  {what}: exactextract / landprofile, cold, paired median: {pair:.2f}x; "
            f"exactextract / floor: {statistics.median(ee) / statistics.median(fl):.2f}x; "
            f"landprofile / floor: {statistics.median(lp) / statistics.median(fl):.2f}"
        )
    if rows["landprofile"]["warm_median_s"]:
        print(
            f"  warm: exactextract / landprofile "
            f"{rows['exactextract']['warm_median_s'] / rows['landprofile']['warm_median_s']:.2f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--size", type=int, default=12000)
    ap.add_argument("--cases", default="small,large", help="small, large or both")
    ap.add_argument("--src", help="a landprofile source tree to time instead (its src/)")
    ap.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prepare:
        prepare(args.size)
        return
    subprocess.run([sys.executable, __file__, "--prepare", "--size", str(args.size)], check=True)
    # As on a user's machine, modules load from their compiled .pyc (pip writes them at
    # install); this machine sets PYTHONDONTWRITEBYTECODE, which would compile
    # landprofile's (editable) sources in every process. One unrecorded run writes them.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve() / "src")
    out = {}
    if "small" in args.cases:
        for case, (shape, raster, kw) in small_cases().items():
            out[case] = interleaved(scripts(shape, raster, kw), args.runs, env)
            report(case, out[case])
    if "large" in args.cases:
        raster, shape = WORK / f"lc_{args.size}.tif", WORK / "one.geojson"
        with open(raster, "rb") as f:  # page cache
            while f.read(1 << 24):
                pass
        cmds = scripts(shape, raster, "legend='esa_worldcover_v100'")
        cmds["floor"] = large_floor(raster, shape)
        out["large: one landscape, 1e8 cells"] = interleaved(cmds, args.runs, env)
        report("large: one landscape, 1e8 cells", out["large: one landscape, 1e8 cells"])
    print(
        json.dumps(
            {
                k: {n: {m: x for m, x in r.items() if "runs" not in m} for n, r in v.items()}
                for k, v in out.items()
            }
        )
    )


if __name__ == "__main__":
    main()
